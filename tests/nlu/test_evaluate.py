"""Scoring NLU models: intent metrics, confusion, exact-span entity scores, cross-validation, report files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.events import Entity, IntentScore, Parse
from bot.nlu.classifier import FALLBACK
from bot.nlu.data import EntityAnnotation, Example, TrainingData, parse_nlu
from bot.nlu.evaluate import cross_validate, evaluate, format_summary, write_report
from bot.nlu.pipeline import NluModel, train_nlu
from bot.yamlsource import parse_yaml

NLU = """
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - مرحبا
    - اهلا وسهلا
- intent: buy
  examples: |
    - i want to buy a [shirt](product)
    - can i order a [hat](product)
    - buy [shoes](product) please
    - purchase a [shirt](product) now
    - i would like to buy [shoes](product)
- intent: track_order
  examples: |
    - where is my order
    - track my package
    - my parcel has not arrived
    - فين طلبي
    - when will my delivery arrive
- intent: rare
  examples: |
    - something rare
"""


class FakeParser:
    """A model whose answers the test decides."""

    def __init__(self, answers: dict[str, Parse]) -> None:
        self.answers = answers

    def parse(self, text: str, *, now: datetime | None = None) -> Parse:
        return self.answers[text]


def example(text: str, intent: str, *entities: tuple[int, int, str]) -> Example:
    spans = tuple(EntityAnnotation(start=s, end=e, entity=n, value=text[s:e], text=text[s:e]) for s, e, n in entities)
    return Example(text=text, intent=intent, entities=spans, source=f"nlu.yml:{len(text)}")


def answer(intent: str, *entities: tuple[int, int, str], confidence: float = 0.9) -> Parse:
    found = tuple(Entity(entity=n, value="x", start=s, end=e, extractor="test") for s, e, n in entities)
    return Parse(intent=IntentScore(name=intent, confidence=confidence), entities=found)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return parse_nlu(parse_yaml(NLU, "nlu.yml"))


@pytest.fixture(scope="module")
def model(data: TrainingData) -> NluModel:
    return train_nlu(data, languages=["en", "ar"])


def test_perfect_model_scores_one(data: TrainingData, model: NluModel) -> None:
    examples = [e for e in data.examples if e.intent != "rare"]
    report = evaluate(model, examples)
    assert report.accuracy == 1.0
    assert report.macro_f1 == report.weighted_f1 == 1.0
    assert all(s.f1 == 1.0 for s in report.intents)
    assert report.errors == ()
    assert report.entity_micro_f1 == 1.0
    assert [(s.entity, s.support) for s in report.entities] == [("product", 5)]


def test_confusable_pair_in_matrix_and_errors() -> None:
    examples = [example("cancel my order", "cancel_order"), example("cancel the order", "cancel_order"),
                example("change my order", "change_order"), example("hello", "greet"), example("hmm", "greet")]
    parser = FakeParser({"cancel my order": answer("cancel_order"), "cancel the order": answer("change_order", confidence=0.55),
                         "change my order": answer("change_order"), "hello": answer("greet"),
                         "hmm": Parse(intent=IntentScore(name=FALLBACK, confidence=0.2))})
    report = evaluate(parser, examples)
    assert report.labels == ("cancel_order", "change_order", "greet", FALLBACK)
    assert report.confusion[0] == (1, 1, 0, 0)  # gold cancel_order: once right, once change_order
    assert report.confusion[1] == (0, 1, 0, 0)
    assert report.confusion[2] == (0, 0, 1, 1)
    assert sum(map(sum, report.confusion)) == 5
    assert [(e.text, e.gold, e.predicted, e.confidence) for e in report.errors] == [
        ("cancel the order", "cancel_order", "change_order", 0.55), ("hmm", "greet", FALLBACK, 0.2)]
    assert report.errors[0].source == "nlu.yml:16"
    scores = {s.intent: s for s in report.intents}
    assert scores["cancel_order"].recall == 0.5 and scores["cancel_order"].precision == 1.0
    assert scores["change_order"].precision == 0.5 and scores["change_order"].support == 1
    assert scores[FALLBACK].support == 0
    assert report.accuracy == pytest.approx(3 / 5)
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 2 / 3) / 3)  # averaged over gold intents only


def test_entities_need_exact_spans_and_only_gold_types_count() -> None:
    examples = [example("buy a red shirt", "buy", (10, 15, "product"), (6, 9, "color")),
                example("buy 2 hats", "buy", (6, 10, "product"))]
    parser = FakeParser({
        "buy a red shirt": answer("buy", (10, 15, "product"), (6, 15, "color")),  # color span too wide
        "buy 2 hats": answer("buy", (6, 10, "product"), (4, 5, "number")),  # number is not annotated: ignored
    })
    report = evaluate(parser, examples)
    scores = {s.entity: s for s in report.entities}
    assert set(scores) == {"color", "product"}
    color = scores["color"]
    assert (color.true_positives, color.false_positives, color.false_negatives) == (0, 1, 1)
    assert color.precision == color.recall == color.f1 == 0.0
    assert scores["product"].f1 == 1.0 and scores["product"].support == 2
    assert report.entity_micro_f1 == pytest.approx(2 / 3)  # tp 2, fp 1, fn 1


def test_no_annotated_entities_gives_no_entity_score() -> None:
    report = evaluate(FakeParser({"hi": answer("greet", (0, 2, "number"))}), [example("hi", "greet")])
    assert report.entities == () and report.entity_micro_f1 is None
    assert "none annotated" in format_summary(report)


def test_cross_validate_covers_every_example_once(data: TrainingData) -> None:
    report = cross_validate(data, folds=3, languages=["en", "ar"])
    scored = [e for e in data.examples if e.intent != "rare"]
    assert report.examples == len(scored)
    assert sum(map(sum, report.confusion)) == len(scored)
    assert sum(s.support for s in report.intents) == len(scored)
    assert "rare" not in report.labels
    assert any("'rare'" in note and "training only" in note for note in report.notes)
    assert len({e.source for e in report.errors}) == len(report.errors)
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_validate(data, folds=1, languages=["en"])


def test_write_report_files(tmp_path: Path) -> None:
    examples = [example("hello", "greet"), example("مرحبا", "greet"), example("bye", "goodbye"),
                example("buy a shirt", "buy", (6, 11, "product"))]
    parser = FakeParser({"hello": answer("greet"), "مرحبا": answer("goodbye"), "bye": answer("goodbye"),
                         "buy a shirt": answer("buy", (6, 11, "product"))})
    report = evaluate(parser, examples)
    paths = write_report(report, tmp_path / "out")
    assert [p.name for p in paths] == ["intent_report.json", "errors.json", "confusion_matrix.png",
                                       "confusion_matrix.html", "report.md"]
    assert all(p.exists() for p in paths)
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = paths[3].read_text(encoding="utf-8")
    assert 'dir="auto"' in page
    assert all(label in page for label in ("greet", "goodbye", "buy")) and "مرحبا" in page
    numbers = json.loads(paths[0].read_text(encoding="utf-8"))
    assert numbers["accuracy"] == 0.75 and numbers["labels"] == ["buy", "goodbye", "greet"]
    errors = json.loads(paths[1].read_text(encoding="utf-8"))
    assert errors == [{"text": "مرحبا", "gold": "greet", "predicted": "goodbye", "confidence": 0.9, "source": "nlu.yml:5"}]
    markdown = paths[4].read_text(encoding="utf-8")
    assert "| greet |" in markdown and "| product |" in markdown
    summary = format_summary(report)
    assert "accuracy 0.750" in summary and "Misclassified examples: 1" in summary


def test_png_with_many_labels(tmp_path: Path) -> None:
    examples = [example(f"text {i}", f"intent_{i:02d}") for i in range(60)]
    parser = FakeParser({f"text {i}": answer(f"intent_{(i + i % 2) % 60:02d}") for i in range(60)})
    report = evaluate(parser, examples)
    assert len(report.labels) == 60
    paths = write_report(report, tmp_path)
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _tallest_stroke_position(text: str) -> float:
    """Where, from 0 (left) to 1 (right) of the inked box, matplotlib draws the tallest stroke of ``text``."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 1.5))
    canvas = FigureCanvasAgg(fig)
    fig.text(0.1, 0.3, text, fontsize=48)
    canvas.draw()
    ink = np.asarray(canvas.buffer_rgba())[:, :, :3].min(axis=2) < 128
    columns = np.flatnonzero(ink.any(axis=0))
    heights = ink[:, columns[0] : columns[-1] + 1].sum(axis=0)
    return float(heights.argmax() / max(1, len(heights) - 1))


def test_arabic_labels_are_drawn_right_to_left_in_the_confusion_picture() -> None:
    """An alef then four joined behs: the alef, the only tall letter, must be drawn at the right end.

    matplotlib 3.11 orders right-to-left text itself; giving it the label in visual order as well
    (what older versions needed) mirrors it, and the alef lands on the left.
    """
    from bot.nlu.evaluate import _display

    assert _tallest_stroke_position(_display("ابببب")) > 0.8
    assert _display("card_arrival") == "card_arrival"


def test_an_out_of_scope_example_that_falls_back_is_right() -> None:
    class Stub:
        def parse(self, text: str, *, now: datetime | None = None) -> Parse:
            name = "greet" if text == "hello" else FALLBACK
            return Parse(intent=IntentScore(name=name, confidence=0.9))

    examples = [Example(text="hello", intent="greet"), Example(text="what is the meaning of life", intent="out_of_scope"),
                Example(text="sing me a song", intent="out_of_scope"), Example(text="hi", intent="greet")]
    report = evaluate(Stub(), examples)
    assert report.accuracy == 0.75  # "hi" fell back: wrong; both out-of-scope examples fell back: right
    assert "out_of_scope" not in report.labels and FALLBACK in report.labels
    fallback = next(s for s in report.intents if s.intent == FALLBACK)
    assert (fallback.support, fallback.recall, round(fallback.precision, 3)) == (2, 1.0, 0.667)
    assert any("scored as nlu_fallback" in note for note in report.notes)
