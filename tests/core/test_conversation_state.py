"""What delivery reports do to a conversation's standing (window, reachability, marketing hold)."""

from __future__ import annotations

from types import MappingProxyType

from bot.core import events as ev
from bot.core.codec import dump_conversation, load_conversation
from bot.core.conversation import Conversation, Owner
from bot.core.messages import Text


def wrote(at: float) -> ev.UserMessage:
    return ev.UserMessage(message_id=f"m{at}", channel="whatsapp", content=Text(body="hi"), text="hi", timestamp=at)


def failed(at: float, **flags: object) -> ev.MessageStatus:
    return ev.MessageStatus(message_id="out-1", status="failed", timestamp=at, **flags)  # type: ignore[arg-type]


def test_a_report_closes_the_window_and_flags_the_customer_until_they_write() -> None:
    state = Conversation(conversation_id="c").apply_all([wrote(100.0), failed(200.0, closes_window=True, unreachable=True)])
    assert state.window_closed and state.unreachable
    state = state.apply(wrote(300.0))
    assert not state.window_closed and not state.unreachable


def test_a_late_report_on_a_message_older_than_the_customers_last_one_changes_nothing() -> None:
    # Meta reports a failure of a message sent at 150 only after the customer wrote again at 200
    state = Conversation(conversation_id="c").apply_all([wrote(100.0), wrote(200.0),
                                                         failed(150.0, closes_window=True, unreachable=True)])
    assert not state.window_closed and not state.unreachable


def test_a_marketing_hold_keeps_the_later_end_and_survives_the_customer_writing() -> None:
    state = Conversation(conversation_id="c").apply_all([
        failed(10.0, holds_marketing_until=5000.0), failed(20.0, holds_marketing_until=4000.0), wrote(30.0)])
    assert state.marketing_held_until == 5000.0
    assert load_conversation(dump_conversation(state)) == state


def test_every_field_of_the_state_survives_the_store_codec() -> None:
    """A field the codec forgets is silently reset on the next load (reply_address once was)."""
    import dataclasses

    defaults = Conversation(conversation_id="c")
    state = dataclasses.replace(
        defaults, version=7, slots=MappingProxyType({"size": "large"}), language="ar", language_source="customer",
        owner=Owner.AGENT, agent="amira", last_inbound_at=10.0, latest_message_id="m1", session_turns=3,
        bot_turn=("utter_greet",), previous_bot_turn=("utter_ask_size",), window_closed=True, opted_out=True,
        unreachable=True, marketing_held_until=99.0, reply_address="201112223333")
    changed = {f.name for f in dataclasses.fields(Conversation) if getattr(state, f.name) != getattr(defaults, f.name)}
    missing = {f.name for f in dataclasses.fields(Conversation)} - changed - {"conversation_id", "stack"}
    assert not missing, f"give these fields a non-default value in this test: {missing}"
    assert load_conversation(dump_conversation(state)) == state


def test_the_reply_address_follows_the_customers_latest_number() -> None:
    moved = ev.UserMessage(message_id="m2", channel="whatsapp", content=Text(body="hi"), timestamp=2.0,
                           metadata={"reply_address": "201112223333"})
    state = Conversation(conversation_id="c").apply_all([wrote(1.0), moved, wrote(3.0)])
    assert state.reply_address == "201112223333"  # a message without one leaves it
