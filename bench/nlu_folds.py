"""NLU benchmark under a k-fold protocol: each fold is the test set once, the other folds train.

    python bench/nlu_folds.py FOLDS_FILE [--vectors FILE] [--jobs N] [--out FILE]

FOLDS_FILE is JSONL ``{"text", "intent"[, "entities"], "fold"}`` (HWU64's ``cv10_folds.jsonl``:
the protocol of the published DIET and HERMIT results on HWU64). Folds are closed sets: no
fallback threshold; confidences are calibrated by cross-validation on the training folds. Prints
one JSON line per fold (with that fold's entity scores), then a ``summary`` line: mean and standard deviation of accuracy and
macro-F1 over the folds, and entity F1 (exact spans, and the overlap measure of the published
results) pooled over every test example. Parse times are measured with ``--jobs`` folds running
at once, so use ``bench/nlu.py`` for speed. Lines are appended to ``bench/results/nlu_folds.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from machine import code_version, machine_info, now
from nlu import overlap_f1, read, to_data


def run_fold(rows: list[dict[str, Any]], fold: Any, vectors_path: Path | None) -> dict[str, Any]:
    """Train on every fold but ``fold``; score intents and entities on ``fold``."""
    from sklearn.metrics import f1_score

    from bot.nlu.pipeline import train_nlu
    from bot.nlu.runtime import FALLBACK
    from bot.nlu.vectors import load_vectors

    train = [r for r in rows if r["fold"] != fold]
    test = [r for r in rows if r["fold"] == fold]
    vectors = load_vectors(vectors_path) if vectors_path else None
    start = time.perf_counter()
    model = train_nlu(to_data(train), languages=["en", "ar", "zh"], fallback_threshold=0.0, vectors=vectors)
    train_s = time.perf_counter() - start
    parses = [model.parse(r["text"]) for r in test]
    predicted = [p.intent.name if p.intent else FALLBACK for p in parses]
    gold = [r["intent"] for r in test]
    types = {e["entity"] for r in rows for e in r.get("entities") or []}
    gold_entities = [(fold, i, e["entity"], e["start"], e["end"]) for i, r in enumerate(test) for e in r.get("entities") or []]
    found_entities = [(fold, i, e.entity, e.start, e.end) for i, p in enumerate(parses) for e in p.entities if e.entity in types]
    return {
        "fold": fold, "train_size": len(train), "test_size": len(test), "train_s": round(train_s, 2),
        "accuracy": round(100 * sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(test), 2),
        "macro_f1": round(100 * f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0), 2),
        **(entity_scores(set(gold_entities), set(found_entities)) if gold_entities else {}),
        "gold_entities": gold_entities,
        "found_entities": found_entities,
    }


def entity_scores(gold: set[tuple[Any, ...]], found: set[tuple[Any, ...]]) -> dict[str, float]:
    """Exact-span micro-F1 and the overlap F1, over (fold, example, type, start, end) tuples."""
    hits = len(gold & found)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(gold) if gold else 0.0
    exact = round(200 * precision * recall / (precision + recall), 2) if hits else 0.0
    # overlap_f1 compares (example, type, start, end); fold and example together name the example
    def key(t: tuple[Any, ...]) -> tuple[Any, ...]:
        return (f"{t[0]}/{t[1]}", *t[2:])
    return {"entity_f1": exact, "entity_f1_overlap": overlap_f1({key(g) for g in gold}, {key(f) for f in found}),
            "entity_precision": round(100 * precision, 2), "entity_recall": round(100 * recall, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folds_file", type=Path)
    parser.add_argument("--vectors", type=Path, help="word vectors from `bot vectors` (default: none)")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained at once (default 1)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "nlu_folds.jsonl")
    args = parser.parse_args()
    rows = read(args.folds_file)
    if not rows or any("fold" not in r for r in rows):
        parser.error(f"{args.folds_file}: needs JSONL rows with text, intent and fold")
    folds = sorted({r["fold"] for r in rows})
    common = {"bench": "nlu_folds", "date": now(), "machine": machine_info(), "code": code_version(),
              "dataset": args.folds_file.parent.name, "folds_file": args.folds_file.name,
              "vectors": args.vectors.name if args.vectors else None, "jobs": args.jobs}
    lines: list[dict[str, Any]] = []
    gold: set[tuple[Any, ...]] = set()
    found: set[tuple[Any, ...]] = set()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(run_fold, [rows] * len(folds), folds, [args.vectors] * len(folds)):
            gold |= {tuple(g) for g in result.pop("gold_entities")}
            found |= {tuple(f) for f in result.pop("found_entities")}
            line = {**common, **result}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            lines.append(line)
    summary: dict[str, Any] = {**common, "summary": True, "folds": len(folds), "examples": len(rows)}
    for metric in ("accuracy", "macro_f1", "train_s"):
        values = [line[metric] for line in lines]
        summary[metric] = round(statistics.mean(values), 2)
        summary[f"{metric}_sd"] = round(statistics.stdev(values), 2) if len(values) > 1 else 0.0
    if gold:
        summary.update(entity_scores(gold, found))
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as handle:
        for line in [*lines, summary]:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
