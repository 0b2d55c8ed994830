"""Build tracker-state dicts in the shape Rasa sends to an action server, with sensible defaults.

Only the shape lives here; turning the engine's conversation into one is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["latest_message", "tracker_state"]


def latest_message(
    text: str | None,
    intent: str | None = None,
    confidence: float = 1.0,
    entities: Sequence[Mapping[str, Any]] = (),
    *,
    intent_ranking: Sequence[Mapping[str, Any]] | None = None,
    message_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A user message's parse data as ``tracker["latest_message"]`` holds it."""
    scored = {"name": intent, "confidence": confidence} if intent is not None else {"name": None, "confidence": 0.0}
    ranking = [dict(r) for r in intent_ranking] if intent_ranking is not None else ([scored] if intent else [])
    return {
        "text": text,
        "intent": scored,
        "intent_ranking": ranking,
        "entities": [dict(e) for e in entities],
        "message_id": message_id,
        "metadata": dict(metadata or {}),
    }


def tracker_state(
    conversation_id: str,
    slots: Mapping[str, Any] | None = None,
    latest: Mapping[str, Any] | None = None,
    events: Sequence[Mapping[str, Any]] = (),
    *,
    paused: bool = False,
    followup_action: str | None = None,
    active_loop: Mapping[str, Any] | None = None,
    latest_action_name: str | None = "action_listen",
    latest_input_channel: str | None = None,
    stack: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A tracker state as Rasa sends it (``conversation_id`` becomes Rasa's ``sender_id``)."""
    event_list = [dict(e) for e in events]
    return {
        "sender_id": conversation_id,
        "slots": dict(slots or {}),
        "latest_message": dict(latest) if latest is not None else latest_message(None),
        "latest_event_time": event_list[-1].get("timestamp") if event_list else None,
        "followup_action": followup_action,
        "paused": paused,
        "events": event_list,
        "latest_input_channel": latest_input_channel,
        "active_loop": dict(active_loop or {}),
        "latest_action": {"action_name": latest_action_name},
        "latest_action_name": latest_action_name,
        "stack": [dict(frame) for frame in stack],
    }
