"""The extractor registry, overlap resolution and the shared normalization."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.events import Entity
from bot.errors import RegistryError
from bot.nlu.extractors import (
    EXTRACTORS,
    EmailExtractor,
    Extractor,
    LookupExtractor,
    MoneyExtractor,
    NumberExtractor,
    OrderIdExtractor,
    PhoneExtractor,
    RegexExtractor,
    TimeExtractor,
    get_extractor,
    resolve_overlaps,
)
from bot.nlu.extractors.base import fold_word, searchable

NOW = datetime(2026, 11, 17, 10, 0)


def test_registry_builds_every_extractor() -> None:
    assert set(EXTRACTORS) == {"number", "time", "phone_number", "email", "amount", "order_id", "lookup", "regex"}
    assert isinstance(get_extractor("number"), NumberExtractor)
    assert isinstance(get_extractor("time", week_start=6), TimeExtractor)
    assert isinstance(get_extractor("phone_number"), PhoneExtractor)
    assert isinstance(get_extractor("email"), EmailExtractor)
    assert isinstance(get_extractor("amount", defaults={"riyal": "SAR"}), MoneyExtractor)
    assert isinstance(get_extractor("order_id"), OrderIdExtractor)
    assert isinstance(get_extractor("lookup", name="p", entries={"product": ["Tea"]}), LookupExtractor)
    assert isinstance(get_extractor("regex", name="r", patterns={"size": ["xl"]}), RegexExtractor)


def test_unknown_extractor_names_the_known_ones() -> None:
    with pytest.raises(RegistryError) as caught:
        get_extractor("duckling")
    assert caught.value.kind == "extractor" and caught.value.name == "duckling"
    assert "number" in str(caught.value) and "time" in str(caught.value)


def test_extractors_follow_the_protocol() -> None:
    extractors: list[Extractor] = [get_extractor(name) for name in EXTRACTORS if name not in ("lookup", "regex")]
    for extractor in extractors:
        assert extractor.name
        assert extractor.extract("", language="ar", now=NOW) == []


def _entity(name: str, start: int, end: int) -> Entity:
    return Entity(entity=name, value=None, start=start, end=end, extractor="t")


def test_resolve_overlaps_keeps_the_longest_then_the_first() -> None:
    number = _entity("number", 0, 3)
    amount = _entity("amount", 0, 8)
    phone = _entity("phone_number", 10, 20)
    number_in_phone = _entity("number", 10, 20)
    spanless = Entity(entity="intent_hint", value="x")
    kept = resolve_overlaps([number, number_in_phone, amount, spanless, phone])
    assert kept == [amount, number_in_phone, spanless]


def test_all_extractors_together_on_one_message() -> None:
    text = "عايز ٢ ايفون ١٥ بـ ٨٠٠٠ ريال سعودي بكرة الساعة ٥ العصر، رقمي ٠٥٠١٢٣٤٥٦٧ وطلب رقم ١٢٣٤٥"
    catalogue = LookupExtractor("catalogue", {"product": ["iPhone 15"]}, {"ايفون ١٥": "iPhone 15"})
    extractors: list[Extractor] = [
        catalogue, get_extractor("time"), get_extractor("amount"), get_extractor("phone_number"),
        get_extractor("order_id"), get_extractor("number"),
    ]
    entities = resolve_overlaps(e for x in extractors for e in x.extract(text, now=NOW))
    assert [(e.entity, text[e.start : e.end], e.value) for e in entities] == [
        ("number", "٢", 2),
        ("product", "ايفون ١٥", "iPhone 15"),
        ("amount", "٨٠٠٠ ريال سعودي", {"amount": 8000, "currency": "SAR"}),
        ("time", "بكرة الساعة ٥ العصر", "2026-11-18T17:00"),
        ("phone_number", "٠٥٠١٢٣٤٥٦٧", "0501234567"),
        ("order_id", "١٢٣٤٥", "12345"),
    ]


def test_searchable_keeps_offsets() -> None:
    text = "أُريدُ ثلاثـــة"
    normalized = searchable(text)
    assert normalized.text == "اريد ثلاثه"
    assert len(normalized.offsets) == len(normalized.text)
    start = normalized.text.index("ثلاثه")
    assert normalized.span(start, start + 5) == (7, 15)
    assert fold_word("İSTANBUL Ğ") == "İstanbul ğ"  # lowercase that would change length leaves the letter
