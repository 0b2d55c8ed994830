"""One contract for every ActionRunner: the same action gives the same result in-process, over
HTTP from a real rasa_sdk action server, and through a chain that mixes both."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bot.actions import (
    ActionFailed,
    ActionNotFound,
    ActionRejected,
    ActionResult,
    ActionRunner,
    ActionTimeout,
    ChainedActions,
    InProcessActions,
    RemoteActions,
)
from tests.actions.conftest import (
    DOMAIN,
    FIXTURE_ACTIONS,
    FIXTURE_NAMES,
    form_tracker,
    order_tracker,
)
from tests.actions.fixture_actions.orders import ActionCheckOrder, ActionGreet

RunnerFactory = Callable[[float], ActionRunner]


def _empty(**fields: Any) -> dict[str, Any]:
    """A dispatcher message as rasa_sdk's utter_message builds it."""
    message: dict[str, Any] = {"text": None, "buttons": [], "elements": [], "custom": {}, "template": None, "response": None,
               "image": None, "attachment": None}
    return {**message, **fields}


@pytest.fixture(params=["inprocess", "remote", "chained"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_runner(kind: str, request: pytest.FixtureRequest) -> RunnerFactory:
    """Builds a runner of ``kind`` with a given timeout (the server starts only when needed)."""
    url = request.getfixturevalue("action_server") if kind != "inprocess" else ""
    client: httpx.AsyncClient | None = request.getfixturevalue("client") if kind != "inprocess" else None

    def build(timeout: float) -> ActionRunner:
        if kind == "inprocess":
            return InProcessActions.discover(FIXTURE_ACTIONS, timeout=timeout)
        assert client is not None
        remote = RemoteActions(url, client, timeout=timeout)
        if kind == "remote":
            return remote
        # the two "good" actions run here; everything else goes to the server
        return ChainedActions(InProcessActions([ActionCheckOrder(), ActionGreet()], timeout=timeout), remote)

    return build


@pytest.fixture
def runner(make_runner: RunnerFactory) -> ActionRunner:
    return make_runner(5.0)


async def test_an_action_reads_the_tracker_utters_a_response_and_sets_slots(runner: ActionRunner) -> None:
    result = await runner.run("action_check_order", order_tracker(), DOMAIN)
    assert result == ActionResult(
        events=[
            {"event": "slot", "timestamp": None, "name": "order_id", "value": "A-12345"},
            {"event": "slot", "timestamp": None, "name": "order_status", "value": "shipped"},
            {"event": "slot", "timestamp": None, "name": "last_text", "value": "where is A-12345?"},
            {"event": "slot", "timestamp": None, "name": "last_intent", "value": "check_order"},
        ],
        responses=[_empty(template="utter_order_status", response="utter_order_status", order="order A-12345",
                          buttons=[{"title": "Track", "payload": "/track"}])],
    )


async def test_a_slot_value_wins_over_the_entity(runner: ActionRunner) -> None:
    result = await runner.run("action_check_order", order_tracker({"order_id": "B-9"}), DOMAIN)
    assert result.events[0] == {"event": "slot", "timestamp": None, "name": "order_id", "value": "B-9"}
    assert result.responses[0]["order"] == "order B-9"


async def test_an_async_action_sends_every_kind_of_message_part(runner: ActionRunner) -> None:
    result = await runner.run("action_greet", order_tracker(), DOMAIN)
    assert result == ActionResult(
        events=[{"event": "slot", "timestamp": None, "name": "greeted", "value": True}],
        responses=[
            _empty(text="Hello Layla!"),
            _empty(image="https://shop.example/logo.png", attachment="https://shop.example/menu.pdf",
                   custom={"type": "list", "sections": [{"title": "Menu"}]},
                   elements=[{"title": "Dates", "subtitle": "1 kg"}], buttons=[{"title": "Shop", "payload": "/shop"}],
                   channel="whatsapp"),
        ],
    )


async def test_followup_pause_and_reset_events_come_back_as_rasa_event_dicts(runner: ActionRunner) -> None:
    result = await runner.run("action_end_conversation", order_tracker(), DOMAIN)
    assert result.events == [
        {"event": "followup", "timestamp": None, "name": "action_listen"},
        {"event": "pause", "timestamp": None},
        {"event": "reset_slots", "timestamp": None},
    ]
    assert result.responses == [_empty(template="utter_goodbye", response="utter_goodbye")]


async def test_a_stream_left_open_is_closed_into_one_message_per_chunk(runner: ActionRunner) -> None:
    result = await runner.run("action_streamed", order_tracker(), DOMAIN)
    assert result == ActionResult(events=[], responses=[_empty(text="Checking "), _empty(text="stock...")])


@pytest.mark.parametrize(("city", "events", "responses"), [
    ("riyadh", [{"event": "slot", "timestamp": None, "name": "city", "value": "Riyadh"}], []),
    ("Paris", [{"event": "slot", "timestamp": None, "name": "city", "value": None}],
     [_empty(template="utter_unknown_city", response="utter_unknown_city", city="Paris")]),
])
async def test_a_form_validation_action_gets_the_domain_and_leaves_the_callers_dicts_alone(
    runner: ActionRunner, city: str, events: list[dict[str, Any]], responses: list[dict[str, Any]]
) -> None:
    tracker, domain = form_tracker(city), copy.deepcopy(DOMAIN)
    before = copy.deepcopy((tracker, domain))
    result = await runner.run("validate_address_form", tracker, domain)
    assert result == ActionResult(events=events, responses=responses)
    assert (tracker, domain) == before


async def test_an_unknown_action_is_not_found(runner: ActionRunner, kind: str) -> None:
    with pytest.raises(ActionNotFound) as caught:
        await runner.run("action_nope", order_tracker(), DOMAIN)
    assert caught.value.action == "action_nope"
    message = str(caught.value)
    assert "'action_nope'" in message
    if kind in ("inprocess", "chained"):
        assert "action_check_order, " in message, "lists the known in-process names"
    if kind in ("remote", "chained"):
        assert "HTTP 404" in message
        assert "GET /actions" in message


async def test_an_action_that_raises_fails_with_its_error(runner: ActionRunner, kind: str) -> None:
    with pytest.raises(ActionFailed) as caught:
        await runner.run("action_explode", order_tracker(), DOMAIN)
    assert caught.value.action == "action_explode"
    assert "the catalogue is down" in str(caught.value)
    if kind == "inprocess":
        assert "ValueError" in str(caught.value)
        assert "misbehaving.py:" in str(caught.value), "says where it raised"
    else:
        assert "HTTP 500" in str(caught.value)
        assert caught.value.status == 500


async def test_a_rejection_is_reported_as_such(runner: ActionRunner) -> None:
    with pytest.raises(ActionRejected) as caught:
        await runner.run("action_refuse", order_tracker(), DOMAIN)
    assert caught.value.action == "action_refuse"
    assert caught.value.reason == "no order id to refund"
    assert "rejected execution" in str(caught.value)


async def test_a_slow_action_times_out(make_runner: RunnerFactory) -> None:
    runner = make_runner(0.3)
    with pytest.raises(ActionTimeout) as caught:
        await runner.run("action_slow", order_tracker(), DOMAIN)
    assert caught.value.timeout == 0.3
    assert "0.3 s" in str(caught.value)
    assert "raise the actions timeout" in str(caught.value)


async def test_known_names(runner: ActionRunner, kind: str) -> None:
    # a server's names are its own business: the runners that use one cannot tell
    assert runner.names() == {"inprocess": FIXTURE_NAMES, "remote": None, "chained": None}[kind]
