"""``RegexExtractor``: entities from regular expressions, matched case-insensitively on the original text.

``patterns`` maps an entity name to its patterns. A match's group ``value`` (else the whole
match) gives the span and the value, as written. Overlapping matches: the longest wins, then the
earliest; empty matches are ignored. Because matching is on the original text, write digit
classes as ``\\d`` (which matches Arabic-Indic digits too) and spell out Arabic letter variants
(``[اأإآ]``) if they matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.core.events import Entity
from bot.nlu.extractors.base import non_overlapping

__all__ = ["RegexExtractor"]


class RegexExtractor:
    """Entities found by regular expressions."""

    def __init__(self, name: str, patterns: Mapping[str, Sequence[str]]) -> None:
        self.name = name
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for entity, entity_patterns in patterns.items():
            if isinstance(entity_patterns, str):
                raise TypeError(f"regex extractor {name!r}: patterns of {entity!r} must be a list, not a string")
            for pattern in entity_patterns:
                try:
                    compiled.append((entity, re.compile(pattern, re.IGNORECASE)))
                except re.error as exc:
                    raise ValueError(
                        f"regex extractor {name!r}: pattern {pattern!r} of {entity!r} is not valid: {exc}"
                    ) from None
        self.patterns = tuple(compiled)

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every match in ``text``."""
        found: list[tuple[int, int, str]] = []
        for entity, pattern in self.patterns:
            for match in pattern.finditer(text):
                group = "value" if "value" in pattern.groupindex else 0
                start, end = match.span(group)
                if end > start:
                    found.append((start, end, entity))
        return [
            Entity(entity=found[i][2], value=text[found[i][0] : found[i][1]], start=found[i][0], end=found[i][1],
                   extractor=self.name)
            for i in non_overlapping([(start, end) for start, end, _ in found])
        ]
