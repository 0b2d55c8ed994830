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


def test_its_nlu_triggered_flows_run_in_bot_shell(tmp_path: Path) -> None:
    """add_contact starts from its intent and asks its questions (its custom action is not ours to run)."""
    import asyncio
    import io

    from bot.config import load_settings
    from bot.shell import run_shell

    folder = tmp_path / "bot"
    folder.mkdir()
    (folder / "flows").symlink_to(DEMO / "data" / "flows")
    (folder / "domain").symlink_to(DEMO / "domain")
    settings = load_settings(None, {"BOT__PATHS__FLOWS": str(folder), "BOT__PATHS__MODELS": str(tmp_path / "models"), "BOT__PATHS__NLU_DATA": str(tmp_path / "nlu"),
                                    "BOT__LANGUAGES__SUPPORTED": "[en]", "BOT__PATHS__RESPONSES": str(tmp_path / "none.yml")})
    out = io.StringIO()
    code = asyncio.run(run_shell(settings, rtl="logical", stdin=io.StringIO("/add_contact\n@jane\nJane\n2\n/check_balance\n"), stdout=out))
    text = out.getvalue()
    assert code == 0
    assert "bot> What's the handle of the user you want to add?" in text
    assert "bot> What's the name of the user you want to add?" in text
    assert "bot> Do you want to add Jane(@jane) to your contacts?" in text
    assert "bot>   2) No, cancel" in text
