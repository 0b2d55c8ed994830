"""InProcessActions: registration, and the ways an action can go wrong inside this process."""

from __future__ import annotations

import datetime
from collections.abc import Coroutine
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import (
    ActionFailed,
    ActionNotFound,
    ActionTimeout,
    DuplicateAction,
    InProcessActions,
)
from tests.actions.conftest import DOMAIN, FIXTURE_ACTIONS, FIXTURE_NAMES, order_tracker
from tests.actions.fixture_actions.orders import ActionGreet


class GreetAgain(Action):
    def name(self) -> str:
        return "action_greet"


class RaisesTimeoutError(Action):
    def name(self) -> str:
        return "action_own_timeout"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        raise TimeoutError("the courier API timed out")


class ReturnsADatetime(Action):
    def name(self) -> str:
        return "action_datetime"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        return [SlotSet("delivery", datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))]


class SyncReturningCoroutine(Action):
    """A plain ``def run`` that hands back a coroutine, which rasa_sdk awaits."""

    def name(self) -> str:
        return "action_sync_coroutine"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Coroutine[Any, Any, list[dict[str, Any]]]:
        async def later() -> list[dict[str, Any]]:
            return [SlotSet("from_coroutine", tracker.sender_id)]

        return later()


class ReturnsNone(Action):
    def name(self) -> str:
        return "action_none"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> None:
        dispatcher.utter_message(text="done")


@pytest.fixture
def runner() -> InProcessActions:
    return InProcessActions.discover(FIXTURE_ACTIONS, timeout=2.0)


def test_discover_registers_each_action_the_package_defines(runner: InProcessActions) -> None:
    assert runner.names() == FIXTURE_NAMES


def test_a_name_taken_twice_names_both_classes() -> None:
    runner = InProcessActions([ActionGreet()])
    with pytest.raises(DuplicateAction) as caught:
        runner.register(GreetAgain())
    assert str(caught.value) == (
        "two custom actions are named 'action_greet': tests.actions.fixture_actions.orders.ActionGreet and "
        "tests.actions.test_inprocess.GreetAgain; rename one of them (its name() method) so each name is unique."
    )


def test_discovering_the_same_package_twice_is_a_duplicate() -> None:
    with pytest.raises(DuplicateAction, match="two custom actions are named"):
        InProcessActions.discover(FIXTURE_ACTIONS, FIXTURE_ACTIONS)


def test_only_actions_can_be_registered() -> None:
    with pytest.raises(TypeError, match=r"register\(\) takes a rasa_sdk.Action instance, got <class"):
        InProcessActions().register(ActionGreet)


def test_the_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds, got 0"):
        InProcessActions(timeout=0)


async def test_an_unknown_name_lists_the_known_ones(runner: InProcessActions) -> None:
    with pytest.raises(ActionNotFound) as caught:
        await runner.run("action_nope", order_tracker(), DOMAIN)
    assert str(caught.value).startswith(f"unknown custom action 'action_nope'; known actions: {', '.join(sorted(FIXTURE_NAMES))}.")
    assert caught.value.known == FIXTURE_NAMES


async def test_a_blocking_sync_action_times_out_without_blocking_the_loop() -> None:
    # were the sync run() called on the loop, the deadline could not fire and no timeout would be raised
    short = InProcessActions.discover(FIXTURE_ACTIONS, timeout=0.1)
    with pytest.raises(ActionTimeout, match="'action_slow_sync' did not finish within 0.1 s"):
        await short.run("action_slow_sync", order_tracker(), DOMAIN)


async def test_a_timeout_raised_inside_the_action_is_a_failure_not_our_timeout() -> None:
    runner = InProcessActions([RaisesTimeoutError()])
    with pytest.raises(ActionFailed, match=r"raised TimeoutError: the courier API timed out at .*test_inprocess.py:\d+") as caught:
        await runner.run("action_own_timeout", order_tracker(), DOMAIN)
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_the_original_exception_is_chained(runner: InProcessActions) -> None:
    with pytest.raises(ActionFailed) as caught:
        await runner.run("action_explode", order_tracker(), DOMAIN)
    assert isinstance(caught.value.__cause__, ValueError)


async def test_events_that_are_not_rasa_events_fail_listing_each_problem(runner: InProcessActions) -> None:
    with pytest.raises(ActionFailed) as caught:
        await runner.run("action_bad_events", order_tracker(), DOMAIN)
    message = str(caught.value)
    assert "events[0] has no 'event' name: {'name': 'order_id', 'value': 'A-1'}" in message
    assert "events[1] is a str, not an event dict: 'slot order_id=A-1'" in message
    assert "rasa_sdk.events" in message


async def test_values_json_cannot_carry_fail_at_the_action() -> None:
    runner = InProcessActions([ReturnsADatetime()])
    with pytest.raises(ActionFailed, match="cannot be sent as JSON .*datetime"):
        await runner.run("action_datetime", order_tracker(), DOMAIN)


async def test_a_sync_run_may_return_a_coroutine() -> None:
    result = await InProcessActions([SyncReturningCoroutine()]).run("action_sync_coroutine", order_tracker(), DOMAIN)
    assert result.events == [{"event": "slot", "timestamp": None, "name": "from_coroutine", "value": "966500000001"}]


async def test_returning_none_means_no_events() -> None:
    result = await InProcessActions([ReturnsNone()]).run("action_none", order_tracker(), DOMAIN)
    assert result.events == []
    assert [message["text"] for message in result.responses] == ["done"]


async def test_a_tracker_without_sender_id_is_the_callers_mistake(runner: InProcessActions) -> None:
    tracker = order_tracker()
    del tracker["sender_id"]
    with pytest.raises(ValueError, match=r"has no 'sender_id' .*bot.actions.tracker_state"):
        await runner.run("action_greet", tracker, DOMAIN)


async def test_a_tracker_json_cannot_carry_is_refused(runner: InProcessActions) -> None:
    tracker = order_tracker({"order_id": {1, 2}})
    with pytest.raises(TypeError, match="the tracker passed to custom action 'action_greet' is not JSON-serialisable"):
        await runner.run("action_greet", tracker, DOMAIN)
