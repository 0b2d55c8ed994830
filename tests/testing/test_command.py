"""``bot test`` as a user runs it: exit codes, default folder, -k, --fail-fast, --junit; ``bot test nlu`` stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser, cmd_test_conversations, cmd_test_nlu, main
from tests.testing.conftest import write

PASSING = """\
test_cases:
  - test_case: greets
    steps:
      - user: /greet
        assertions:
          - bot_uttered:
              utter_name: utter_greet
              buttons:
                - {title: "Track my order", payload: /track_order}
                - {title: "Talk to a person", payload: /human_handoff}
      - utter: utter_greet
  - test_case: says goodbye by name
    steps:
      - user: '/goodbye{"name": "Ali"}'
      - bot: "Goodbye Ali!"
      - slot_was_set: [{name: Ali}]
      - flow: null
"""
FAILING = """\
test_cases:
  - test_case: expects the wrong answer
    steps:
      - user: /greet
      - utter: utter_goodbye
  - test_case: greets again
    steps:
      - user: /greet
      - utter: utter_greet
"""


def bot_test(project: Path, *args: str) -> int:
    return main(["test", *args, "--config", str(project / "config.yml")])


def test_passing_tests_exit_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "tests" / "conversations" / "greet.yml", PASSING)
    assert bot_test(project) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("  (")[0] for line in out] == ["PASS  greets", "PASS  says goodbye by name", "2 passed, 0 failed"]


def test_a_failing_test_exits_1_with_a_diff(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(project / "elsewhere" / "fail.yml", FAILING)
    assert bot_test(project, str(path)) == 1
    out = capsys.readouterr().out
    assert "FAIL  expects the wrong answer" in out and "PASS  greets again" in out
    assert "    - utter: utter_goodbye    (" in out and '    + bot: utter_greet "Hello! How can I help?"' in out
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_fail_fast_and_k(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "tests" / "conversations" / "fail.yml", FAILING)
    assert bot_test(project, "--fail-fast") == 1
    assert "greets again" not in capsys.readouterr().out
    assert bot_test(project, "-k", "AGAIN") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"
    assert bot_test(project, "-k", "nothing like this") == 1
    assert "no test cases matching -k 'nothing like this'" in capsys.readouterr().out


def test_verbose_and_junit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "tests" / "conversations" / "greet.yml", PASSING)
    junit = project / "report.xml"
    assert bot_test(project, "--verbose", "--junit", str(junit)) == 0
    assert "      bot: utter_goodbye \"Goodbye Ali!\"" in capsys.readouterr().out
    assert junit.read_text(encoding="utf-8").count("<testcase ") == 2


def test_a_broken_file_exits_1_listing_every_problem(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "tests" / "conversations" / "bad.yml", "test_cases:\n  - test_case: a\n    steps: [{usr: hi}, {wait: x}]\n")
    assert bot_test(project) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 2 problem(s) in conversation tests:")
    assert "bad.yml:3: a step is a mapping with one of user" in err
    assert "bad.yml:3: wait takes a number of seconds (0 or more), got 'x'" in err


def test_a_missing_path_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bot_test(project, str(project / "nowhere")) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_test_kinds_parse_as_before() -> None:
    parser = build_parser()
    assert parser.parse_args(["test", "nlu", "--cross-validation", "3"]).handler is cmd_test_nlu
    for argv in (["test", "conversations", "a.yml"], ["test", "e2e", "a.yml"]):
        args = parser.parse_args(argv)
        assert (args.handler, args.paths) == (cmd_test_conversations, ["a.yml"])


def test_bot_test_nlu_still_runs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "nlu", "--config", str(project / "config.yml")]) == 1
    assert "no NLU data under" in capsys.readouterr().out
