"""``number``: numbers written in digits (any script) or in words (English, Arabic MSA and dialects).

Covered:
* digits in ASCII, Arabic-Indic and Persian, with thousands separators ("1,250", "١٬٢٥٠") and
  decimals ("3.5", "١٢٫٥"); a comma is a thousands separator only before groups of exactly
  three digits ("12,5" is 12 and 5, never 12.5);
* a digit number followed by a multiplier: "5k", "3 آلاف", "١٠٠ ألف", "2.5 million";
* English words: "three", "twenty five", "twenty-five", "a hundred and two", "two thousand
  five hundred";
* Arabic words, MSA and dialect spellings: units (واحد/وحدة، اتنين/اثنين/ثنتين، تلاتة/ثلاث…),
  teens (حداشر، اتناشر، خمستاشر، خمسة عشر…), tens (عشرين/عشرون…), hundreds (مية/مئة/مائة،
  ميتين، خمسمية، ثلاثمائة، "تلات مية"), thousands (ألف، ألفين، "تلات آلاف"، خمستلاف) and
  millions, joined with و ("مية وخمسين" = 150, "الف وخمسمية" = 1500, "خمسة وعشرين" = 25);
  a leading clitic is left out of the span ("بخمسين" → span "خمسين");
* Chinese numerals ("三个" → 3, "一百二十" → 120, "两万五" → 25000, "3万" → 30000): see
  ``chinese_numbers``.

Not covered: negative numbers, fractions ("نص", "half", "ربع"), ordinals ("third",
"الخامس"), Arabizi number words ("talata"), "dozen", and digits glued to Latin letters as in
Arabizi ("3ayez", "ba3d") or model names ("iphone15"), which are letters or names, not numbers.
Dates and times written with "/" or ":" ("12/5", "5:30") and ISO dates are left to ``time``.
Words that are also ordinary words are read as numbers: "one" ("the blue one"), "مية"/"ميه"
(also "water" in Egyptian), "ست" ("lady"); "تمن" (Egyptian "price") and a lone "احد" are not.

The value is an ``int`` when whole, else a ``float``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from bot.core.events import Entity
from bot.nlu.extractors.base import make_entity, searchable
from bot.nlu.extractors.chinese_numbers import SCALES as CHINESE_SCALES
from bot.nlu.extractors.chinese_numbers import find_chinese_numbers
from bot.nlu.extractors.number_words import (
    ARTICLE,
    HUNDRED,
    HUNDREDS,
    SCALE,
    SCALE_PLURAL,
    SCALE_VALUE,
    TEEN,
    TEEN_UNIT,
    TEN,
    TENS,
    UNIT,
    WORD_VALUES,
    Word,
)
from bot.nlu.extractors.number_words import WORDS as _WORDS

__all__ = ["WORD_VALUES", "NumberExtractor", "NumberMatch", "find_numbers", "to_number"]

_ADDITIVE = (UNIT, TEN, TEEN, TENS, HUNDREDS)
_CLITICS = ("وب", "فب", "و", "ب", "ف", "ل", "ك")
_CONNECTORS = ("و", "and")
_TOKEN = re.compile(r"(?P<num>\d+(?:[.,:/\-]\d+)*)|(?P<word>[^\W\d_]+)")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_SUFFIXES = {"k": 1000, "pm": 1, "am": 1, "st": 1, "nd": 1, "rd": 1, "th": 1, "x": 1, "h": 1, "hr": 1, "hrs": 1,
             "min": 1, "mins": 1, "kg": 1, "g": 1, "gb": 1, "tb": 1, "ml": 1, "l": 1, "cm": 1, "mm": 1, "m": 1,
             "sar": 1, "egp": 1, "usd": 1, "aed": 1, "kwd": 1, "qar": 1, "bhd": 1, "omr": 1, "jod": 1, "sr": 1,
             "le": 1, "qr": 1, "kd": 1, "bd": 1, "jd": 1, "dh": 1, "dhs": 1, "eur": 1, "gbp": 1, "dollar": 1,
             "dollars": 1, "euro": 1, "euros": 1, "bucks": 1, "rmb": 1, "pcs": 1}
_LATIN = re.compile(r"[a-z]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """A number found in ``searchable`` text: ``text[start:end]`` and its value."""

    start: int
    end: int
    value: int | float
    words: bool  # written (at least partly) in words


def to_number(value: Decimal) -> int | float:
    """``int`` when whole, else ``float``."""
    integral = value.to_integral_value()
    return int(integral) if integral == value else float(value)


def find_numbers(text: str) -> list[NumberMatch]:
    """Numbers in ``text``, which must be ``searchable(...).text`` (folded, ASCII digits)."""
    return list(_find_numbers(text))


@lru_cache(maxsize=256)
def _find_numbers(text: str) -> tuple[NumberMatch, ...]:
    """Cached: ``number`` and ``amount`` both read the numbers of the same message."""
    tokens = [(m.start(), m.end(), m.group(), m.lastgroup == "num") for m in _TOKEN.finditer(text)]
    found: list[NumberMatch] = []
    i = 0
    while i < len(tokens):
        if tokens[i][3]:
            matches, i = _digits(text, tokens, i)
            found.extend(matches)
            continue
        if _HAN.search(tokens[i][2]):  # Chinese has no spaces: the numerals inside the run of letters
            done = found[-1].end if found else 0
            found.extend(NumberMatch(a, b, value, True) for a, b, value in find_chinese_numbers(text, tokens[i][0], tokens[i][1])
                         if a >= done)
            i += 1
            continue
        match, next_index = _words(text, tokens, i)
        if match is None:
            i += 1
        else:
            found.append(match)
            i = next_index
    return tuple(found)


def _digits(text: str, tokens: list[tuple[int, int, str, bool]], i: int) -> tuple[list[NumberMatch], int]:
    start, end, token, _ = tokens[i]
    if start > 0 and "a" <= text[start - 1] <= "z":  # Arabizi ("ba3d") or a name ("iphone15")
        return [], i + 1
    suffix = _LATIN.match(text, end)
    multiplier = 1
    if suffix:
        if suffix.group() not in _SUFFIXES:  # Arabizi ("3ayez", "7abibi")
            return [], i + 1
        multiplier = _SUFFIXES[suffix.group()]
    if ":" in token or "/" in token or token.count(".") > 1 or _ISO_DATE.fullmatch(token):
        return [], i + 1  # a time or a date
    if not _GROUPED.fullmatch(token):  # a range or list: "3-4", "1,2,3", "050-123-4567"
        pieces: list[NumberMatch] = []
        for piece in re.finditer(r"\d+(?:\.\d+)?", token):
            pieces.append(NumberMatch(start + piece.start(), start + piece.end(), to_number(Decimal(piece.group())), False))
        return pieces, i + 1
    try:
        value = Decimal(token.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        return [], i + 1
    if multiplier != 1 and suffix:
        return [NumberMatch(start, suffix.end(), to_number(value * multiplier), False)], i + 1
    if end < len(text) and text[end] in CHINESE_SCALES:  # "3万", "1.5万", "5千"
        return [NumberMatch(start, end + 1, to_number(value * CHINESE_SCALES[text[end]]), True)], i + 1
    # "3 آلاف", "١٠٠ ألف", "2.5 million", "5 hundred"
    if i + 1 < len(tokens) and not tokens[i + 1][3] and text[end : tokens[i + 1][0]].isspace():
        info = _WORDS.get(tokens[i + 1][2])
        if info is not None and info.kind in (SCALE, SCALE_PLURAL):
            return [NumberMatch(start, tokens[i + 1][1], to_number(value * info.scale), True)], i + 2
        if info is not None and info.kind == HUNDRED and value == value.to_integral_value() and 1 <= value <= 9:
            return [NumberMatch(start, tokens[i + 1][1], to_number(value * 100), True)], i + 2
    return [NumberMatch(start, end, to_number(value), False)], i + 1


def _lookup_word(word: str, first: bool) -> tuple[Word | None, int, bool]:
    """The word's meaning, how many clitic letters to skip, and whether a "و" joined it."""
    info = _WORDS.get(word)
    if info is not None:
        return info, 0, False
    if first:
        for clitic in _CLITICS:
            stem = word[len(clitic) :]
            if word.startswith(clitic) and len(stem) >= 3 and stem in _WORDS and _WORDS[stem].kind != ARTICLE:
                return _WORDS[stem], len(clitic), False
        return None, 0, False
    if word.startswith("و") and word[1:] in _WORDS and _WORDS[word[1:]].arabic:
        return _WORDS[word[1:]], 1, True
    return None, 0, False


class _State:
    __slots__ = ("cur", "last", "scales", "smallest_scale", "started")

    def __init__(self) -> None:
        self.cur = 0
        self.last: Word | None = None
        self.scales = 0  # sum of the thousands / millions parts
        self.smallest_scale = 10**12
        self.started = False

    @property
    def complete(self) -> bool:
        return self.last is not None and self.last.kind not in (ARTICLE, TEEN_UNIT)

    def step(self, info: Word, joined: bool) -> bool:
        """Take one more word; False when it cannot continue the number."""
        last = self.last
        if not self.started:
            self.started = True
            if info.kind == SCALE_PLURAL:
                return False
            if info.kind == SCALE:
                self._scale(1, info.scale)
            elif info.kind == SCALE_VALUE:
                self._scale(info.value // info.scale, info.scale)
            else:
                self.cur = info.value
            self.last = info
            return True
        assert last is not None
        after_scale = last.kind in (HUNDRED, HUNDREDS, SCALE, SCALE_PLURAL, SCALE_VALUE)
        if joined and not info.arabic and not after_scale:
            return False  # English "and" only after hundred/thousand/million
        if last.kind == ARTICLE and info.kind not in (HUNDRED, SCALE):
            return False
        if last.kind == TEEN_UNIT and not (info.kind == TEN and info.arabic and not joined):
            return False
        if info.kind == SCALE_PLURAL:
            if joined or self.cur < 2 or info.scale >= self.smallest_scale:
                return False
            self._scale(self.cur, info.scale)
        elif info.kind == SCALE:
            if info.scale >= self.smallest_scale:
                return False
            if self.cur >= 1 and not joined:
                self._scale(self.cur, info.scale)
            elif self.cur == 0 and (joined or not info.arabic):
                self._scale(1, info.scale)
            else:
                return False
        elif info.kind == SCALE_VALUE:
            if info.scale >= self.smallest_scale or self.cur != 0 or not (joined or not info.arabic):
                return False
            self._scale(info.value // info.scale, info.scale)
        elif info.kind == HUNDRED and not joined and last.kind in (UNIT, ARTICLE) and 1 <= self.cur <= 9:
            self.cur *= 100
        elif info.kind == TEN and info.arabic and not joined and last.kind in (UNIT, TEEN_UNIT) and 1 <= self.cur % 100 <= 9:
            self.cur += 10  # MSA "خمسة عشر"
        elif info.kind in _ADDITIVE or info.kind == HUNDRED or info.kind == TEEN_UNIT:
            if info.arabic and not joined:
                return False  # Arabic parts are joined with و
            if not self._add(info.value, info.arabic):
                return False
        else:
            return False
        self.last = info
        return True

    def _scale(self, count: int, scale: int) -> None:
        self.scales += count * scale
        self.smallest_scale = scale
        self.cur = 0

    def _add(self, value: int, arabic: bool) -> bool:
        low = self.cur % 100
        if value >= 100:
            if self.cur != 0:
                return False
        elif low == 0:
            pass
        elif low >= 20 and low % 10 == 0 and 1 <= value <= 9:
            pass  # "twenty five", "عشرين وخمسة"
        elif arabic and 1 <= low <= 9 and value >= 20 and value % 10 == 0:
            pass  # "خمسة وعشرين"
        else:
            return False
        self.cur += value
        return True

    @property
    def value(self) -> int:
        return self.scales + self.cur


def _words(text: str, tokens: list[tuple[int, int, str, bool]], i: int) -> tuple[NumberMatch | None, int]:
    state = _State()
    start = None
    best: tuple[int, int, int] | None = None  # value, end, next token index
    pending_and = False
    previous_end = tokens[i][0]
    j = i
    while j < len(tokens):
        token_start, token_end, word, is_digits = tokens[j]
        gap = text[previous_end:token_start]
        if is_digits or (j > i and gap and not gap.isspace() and gap != "-"):
            break
        if j > i and word in _CONNECTORS and not pending_and:
            pending_and = True
            previous_end = token_end
            j += 1
            continue
        info, skip, joined = _lookup_word(word, first=j == i)
        if info is None or not state.step(info, joined or pending_and):
            break
        if start is None:
            start = token_start + skip
        pending_and = False
        previous_end = token_end
        j += 1
        if state.complete:
            best = (state.value, token_end, j)
    if best is None or start is None:
        return None, i + 1
    value, end, next_index = best
    return NumberMatch(start, end, value, True), next_index


class NumberExtractor:
    """Numbers in digits or words; entity ``number``."""

    def __init__(self, name: str = "number", entity: str = "number") -> None:
        self.name = name
        self.entity = entity

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every number in ``text`` (``language`` and ``now`` are not needed)."""
        normalized = searchable(text)
        return [
            make_entity(text, normalized, m.start, m.end, entity=self.entity, value=m.value, extractor=self.name)
            for m in find_numbers(normalized.text)
        ]
