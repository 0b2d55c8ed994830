"""``RegexExtractor``: patterns on the original text."""

from __future__ import annotations

import pytest

from bot.nlu.extractors.regex import RegexExtractor

EXTRACTOR = RegexExtractor(
    "shop_regex",
    {
        "size": [r"\b(?:xs|s|m|l|xl|xxl)\b", r"مقاس\s*(?P<value>\d+)"],
        "color": [r"(?:أحمر|احمر|red)", r"(?:أزرق|ازرق|blue)"],
        "coupon": [r"\b[A-Z]{4}\d{2}\b"],
    },
)


def found(text: str, extractor: RegexExtractor = EXTRACTOR) -> list[tuple[str, str, str]]:
    entities = extractor.extract(text)
    assert all(e.extractor == extractor.name for e in entities)
    for e in entities:
        assert text[e.start : e.end] == e.value
    return [(text[e.start : e.end], e.entity, e.value) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("size XL in red", [("XL", "size", "XL"), ("red", "color", "red")]),
        ("عايز مقاس ٤٢ أحمر", [("٤٢", "size", "٤٢"), ("أحمر", "color", "أحمر")]),
        ("مقاس 42 ازرق", [("42", "size", "42"), ("ازرق", "color", "ازرق")]),
        ("coupon SAVE10 please", [("SAVE10", "coupon", "SAVE10")]),
        ("code save10", [("save10", "coupon", "save10")]),
        ("nothing here", []),
        ("", []),
    ],
)
def test_patterns(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text) == expected


def test_longest_match_wins_then_earliest() -> None:
    extractor = RegexExtractor("r", {"short": ["ab"], "long": ["abc"], "other": ["bcd"]})
    assert found("abcd", extractor) == [("abc", "long", "abc")]
    assert found("ab bcd", extractor) == [("ab", "short", "ab"), ("bcd", "other", "bcd")]


def test_empty_matches_are_ignored() -> None:
    assert found("abc", RegexExtractor("r", {"nothing": [r"x*"]})) == []


def test_bad_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="not valid"):
        RegexExtractor("r", {"size": ["(unclosed"]})
    with pytest.raises(TypeError, match="must be a list"):
        RegexExtractor("r", {"size": "xl"})
