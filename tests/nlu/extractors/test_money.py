"""``amount``: a number next to a currency."""

from __future__ import annotations

from typing import Any

import pytest

from bot.nlu.extractors.money import MoneyExtractor

EXTRACTOR = MoneyExtractor()


def amounts(text: str, extractor: MoneyExtractor = EXTRACTOR) -> list[tuple[str, Any, str | None]]:
    entities = extractor.extract(text)
    assert all(e.entity == "amount" and e.extractor == "amount" for e in entities)
    return [(text[e.start : e.end], e.value["amount"], e.value["currency"]) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # currency after the number
        ("250 SAR", [("250 SAR", 250, "SAR")]),
        ("250SAR", [("250SAR", 250, "SAR")]),
        ("٢٥٠ ريال سعودي", [("٢٥٠ ريال سعودي", 250, "SAR")]),
        ("السعر ٥٠ ر.س", [("٥٠ ر.س", 50, "SAR")]),
        ("50 SR", [("50 SR", 50, "SAR")]),
        ("50 جنيه", [("50 جنيه", 50, "EGP")]),
        ("بكام؟ ١٥٠ جنيه مصري", [("١٥٠ جنيه مصري", 150, "EGP")]),
        ("٥٠ ج.م", [("٥٠ ج.م", 50, "EGP")]),
        ("75 جنيهات", [("75 جنيهات", 75, "EGP")]),
        ("20 dollars", [("20 dollars", 20, "USD")]),
        ("20$", [("20$", 20, "USD")]),
        ("٢٠ دولار", [("٢٠ دولار", 20, "USD")]),
        ("10 د.إ", [("10 د.إ", 10, "AED")]),
        ("10 د.أ", [("10 د.أ", 10, "JOD")]),
        ("99 درهم إماراتي", [("99 درهم إماراتي", 99, "AED")]),
        ("3 د.ك", [("3 د.ك", 3, "KWD")]),
        ("5 KD", [("5 KD", 5, "KWD")]),
        ("40 ريال قطري", [("40 ريال قطري", 40, "QAR")]),
        ("12 يورو", [("12 يورو", 12, "EUR")]),
        ("30 جنيه استرليني", [("30 جنيه استرليني", 30, "GBP")]),
        # currency before the number
        ("$20", [("$20", 20, "USD")]),
        ("$ 20", [("$ 20", 20, "USD")]),
        ("AED 99.5", [("AED 99.5", 99.5, "AED")]),
        ("EGP 1,250.50", [("EGP 1,250.50", 1250.5, "EGP")]),
        ("€5", [("€5", 5, "EUR")]),
        ("£12.99", [("£12.99", 12.99, "GBP")]),
        # numbers in words and multipliers
        ("بخمسين ريال سعودي", [("خمسين ريال سعودي", 50, "SAR")]),
        ("twenty dollars", [("twenty dollars", 20, "USD")]),
        ("مية وخمسين جنيه", [("مية وخمسين جنيه", 150, "EGP")]),
        ("3 آلاف جنيه", [("3 آلاف جنيه", 3000, "EGP")]),
        ("5k SAR", [("5k SAR", 5000, "SAR")]),
        ("الف وخمسمية ريال سعودي", [("الف وخمسمية ريال سعودي", 1500, "SAR")]),
        # names several countries share: no currency unless the bot says which
        ("٢٥٠ ريال", [("٢٥٠ ريال", 250, None)]),
        ("100 درهم", [("100 درهم", 100, None)]),
        ("السعر 75 دينار", [("75 دينار", 75, None)]),
        ("10 pounds", [("10 pounds", 10, None)]),
        # several amounts; numbers without a currency are not amounts
        ("€5 and 3 £", [("€5", 5, "EUR"), ("3 £", 3, "GBP")]),
        ("2 قطع بـ 250 ريال سعودي", [("250 ريال سعودي", 250, "SAR")]),
        ("عندي 3 قطع", []),
        ("ريال مدريد", []),
        ("", []),
    ],
)
def test_amounts(text: str, expected: list[tuple[str, Any, str | None]]) -> None:
    assert amounts(text) == expected


def test_defaults_name_the_shared_currencies() -> None:
    saudi = MoneyExtractor(defaults={"riyal": "SAR", "dinar": "KWD", "dirham": "AED", "pound": "EGP"})
    assert amounts("٢٥٠ ريال", saudi) == [("٢٥٠ ريال", 250, "SAR")]
    assert amounts("السعر 75 دينار", saudi) == [("75 دينار", 75, "KWD")]
    assert amounts("100 درهم", saudi) == [("100 درهم", 100, "AED")]
    assert amounts("10 pounds", saudi) == [("10 pounds", 10, "EGP")]
    assert amounts("40 ريال قطري", saudi) == [("40 ريال قطري", 40, "QAR")]  # an explicit name still wins


def test_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="rupee"):
        MoneyExtractor(defaults={"rupee": "INR"})
