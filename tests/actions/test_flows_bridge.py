"""Custom actions inside flows: a real rasa_sdk action server and the same actions in-process give
the same conversation, and their events (slots, pause, reset, follow-ups) are applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.actions.base import ActionRunner
from bot.actions.inprocess import InProcessActions
from bot.actions.remote import RemoteActions
from bot.core.conversation import Conversation, Owner
from bot.core.messages import InboundMessage, Text
from bot.flows.defaults import load_project
from bot.flows.executor import FlowEngine
from bot.nlu.commands import CommandUnderstanding
from bot.processor import Processor
from bot.state.base import InboxEntry

from .conftest import FIXTURE_ACTIONS

FLOWS = """
actions: [action_check_order, action_end_conversation, action_explode]
slots:
  order_id: {type: text, mappings: [{type: from_entity, entity: order_id}]}
  order_status: {type: text}
  last_text: {type: text}
  last_intent: {type: text}
  customer_name: {type: text}
flows:
  check_order:
    description: look an order up on the shop backend
    nlu_trigger: [{intent: check_order}]
    steps:
      - collect: order_id
      - action: action_check_order
      - action: utter_status
  bye:
    description: end and pause
    nlu_trigger: [{intent: bye}]
    steps: [{action: action_end_conversation}]
  explode:
    description: an action that raises
    nlu_trigger: [{intent: explode}]
    steps: [{action: action_explode}, {action: utter_status}]
responses:
  utter_ask_order_id: [{text: "Which order?"}]
  utter_order_status: [{text: "{order} has shipped."}]
  utter_status: [{text: "Status of {order_id}: {order_status}."}]
  utter_goodbye: [{text: "Bye!"}]
"""


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def converse(folder: Path, runner: ActionRunner, *texts: str) -> tuple[list[list[str]], Conversation]:
    (folder / "flows.yml").write_text(FLOWS)
    loaded = load_project([folder], languages=["en"], default_language="en")
    loaded.problems.raise_if_errors()
    engine = FlowEngine(loaded.definition, loaded.responses, default_language="en", actions=runner)
    processor = Processor(None, CommandUnderstanding(["en"]), engine, languages=["en"], default_language="en")  # type: ignore[arg-type]
    conversation = Conversation(conversation_id="966500000001")
    said: list[list[str]] = []
    for n, text in enumerate(texts):
        message = InboundMessage(message_id=f"m{n}", conversation_id=conversation.conversation_id, channel="rest",
                                 content=Text(body=text), received_at=1000.0 + n)
        events, outbound = await processor.turn(conversation, InboxEntry(entry_id=f"e{n}", message=message))
        conversation = conversation.apply_all(events)
        said.append([getattr(m.content, "text", "") for m in outbound])
    return said, conversation


async def test_server_and_in_process_give_the_same_conversation(tmp_path: Path, action_server: str, http: httpx.AsyncClient) -> None:
    texts = ("/check_order", '/inform{"order_id": "A-12345"}')
    remote = await converse(tmp_path, RemoteActions(action_server, http, timeout=10), *texts)
    local = await converse(tmp_path, InProcessActions.discover(FIXTURE_ACTIONS, timeout=10), *texts)
    assert remote[0] == local[0] == [["Which order?"], ["order A-12345 has shipped.", "Status of A-12345: shipped.",
                                                         "Is there anything else I can help you with?"]]
    assert remote[1].slots["last_intent"] == "inform", "the action read the tracker's latest message"
    assert remote[1].slots == local[1].slots


async def test_pause_reset_and_response_events_are_applied(tmp_path: Path, action_server: str, http: httpx.AsyncClient) -> None:
    said, conversation = await converse(tmp_path, RemoteActions(action_server, http, timeout=10),
                                        '/check_order{"order_id": "A-1"}', "/bye")
    assert said[1] == ["Bye!"]
    assert conversation.owner is Owner.AGENT, "ConversationPaused hands the conversation over; the bot stays quiet"
    assert all(value is None for value in conversation.slots.values()), "AllSlotsReset cleared every slot"


async def test_an_action_that_raises_leads_to_internal_error_and_the_flow_goes_on(tmp_path: Path, action_server: str,
                                                                                   http: httpx.AsyncClient) -> None:
    said, _ = await converse(tmp_path, RemoteActions(action_server, http, timeout=10), "/explode", "/check_order")
    assert said[0][0] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert said[1] == ["Which order?"], "the conversation goes on"
