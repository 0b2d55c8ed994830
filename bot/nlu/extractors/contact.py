"""``phone_number`` and ``email``.

Phone numbers (digits in any script; groups separated by one space, dash or dot; an area code
may be in parentheses):
* international, with ``+`` or ``00``: "+966 50 123 4567", "00201001234567", "+٢٠ ١٠٠ ١٢٣ ٤٥٦٧"
  → value ``"+966501234567"`` (8–15 digits after the ``+``); a trunk zero written after a known
  Arab-region country code is dropped ("+966 050…" → "+96650…");
* local numbers starting with 0 and 9–11 digits long (10 for 05…): Saudi/UAE mobiles
  "0501234567", Egyptian mobiles "01001234567", landlines "02 1234567" → the digits as written
  ("0501234567").

A number written without separators ends where its digits end; a grouped one ends at the last
group that keeps it within the length of its kind (+966/+971/+962: 9 digits after the code,
+20: 10, +965/+974/+973/+968: 8, other codes: up to 15 in all; local 05…: 10, other local: up
to 11), so a quantity after a grouped number is not taken into it ("050 123 4567 2 قطع").

Not covered: local numbers without the leading 0 ("501234567"), the 8-digit local numbers of
Kuwait, Qatar, Bahrain and Oman, extensions, and numbers written in words.

Emails: ASCII addresses ("Ali.Hassan+shop@Example.com"); the value is lowercased (providers
treat addresses case-insensitively). Internationalized (Arabic) addresses are not covered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.core.events import Entity
from bot.nlu.extractors.base import make_entity, searchable

__all__ = ["EmailExtractor", "PhoneExtractor"]

_GROUPS = r"\(?\d{1,5}\)?(?:[ .\-]?\(?\d{1,5}\)?){0,7}"
_INTERNATIONAL = re.compile(r"(?<![\w+])(?P<prefix>\+|00)\s?(?P<body>" + _GROUPS + r")(?![\d]|[.,]\d)")
_LOCAL = re.compile(r"(?<![\w+.,(])(?P<body>\(?0\d{0,4}\)?(?:[ .\-]?\d{1,5}){1,7})(?![\d]|[.,]\d)")
_COUNTRY_CODES = sorted(
    ["966", "971", "965", "974", "973", "968", "20", "962", "961", "963", "964", "967", "970", "212", "213", "216",
     "218", "249"],
    key=len,
    reverse=True,
)
# digits after the country code, for the codes where the length is fixed
_NATIONAL_LENGTHS = {"966": 9, "971": 9, "20": 10, "965": 8, "974": 8, "973": 8, "968": 8, "962": 9}
_EMAIL = re.compile(r"(?<![\w.+\-])[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?![\w\-])")


class PhoneExtractor:
    """International and local phone numbers; entity ``phone_number``."""

    def __init__(self, name: str = "phone_number", entity: str = "phone_number") -> None:
        self.name = name
        self.entity = entity

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every phone number in ``text``."""
        normalized = searchable(text)
        folded = normalized.text
        found: list[tuple[int, int, str]] = []
        for start, end, digits in _scan(_INTERNATIONAL, folded, 8, _international_limit):
            for code in _COUNTRY_CODES:
                if digits.startswith(code + "0"):
                    digits = code + digits[len(code) + 1 :]
                    break
            found.append((start, end, "+" + digits))
        for start, end, digits in _scan(_LOCAL, folded, 9, _local_limit):
            if not any(start < other_end and other_start < end for other_start, other_end, _ in found):
                found.append((start, end, digits))
        found.sort()
        return [
            make_entity(text, normalized, start, end, entity=self.entity, value=value, extractor=self.name)
            for start, end, value in found
        ]


def _international_limit(digits: str) -> int:
    for code, length in _NATIONAL_LENGTHS.items():
        if digits.startswith(code):
            return len(code) + length + (1 if digits[len(code) : len(code) + 1] == "0" else 0)
    return 15


def _local_limit(digits: str) -> int:
    return 10 if digits.startswith("05") else 11  # Saudi and Emirati mobiles have 10 digits


def _scan(
    pattern: re.Pattern[str], text: str, fewest: int, limit_of: Callable[[str], int]
) -> list[tuple[int, int, str]]:
    """Matches of ``pattern`` cut at the last digit group that keeps fewest..most digits.

    Two numbers separated by a space look like one long number to the regex: "0501234567
    0501234568" is cut after the first one and scanning resumes there.
    """
    found: list[tuple[int, int, str]] = []
    position = 0
    while (match := pattern.search(text, position)) is not None:
        body_start = match.start("body")
        body = match.group("body")
        limit = limit_of(re.sub(r"\D", "", body))
        count, cut = 0, None
        for index, group in enumerate(re.finditer(r"\d+\)?", body)):
            count += len(group.group().rstrip(")"))
            if count > limit:
                break
            if count >= fewest:
                cut = body_start + group.end()
                if index == 0:
                    break  # written without separators: a following group is another number
        if cut is None or text.count("(", match.start(), cut) != text.count(")", match.start(), cut):
            position = match.start() + 1
            continue
        digits = re.sub(r"\D", "", text[body_start:cut])
        found.append((match.start(), cut, digits))
        position = cut
    return found


class EmailExtractor:
    """Email addresses; entity ``email``, value lowercased."""

    def __init__(self, name: str = "email", entity: str = "email") -> None:
        self.name = name
        self.entity = entity

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every email address in ``text``."""
        normalized = searchable(text)
        return [
            make_entity(text, normalized, m.start(), m.end(), entity=self.entity, value=m.group(), extractor=self.name)
            for m in _EMAIL.finditer(normalized.text)
        ]
