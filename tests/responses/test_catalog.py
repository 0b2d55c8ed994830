"""Loading and rendering responses."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core.messages import OutButtons, OutText
from bot.errors import DataError
from bot.responses.catalog import load_responses, parse_responses
from bot.responses.render import ResponseRenderer, fill
from bot.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
LANGS = ["en", "ar", "zh"]


def renderer(text: str) -> ResponseRenderer:
    responses = parse_responses(parse_yaml(text, "responses.yml"), languages=LANGS)
    return ResponseRenderer(responses, default_language="en", rng=random.Random(1))


def test_project_responses_load_and_cover_every_language() -> None:
    responses = load_responses(ROOT / "flows" / "responses.yml", languages=LANGS)
    r = ResponseRenderer(responses, default_language="en")
    for language in LANGS:
        for name in responses.names():
            assert r.render(name, language=language, channel="rest", values={}) is not None, (name, language)


def test_language_variation_is_chosen_with_fallback_to_default() -> None:
    r = renderer("responses:\n  utter_hi:\n    - text: Hi\n    - language: ar\n      text: أهلاً\n")
    assert r.render("utter_hi", language="ar", channel="rest", values={}) == OutText(text="أهلاً")
    assert r.render("utter_hi", language="en", channel="rest", values={}) == OutText(text="Hi")
    assert r.render("utter_hi", language="zh", channel="rest", values={}) == OutText(text="Hi")


def test_placeholders_filled_and_complete_variations_preferred() -> None:
    r = renderer("responses:\n  utter_hi:\n    - text: 'Hi {name}!'\n    - text: Hi!\n      buttons: [{title: Go, payload: /go}]\n")
    assert r.render("utter_hi", language="en", channel="rest", values={"name": "Sara"}) == OutText(text="Hi Sara!")
    out = r.render("utter_hi", language="en", channel="rest", values={})
    assert isinstance(out, OutButtons) and out.text == "Hi!"


def test_conditions_and_channels() -> None:
    r = renderer(
        "responses:\n  utter_s:\n"
        "    - text: shipped\n      condition: [{type: slot, name: state, value: Shipped}]\n"
        "    - text: on whatsapp\n      channel: whatsapp\n"
        "    - text: plain\n"
    )
    assert r.render("utter_s", language="en", channel="rest", values={"state": "shipped"}) == OutText(text="shipped")
    assert r.render("utter_s", language="en", channel="whatsapp", values={}) == OutText(text="on whatsapp")
    assert r.render("utter_s", language="en", channel="rest", values={}) == OutText(text="plain")


def test_unknown_placeholder_stays_as_written() -> None:
    assert fill("Order {order_id} for {name}", {"name": "Ali"}) == "Order {order_id} for Ali"


def test_every_problem_reported_with_its_line() -> None:
    text = (
        "responses:\n"  # 1
        "  utter_a:\n"  # 2
        "    - txt: hello\n"  # 3
        "  greet:\n"  # 4
        "    - text: hi\n"  # 5
        "  utter_b:\n"  # 6
        "    - text: hi\n"  # 7
        "      language: fr\n"  # 8
        "  utter_c:\n"  # 9
        "    - text: 'bad {'\n"  # 10
        "  utter_e:\n"  # 11
        "    - text: one\n"  # 12
        "  utter_e:\n"  # 13
        "    - text: two\n"  # 14
    )
    with pytest.raises(DataError) as info:
        parse_responses(parse_yaml(text, "flows/responses.yml"), languages=LANGS)
    message = str(info.value)
    assert "flows/responses.yml:3: unknown key 'txt'; did you mean 'text'?" in message
    assert "flows/responses.yml:4: response name 'greet' must start with 'utter_'" in message
    assert "flows/responses.yml:8: language 'fr' is not configured" in message
    assert "flows/responses.yml:10: bad {slot} placeholder" in message
    assert "flows/responses.yml:13: responses.utter_e: written twice; the one at line 11 is ignored" in message


def test_broken_yaml_names_line_and_column() -> None:
    with pytest.raises(DataError, match=r"responses.yml:3:1: invalid YAML"):
        parse_yaml("responses:\n  utter_a:\n\t- text: hi\n", "responses.yml")
