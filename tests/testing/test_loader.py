"""Reading test files: a good file in full, and each kind of mistake with its file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.actions.base import ActionResult
from bot.core.conversation import Owner
from bot.testing import TestFileError, load_tests, parse_tests
from bot.testing.model import (
    ActionExecutedCheck,
    BotStep,
    ButtonCheck,
    ClarificationCheck,
    FlowCheck,
    FlowEndedCheck,
    FlowStartedCheck,
    OwnerCheck,
    SlotCheck,
    SlotsCheck,
    TestFile,
    UserStep,
    UtteredCheck,
    UtterStep,
    WaitStep,
)
from bot.yamlsource import parse_yaml
from tests.testing.conftest import write

GOOD = """\
fixtures:
  - premium: [{membership: gold}, {points: 10}]
metadata:
  - wa: {wa_profile: Ali}
  - urgent: {priority: high}
stub_custom_actions:
  action_check_order:
    events: [{event: slot, name: order_status, value: shipped}]
    responses: [{text: "It has shipped."}]
  track an order::action_check_order:
    events: []
    responses: []
test_cases:
  - test_case: track an order
    fixtures: [premium]
    metadata: wa
    language: ar
    steps:
      - user: "where is my order A-1234?"
        metadata: urgent
        assertion_order_enabled: true
        assertions:
          - flow_started: track_order
          - flow_started: {flow_ids: [a, b], operator: any}
          - flow_completed: {flow_id: track_order, flow_step_id: tell}
          - flow_cancelled: {flow_id: other}
          - action_executed: action_check_order
          - slot_was_set: [{name: order_id, value: A-1234}, {name: email}]
          - slot_was_not_set: [{name: phone}]
          - bot_uttered: {utter_name: utter_status, text_matches: "ship+ed", buttons: [{title: "Yes", payload: /affirm}]}
          - bot_did_not_utter: {utter_name: utter_default}
          - pattern_clarification_contains: [track_order, cancel_order]
      - utter: utter_ask_anything_else
      - bot: "Anything else?"
      - slot_was_set: [order_id, {points: 10}]
      - slot_was_not_set: [email]
      - flow: track_order
      - flow: null
      - wait: 3600
      - owner: agent
      - user: 42
  - test_case: second
    steps:
      - user: /greet
"""


def parse(text: str, name: str = "t.yml") -> TestFile:
    return parse_tests(parse_yaml(textwrap.dedent(text), name), languages=["en", "ar"])


def problems(text: str) -> list[str]:
    with pytest.raises(TestFileError) as caught:
        parse(text)
    return list(caught.value.problems)


def test_a_good_file_becomes_frozen_test_cases() -> None:
    test_file = parse(GOOD)
    first, second = test_file.cases
    assert (first.name, first.where, first.language) == ("track an order", "t.yml:14", "ar")
    assert first.slots == (("membership", "gold"), ("points", 10))
    assert first.metadata == {"wa_profile": "Ali"}
    user = first.steps[0]
    assert isinstance(user, UserStep)
    assert (user.text, user.where, user.metadata, user.ordered) == ("where is my order A-1234?", "t.yml:19", {"priority": "high"}, True)
    assert user.assertions[:7] == (
        FlowStartedCheck(("track_order",), "all", "t.yml:23"),
        FlowStartedCheck(("a", "b"), "any", "t.yml:24"),
        FlowEndedCheck("completed", "track_order", "tell", "t.yml:25"),
        FlowEndedCheck("cancelled", "other", None, "t.yml:26"),
        ActionExecutedCheck("action_check_order", "t.yml:27"),
        SlotsCheck((SlotCheck("order_id", "A-1234", True), SlotCheck("email")), True, "t.yml:28"),
        SlotsCheck((SlotCheck("phone"),), False, "t.yml:29"),
    )
    uttered, not_uttered, clarification = user.assertions[7:]
    assert isinstance(uttered, UtteredCheck) and uttered.text_matches is not None
    assert (uttered.utter_name, uttered.buttons, uttered.text_matches.pattern, uttered.uttered) == (
        "utter_status", (ButtonCheck("Yes", "/affirm"),), "ship+ed", True)
    assert not_uttered == UtteredCheck("utter_default", None, None, False, "t.yml:31")
    assert clarification == ClarificationCheck(("track_order", "cancel_order"), "all", "t.yml:32")
    assert first.steps[1:] == (
        UtterStep("utter_ask_anything_else", "t.yml:33"),
        BotStep("Anything else?", "t.yml:34"),
        SlotsCheck((SlotCheck("order_id"), SlotCheck("points", 10, True)), True, "t.yml:35", classic=True),
        SlotsCheck((SlotCheck("email"),), False, "t.yml:36", classic=True),
        FlowCheck("track_order", "t.yml:37"),
        FlowCheck(None, "t.yml:38"),
        WaitStep(3600.0, "t.yml:39"),
        OwnerCheck(Owner.AGENT, "t.yml:40"),
        UserStep("42", "t.yml:41"),
    )
    # the case's own stub replaces the file-wide one of the same action
    assert first.stubs == (("action_check_order", ActionResult(events=[], responses=[])),)
    assert second.stubs == (("action_check_order", ActionResult(
        events=[{"event": "slot", "name": "order_status", "value": "shipped"}], responses=[{"text": "It has shipped."}])),)


def test_without_stubs_cases_use_the_bots_actions() -> None:
    case, = parse("test_cases: [{test_case: a, steps: [{user: hi}]}]").cases
    assert case.stubs is None


@pytest.mark.parametrize(("text", "expected"), [
    ("steps: []\n", "t.yml:1: a conversation test file needs a 'test_cases:' list"),
    ("test_cases: {a: 1}\n", "t.yml:1: test_cases must be a list of test cases, got dict"),
    ("test_cases: []\ntests: 1\n", "t.yml:2: unknown key 'tests' at the top level; did you mean 'test_cases'?; known: fixtures, metadata, stub_custom_actions, test_cases"),
    ("test_cases:\n  - steps: [{user: hi}]\n", "t.yml:2: a test case needs a name: `test_case: <text>`"),
    ("test_cases:\n  - test_case: a\n    steps: []\n", "t.yml:3: a test case needs a non-empty 'steps:' list"),
    ("test_cases:\n  - test_case: a\n    language: fr\n    steps: [{user: hi}]\n",
     "t.yml:3: language 'fr' is not one the bot speaks; allowed: en, ar"),
    ("fixtures: [{vip: [{tier: 1}]}]\ntest_cases:\n  - test_case: a\n    fixtures: [vpi]\n    steps: [{user: hi}]\n",
     "t.yml:4: unknown fixture 'vpi'; did you mean 'vip'?; known: vip"),
    ("test_cases:\n  - test_case: a\n    metadata: wa\n    steps: [{user: hi}]\n", "t.yml:3: unknown metadata 'wa'; none are declared"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - utter: utter_greet\n      - user: hi\n",
     "t.yml:4: 'utter' checks the bot's answer to the user step before it; put a `user:` step first"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        asertions: []\n",
     "t.yml:5: unknown key 'asertions' in a 'user' step; did you mean 'assertions'?; known: assertion_order_enabled, assertions, metadata, user"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n      - bot: hi\n        utter: x\n",
     "t.yml:5: a step is a mapping with one of user, bot, utter, slot_was_set, slot_was_not_set, flow, wait, owner; it has bot and utter"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - said: hi\n",
     "t.yml:4: a step is a mapping with one of user, bot, utter, slot_was_set, slot_was_not_set, flow, wait, owner; got {'said': 'hi'}"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n      - wait: -5\n", "t.yml:5: wait takes a number of seconds (0 or more), got -5"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n      - owner: human\n", "t.yml:5: owner must be one of bot, agent, got 'human'"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - flow_startd: x\n",
     ("t.yml:6: unknown assertion 'flow_startd'; did you mean 'flow_started'?; known: action_executed, bot_did_not_utter, "
      "bot_uttered, flow_cancelled, flow_completed, flow_started, pattern_clarification_contains, slot_was_not_set, slot_was_set")),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - generative_response_is_relevant: {threshold: 0.7}\n",
     "t.yml:6: generative_response_is_relevant needs an LLM judge, which this bot does not use; remove it"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - bot_uttered: {text_matches: \"(\"}\n",
     "t.yml:6: text_matches is not a regular expression: missing ), unterminated subpattern at position 0"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - bot_uttered:\n              buttons: [{title: Yes, payload: /y}]\n",
     "t.yml:7: YAML reads yes/no/true/false as booleans; quote button titles and payloads, e.g. title: \"Yes\""),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - bot_uttered: {utter: x}\n",
     "t.yml:6: unknown key 'utter' in bot_uttered; did you mean 'utter_name'?; known: buttons, text_matches, utter_name"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - slot_was_set: {name: x}\n",
     "t.yml:6: slot_was_set takes a list of {name: <slot>, value: <value>}, got {'name': 'x'}"),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - flow_started: {flow_ids: [x], operator: some}\n",
     "t.yml:6: operator must be one of all, any, got 'some'"),
    ("stub_custom_actions:\n  action_x: {events: [{name: foo}]}\ntest_cases: [{test_case: a, steps: [{user: hi}]}]\n",
     ("t.yml:2: stub 'action_x' is not in Rasa's shape: events[0] has no 'event' name: {'name': 'foo'}; write events such as "
      "{event: slot, name: order_status, value: shipped} and responses such as {text: Shipped}")),
    ("stub_custom_actions:\n  b::action_x: {events: []}\ntest_cases: [{test_case: a, steps: [{user: hi}]}]\n",
     "t.yml:2: stub 'b::action_x' is for an unknown test case 'b'; known: a"),
    ("stub_custom_actions:\n  action_x: {evnts: []}\ntest_cases: [{test_case: a, steps: [{user: hi}]}]\n",
     "t.yml:2: unknown key 'evnts' in stub 'action_x'; did you mean 'events'?; known: events, responses"),
    ("test_cases:\n  - test_case: a\n    steps: [{user: hi}]\n  - test_case: a\n    steps: [{user: hi}]\n",
     "t.yml:4: test case 'a' is also defined at t.yml:2"),
    ("test_cases:\n  - test_case: a\n    test_case: b\n    steps: [{user: hi}]\n",
     "t.yml:3: test_cases.0.test_case is written twice (also at line 2); YAML keeps only this one"),
])
def test_each_mistake_is_reported_at_its_line(text: str, expected: str) -> None:
    assert problems(text) == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("test_cases:\n  - test_case: a\n    step: [{user: hi}]\n", [
        "t.yml:2: a test case needs a non-empty 'steps:' list",
        "t.yml:3: unknown key 'step' in a test case; did you mean 'steps'?; known: fixtures, language, metadata, steps, test_case",
    ]),
    ("test_cases:\n  - test_case: a\n    steps:\n      - user: hi\n        assertions:\n          - flow_completed: {flow: x}\n", [
        "t.yml:6: unknown key 'flow' in flow_completed; did you mean 'flow_id'?; known: flow_id, flow_step_id",
        "t.yml:6: flow_completed needs flow_id, got None",
    ]),
])
def test_a_misspelt_key_also_reports_what_is_missing(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    found = problems("""\
        stub_custom_actions:
          x::action_y: {events: []}
        test_cases:
          - test_case: a
            language: fr
            steps:
              - user: hi
                assertions:
                  - flow_startd: x
              - owner: nobody
        """)
    assert [p.split(": ")[0] for p in found] == ["t.yml:2", "t.yml:5", "t.yml:9", "t.yml:10"]


def test_load_tests_reads_folders_and_lists_problems_of_every_file(tmp_path: Path) -> None:
    write(tmp_path / "ok.yml", "test_cases: [{test_case: fine, steps: [{user: hi}]}]\n")
    write(tmp_path / "sub" / "bad.yaml", "test_cases:\n  - test_case: a\n    steps: [{user: hi}, {wait: soon}]\n")
    write(tmp_path / "broken.yml", "test_cases:\n  - test_case: 'a\n")
    with pytest.raises(TestFileError) as caught:
        load_tests([tmp_path], root=tmp_path)
    found = caught.value.problems
    assert len(found) == 2
    assert found[0].startswith("broken.yml:2:16: invalid YAML")
    assert found[1] == "sub/bad.yaml:3: wait takes a number of seconds (0 or more), got 'soon'"
    assert "2 problem(s) in conversation tests" in str(caught.value)


def test_load_tests_takes_single_files(tmp_path: Path) -> None:
    path = write(tmp_path / "one.yml", "test_cases: [{test_case: fine, steps: [{user: hi}]}]\n")
    test_file, = load_tests([path], root=tmp_path)
    assert (test_file.path, [c.name for c in test_file.cases]) == ("one.yml", ["fine"])
