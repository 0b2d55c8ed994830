"""``order_id``: order references such as "#A-12345", "order 12345", "طلب رقم ١٢٣٤٥", "ORD-2024-0001".

Patterns run on ``searchable`` text: light-normalized (Arabic-Indic and Persian digits are
ASCII), Arabic letter variants folded (ة → ه, أ/إ/آ → ا, ى → ي) and lowercased. A pattern's
group ``id`` (else the whole match) is the span and, uppercased, the value; matches whose id is
not ASCII letters, digits and dashes are ignored. Pass ``patterns`` to replace the defaults:

* ``#`` + optional 1–5 letters and dash + 3 or more digits: "#12345", "#A-12345";
* 1–5 letters, a dash and 3 or more digits, with more dash groups: "ORD-2024-0001", "A-12345";
* order/طلب/طلبي/الطلب/طلبية/أوردر + number/no/#/id/رقم + an id of 3 or more digits ("order
  no. 123", "طلب رقم ١٢٣٤٥", "رقم الطلب 12345"), or without the number word 4 or more digits
  ("order 12345", "طلبي 12345"), so "order 2 pizzas" and "اطلب 100 قطعة" are not ids.

Not covered by default: bare numbers ("12345" alone), ids without digits, and letters-digits
ids without a dash or "#" ("A12345"); add a pattern for a shop's own format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.core.events import Entity
from bot.nlu.extractors.base import (
    alternation,
    make_entity,
    non_overlapping,
    searchable,
)

__all__ = ["DEFAULT_PATTERNS", "OrderIdExtractor"]

_ID = r"[a-z]{0,5}-?\d{%d,}(?:-\d+)*"
_END = r"(?![\w\-])"
_START = r"(?:(?<!\w)|(?<=(?<!\w)[وفبل]))"  # a word start, possibly after an Arabic proclitic ("وطلب")
_ORDER = alternation(["order", "ordr", "طلب", "طلبي", "الطلب", "طلبية", "الطلبية", "طلبيتي", "أوردر", "الأوردر", "اوردري"])
_NUMBER_WORD = r"(?:number|num|nr|no\.?|id|#|رقم|رقمه)"

DEFAULT_PATTERNS: tuple[str, ...] = (
    r"#\s?(?P<id>" + _ID % 3 + r")" + _END,
    r"(?<![\w\-#])(?P<id>[a-z]{1,5}-\d{3,}(?:-\d+)*)" + _END,
    _START + _ORDER + r"\s*" + _NUMBER_WORD + r"\s*[:#]?\s*(?P<id>" + _ID % 3 + r")" + _END,
    _START + _ORDER + r"\s*[:#]?\s*(?P<id>" + _ID % 4 + r")" + _END,
    _START + r"رقم\s+" + _ORDER + r"\s*[:#]?\s*(?P<id>" + _ID % 3 + r")" + _END,
    r"(?<!\w)order\s*(?:id|number|no\.?)\s*(?:is|:)?\s*(?P<id>" + _ID % 3 + r")" + _END,
)
_VALID = re.compile(r"[A-Z0-9\-]+")


class OrderIdExtractor:
    """Order references; entity ``order_id``, value uppercase ASCII ("A-12345")."""

    def __init__(self, name: str = "order_id", entity: str = "order_id", patterns: Sequence[str] | None = None) -> None:
        self.name = name
        self.entity = entity
        compiled: list[re.Pattern[str]] = []
        for pattern in DEFAULT_PATTERNS if patterns is None else patterns:
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                raise ValueError(f"order_id pattern {pattern!r} is not a valid regular expression: {exc}") from None
        self.patterns = tuple(compiled)

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every order reference in ``text``."""
        normalized = searchable(text)
        found: list[tuple[int, int, str]] = []
        for pattern in self.patterns:
            for match in pattern.finditer(normalized.text):
                group = "id" if "id" in pattern.groupindex else 0
                start, end = match.span(group)
                value = normalized.text[start:end].upper()
                if end > start and _VALID.fullmatch(value):
                    found.append((start, end, value))
        kept = non_overlapping([(start, end) for start, end, _ in found])
        return [
            make_entity(text, normalized, found[i][0], found[i][1], entity=self.entity, value=found[i][2], extractor=self.name)
            for i in kept
        ]
