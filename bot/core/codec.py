"""JSON encoding of core types for stores and queues (pydantic adapters, built once)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import orjson
from pydantic import TypeAdapter

from bot.core.conversation import Conversation, Frame, Owner
from bot.core.events import Event
from bot.core.messages import InboundMessage, OutboundContent, OutboundMessage

_event: TypeAdapter[Any] = TypeAdapter(Event)
_inbound = TypeAdapter(InboundMessage)
_outbound = TypeAdapter(OutboundMessage)
_frames = TypeAdapter(tuple[Frame, ...])
_said: TypeAdapter[Any] = TypeAdapter(tuple[str | OutboundContent, ...])


def dump_event(event: Event) -> bytes:
    """One event as JSON bytes."""
    return orjson.dumps(_event.dump_python(event, mode="json"))


def load_event(data: bytes | str) -> Event:
    """One event from JSON bytes."""
    return _event.validate_json(data)


def event_to_dict(event: Event) -> dict[str, Any]:
    """One event as a JSON-ready dict."""
    return _event.dump_python(event, mode="json")


def dump_inbound(message: InboundMessage) -> bytes:
    """An inbound message as JSON bytes."""
    return orjson.dumps(_inbound.dump_python(message, mode="json"))


def load_inbound(data: bytes | str) -> InboundMessage:
    """An inbound message from JSON bytes."""
    return _inbound.validate_json(data)


def dump_outbound(message: OutboundMessage) -> bytes:
    """An outbound message as JSON bytes."""
    return orjson.dumps(_outbound.dump_python(message, mode="json"))


def load_outbound(data: bytes | str) -> OutboundMessage:
    """An outbound message from JSON bytes."""
    return _outbound.validate_json(data)


def outbound_to_dict(message: OutboundMessage) -> dict[str, Any]:
    """An outbound message as a JSON-ready dict."""
    return _outbound.dump_python(message, mode="json")


def dump_conversation(conversation: Conversation) -> bytes:
    """The state snapshot of a conversation as JSON bytes."""
    return orjson.dumps(
        {
            "conversation_id": conversation.conversation_id,
            "version": conversation.version,
            "slots": dict(conversation.slots),
            "stack": _frames.dump_python(conversation.stack, mode="json"),
            "language": conversation.language,
            "language_source": conversation.language_source,
            "owner": conversation.owner.value,
            "agent": conversation.agent,
            "last_inbound_at": conversation.last_inbound_at,
            "latest_message_id": conversation.latest_message_id,
            "session_turns": conversation.session_turns,
            "bot_turn": _said.dump_python(conversation.bot_turn, mode="json"),
            "previous_bot_turn": _said.dump_python(conversation.previous_bot_turn, mode="json"),
            "window_closed": conversation.window_closed,
            "opted_out": conversation.opted_out,
            "unreachable": conversation.unreachable,
            "marketing_held_until": conversation.marketing_held_until,
            "reply_address": conversation.reply_address,
        }
    )


def load_conversation(data: bytes | str) -> Conversation:
    """A conversation state snapshot from JSON bytes."""
    raw = orjson.loads(data)
    return Conversation(
        conversation_id=raw["conversation_id"],
        version=raw["version"],
        slots=MappingProxyType(raw["slots"]),
        stack=_frames.validate_python(raw["stack"]),
        language=raw["language"],
        language_source=raw.get("language_source"),
        owner=Owner(raw["owner"]),
        agent=raw["agent"],
        last_inbound_at=raw["last_inbound_at"],
        latest_message_id=raw["latest_message_id"],
        session_turns=raw.get("session_turns", 0),
        bot_turn=_said.validate_python(raw.get("bot_turn", ())),
        previous_bot_turn=_said.validate_python(raw.get("previous_bot_turn", ())),
        window_closed=raw.get("window_closed", False),
        opted_out=raw.get("opted_out", False),
        unreachable=raw.get("unreachable", False),
        marketing_held_until=raw.get("marketing_held_until"),
        reply_address=raw.get("reply_address"),
    )
