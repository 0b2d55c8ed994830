"""``LookupExtractor``: catalogue names (products, branches, cities) found with typos, prefixes and synonyms.

``entries`` maps an entity to its canonical values; ``synonyms`` maps other spellings (often the
Arabic name, or a nickname) to a canonical value, which must be one of the entries. The value of
an entity is the canonical value as written in ``entries``.

How a message is matched (following the measurements in multilingual-nlu §5.2):
* names and message are compared in ``fold`` form (Arabic letter variants, case, accents and
  elongation folded, digits ASCII), token by token, punctuation between tokens ignored
  ("USB-C" = "usb c"); a leading ال is ignored on every token ("البيتزا الايطالية" = "بيتزا
  ايطاليه");
* the message is cut into windows of 1–4 tokens (at most one more than the longest name);
  windows do not cross sentence punctuation (, . ! ? ; :);
* Arabic proclitics on a window's first token are tried off: و ف ب ك ل and وال بال فال كال لل
  وب فب ول فل وك ("بالايفون" → "ايفون"); the entity's span leaves the proclitic out but keeps
  the article ("بالايفون" → "الايفون");
* exact matches are found with a dict; the rest with ``rapidfuzz.process.extractOne`` and
  ``fuzz.ratio`` at ``threshold`` (default 85, so "iphnoe 15" finds "iPhone 15"), only against
  names of a compatible length and with the same digits ("iphone 14" never matches
  "iPhone 15");
* the best non-overlapping matches are kept, ranked by score × length of the matched name, so
  "galaxy s24 ultr" is "Galaxy S24 Ultra", not "Galaxy S24".

Not covered: synonyms that are not spelled like a name (add them to ``synonyms``), names
written across sentence punctuation ("iphone, 15"), suffixes (plural or possessive forms such
as "ايفوناتي"), and transliteration between scripts (give an Arabic alias for an English name).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.core.events import Entity
from bot.nlu.extractors.base import make_entity, searchable
from bot.nlu.normalize import strip_accents

__all__ = ["LookupExtractor"]

_TOKEN = re.compile(r"[^\W_]+")
_BREAK = re.compile(r"[,.!?;:]")
_ARABIC_REPEAT = re.compile(r"([\u0621-\u064A])\1{2,}")
_WORD_REPEAT = re.compile(r"(\w)\1{2,}")
# (proclitic, characters of it left out of the span): the article stays in the span.
_PROCLITICS = sorted(
    [("وبال", 2), ("فبال", 2), ("وال", 1), ("فال", 1), ("بال", 1), ("كال", 1), ("لل", 2), ("وب", 2), ("فب", 2),
     ("ول", 2), ("فل", 2), ("وك", 2), ("و", 1), ("ف", 1), ("ب", 1), ("ك", 1), ("ل", 1)],
    key=lambda pair: -len(pair[0]),
)


@lru_cache(maxsize=8192)
def _fold_token(token: str) -> str:
    """``fold`` for one token already in ``searchable`` form, without its leading article."""
    folded = strip_accents(token.casefold())
    folded = _ARABIC_REPEAT.sub(r"\1", folded)
    folded = _WORD_REPEAT.sub(r"\1\1", folded)
    if folded.startswith("ال") and len(folded) >= 4:
        folded = folded[2:]
    return folded


def _key(text: str) -> str:
    return " ".join(_fold_token(token) for token in _TOKEN.findall(searchable(text).text))


_NOT_DIGITS = re.compile(r"\D+")


def _digits(text: str) -> str:
    return _NOT_DIGITS.sub("", text)


@lru_cache(maxsize=8192)
def _variants(token: str) -> tuple[tuple[int, str], ...]:
    """The token's folded forms without each proclitic it may carry, with the span skip."""
    variants = [(0, _fold_token(token))]
    for proclitic, skip in _PROCLITICS:
        if token.startswith(proclitic) and len(token) - len(proclitic) >= 2:
            form = _fold_token(token[len(proclitic) :])
            if all(form != existing for _, existing in variants):
                variants.append((skip, form))
    return tuple(variants)


class LookupExtractor:
    """Fuzzy lookup of catalogue names; the entity is the ``entries`` key."""

    def __init__(
        self,
        name: str,
        entries: Mapping[str, Sequence[str]],
        synonyms: Mapping[str, str] | None = None,
        threshold: float = 85.0,
    ) -> None:
        if not 0 < threshold <= 100:
            raise ValueError(f"lookup {name!r}: threshold must be in (0, 100], not {threshold!r}")
        self.name = name
        self.threshold = float(threshold)
        targets: dict[str, tuple[str, str]] = {}  # key → (entity, canonical value)
        owner: dict[str, str] = {}
        for entity, values in entries.items():
            if isinstance(values, str):
                raise TypeError(f"lookup {name!r}: the values of {entity!r} must be a list, not a string")
            for value in values:
                owner.setdefault(value, entity)
                self._add(targets, _key(value), entity, value)
        for alias, canonical in (synonyms or {}).items():
            if canonical not in owner:
                raise ValueError(f"lookup {name!r}: synonym {alias!r} points to {canonical!r}, which no entry lists")
            self._add(targets, _key(alias), owner[canonical], canonical)
        self._targets = targets
        # Fuzzy candidates grouped by their digits, each group sorted by length for range slicing.
        groups: dict[str, list[str]] = {}
        for key in sorted(targets, key=len):
            groups.setdefault(_digits(key), []).append(key)
        self._groups = {digits: (keys, [len(k) for k in keys]) for digits, keys in groups.items()}
        self._max_tokens = min(4, max((key.count(" ") + 2 for key in targets), default=1))

    @staticmethod
    def _add(targets: dict[str, tuple[str, str]], key: str, entity: str, value: str) -> None:
        if key:
            targets.setdefault(key, (entity, value))  # the first entry listed wins a clash

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """The best non-overlapping catalogue names in ``text``."""
        if not self._targets:
            return []
        normalized = searchable(text)
        folded = normalized.text
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]
        rest = [_fold_token(token) for _, _, token in tokens]
        digits = [_digits(token) for token in rest]
        # candidates: (weight, score, first token, last token + 1, characters skipped, key)
        candidates: list[tuple[float, float, int, int, int, str]] = []
        for first in range(len(tokens)):
            variants = _variants(tokens[first][2])
            for last in range(first + 1, min(first + self._max_tokens, len(tokens)) + 1):
                if last - 1 > first and _BREAK.search(folded, tokens[last - 2][1], tokens[last - 1][0]):
                    break
                tail = " ".join(rest[first + 1 : last])
                group = self._groups.get("".join(digits[first:last]))  # proclitics hold no digits
                best: tuple[float, int, str] | None = None
                for skip, head in variants:
                    query = f"{head} {tail}" if tail else head
                    if query in self._targets:
                        best = (100.0, skip, query)
                        break
                    match = None if group is None else self._fuzzy(query, group)
                    if match is not None and (best is None or match[0] > best[0]):
                        best = (match[0], skip, match[1])
                if best is not None:
                    score, skip, key = best
                    candidates.append((score * len(key), score, first, last, skip, key))
        candidates.sort(key=lambda c: (-c[0], -c[1], c[3] - c[2], c[2]))
        taken = [False] * len(tokens)
        entities: list[Entity] = []
        for _, score, first, last, skip, key in candidates:
            if any(taken[first:last]):
                continue
            for index in range(first, last):
                taken[index] = True
            entity, value = self._targets[key]
            entities.append(make_entity(text, normalized, tokens[first][0] + skip, tokens[last - 1][1], entity=entity,
                                        value=value, extractor=self.name))
        entities.sort(key=lambda e: e.start or 0)
        return entities

    def _fuzzy(self, query: str, group: tuple[list[str], list[int]]) -> tuple[float, str] | None:
        if len(query) < 4:
            return None
        keys, lengths = group
        cutoff = self.threshold
        # fuzz.ratio >= cutoff is only possible when the lengths are close enough.
        low = bisect.bisect_left(lengths, len(query) * cutoff / (200 - cutoff))
        high = bisect.bisect_right(lengths, len(query) * (200 - cutoff) / cutoff)
        if low >= high:
            return None
        match = process.extractOne(query, keys[low:high], scorer=fuzz.ratio, score_cutoff=cutoff)
        return None if match is None else (float(match[1]), match[0])
