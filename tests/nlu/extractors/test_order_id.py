"""``order_id``: order references."""

from __future__ import annotations

import pytest

from bot.nlu.extractors.order_id import OrderIdExtractor

EXTRACTOR = OrderIdExtractor()


def ids(text: str, extractor: OrderIdExtractor = EXTRACTOR) -> list[tuple[str, str]]:
    entities = extractor.extract(text)
    assert all(e.entity == "order_id" and e.extractor == "order_id" for e in entities)
    return [(text[e.start : e.end], e.value) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#A-12345", [("A-12345", "A-12345")]),
        ("where is #12345?", [("12345", "12345")]),
        ("# 12345", [("12345", "12345")]),
        ("#a-12345", [("a-12345", "A-12345")]),
        ("ORD-2024-0001", [("ORD-2024-0001", "ORD-2024-0001")]),
        ("my order ord-2024-0001 is late", [("ord-2024-0001", "ORD-2024-0001")]),
        ("order 12345", [("12345", "12345")]),
        ("Order #98765", [("98765", "98765")]),
        ("order no. 123", [("123", "123")]),
        ("order number: 4567", [("4567", "4567")]),
        ("my order id is ab-998877", [("ab-998877", "AB-998877")]),
        ("طلب رقم ١٢٣٤٥", [("١٢٣٤٥", "12345")]),
        ("طلب رقم 12345", [("12345", "12345")]),
        ("وين طلبي رقم ۱۲۳۴۵", [("۱۲۳۴۵", "12345")]),
        ("رقم الطلب 98765", [("98765", "98765")]),
        ("ووين وطلب رقم ١٢٣٤٥", [("١٢٣٤٥", "12345")]),
        ("رقم الطلب: ٩٨٧٦٥", [("٩٨٧٦٥", "98765")]),
        ("طلبي 55555 فين", [("55555", "55555")]),
        ("الأوردر رقم 777", [("777", "777")]),
        ("طلبية رقم #A-12345", [("A-12345", "A-12345")]),
        # not order ids
        ("order 2 pizzas", []),
        ("اطلب 100 قطعة", []),
        ("COVID-19", []),
        ("12345", []),
        ("", []),
    ],
)
def test_order_ids(text: str, expected: list[tuple[str, str]]) -> None:
    assert ids(text) == expected


def test_custom_patterns_replace_the_defaults() -> None:
    shop = OrderIdExtractor(patterns=[r"(?<![a-z0-9])(?P<id>sh\d{6})(?!\d)"])
    assert ids("status of SH123456?", shop) == [("SH123456", "SH123456")]
    assert ids("#A-12345", shop) == []
    whole = OrderIdExtractor(patterns=[r"inv\d{4}"])
    assert ids("inv2024 please", whole) == [("inv2024", "INV2024")]


def test_non_ascii_ids_are_ignored() -> None:
    assert ids("x", OrderIdExtractor(patterns=[r"(?P<id>x)"])) == [("x", "X")]
    assert ids("طلب", OrderIdExtractor(patterns=[r"(?P<id>طلب)"])) == []


def test_invalid_pattern_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        OrderIdExtractor(patterns=["(unclosed"])
