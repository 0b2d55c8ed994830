"""NLU benchmark: train on each dataset's train split, evaluate on its test split.

    python bench/nlu.py DATASET_DIR... [--test-file FILE]... [--vectors FILE]

Each DATASET_DIR holds JSONL files ``train``, ``valid`` (optional) and ``test``, one
``{"text", "intent"[, "entities"]}`` per line; CLINC150-style ``oos_train``/``oos_valid``/``oos_test``
files add out-of-scope examples. Training uses ``train`` (plus ``oos_train``); ``valid`` (plus
``oos_valid``) only calibrates confidences and the fallback threshold; ``test`` is only measured.
A ``--test-file`` after a dataset is evaluated with that dataset's model, on its own line.
A dataset without out-of-scope examples is a closed set: the fallback threshold is off, as
nothing can calibrate it, and ``accuracy_at_default_threshold`` says what the bot's default
``nlu.default_threshold`` would cost. ``--vectors FILE`` (from ``bot vectors``) adds word vectors.
Each dataset runs in a fresh process so that its peak RSS is its own. One JSON line per result;
results are appended to ``bench/results/nlu.jsonl`` with a Markdown table and a plot beside it.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from machine import code_version, machine_info, now


def read(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file (empty if it does not exist)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def to_data(rows: list[dict[str, Any]]) -> Any:
    """JSONL rows as training data (entities keep their spans)."""
    from bot.nlu.data import EntityAnnotation, Example, TrainingData

    examples = []
    for row in rows:
        text = row["text"]
        entities = tuple(
            EntityAnnotation(start=e["start"], end=e["end"], entity=e["entity"], value=e.get("value", text[e["start"]:e["end"]]),
                             text=text[e["start"]:e["end"]])
            for e in row.get("entities") or []
        )
        examples.append(Example(text=text, intent=row["intent"], entities=entities))
    return TrainingData(tuple(examples))


def evaluate(model: Any, rows: list[dict[str, Any]], oos_rows: list[dict[str, Any]], default_threshold: float | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1, out-of-scope recall, entity micro-F1 and parse times of the full pipeline."""
    from sklearn.metrics import f1_score

    from bot.nlu.classifier import FALLBACK

    result: dict[str, Any] = {"test_size": len(rows)}
    times: list[float] = []

    def parse(text: str) -> Any:
        start = time.perf_counter()
        parsed = model.parse(text)
        times.append((time.perf_counter() - start) * 1000)
        return parsed

    if rows:
        parses = [parse(row["text"]) for row in rows]
        predicted = [p.intent.name if p.intent else FALLBACK for p in parses]
        gold = [row["intent"] for row in rows]
        result["accuracy"] = round(100 * sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(rows), 2)
        if default_threshold is not None:
            kept = sum(p.intent is not None and p.intent.name == g and p.intent.confidence >= default_threshold
                       for p, g in zip(parses, gold, strict=True))
            result["accuracy_at_default_threshold"] = round(100 * kept / len(rows), 2)
        result["macro_f1"] = round(100 * f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0), 2)
        result["fallback_rate_in_scope"] = round(100 * sum(p == FALLBACK for p in predicted) / len(rows), 2)
        types = {e["entity"] for row in rows for e in row.get("entities") or []}
        if types:  # exact span and type; only the types the dataset annotates
            gold_spans = {(i, e["entity"], e["start"], e["end"]) for i, row in enumerate(rows) for e in row.get("entities") or []}
            found = {(i, e.entity, e.start, e.end) for i, p in enumerate(parses) for e in p.entities if e.entity in types}
            hits = len(gold_spans & found)
            precision = hits / len(found) if found else 0.0
            recall = hits / len(gold_spans) if gold_spans else 0.0
            result["entity_f1"] = round(200 * precision * recall / (precision + recall), 2) if hits else 0.0
            result["entity_f1_overlap"] = overlap_f1(gold_spans, found)
    if oos_rows:
        predicted = [p.intent.name if p.intent else FALLBACK for p in (parse(row["text"]) for row in oos_rows)]
        result["oos_recall"] = round(100 * sum(p == FALLBACK for p in predicted) / len(oos_rows), 2)
        result["oos_test_size"] = len(oos_rows)
    times.sort()
    if times:
        result["parse_ms"] = {"p50": round(statistics.median(times), 3), "p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3)}
    return result


def overlap_f1(gold: set[tuple[str | int, ...]], found: set[tuple[str | int, ...]]) -> float:
    """Entity F1 of the published HWU64 results (HERMIT, Vanzo et al. 2019; the DIET paper reuses its script).

    A gold entity is recalled when a found entity of the same type in the same message shares
    part of its span, and a found entity is right when it shares part of a gold one of its type.
    ``entity_f1`` is the strict measure (same type, same span).
    """
    def touches(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
        return a[0] == b[0] and a[1] == b[1] and a[2] < b[3] and b[2] < a[3]

    if not gold or not found:
        return 0.0
    recall = sum(any(touches(g, f) for f in found) for g in gold) / len(gold)
    precision = sum(any(touches(f, g) for g in gold) for f in found) / len(found)
    return round(200 * precision * recall / (precision + recall), 2) if precision + recall else 0.0


def run_one(folder: Path, test_files: list[Path], vectors_path: Path | None) -> list[dict[str, Any]]:
    """Train and evaluate one dataset in this process."""
    from bot.config import NluSettings
    from bot.nlu.pipeline import train_nlu
    from bot.nlu.runtime import OUT_OF_SCOPE
    from bot.nlu.vectors import load_vectors

    train = read(folder / "train.jsonl") + read(folder / "oos_train.jsonl")
    valid = read(folder / "valid.jsonl") + read(folder / "oos_valid.jsonl")
    test, oos_test = read(folder / "test.jsonl"), read(folder / "oos_test.jsonl")
    if not train or not (test or test_files):
        sys.exit(f"{folder}: needs train.jsonl and test.jsonl (or --test-file)")
    closed = not any(r["intent"] in OUT_OF_SCOPE for r in train + valid)
    default = NluSettings().default_threshold
    vectors = load_vectors(vectors_path) if vectors_path else None  # loading is not training: outside the clock
    start = time.perf_counter()
    model = train_nlu(to_data(train), languages=["en", "ar", "zh"], held_out=to_data(valid) if valid else None,
                      fallback_threshold=0.0 if closed else None, vectors=vectors)
    train_s = time.perf_counter() - start
    model_mb = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)) / 2**20
    common = {
        "bench": "nlu",
        "date": now(),
        "machine": machine_info(),
        "code": code_version(),
        "dataset": folder.name,
        "train_size": len(train),
        "intents": len({r["intent"] for r in train}),
        "train_s": round(train_s, 2),
        "model_mb": round(model_mb, 2),
        "calibration": "valid" if valid else "cross-validation on train",
        "threshold": round(model.classifier.threshold, 4) if model.classifier else None,
        "fallback": "off: no out-of-scope examples to calibrate on" if closed else "calibrated on out-of-scope examples",
        "vectors": vectors.source if vectors else None,
    }
    lines = []
    check = default if closed else None
    if test:
        lines.append({**common, "test": "test", **evaluate(model, test, oos_test, check)})
    for path in test_files:
        lines.append({**common, "test": path.name, **evaluate(model, read(path), [], check)})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [{**line, "peak_rss_mb": round(peak, 1)} for line in lines]


def plan(argv: list[str]) -> list[tuple[Path, list[Path]]]:
    """Datasets in order, each with the extra test files given after it."""
    jobs: list[tuple[Path, list[Path]]] = []
    args = iter(argv)
    for arg in args:
        if arg == "--test-file":
            path = next(args, None)
            if path is None or not jobs:
                sys.exit("--test-file FILE must follow a dataset folder")
            jobs[-1][1].append(Path(path))
        elif arg.startswith("--test-file="):
            if not jobs:
                sys.exit("--test-file FILE must follow a dataset folder")
            jobs[-1][1].append(Path(arg.split("=", 1)[1]))
        else:
            jobs.append((Path(arg), []))
    return jobs


def _overlap_cell(line: dict[str, Any]) -> str:
    return f" ({line['entity_f1_overlap']})" if "entity_f1_overlap" in line else ""


def write_report(lines: list[dict[str, Any]], out: Path) -> None:
    """Append to the JSONL log and rewrite the table and plot of this run."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    header = ("| dataset | test | vectors | accuracy | macro-F1 | OOS recall | entity F1 (overlap) | train s | parse ms p50/p99 | model MB | peak RSS MB |\n"
              "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    rows = "".join(
        f"| {l['dataset']} | {l['test']} | {l.get('vectors') or '-'} | {l.get('accuracy', '')} | {l.get('macro_f1', '')} | {l.get('oos_recall', '')} | {l.get('entity_f1', '')}{_overlap_cell(l)} | "
        f"{l['train_s']} | {l['parse_ms']['p50']}/{l['parse_ms']['p99']} | {l['model_mb']} | {l['peak_rss_mb']} |\n"
        for l in lines
    )
    machine = lines[0]["machine"] if lines else {}
    table = out.with_suffix(".md")
    table.write_text(f"# NLU benchmark, {lines[0]['date'] if lines else ''}\n\nMachine: {json.dumps(machine)}\n\n{header}{rows}", encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{l['dataset']}\n{l['test']}" for l in lines]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(lines)), 4))
    ax.bar(range(len(lines)), [l.get("accuracy", 0) for l in lines], color="#4a7ebb")
    ax.set_xticks(range(len(lines)), labels, fontsize=8)
    ax.set_ylim(50, 100)
    ax.set_ylabel("accuracy on the test split (%)")
    ax.set_title("Intent accuracy (train on train, calibrate on valid, measure on test)")
    for i, l in enumerate(lines):
        ax.text(i, l.get("accuracy", 0) + 0.5, f"{l.get('accuracy', '')}", ha="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)


def main() -> int:
    if "--one" in sys.argv:  # child process: one dataset: --one VECTORS|- FOLDER [TEST_FILE...]
        index = sys.argv.index("--one")
        vectors = None if sys.argv[index + 1] == "-" else Path(sys.argv[index + 1])
        folder, extra = Path(sys.argv[index + 2]), [Path(p) for p in sys.argv[index + 3:]]
        for line in run_one(folder, extra, vectors):
            print(json.dumps(line, ensure_ascii=False), flush=True)
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "nlu.jsonl")
    parser.add_argument("--vectors", type=Path, help="word vectors from `bot vectors` for every dataset (default: none)")
    known, rest = parser.parse_known_args()
    jobs = plan(rest)
    if not jobs:
        parser.error("give at least one dataset folder")
    lines: list[dict[str, Any]] = []
    for folder, test_files in jobs:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(known.vectors or "-"), str(folder), *map(str, test_files)],
            capture_output=True, text=True, check=False,
        )
        if child.returncode != 0:
            print(child.stderr[-3000:], file=sys.stderr)
            return child.returncode
        for raw in child.stdout.splitlines():
            print(raw, flush=True)
            lines.append(json.loads(raw))
    write_report(lines, known.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
