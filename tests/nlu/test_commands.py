"""Rasa-style command payloads."""

from __future__ import annotations

import pytest

from bot.nlu.commands import CommandUnderstanding, parse_command


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
    assert CommandUnderstanding(["en", "ar", "zh"]).parse_text(text).language == language


def test_unconfigured_language_is_not_guessed() -> None:
    assert CommandUnderstanding(["en", "ar"]).parse_text("你好").language is None


def test_arabizi_is_arabic_and_the_parse_says_how_sure() -> None:
    parse = CommandUnderstanding(["en", "ar", "zh"]).parse_text("3ayez a3mel order")
    assert parse.language == "ar" and parse.language_confidence is not None and parse.language_confidence > 0.9
    assert CommandUnderstanding(["en", "ar", "zh"]).parse_text("ok").language_confidence < 0.7  # type: ignore[operator]
