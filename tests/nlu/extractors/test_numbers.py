"""``number``: digits in any script and number words in English and Arabic (MSA and dialects)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.extractors.numbers import NumberExtractor

EXTRACTOR = NumberExtractor()


def found(text: str) -> list[tuple[str, int | float]]:
    """(text as written, value) of every number, checking the entity's bookkeeping on the way."""
    entities = EXTRACTOR.extract(text)
    for entity in entities:
        assert entity.entity == "number" and entity.extractor == "number"
        assert entity.start is not None and entity.end is not None
    return [(text[e.start : e.end], e.value) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # digits in three scripts, separators, decimals
        ("عايز 3 قطع", [("3", 3)]),
        ("عايز ٣ قطع", [("٣", 3)]),
        ("عايز ۳ قطع", [("۳", 3)]),
        ("the total is 1,250 riyals", [("1,250", 1250)]),
        ("١٬٢٥٠", [("١٬٢٥٠", 1250)]),
        ("1,250.50", [("1,250.50", 1250.5)]),
        ("3.5 kg", [("3.5", 3.5)]),
        ("١٢٫٥ كيلو", [("١٢٫٥", 12.5)]),
        ("10.0", [("10.0", 10)]),
        ("12,5", [("12", 12), ("5", 5)]),
        ("sizes 40-42", [("40", 40), ("42", 42)]),
        ("بـ٢٥٠ ريال", [("٢٥٠", 250)]),
        ("5k", [("5k", 5000)]),
        ("2.5k", [("2.5k", 2500)]),
        ("3 آلاف", [("3 آلاف", 3000)]),
        ("١٠٠ ألف", [("١٠٠ ألف", 100000)]),
        ("2 million", [("2 million", 2000000)]),
        ("1.5 مليون", [("1.5 مليون", 1500000)]),
        ("5 hundred", [("5 hundred", 500)]),
        # English words
        ("three", [("three", 3)]),
        ("I want three please", [("three", 3)]),
        ("twenty five", [("twenty five", 25)]),
        ("Twenty-Five", [("Twenty-Five", 25)]),
        ("a hundred and two", [("a hundred and two", 102)]),
        ("two hundred five", [("two hundred five", 205)]),
        ("two thousand five hundred and forty one", [("two thousand five hundred and forty one", 2541)]),
        ("a thousand", [("a thousand", 1000)]),
        ("eleven", [("eleven", 11)]),
        ("one and two", [("one", 1), ("two", 2)]),
        ("five twenty", [("five", 5), ("twenty", 20)]),
        ("a lot of them", []),
        # Arabic units, MSA and dialect spellings
        ("واحد", [("واحد", 1)]),
        ("وحدة بس", [("وحدة", 1)]),
        ("اتنين", [("اتنين", 2)]),
        ("اثنين", [("اثنين", 2)]),
        ("ثنتين", [("ثنتين", 2)]),
        ("تلاتة", [("تلاتة", 3)]),
        ("ثلاثة", [("ثلاثة", 3)]),
        ("ثلاث", [("ثلاث", 3)]),
        ("اربعة", [("اربعة", 4)]),
        ("أربعة", [("أربعة", 4)]),
        ("خمسة", [("خمسة", 5)]),
        ("ستة", [("ستة", 6)]),
        ("سبعة", [("سبعة", 7)]),
        ("تمنية", [("تمنية", 8)]),
        ("ثمانية", [("ثمانية", 8)]),
        ("تسعة", [("تسعة", 9)]),
        ("عشرة", [("عشرة", 10)]),
        ("ثلاثـــة", [("ثلاثـــة", 3)]),
        ("ثَلَاثَة", [("ثَلَاثَة", 3)]),
        # teens
        ("حداشر", [("حداشر", 11)]),
        ("احدعش", [("احدعش", 11)]),
        ("اتناشر", [("اتناشر", 12)]),
        ("خمستاشر", [("خمستاشر", 15)]),
        ("خمسة عشر", [("خمسة عشر", 15)]),
        ("إحدى عشرة", [("إحدى عشرة", 11)]),
        ("اثنا عشر", [("اثنا عشر", 12)]),
        # tens, hundreds, thousands with و
        ("عشرين", [("عشرين", 20)]),
        ("ثلاثين", [("ثلاثين", 30)]),
        ("خمسة وعشرين", [("خمسة وعشرين", 25)]),
        ("خمسة و عشرين", [("خمسة و عشرين", 25)]),
        ("ثلاثة وعشرون", [("ثلاثة وعشرون", 23)]),
        ("عشرين وخمسة", [("عشرين وخمسة", 25)]),
        ("مية", [("مية", 100)]),
        ("مئة", [("مئة", 100)]),
        ("ميه", [("ميه", 100)]),
        ("مائة", [("مائة", 100)]),
        ("ميتين", [("ميتين", 200)]),
        ("مئتين", [("مئتين", 200)]),
        ("تلات مية", [("تلات مية", 300)]),
        ("ثلاثمائة", [("ثلاثمائة", 300)]),
        ("خمسمية", [("خمسمية", 500)]),
        ("مية وخمسين", [("مية وخمسين", 150)]),
        ("مئة وخمسون", [("مئة وخمسون", 150)]),
        ("ميتين وخمسة وعشرين", [("ميتين وخمسة وعشرين", 225)]),
        ("ألف", [("ألف", 1000)]),
        ("الف", [("الف", 1000)]),
        ("ألفين", [("ألفين", 2000)]),
        ("الف وخمسمية", [("الف وخمسمية", 1500)]),
        ("ألف وخمسمائة", [("ألف وخمسمائة", 1500)]),
        ("تلات آلاف", [("تلات آلاف", 3000)]),
        ("ثلاثة آلاف وخمسمائة", [("ثلاثة آلاف وخمسمائة", 3500)]),
        ("خمستلاف", [("خمستلاف", 5000)]),
        ("عشرين الف", [("عشرين الف", 20000)]),
        ("مية الف", [("مية الف", 100000)]),
        ("مليون", [("مليون", 1000000)]),
        # clitics stay out of the span; numbers next to each other stay apart
        ("بخمسين ريال", [("خمسين", 50)]),
        ("وخمسة كمان", [("خمسة", 5)]),
        ("اتنين و اتنين", [("اتنين", 2), ("اتنين", 2)]),
        ("خمسة عشرين", [("خمسة", 5), ("عشرين", 20)]),
        ("خمسة، ستة", [("خمسة", 5), ("ستة", 6)]),
        ("عايز 2 بيتزا و تلاتة بيبسي", [("2", 2), ("تلاتة", 3)]),
        # not numbers
        ("آلاف الناس", []),
        ("احد", []),
        ("التمن كام", []),
        ("3ayez a3mel order", []),
        ("ba3d bokra", []),
        ("iphone15", []),
        ("5:30", []),
        ("12/5", []),
        ("2026-11-17", []),
        ("", []),
    ],
)
def test_numbers(text: str, expected: list[tuple[str, int | float]]) -> None:
    assert found(text) == expected


def test_values_are_int_when_whole() -> None:
    assert [type(e.value) for e in EXTRACTOR.extract("3.0 و 3.5 و تلاتة")] == [int, float, int]


def test_digit_suffixes_keep_the_number() -> None:
    assert found("5pm") == [("5", 5)]
    assert found("2x") == [("2", 2)]
    assert found("250SAR") == [("250", 250)]


_SCRIPTS = [str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"), None]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=9999))
def test_the_same_value_in_three_digit_scripts(n: int) -> None:
    written = [str(n).translate(table) if table else str(n) for table in _SCRIPTS]
    for text in written:
        assert found(f"عايز {text} قطعة") == [(text, n)]


_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _english(n: int) -> str:
    if n < 20:
        return _EN_UNITS[n]
    if n < 100:
        return _EN_TENS[n // 10] + ("" if n % 10 == 0 else " " + _EN_UNITS[n % 10])
    if n < 1000:
        rest = n % 100
        return _EN_UNITS[n // 100] + " hundred" + ("" if rest == 0 else " and " + _english(rest))
    rest = n % 1000
    return _english(n // 1000) + " thousand" + ("" if rest == 0 else " " + _english(rest))


_AR_UNITS = ["", "واحد", "اتنين", "تلاتة", "اربعة", "خمسة", "ستة", "سبعة", "تمنية", "تسعة"]
_AR_TEENS = ["عشرة", "حداشر", "اتناشر", "تلتاشر", "اربعتاشر", "خمستاشر", "ستاشر", "سبعتاشر", "تمنتاشر", "تسعتاشر"]
_AR_TENS = ["", "", "عشرين", "تلاتين", "اربعين", "خمسين", "ستين", "سبعين", "تمانين", "تسعين"]
_AR_HUNDREDS = ["", "مية", "ميتين", "تلتمية", "ربعمية", "خمسمية", "ستمية", "سبعمية", "تمنمية", "تسعمية"]


def _egyptian(n: int) -> str:
    """Egyptian Arabic words for 1..999 ("مية وخمسة وعشرين")."""
    parts = [_AR_HUNDREDS[n // 100]] if n >= 100 else []
    rest = n % 100
    if 10 <= rest < 20:
        parts.append(_AR_TEENS[rest - 10])
    elif rest:
        below = [_AR_UNITS[rest % 10]] if rest % 10 else []
        parts.append(" و".join(below + ([_AR_TENS[rest // 10]] if rest >= 20 else [])))
    return " و".join(p for p in parts if p)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999))
def test_english_words_read_back(n: int) -> None:
    words = _english(n)
    assert found(words) == [(words, n)]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=999))
def test_egyptian_words_read_back(n: int) -> None:
    words = _egyptian(n)
    assert found(f"عايز {words} حاجة") == [(words, n)]
