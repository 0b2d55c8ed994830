"""The English and Arabic (MSA and dialect) number words ``numbers`` reads, folded, with their kind and value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.nlu.extractors.base import fold_word

__all__ = ["ARTICLE", "HUNDRED", "HUNDREDS", "SCALE", "SCALE_PLURAL", "SCALE_VALUE", "TEEN", "TEEN_UNIT", "TEN",
           "TENS", "UNIT", "WORDS", "WORD_VALUES", "Word"]

# kinds of number words
UNIT, TEN, TEEN, TENS, HUNDRED, HUNDREDS = "unit", "ten", "teen", "tens", "hundred", "hundreds"
SCALE, SCALE_PLURAL, SCALE_VALUE = "scale", "scale_plural", "scale_value"
ARTICLE, TEEN_UNIT = "article", "teen_unit"


@dataclass(frozen=True, slots=True)
class Word:
    """What a folded number word is: its kind (unit, tens, scale...), its value, and its script."""

    kind: str
    value: int
    scale: int = 1  # for SCALE / SCALE_PLURAL / SCALE_VALUE: 1000 or 1_000_000
    arabic: bool = True


def _table() -> dict[str, Word]:
    words: dict[str, Word] = {}

    def add(kind: str, value: int, spellings: list[str], scale: int = 1) -> None:
        for spelling in spellings:
            folded = fold_word(spelling)
            words[folded] = Word(kind, value, scale, not folded.isascii())

    units = {
        0: ["صفر", "zero"],
        1: ["واحد", "واحدة", "وحدة", "one"],
        2: ["اثنين", "اتنين", "إثنين", "اثنان", "ثنتين", "اثنتين", "اثنتان", "تنين", "two"],
        3: ["ثلاثة", "ثلاث", "تلاتة", "تلات", "three"],
        4: ["أربعة", "أربع", "اربعة", "اربع", "four"],
        5: ["خمسة", "خمس", "five"],
        6: ["ستة", "ست", "six"],
        7: ["سبعة", "سبع", "seven"],
        8: ["ثمانية", "ثماني", "ثمان", "تمانية", "تمنية", "eight"],  # not "تمن": Egyptian for "price"
        9: ["تسعة", "تسع", "nine"],
    }
    for value, spellings in units.items():
        add(UNIT, value, spellings)
    add(TEN, 10, ["عشرة", "عشر", "ten"])
    teens = {
        11: ["احدعشر", "احداشر", "حداشر", "احدعش", "حدعش", "eleven"],
        12: ["اتناشر", "اثناشر", "اطناشر", "اثنعش", "ثنعش", "twelve"],
        13: ["تلتاشر", "تلطاشر", "ثلاثطعش", "ثلطعش", "thirteen"],
        14: ["اربعتاشر", "اربعطاشر", "اربعطعش", "fourteen"],
        15: ["خمستاشر", "خمسطاشر", "خمسطعش", "fifteen"],
        16: ["ستاشر", "سطاشر", "ستطعش", "سطعش", "sixteen"],
        17: ["سبعتاشر", "سبعطاشر", "سبعطعش", "seventeen"],
        18: ["تمنتاشر", "تمانتاشر", "تمنطاشر", "ثمنطعش", "ثمانطعش", "eighteen"],
        19: ["تسعتاشر", "تسعطاشر", "تسعطعش", "nineteen"],
    }
    for value, spellings in teens.items():
        add(TEEN, value, spellings)
    tens = {
        20: ["عشرين", "عشرون", "twenty"],
        30: ["ثلاثين", "ثلاثون", "تلاتين", "thirty"],
        40: ["أربعين", "أربعون", "اربعين", "forty", "fourty"],
        50: ["خمسين", "خمسون", "fifty"],
        60: ["ستين", "ستون", "sixty"],
        70: ["سبعين", "سبعون", "seventy"],
        80: ["ثمانين", "ثمانون", "تمانين", "eighty"],
        90: ["تسعين", "تسعون", "ninety"],
    }
    for value, spellings in tens.items():
        add(TENS, value, spellings)
    hundred_forms = ["مية", "مئة", "مائة", "ماية", "ميه"]
    add(HUNDRED, 100, [*hundred_forms, "hundred"])
    add(HUNDREDS, 200, ["ميتين", "مئتين", "مائتين", "مئتان", "مائتان", "متين"])
    hundred_prefixes = {
        3: ["ثلاث", "تلت", "تلات", "ثلث"], 4: ["اربع", "ربع"], 5: ["خمس"], 6: ["ست"], 7: ["سبع"],
        8: ["ثمان", "ثماني", "تمن", "تمان", "ثمن"], 9: ["تسع"],
    }
    for value, prefixes in hundred_prefixes.items():
        add(HUNDREDS, value * 100, [prefix + form for prefix in prefixes for form in hundred_forms])
    add(SCALE, 1, ["ألف", "الف", "thousand"], scale=1000)
    add(SCALE_VALUE, 2000, ["ألفين", "ألفان"], scale=1000)
    add(SCALE_PLURAL, 1, ["آلاف", "ألاف", "الاف", "تلاف"], scale=1000)
    thousand_prefixes = {
        3: ["تلات", "تلت", "ثلاث"], 4: ["اربع", "ربع"], 5: ["خمس"], 6: ["ست", "س"], 7: ["سبع"],
        8: ["تمن", "تمان"], 9: ["تسع"], 10: ["عشر", "عشرة"],
    }
    for value, prefixes in thousand_prefixes.items():
        add(SCALE_VALUE, value * 1000, [prefix + "تلاف" for prefix in prefixes], scale=1000)
    add(SCALE, 1, ["مليون", "million"], scale=1_000_000)
    add(SCALE_VALUE, 2_000_000, ["مليونين", "مليونان"], scale=1_000_000)
    add(SCALE_PLURAL, 1, ["ملايين"], scale=1_000_000)
    add(ARTICLE, 1, ["a", "an"])
    add(TEEN_UNIT, 1, ["احدى", "احد"])
    add(TEEN_UNIT, 2, ["اثنا", "اثني", "اثنتا", "اثنتي"])
    return words


WORDS = _table()
WORD_VALUES: Mapping[str, int] = {
    word: info.value for word, info in WORDS.items() if info.kind in (UNIT, TEN, TEEN, TENS, HUNDREDS)
} | {word: 100 for word, info in WORDS.items() if info.kind == HUNDRED}
"""Folded single words with a value of their own ("خمسه" → 5, "twenty" → 20), for other extractors."""
