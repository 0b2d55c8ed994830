"""The conversation tests of the shop bot and of a bot overriding every pattern pass under `bot test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.flows.loader import load_flows

ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = ROOT / "tests" / "projects" / "overrides"
ISSUE_PATTERNS = {
    "pattern_cancel_flow", "pattern_correction", "pattern_continue_interrupted", "pattern_completed", "pattern_chitchat",
    "pattern_cannot_handle", "pattern_clarification", "pattern_human_handoff", "pattern_internal_error",
    "pattern_session_start", "pattern_collect_information", "pattern_skip_question", "pattern_repeat_bot_messages",
    "pattern_restart",
}


@pytest.fixture(autouse=True)
def no_trained_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests speak in /intent payloads; a model trained on this machine must not change them."""
    monkeypatch.setenv("BOT__PATHS__MODELS", str(tmp_path / "no-models"))
    monkeypatch.setenv("BOT__STORE__SQLITE__PATH", str(tmp_path / "bot.db"))


def test_the_shop_conversations_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", "--config", str(ROOT / "config.yml"), str(ROOT / "tests" / "conversations")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 failed" in out and " passed" in out


def test_every_pattern_overridden_by_a_designer_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    flows = load_flows([OVERRIDES / "flows"], languages=["en"]).definition.flows
    assert ISSUE_PATTERNS <= set(flows), f"not overridden: {sorted(ISSUE_PATTERNS - set(flows))}"
    code = main(["test", "--config", str(OVERRIDES / "config.yml")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 passed, 0 failed" in out


def test_a_failing_conversation_exits_1_with_a_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "wrong.yml"
    case.write_text("test_cases:\n  - test_case: wrong\n    steps:\n      - user: /store_hours\n      - utter: utter_store_location\n")
    assert main(["test", "--config", str(ROOT / "config.yml"), str(case)]) == 1
    out = capsys.readouterr().out
    assert "- utter: utter_store_location" in out and 'utter_store_hours "We\'re open' in out
