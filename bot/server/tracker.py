"""``GET /conversations/{conversation_id}/tracker`` in Rasa's tracker shape, plus our state."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Query, Response

from bot.core import codec
from bot.core.conversation import Conversation, Owner
from bot.core.events import BotMessage, Event, Parse, UserMessage
from bot.core.messages import OutButtons, OutText
from bot.state.base import ConversationStore


def parse_data(parse: Parse | None, text: str | None) -> dict[str, Any]:
    """A parse in Rasa's ``parse_data`` shape."""
    if parse is None:
        return {"text": text, "intent": {}, "entities": [], "intent_ranking": []}
    return {
        "text": text,
        "intent": {"name": parse.intent.name, "confidence": parse.intent.confidence} if parse.intent else {},
        "entities": [
            {k: v for k, v in (("entity", e.entity), ("value", e.value), ("start", e.start), ("end", e.end),
                               ("extractor", e.extractor), ("role", e.role), ("group", e.group)) if v is not None}
            for e in parse.entities
        ],
        "intent_ranking": [{"name": i.name, "confidence": i.confidence} for i in parse.intent_ranking],
        "language": parse.language,
        "language_confidence": parse.language_confidence,
    }


def rasa_event(event: Event) -> dict[str, Any]:
    """One event as Rasa serializes it (our own events keep their own names)."""
    match event:
        case UserMessage():
            return {
                "event": "user",
                "timestamp": event.timestamp,
                "text": event.text,
                "parse_data": parse_data(event.parse, event.text),
                "input_channel": event.channel,
                "message_id": event.message_id,
                "metadata": event.metadata,
            }
        case BotMessage():
            content = event.content
            data: dict[str, Any] = {}
            text = content.text if isinstance(content, OutText | OutButtons) else None
            if isinstance(content, OutButtons):
                data["buttons"] = [{"title": b.title, "payload": b.payload} for b in content.buttons]
            elif not isinstance(content, OutText):
                data["custom"] = codec.event_to_dict(event)["content"]
            return {
                "event": "bot",
                "timestamp": event.timestamp,
                "text": text,
                "data": data,
                "metadata": {"utter_action": event.response, "message_id": event.message_id},
            }
        case _:
            raw = codec.event_to_dict(event)
            if raw["event"] == "handoff_started":
                raw["event"] = "pause"
            elif raw["event"] == "handoff_ended":
                raw["event"] = "resume"
            return raw


def tracker(conversation: Conversation, events: list[Event] | None) -> dict[str, Any]:
    """The tracker document."""
    latest_user = next((e for e in reversed(events or []) if isinstance(e, UserMessage)), None)
    latest_action = next((e for e in reversed(events or []) if getattr(e, "event", None) == "action"), None)
    latest_time = events[-1].timestamp if events else None
    return {
        "sender_id": conversation.conversation_id,
        "conversation_id": conversation.conversation_id,
        "slots": dict(conversation.slots),
        "latest_message": parse_data(latest_user.parse, latest_user.text) | {"message_id": latest_user.message_id}
        if latest_user
        else {},
        "latest_event_time": latest_time,
        "followup_action": None,
        "paused": conversation.owner is Owner.AGENT,
        "events": [rasa_event(e) for e in events] if events is not None else None,
        "latest_input_channel": latest_user.channel if latest_user else None,
        "active_loop": {},
        "latest_action_name": latest_action.name if latest_action else None,  # type: ignore[union-attr]
        "latest_action": {"action_name": latest_action.name} if latest_action else {},  # type: ignore[union-attr]
        "active_flow": conversation.active_flow,
        "stack": [{"frame_id": f.frame_id, "flow_id": f.flow_id, "step_id": f.step_id} for f in conversation.stack],
        "language": conversation.language,
        "owner": conversation.owner.value,
        "version": conversation.version,
    }


def tracker_router(store: ConversationStore) -> APIRouter:
    """Routes that read conversations."""
    router = APIRouter(tags=["conversations"])

    @router.get("/conversations/{conversation_id}/tracker")
    async def get_tracker(
        conversation_id: str,
        include_events: str = Query("ALL", pattern="^(ALL|NONE|AFTER_RESTART|APPLIED)$"),
    ) -> Response:
        """The conversation's events, slots and active flow."""
        conversation = await store.load(conversation_id)
        events = None if include_events == "NONE" else await store.events(conversation_id)
        return Response(orjson.dumps(tracker(conversation, events)), media_type="application/json")

    return router
