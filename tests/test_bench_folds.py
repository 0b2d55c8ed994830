"""bench/nlu_folds.py on a tiny folds file: every fold tested once, entity scores pooled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROWS = [
    ("wake me at 7 am", "alarm_set", [(11, 15, "time")]),
    ("set an alarm for 6 pm", "alarm_set", [(17, 21, "time")]),
    ("alarm at 9 am please", "alarm_set", [(9, 13, "time")]),
    ("play some jazz", "play_music", [(10, 14, "genre")]),
    ("play rock music", "play_music", [(5, 9, "genre")]),
    ("put on some pop", "play_music", [(12, 15, "genre")]),
]


def test_each_fold_is_tested_once_and_entities_are_pooled(tmp_path: Path) -> None:
    folds = tmp_path / "hwu" / "cv_folds.jsonl"
    folds.parent.mkdir()
    rows = [{"text": t, "intent": i, "fold": n % 3 + 1, "entities": [{"start": s, "end": e, "entity": k} for s, e, k in ents]}
            for n, (t, i, ents) in enumerate(ROWS)]
    folds.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "folds.jsonl"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "nlu_folds.py"), str(folds), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("fold") for line in lines[:-1]] == [1, 2, 3]
    assert all(line["test_size"] == 2 and line["train_size"] == 4 for line in lines[:-1])
    summary = lines[-1]
    assert summary["summary"] is True and summary["folds"] == 3 and summary["examples"] == 6
    assert summary["machine"]["cores"] >= 1 and summary["date"]
    assert 0 <= summary["entity_f1"] <= summary["entity_f1_overlap"] <= 100
    assert out.read_text(encoding="utf-8").count("\n") == 4
