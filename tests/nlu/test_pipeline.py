"""Training and parsing a tiny bot end to end, saving and loading the model, the parse route."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from bot.engine import Engine
from bot.nlu.data import parse_nlu
from bot.nlu.pipeline import NluModel, load_model, train_nlu
from bot.nlu.trained import TrainedUnderstanding, current_fingerprint, understanding_for
from bot.server.app import create_app
from bot.yamlsource import parse_yaml
from tests.server.serve import serve

NLU = """
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - مرحبا
    - اهلا وسهلا
    - salam 3alekom
    - mar7aba
- intent: place_order
  examples: |
    - i want to order an [iPhone 15](product)
    - can i buy a [red]{"entity": "color", "value": "red"} [shirt](product)
    - عايز اطلب [ايفون](product)
    - ابغى اطلب [قميص](product)
    - 3ayez a3mel order
    - 3ayza atlob [shirt](product)
- intent: track_order
  examples: |
    - where is my order
    - track my package please
    - فين طلبي
    - وين الطلب
    - fein el order
    - el order beta3i fein
- synonym: red
  examples: |
    - احمر
- lookup: product
  examples: |
    - iPhone 15
    - shirt
"""
NOW = datetime(2026, 11, 17, 10, 0)  # a Tuesday


@pytest.fixture(scope="module")
def model() -> NluModel:
    return train_nlu(parse_nlu(parse_yaml(NLU, "nlu.yml")), languages=["en", "ar", "zh"])


@pytest.mark.parametrize(
    ("text", "intent", "language"),
    [("3ayez a3mel order", "place_order", "ar"), ("عايز اطلب ايفون", "place_order", "ar"), ("where is my order??", "track_order", "en"),
     ("hello!", "greet", "en"), ("مرحبا", "greet", "ar")],
)
def test_intent_and_language(model: NluModel, text: str, intent: str, language: str) -> None:
    parse = model.parse(text, now=NOW)
    assert parse.intent is not None and parse.intent.name == intent
    assert parse.language == language
    assert parse.intent_ranking[0].name == intent


def test_entities_from_builtins_lookups_and_synonyms(model: NluModel) -> None:
    text = "ابغى قميص احمر بكرة الساعة ٥ العصر"
    found = {(e.entity, e.value, text[e.start:e.end], e.extractor) for e in model.parse(text, now=NOW).entities}  # type: ignore[index]
    assert ("product", "قميص", "قميص", "lookup") in found  # an annotated value, found again
    assert ("color", "red", "احمر", "lookup") in found
    assert ("time", "2026-11-18T17:00", "بكرة الساعة ٥ العصر", "time") in found
    order = model.parse("where is order #A-12345", now=NOW).entities
    assert [(e.entity, e.value) for e in order] == [("order_id", "A-12345")]


def test_command_payloads_skip_the_model(model: NluModel) -> None:
    parse = model.parse('/track_order{"order_id": "A-1"}')
    assert parse.intent is not None and parse.intent.name == "track_order" and parse.intent.confidence == 1.0
    assert [(e.entity, e.value) for e in parse.entities] == [("order_id", "A-1")]


def test_saved_model_loads_and_parses_the_same(model: NluModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    loaded = load_model(tmp_path)
    assert loaded is not None
    assert loaded.parse("fein el order", now=NOW) == model.parse("fein el order", now=NOW)


def write_bot(root: Path) -> Path:
    (root / "nlu_data" / "en").mkdir(parents=True)
    (root / "nlu_data" / "en" / "nlu.yml").write_text(NLU, encoding="utf-8")
    config = root / "config.yml"
    config.write_text("store:\n  sqlite:\n    path: bot.db\n", encoding="utf-8")
    return config


def test_engine_trains_once_and_reuses_the_model(tmp_path: Path) -> None:
    settings = load_settings(write_bot(tmp_path), {})
    first = understanding_for(settings)
    assert isinstance(first, TrainedUnderstanding)
    assert first.model.fingerprint == current_fingerprint(settings)
    saved = (settings.paths.models / "nlu.pkl").stat().st_mtime_ns
    second = understanding_for(settings)
    assert isinstance(second, TrainedUnderstanding)
    assert (settings.paths.models / "nlu.pkl").stat().st_mtime_ns == saved, "unchanged data must not retrain"
    (tmp_path / "nlu_data" / "en" / "nlu.yml").write_text(NLU + "    - track it\n", encoding="utf-8")
    assert current_fingerprint(settings) != first.model.fingerprint


async def test_parse_route_answers_in_rasas_shape(tmp_path: Path) -> None:
    settings = load_settings(write_bot(tmp_path), {})
    engine = Engine(settings)
    async with serve(create_app(settings, engine=engine)) as base, httpx.AsyncClient(base_url=base) as client:
        response = await client.post("/model/parse", json={"text": "3ayez a3mel order bokra"})
        assert response.status_code == 200
        body = response.json()
        assert body["text"] == "3ayez a3mel order bokra"
        assert body["intent"]["name"] == "place_order" and 0 < body["intent"]["confidence"] <= 1
        assert body["intent_ranking"][0]["name"] == "place_order"
        assert body["language"] == "ar"
        (entity,) = body["entities"]
        assert {k: entity[k] for k in ("entity", "start", "end", "extractor")} == {"entity": "time", "start": 18, "end": 23, "extractor": "time"}
        bad = await client.post("/model/parse", json={"txt": "x"})
        assert bad.status_code == 422 and "field 'text' is required" in bad.json()["message"]
        reply = await client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "mar7aba"})
        assert reply.status_code == 200


def test_annotated_types_are_not_shadowed_by_built_ins() -> None:
    text = NLU + "- intent: book\n  examples: |\n    - book it for [tomorrow](time)\n    - reserve a table [tonight](time)\n"
    model = train_nlu(parse_nlu(parse_yaml(text, "nlu.yml")), languages=["en"])
    names = [getattr(e, "name", "") for e in model.extractors]
    assert "time" not in names and "CRFEntityExtractor" in names and "number" in names
