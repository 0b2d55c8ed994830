"""Stubbed custom actions: fixed results, recorded calls, loud when a stub is missing, really used."""

from __future__ import annotations

import textwrap

import pytest

from bot.actions.base import ActionResult, ActionRunner
from bot.actions.errors import ActionNotFound
from bot.config import Settings
from bot.engine import Engine
from bot.testing import StubActions, build_engine, parse_tests, run_files
from bot.yamlsource import parse_yaml
from tests.testing.conftest import ActingDialogue

SHIPPED = ActionResult(events=[{"event": "slot", "name": "order_status", "value": "shipped"}],
                       responses=[{"text": "It has shipped.", "response": "utter_status"}])


async def test_a_stub_returns_its_result_and_records_the_call() -> None:
    stubs = StubActions({"action_check_order": SHIPPED})
    assert isinstance(stubs, ActionRunner)
    assert stubs.names() == frozenset({"action_check_order"})
    result = await stubs.run("action_check_order", {"sender_id": "c"}, {})
    assert result == SHIPPED
    result.events.clear()  # the caller's copy; the stub keeps its own
    assert (await stubs.run("action_check_order", {"sender_id": "c"}, {})) == SHIPPED
    assert [name for name, _ in stubs.calls] == ["action_check_order", "action_check_order"]


async def test_an_action_without_a_stub_fails_loudly() -> None:
    stubs = StubActions({"action_check_order": SHIPPED})
    with pytest.raises(ActionNotFound) as caught:
        await stubs.run("action_refund", {"sender_id": "c"}, {})
    assert caught.value.known == frozenset({"action_check_order"})
    assert str(caught.value) == ("custom action 'action_refund' has no stub in this test file (stubbed: action_check_order); "
                                 "add it under stub_custom_actions: {action_refund: {events: [], responses: []}}")
    assert [name for name, _ in stubs.calls] == ["action_refund"]


def test_build_engine_hands_the_runner_to_the_engine(settings: Settings) -> None:
    stubs = StubActions({})
    engine = build_engine(settings, actions=stubs)
    assert engine.actions_override is stubs  # type: ignore[attr-defined]
    assert build_engine(settings).actions_override is None  # type: ignore[attr-defined]


async def test_the_runner_replaces_the_actions_with_each_cases_stubs(settings: Settings) -> None:
    test_file = parse_tests(parse_yaml(textwrap.dedent("""\
        stub_custom_actions:
          action_check_order:
            events: [{event: slot, name: order_status, value: shipped}]
            responses: [{text: "It has shipped.", response: utter_status}]
          lost parcel::action_check_order:
            events: [{event: slot, name: order_status, value: lost}]
            responses: [{text: "We lost it."}]
        test_cases:
          - test_case: shipped parcel
            steps:
              - user: /action_check_order
                assertions:
                  - action_executed: action_check_order
                  - slot_was_set: [{name: order_status, value: shipped}]
                  - bot_uttered: {utter_name: utter_status, text_matches: shipped}
          - test_case: lost parcel
            steps:
              - user: /action_check_order
              - slot_was_set: [{order_status: lost}]
              - bot: "We lost it."
          - test_case: unstubbed action
            steps:
              - user: /action_refund
              - utter: utter_internal_error
        """), "t.yml"))
    built: list[ActionRunner | None] = []

    def engines(actions: ActionRunner | None) -> Engine:
        built.append(actions)
        assert actions is not None
        return build_engine(settings, actions=actions, dialogue=ActingDialogue(actions))

    results = await run_files([test_file], engines)
    assert [(r.case.name, r.passed) for r in results] == [
        ("shipped parcel", True), ("lost parcel", True), ("unstubbed action", True),
    ]
    # one engine for the file-wide stubs (shared by two cases), one for the case's own stub
    assert len(built) == 2 and all(isinstance(a, StubActions) for a in built)
    shared, own = built
    assert [n for n, _ in shared.calls] == ["action_check_order", "action_refund"]  # type: ignore[union-attr]
    assert [n for n, _ in own.calls] == ["action_check_order"]  # type: ignore[union-attr]
