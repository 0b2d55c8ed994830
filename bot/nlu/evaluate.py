"""Scoring an NLU model on labelled examples: the engine of ``bot test nlu``.

Intents: per-intent precision/recall/F1/support, accuracy, macro and weighted F1 and a confusion
matrix whose labels are the gold intents followed by any other predicted label (``nlu_fallback``
included). Macro and weighted F1 average over the gold intents only, so a label that is only
ever predicted (``nlu_fallback``) gets a row but does not drag the averages down twice.

Entities: a predicted entity is correct only when its type, start and end all equal those of a
gold annotation of the same example (exact span match, the value is not compared); a predicted
span that is off by one character is therefore both a false positive and a false negative. Only
entity types annotated somewhere in the gold examples are scored: the built-in extractors' types
(``number``, ``time``...) that the data never annotates are ignored.
"""

from __future__ import annotations

import html
import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from bot.core.events import Parse
from bot.nlu.data import Example, TrainingData
from bot.nlu.pipeline import train_nlu
from bot.nlu.runtime import FALLBACK, OUT_OF_SCOPE
from bot.nlu.vectors import StaticVectors
from bot.rtl import for_matplotlib

__all__ = ["EntityScore", "IntentScore", "Misclassified", "NluReport", "Parser",
           "cross_validate", "evaluate", "format_summary", "write_report"]


class Parser(Protocol):
    """What ``evaluate`` needs of a model (``NluModel`` is one)."""

    def parse(self, text: str, *, now: datetime | None = None) -> Parse: ...


@dataclass(frozen=True, slots=True)
class IntentScore:
    """Scores of one label; ``support`` is its number of gold examples."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class EntityScore:
    """Exact-span scores of one annotated entity type; ``support`` = gold annotations."""

    entity: str
    precision: float
    recall: float
    f1: float
    support: int
    true_positives: int
    false_positives: int
    false_negatives: int


@dataclass(frozen=True, slots=True)
class Misclassified:
    """An example whose predicted intent is not its gold intent."""

    text: str
    gold: str
    predicted: str
    confidence: float
    source: str  # file:line


@dataclass(frozen=True)
class NluReport:
    """Everything ``bot test nlu`` reports; ``confusion[i][j]`` = gold ``labels[i]`` predicted ``labels[j]``."""

    examples: int
    accuracy: float
    macro_f1: float
    weighted_f1: float
    intents: tuple[IntentScore, ...]
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    errors: tuple[Misclassified, ...]
    entities: tuple[EntityScore, ...]
    entity_micro_f1: float | None  # None when no example annotates an entity
    notes: tuple[str, ...] = ()


def evaluate(model: Parser, examples: Sequence[Example], *, notes: Sequence[str] = ()) -> NluReport:
    """Parse every example with ``model`` (an ``NluModel``) and score the parses against the gold labels."""
    return _score(examples, [model.parse(e.text) for e in examples], notes)


def cross_validate(
    data: TrainingData, *, folds: int, languages: Sequence[str], seed: int = 0, vectors: StaticVectors | None = None
) -> NluReport:
    """Stratified k-fold: train on k-1 folds, parse the held-out fold, one report over all folds.

    Intents with fewer examples than ``folds`` cannot be in every fold: they stay in every
    training fold, are never scored, and the report's notes say so. Synonyms, lookups and
    regexes of ``data`` are kept in every training fold.
    """
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {folds}")
    counts: dict[str, int] = {}
    for example in data.examples:
        counts[example.intent] = counts.get(example.intent, 0) + 1
    small = sorted(i for i, n in counts.items() if n < folds)
    always = [e for e in data.examples if e.intent in small]
    scored = [e for e in data.examples if e.intent not in small]
    if not scored:
        raise ValueError(f"no intent has at least {folds} examples; use fewer folds")
    notes = [f"intent {i!r} has {counts[i]} example(s), fewer than {folds} folds: used for training only, not scored"
             for i in small]
    parses: list[Parse | None] = [None] * len(scored)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(scored)), [e.intent for e in scored]):
        fold_data = replace(data, examples=tuple(always) + tuple(scored[i] for i in train), warnings=())
        model = train_nlu(fold_data, languages=languages, vectors=vectors)
        for i in test:
            parses[i] = model.parse(scored[i].text)
    notes.append(f"{folds}-fold cross-validation (seed {seed}) over {len(scored)} examples")
    return _score(scored, [p for p in parses if p is not None], notes)


def _score(examples: Sequence[Example], parses: Sequence[Parse], notes: Sequence[str]) -> NluReport:
    if not examples:
        raise ValueError("no examples to evaluate")
    # an out-of-scope example is right when the bot falls back, which is what it does with one it recognises
    gold = [FALLBACK if e.intent in OUT_OF_SCOPE else e.intent for e in examples]
    predicted = [p.intent.name if p.intent else FALLBACK for p in parses]
    out_of_scope = sorted({e.intent for e in examples if e.intent in OUT_OF_SCOPE})
    if out_of_scope:
        note = f"out-of-scope examples ({', '.join(out_of_scope)}) are right when they fall back: they are scored as {FALLBACK}"
        notes = [*notes, note]
    gold_labels = sorted(set(gold))
    labels = gold_labels + sorted(set(predicted) - set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    intents = tuple(IntentScore(label, float(p), float(r), float(f), int(s))
                    for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True))
    in_gold = intents[: len(gold_labels)]
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]  # by hand: sklearn warns when only one label occurs
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    errors = tuple(Misclassified(e.text, g, p, float(parse.intent.confidence) if parse.intent else 0.0, e.source)
                   for e, parse, g, p in zip(examples, parses, gold, predicted, strict=True) if g != p)
    entities, micro = _score_entities(examples, parses)
    return NluReport(
        examples=len(examples),
        accuracy=sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        macro_f1=float(np.mean([s.f1 for s in in_gold])),
        weighted_f1=sum(s.f1 * s.support for s in in_gold) / len(gold),
        intents=intents,
        labels=tuple(labels),
        confusion=tuple(map(tuple, matrix)),
        errors=errors,
        entities=entities,
        entity_micro_f1=micro,
        notes=tuple(notes),
    )


def _score_entities(examples: Sequence[Example], parses: Sequence[Parse]) -> tuple[tuple[EntityScore, ...], float | None]:
    """Exact (type, start, end) matches, per gold entity type, and the micro-F1 over all of them."""
    types = sorted({a.entity for e in examples for a in e.entities})
    tp = dict.fromkeys(types, 0)
    fp, fn = dict(tp), dict(tp)
    for example, parse in zip(examples, parses, strict=True):
        gold = {(a.entity, a.start, a.end) for a in example.entities}
        found = {(e.entity, e.start, e.end) for e in parse.entities if e.entity in tp}
        for entity, _, _ in gold & found:
            tp[entity] += 1
        for entity, _, _ in found - gold:
            fp[entity] += 1
        for entity, _, _ in gold - found:
            fn[entity] += 1
    scores = tuple(EntityScore(t, *_prf(tp[t], fp[t], fn[t]), tp[t] + fn[t], tp[t], fp[t], fn[t]) for t in types)
    if not types:
        return scores, None
    return scores, _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))[2]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def write_report(report: NluReport, out_dir: Path) -> list[Path]:
    """Write the JSON, PNG, HTML and Markdown reports into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in ("intent_report.json", "errors.json", "confusion_matrix.png",
                                         "confusion_matrix.html", "report.md")]
    numbers = {k: v for k, v in asdict(report).items() if k != "errors"}
    numbers["errors"] = len(report.errors)
    paths[0].write_text(json.dumps(numbers, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    errors = [asdict(e) for e in report.errors]
    paths[1].write_text(json.dumps(errors, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _plot_confusion(report, paths[2])
    paths[3].write_text(_html(report), encoding="utf-8")
    paths[4].write_text(_markdown(report), encoding="utf-8")
    return paths


def _display(label: str, limit: int = 40) -> str:
    """A label as matplotlib should draw it: shortened, and right-to-left text as matplotlib needs it."""
    return for_matplotlib(label if len(label) <= limit else label[: limit - 1] + "…")


def _plot_confusion(report: NluReport, path: Path) -> None:
    """The confusion matrix as a PNG, readable up to ~60 labels (numbers in cells under 25)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    matrix = np.asarray(report.confusion)
    n = len(report.labels)
    side = min(max(5.0, 0.3 * n + 3.0), 30.0)
    font = 10 if n <= 20 else 8 if n <= 45 else 7
    fig = Figure(figsize=(side + 1.5, side))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues", vmin=0, interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    names = [_display(label) for label in report.labels]
    ax.set_xticks(range(n), names, rotation=90, fontsize=font)
    ax.set_yticks(range(n), names, fontsize=font)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("gold intent")
    ax.set_title(f"Intent confusion ({report.examples} examples, accuracy {report.accuracy:.3f})")
    if n < 25:
        top = matrix.max()
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=font,
                    color="white" if value > top / 2 else ("black" if value else "lightgray"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")  # a script the font lacks: boxes
        fig.savefig(path, dpi=100, bbox_inches="tight")


def _html(report: NluReport) -> str:
    """A self-contained page: the confusion matrix shaded by count, then the misclassified examples."""
    esc = html.escape
    top = max((max(row) for row in report.confusion), default=0) or 1
    head = "".join(f'<th class="col" dir="auto">{esc(label)}</th>' for label in report.labels)
    rows = []
    for label, row in zip(report.labels, report.confusion, strict=True):
        cells = "".join(f'<td dir="auto" style="background: rgba(31,119,180,{v / top:.2f});'
                        f'color: {"#fff" if v > top / 2 else "#000"}">{v or ""}</td>' for v in row)
        rows.append(f'<tr><th dir="auto">{esc(label)}</th>{cells}</tr>')
    errors = "".join(f'<tr><td dir="auto">{esc(e.text)}</td><td dir="auto">{esc(e.gold)}</td>'
                     f'<td dir="auto">{esc(e.predicted)}</td><td>{e.confidence:.3f}</td>'
                     f'<td dir="auto">{esc(e.source)}</td></tr>' for e in report.errors)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>NLU confusion matrix</title>
<style>body{{font-family:sans-serif;margin:1em}} table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:center}} th.col{{writing-mode:vertical-rl}}
tbody th{{text-align:start}}</style></head><body>
<h1>NLU evaluation</h1>
<p>{report.examples} examples, accuracy {report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f}.
Rows: gold intent; columns: predicted intent.</p>
<table><thead><tr><th>gold \\ predicted</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
<h2>Misclassified examples ({len(report.errors)})</h2>
<table><thead><tr><th>text</th><th>gold</th><th>predicted</th><th>confidence</th><th>source</th></tr></thead>
<tbody>{errors}</tbody></table>
</body></html>
"""


def _markdown(report: NluReport) -> str:
    """The summary tables: one row per intent, one per entity type."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["# NLU evaluation", "", f"- examples: {report.examples}", f"- accuracy: {report.accuracy:.3f}",
             f"- macro-F1: {report.macro_f1:.3f}", f"- weighted-F1: {report.weighted_f1:.3f}",
             f"- misclassified: {len(report.errors)}", *(f"- note: {n}" for n in report.notes), "",
             "## Intents", "", "| intent | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {cell(s.intent)} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |"
              for s in report.intents]
    lines += ["", "## Entities (exact span match)", ""]
    if report.entity_micro_f1 is None:
        lines.append("No entity is annotated in the examples.")
    else:
        lines += [f"Micro-F1: {report.entity_micro_f1:.3f}", "",
                  "| entity | precision | recall | F1 | support | TP | FP | FN |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {cell(s.entity)} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} | "
                  f"{s.true_positives} | {s.false_positives} | {s.false_negatives} |" for s in report.entities]
    return "\n".join(lines) + "\n"


def format_summary(report: NluReport) -> str:
    """A few lines for the terminal (the caller adds where the files were written)."""
    worst = sorted((s for s in report.intents if s.support), key=lambda s: (s.f1, s.intent))[:5]
    entities = ("none annotated" if report.entity_micro_f1 is None
                else f"micro-F1 {report.entity_micro_f1:.3f} over {len(report.entities)} type(s)")
    lines = [(f"Intents: {report.examples} examples, accuracy {report.accuracy:.3f}, "
              f"macro-F1 {report.macro_f1:.3f}, weighted-F1 {report.weighted_f1:.3f}"),
             "Worst intents by F1: " + ", ".join(f"{s.intent} {s.f1:.3f}" for s in worst),
             f"Entities: {entities}", f"Misclassified examples: {len(report.errors)}",
             *(f"Note: {n}" for n in report.notes)]
    return "\n".join(lines)
