"""What every entity extractor implements, the registry of built-in extractors, and helpers.

An extractor finds entities in one message. Every entity it returns has ``start``/``end``
pointing into the ORIGINAL text (``text[start:end]`` is what the customer wrote),
``extractor`` set to the extractor's ``name`` and a normalized ``value``. Within one extractor
the entities never overlap; across extractors use ``resolve_overlaps``.

Extractors that parse Arabic and digits work on ``searchable(text)``: ``light`` normalization
(digits in any script → ASCII, diacritics/tatweel/bidi marks dropped, keeping a map back to
the original) plus a length-preserving fold (alef/hamza/ta marbuta/alef maqsura variants and
Latin lowercase), so rules are written once in folded form and spans still map back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from bot.core.events import Entity
from bot.errors import RegistryError
from bot.nlu.normalize import Normalized, light

__all__ = [
    "EXTRACTORS",
    "Extractor",
    "alternation",
    "fold_word",
    "get_extractor",
    "make_entity",
    "non_overlapping",
    "resolve_overlaps",
    "searchable",
]

# One character to one character, so offsets computed on ``light`` text stay valid.
_FOLD1 = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ک": "ك", "ی": "ي", "گ": "ك", "ە": "ه",
})


class Extractor(Protocol):
    """Finds entities of one kind (or a few) in a message."""

    name: str

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Entities in ``text``, sorted by start, with spans into ``text`` itself.

        ``language`` is the detected language (the built-in extractors read every language they
        know at once and ignore it); ``now`` is the reference time for relative dates; ``intent``
        is the classifier's best intent (a trained tagger conditions on it; rules ignore it).
        """
        ...


def fold_word(text: str) -> str:
    """Length-preserving fold: Arabic letter variants unified and letters lowercased."""
    folded = text.translate(_FOLD1)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in folded)  # e.g. "İ"


@lru_cache(maxsize=256)
def searchable(text: str) -> Normalized:
    """``light(text)`` with ``fold_word`` applied; ``offsets`` still index the original text.

    Cached, so the extractors run on one message share one normalization pass.
    """
    normalized = light(text)
    return Normalized(fold_word(normalized.text), normalized.offsets)


def alternation(words: Iterable[str]) -> str:
    """A regex group matching any of ``words`` (folded), longest first."""
    folded = {fold_word(word) for word in words}
    return "(?:" + "|".join(_escape(word) for word in sorted(folded, key=lambda w: (-len(w), w))) + ")"


def _escape(word: str) -> str:
    return re.escape(word).replace(r"\ ", r"\s+")


def _is_mark(ch: str) -> bool:
    """Characters ``light`` drops that belong to the letter before them (harakat, tatweel)."""
    code = ord(ch)
    return 0x064B <= code <= 0x065F or 0x0610 <= code <= 0x061A or 0x06D6 <= code <= 0x06ED or code in (
        0x0670, 0x0640, 0xFE0E, 0xFE0F)


def make_entity(
    text: str, normalized: Normalized, start: int, end: int, *, entity: str, value: Any, extractor: str
) -> Entity:
    """An entity for ``normalized.text[start:end]``, with its span mapped to the original ``text``.

    The span takes in the marks that normalization dropped after its last letter ("غداً").
    """
    original_start, original_end = normalized.span(start, end)
    while original_end < len(text) and _is_mark(text[original_end]):
        original_end += 1
    return Entity(entity=entity, value=value, start=original_start, end=original_end, extractor=extractor)


def resolve_overlaps(entities: Iterable[Entity]) -> list[Entity]:
    """Drop entities that overlap a longer one; on equal length the one given first wins.

    Pass entities in priority order (e.g. specific extractors before ``number``). Entities
    without a span are kept. The result is sorted by start.
    """
    items = list(entities)
    spanless = [e for e in items if e.start is None or e.end is None]
    spanned = [(index, e) for index, e in enumerate(items) if e.start is not None and e.end is not None]
    spanned.sort(key=lambda pair: (-(_end(pair[1]) - _start(pair[1])), pair[0]))
    kept: list[Entity] = []
    for _, candidate in spanned:
        if all(_end(candidate) <= _start(other) or _start(candidate) >= _end(other) for other in kept):
            kept.append(candidate)
    kept.sort(key=lambda e: (_start(e), _end(e)))
    return kept + spanless


def _start(entity: Entity) -> int:
    assert entity.start is not None
    return entity.start


def _end(entity: Entity) -> int:
    assert entity.end is not None
    return entity.end


def non_overlapping(spans: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of ``spans`` kept when longer spans win and earlier ones break ties (sorted by start)."""
    order = sorted(range(len(spans)), key=lambda i: (-(spans[i][1] - spans[i][0]), spans[i][0], i))
    kept: list[int] = []
    for i in order:
        start, end = spans[i]
        if all(end <= spans[j][0] or start >= spans[j][1] for j in kept):
            kept.append(i)
    return sorted(kept, key=lambda i: spans[i][0])


# --- registry ----------------------------------------------------------------------------------
# Factories import their module lazily so that importing ``base`` never imports every extractor.


def _number(**options: Any) -> Extractor:
    from bot.nlu.extractors.numbers import NumberExtractor

    return NumberExtractor(**options)


def _time(**options: Any) -> Extractor:
    from bot.nlu.extractors.dates import TimeExtractor

    return TimeExtractor(**options)


def _phone(**options: Any) -> Extractor:
    from bot.nlu.extractors.contact import PhoneExtractor

    return PhoneExtractor(**options)


def _email(**options: Any) -> Extractor:
    from bot.nlu.extractors.contact import EmailExtractor

    return EmailExtractor(**options)


def _amount(**options: Any) -> Extractor:
    from bot.nlu.extractors.money import MoneyExtractor

    return MoneyExtractor(**options)


def _order_id(**options: Any) -> Extractor:
    from bot.nlu.extractors.order_id import OrderIdExtractor

    return OrderIdExtractor(**options)


def _lookup(**options: Any) -> Extractor:
    from bot.nlu.extractors.lookup import LookupExtractor

    return LookupExtractor(**options)


def _regex(**options: Any) -> Extractor:
    from bot.nlu.extractors.regex import RegexExtractor

    return RegexExtractor(**options)


EXTRACTORS: dict[str, Callable[..., Extractor]] = {
    "number": _number,
    "time": _time,
    "phone_number": _phone,
    "email": _email,
    "amount": _amount,
    "order_id": _order_id,
    "lookup": _lookup,
    "regex": _regex,
}


def get_extractor(name: str, /, **options: Any) -> Extractor:
    """A new extractor of the registered ``name``, built with ``options``.

    ``lookup`` and ``regex`` need their data (``name``, ``entries``/``patterns``) as options.
    """
    try:
        factory = EXTRACTORS[name]
    except KeyError:
        raise RegistryError("extractor", name, list(EXTRACTORS)) from None
    return factory(**options)
