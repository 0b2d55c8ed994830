"""``phone_number`` and ``email``."""

from __future__ import annotations

import pytest

from bot.nlu.extractors.contact import EmailExtractor, PhoneExtractor

PHONES = PhoneExtractor()
EMAILS = EmailExtractor()


def phones(text: str) -> list[tuple[str, str]]:
    entities = PHONES.extract(text)
    assert all(e.entity == "phone_number" and e.extractor == "phone_number" for e in entities)
    return [(text[e.start : e.end], e.value) for e in entities]


def emails(text: str) -> list[tuple[str, str]]:
    entities = EMAILS.extract(text)
    assert all(e.entity == "email" and e.extractor == "email" for e in entities)
    return [(text[e.start : e.end], e.value) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # international, + or 00, digits in any script, grouped or not
        ("رقمي +966 50 123 4567", [("+966 50 123 4567", "+966501234567")]),
        ("+966501234567", [("+966501234567", "+966501234567")]),
        ("call me on +20 100 123 4567 please", [("+20 100 123 4567", "+201001234567")]),
        ("00201001234567", [("00201001234567", "+201001234567")]),
        ("00966-50-123-4567", [("00966-50-123-4567", "+966501234567")]),
        ("+٢٠ ١٠٠ ١٢٣ ٤٥٦٧", [("+٢٠ ١٠٠ ١٢٣ ٤٥٦٧", "+201001234567")]),
        ("+٩٦٦٥٠١٢٣٤٥٦٧", [("+٩٦٦٥٠١٢٣٤٥٦٧", "+966501234567")]),
        ("+971 50 123 4567", [("+971 50 123 4567", "+971501234567")]),
        ("+965 9999 1234", [("+965 9999 1234", "+96599991234")]),
        ("+1 (212) 555-0100", [("+1 (212) 555-0100", "+12125550100")]),
        ("+44 20 7946 0958", [("+44 20 7946 0958", "+442079460958")]),
        # a trunk zero after a known country code is dropped
        ("+966 050 123 4567", [("+966 050 123 4567", "+966501234567")]),
        ("+20 0100 123 4567", [("+20 0100 123 4567", "+201001234567")]),
        # local numbers
        ("0501234567", [("0501234567", "0501234567")]),
        ("رقمي ٠٥٠١٢٣٤٥٦٧ لو سمحت", [("٠٥٠١٢٣٤٥٦٧", "0501234567")]),
        ("۰۵۰۱۲۳۴۵۶۷", [("۰۵۰۱۲۳۴۵۶۷", "0501234567")]),
        ("050 123 4567", [("050 123 4567", "0501234567")]),
        ("(050) 123-4567", [("(050) 123-4567", "0501234567")]),
        ("01001234567", [("01001234567", "01001234567")]),
        ("0100-123-4567", [("0100-123-4567", "01001234567")]),
        ("٠١٠٠ ١٢٣ ٤٥٦٧", [("٠١٠٠ ١٢٣ ٤٥٦٧", "01001234567")]),
        ("02 1234567", [("02 1234567", "021234567")]),
        # where a number ends
        ("+966501234567.", [("+966501234567", "+966501234567")]),
        ("0501234567 0501234568", [("0501234567", "0501234567"), ("0501234568", "0501234568")]),
        ("0501234567، 01001234567", [("0501234567", "0501234567"), ("01001234567", "01001234567")]),
        ("050 123 4567 2 قطع", [("050 123 4567", "0501234567")]),
        ("+966 50 123 4567 2 pieces", [("+966 50 123 4567", "+966501234567")]),
        ("+966501234567 +201001234567", [("+966501234567", "+966501234567"), ("+201001234567", "+201001234567")]),
        # not phone numbers
        ("+123", []),
        ("012", []),
        ("order 12345", []),
        ("price 1,250.50", []),
        ("0.5012345678", []),
        ("0501234567890123", []),
        ("", []),
    ],
)
def test_phone_numbers(text: str, expected: list[tuple[str, str]]) -> None:
    assert phones(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ali@gmail.com", [("ali@gmail.com", "ali@gmail.com")]),
        ("mail me: Ali.Hassan+shop@Example.com.", [("Ali.Hassan+shop@Example.com", "ali.hassan+shop@example.com")]),
        ("ايميلي ali_99@mail.example.co.uk شكرا", [("ali_99@mail.example.co.uk", "ali_99@mail.example.co.uk")]),
        ("الايميل:sara@shop.sa", [("sara@shop.sa", "sara@shop.sa")]),
        ("a@b.com, c@d.org", [("a@b.com", "a@b.com"), ("c@d.org", "c@d.org")]),
        ("a@b", []),
        ("@handle", []),
        ("user@", []),
        ("", []),
    ],
)
def test_emails(text: str, expected: list[tuple[str, str]]) -> None:
    assert emails(text) == expected
