"""Rasa's public CALM demo loads and validates unchanged (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.loader import load_flows
from bot.flows.validate import validate
from bot.nlu.data import load_nlu_file

DEMO = Path(__file__).resolve().parents[3] / "shared" / "data" / "rasa" / "calm-demo"
pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason=f"Rasa's CALM demo is not here ({DEMO}); it is public data outside the project")


def test_the_calm_demo_loads_and_validates_unchanged() -> None:
    loaded = load_flows([DEMO / "data" / "flows", DEMO / "domain"], languages=["en"], root=DEMO)
    nlu_files = [p for p in sorted((DEMO / "data").rglob("*.yml")) if p.read_text(encoding="utf-8").lstrip().startswith(("nlu:", "version"))
                 and "\nnlu:" in "\n" + p.read_text(encoding="utf-8")]
    intents = {e.intent for path in nlu_files for e in load_nlu_file(path).examples}
    problems = validate(loaded, languages=["en"], nlu_intents=intents)
    assert problems.errors == [], "\n".join(map(str, problems.errors))
    flows = loaded.definition.flows
    assert {"transfer_money", "add_contact", "order_pizza", "check_balance"} <= set(flows)
    transfer = flows["transfer_money"]
    assert "ask_amount" in transfer.steps and transfer.first == "transfer_money_0_collect_transfer_money_recipient"
    assert len(loaded.definition.slots) > 20 and "utter_ask_transfer_money_recipient" in loaded.responses
