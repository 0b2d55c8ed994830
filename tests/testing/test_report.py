"""What a failing test case looks like: a diff per turn, the summary, JUnit XML."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from bot.config import Settings
from bot.core import events as ev
from bot.testing import CaseResult, TestFile, parse_tests, run_files
from bot.testing.report import format_case, summary, write_junit
from bot.yamlsource import parse_yaml
from tests.testing.conftest import Script, ScriptedDialogue, engines

SCRIPT: Script = {
    "start_order": ([ev.FlowStarted(flow_id="track_order", frame_id="f1", step_id="ask_id"),
                     ev.SlotSet(name="order_id", value="A-1")],
                    [("utter_ask_email", "Your email?")]),
}
TESTS = """\
test_cases:
  - test_case: greets
    steps:
      - user: /greet
  - test_case: tracks
    steps:
      - user: /greet
      - user: /start_order
        assertions:
          - flow_started: refund
          - slot_was_set: [{name: order_id, value: A-2}]
      - utter: utter_ask_order_id
      - flow: null
"""


async def results(settings: Settings, text: str = TESTS) -> list[CaseResult]:
    test_file: TestFile = parse_tests(parse_yaml(textwrap.dedent(text), "t.yml"))
    return await run_files([test_file], engines(settings, ScriptedDialogue(SCRIPT)))


async def test_a_failing_turn_shows_expected_and_actual_lines(settings: Settings) -> None:
    passed, failed = await results(settings)
    assert format_case(passed) == "PASS  greets  (t.yml:2)"
    assert format_case(failed) == textwrap.dedent("""\
        FAIL  tracks  (t.yml:5)
          turn 2  (t.yml:8)  user: /start_order
            - flow_started: refund    (t.yml:10: flows started this turn: track_order)
            - slot_was_set: order_id = "A-2"    (t.yml:11: order_id was set to "A-1")
            - utter: utter_ask_order_id    (t.yml:12: message 1 is utter_ask_email "Your email?")
            - flow: none    (t.yml:13: the active flow is track_order)
            + flow_started: track_order
            + slot_was_set: order_id = "A-1"
            + bot: utter_ask_email "Your email?"
            + flow: track_order""").rstrip()
    assert summary([passed, failed]) == "1 passed, 1 failed"


async def test_verbose_shows_every_turn(settings: Settings) -> None:
    passed, _ = await results(settings)
    assert format_case(passed, verbose=True) == textwrap.dedent("""\
        PASS  greets  (t.yml:2)
          turn 1  (t.yml:4)  user: /greet
              session_started
              bot: utter_default "Sorry?"
              flow: none""").rstrip()


async def test_an_agent_owner_and_buttons_are_shown(settings: Settings) -> None:
    script: Script = {"human": ([ev.HandoffStarted(reason="asked")], [("utter_handoff", "Connecting you.")])}
    test_file = parse_tests(parse_yaml("test_cases: [{test_case: h, steps: [{user: /human}, {user: /greet}, {owner: bot}]}]\n", "t.yml"))
    result, = await run_files([test_file], engines(settings, ScriptedDialogue(script)))
    assert format_case(result).splitlines()[1:] == [
        "  turn 2  (t.yml:1)  user: /greet",
        "    - owner: bot    (t.yml:1: the conversation is answered by the agent)",
        "    + flow: none",
        "    + owner: agent",
    ]
    greeted = await run_files([parse_tests(parse_yaml(
        "test_cases: [{test_case: g, steps: [{user: /greet}, {utter: utter_nope}]}]\n", "t.yml"))], engines(settings))
    assert '    + bot: utter_greet "Hello! How can I help?" [Track my order -> /track_order, Talk to a person -> /human_handoff]' \
        in format_case(greeted[0]).splitlines()


async def test_junit_xml_has_a_testcase_per_case(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "out" / "junit.xml"
    write_junit(await results(settings), path)
    root = ET.parse(path).getroot()
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "2", "1", "0")
    suite, = root
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("t.yml", "2", "1")
    greets, tracks = suite
    assert (greets.get("name"), list(greets)) == ("greets", [])
    failure, = tracks
    assert failure.tag == "failure" and failure.get("message") == "4 expectation(s) failed"
    assert "- flow_started: refund" in (failure.text or "")
