"""ChainedActions: which runner gets an action, and what is said when none has it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import (
    ActionNotFound,
    ActionServerUnreachable,
    ChainedActions,
    InProcessActions,
    RemoteActions,
)
from tests.actions.conftest import DOMAIN, order_tracker
from tests.actions.fixture_actions.orders import ActionCheckOrder, ActionGreet
from tests.redis_server import free_port


class LoudGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="HELLO")
        return []


async def test_the_first_runner_that_knows_the_name_runs_it() -> None:
    chain = ChainedActions(InProcessActions([LoudGreet()]), InProcessActions([ActionGreet(), ActionCheckOrder()]))
    assert [m["text"] for m in (await chain.run("action_greet", order_tracker(), DOMAIN)).responses] == ["HELLO"]
    assert (await chain.run("action_check_order", order_tracker(), DOMAIN)).events[1]["value"] == "shipped"


async def test_when_no_runner_knows_the_name_all_known_names_are_listed() -> None:
    chain = ChainedActions(InProcessActions([LoudGreet()]), InProcessActions([ActionCheckOrder()]))
    assert chain.names() == {"action_greet", "action_check_order"}
    with pytest.raises(ActionNotFound, match="unknown custom action 'action_nope'; known actions: action_check_order, action_greet."):
        await chain.run("action_nope", order_tracker(), DOMAIN)


async def test_a_server_takes_the_rest_and_its_failures_are_not_hidden() -> None:
    async with httpx.AsyncClient() as client:
        chain = ChainedActions(InProcessActions([ActionGreet()]), RemoteActions(f"http://127.0.0.1:{free_port()}/webhook", client))
        assert chain.names() is None
        assert (await chain.run("action_greet", order_tracker(), DOMAIN)).events[0]["name"] == "greeted"
        with pytest.raises(ActionServerUnreachable):
            await chain.run("action_check_order", order_tracker(), DOMAIN)


def test_a_chain_needs_a_runner() -> None:
    with pytest.raises(ValueError, match="at least one runner"):
        ChainedActions()
