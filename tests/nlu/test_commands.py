"""Rasa-style command payloads."""

from __future__ import annotations

import pytest

from bot.nlu.commands import guess_language, parse_command


def test_plain_intent() -> None:
    parse = parse_command("/greet")
    assert parse is not None and parse.intent is not None
    assert (parse.intent.name, parse.intent.confidence) == ("greet", 1.0)
    assert parse.entities == ()


def test_intent_with_entities_and_spans() -> None:
    text = '/greet{"name": "Sara", "size": ["L", "XL"]}'
    parse = parse_command(text)
    assert parse is not None
    assert [(e.entity, e.value) for e in parse.entities] == [("name", "Sara"), ("size", "L"), ("size", "XL")]
    assert parse.entities[0].start == text.index("{") and parse.entities[0].end == len(text)


def test_confidence_suffix() -> None:
    parse = parse_command("/affirm@0.7")
    assert parse is not None and parse.intent is not None
    assert parse.intent.confidence == pytest.approx(0.7)


def test_broken_entity_json_keeps_the_intent(caplog: pytest.LogCaptureFixture) -> None:
    parse = parse_command('/greet{"name": Sara}')
    assert parse is not None and parse.intent is not None and parse.intent.name == "greet"
    assert parse.entities == ()
    assert "not valid JSON" in caplog.text


@pytest.mark.parametrize("text", ["hello", "/ greet", "", "price/size", "//"])
def test_not_a_command(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("hello there", "en"), ("مرحبا كيف الحال", "ar"), ("你好，我想下单", "zh"), ("12345", None), ("👍", None)],
)
def test_script_points_to_language(text: str, language: str | None) -> None:
    assert guess_language(text, ["en", "ar", "zh"]) == language


def test_unconfigured_language_is_not_guessed() -> None:
    assert guess_language("你好", ["en", "ar"]) is None
