"""The bridge between a conversation and ``rasa_sdk`` actions: tracker and domain out, events back.

``tracker_for`` builds the tracker state Rasa would send for a conversation (slots, latest
message, stack in Rasa's frame shape); ``domain_for`` the domain; ``read_result`` turns the
action's Rasa events and dispatcher messages into our events and what the bot says.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.actions.base import ActionResult
from bot.actions.tracker import latest_message, tracker_state
from bot.core import events as ev
from bot.core.conversation import Conversation, Owner
from bot.core.messages import (
    Button,
    OutboundContent,
    OutButtons,
    OutText,
)
from bot.flows.model import FlowsDefinition
from bot.responses.catalog import Responses
from bot.responses.rich import RichError, fill_rich, read_rich

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ActionOutcome:
    """What a custom action's result means here: events, what to say, and a follow-up action."""

    events: list[ev.Event] = field(default_factory=list)
    say: list[OutboundContent | str] = field(default_factory=list)  # a str is a response name
    values: list[Mapping[str, Any]] = field(default_factory=list)  # extra values for each named response
    followup: str | None = None


def frame_dicts(conversation: Conversation) -> list[dict[str, Any]]:
    """The dialogue stack in Rasa's frame shape (``tracker.stack`` in rasa_sdk)."""
    return [
        {"frame_id": f.frame_id, "flow_id": f.flow_id, "step_id": f.step_id or "START", "frame_type": f.frame_type,
         "type": f.flow_id if f.flow_id.startswith("pattern_") else "flow", **f.context}
        for f in conversation.stack
    ]


def tracker_for(conversation: Conversation, user: ev.UserMessage | None, slot_names: list[str]) -> dict[str, Any]:
    """The tracker state of ``conversation`` as an action server expects it."""
    slots = {name: None for name in slot_names}
    slots.update(conversation.slots)
    latest = latest_message(None)
    events: list[dict[str, Any]] = []
    if user is not None:
        parse = user.parse
        intent = parse.intent if parse is not None else None
        entities = [
            {k: v for k, v in {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end,
                               "extractor": e.extractor, "role": e.role, "group": e.group}.items() if v is not None}
            for e in (parse.entities if parse is not None else ())
        ]
        ranking = [{"name": s.name, "confidence": s.confidence} for s in (parse.intent_ranking if parse else ())]
        latest = latest_message(user.text, intent.name if intent else None, intent.confidence if intent else 0.0,
                                entities, intent_ranking=ranking, message_id=user.message_id, metadata=user.metadata)
        events.append({"event": "user", "text": user.text, "timestamp": user.timestamp, "parse_data": latest})
    return tracker_state(
        conversation.conversation_id, slots, latest, events,
        paused=conversation.owner is Owner.AGENT, latest_input_channel=user.channel if user else None,
        stack=frame_dicts(conversation),
    )


def domain_for(definition: FlowsDefinition, responses: Responses) -> dict[str, Any]:
    """The domain in Rasa's shape: intents, entities, slots, responses, actions."""
    return {
        "version": "3.1",
        "intents": sorted(definition.intents),
        "entities": sorted(definition.entities),
        "slots": {
            name: {"type": str(slot.type), "initial_value": slot.initial_value,
                   "mappings": [{"type": str(m.type), **({"entity": m.entity} if m.entity else {})} for m in slot.mappings]}
            for name, slot in definition.slots.items()
        },
        "responses": {name: [{"text": v.text} for v in variations if v.text] for name, variations in responses.by_name.items()},
        "actions": sorted(definition.actions),
        "session_config": {"session_expiration_time": definition.session_expiration_minutes or 60,
                           "carry_over_slots_to_new_session": definition.carry_over_slots},
    }


def read_result(action: str, result: ActionResult, slot_names: set[str]) -> ActionOutcome:
    """Our events and messages for a custom action's Rasa events and responses."""
    outcome = ActionOutcome()
    for raw in result.events:
        kind = raw.get("event")
        if kind == "slot":
            outcome.events.append(ev.SlotSet(name=str(raw.get("name")), value=raw.get("value")))
        elif kind == "reset_slots":
            outcome.events += [ev.SlotSet(name=name, value=None) for name in sorted(slot_names)]
        elif kind == "followup":
            outcome.followup = str(raw.get("name"))
        elif kind == "pause":
            outcome.events.append(ev.HandoffStarted(reason=f"paused by {action}"))
        elif kind == "resume":
            outcome.events.append(ev.HandoffEnded())
        elif kind == "restart":
            outcome.events.append(ev.Restarted())
        elif kind == "bot":
            _message(outcome, {"text": raw.get("text"), **(raw.get("data") or {})})
        else:
            log.info("custom action %s returned a %r event, which the flows engine does not use", action, kind)
    for message in result.responses:
        _message(outcome, message)
    return outcome


def _message(outcome: ActionOutcome, message: Mapping[str, Any]) -> None:
    name = message.get("response") or message.get("template")
    if name:
        outcome.say.append(str(name))
        outcome.values.append({k: v for k, v in message.items() if k not in ("response", "template")})
        return
    text = message.get("text") or ""
    buttons = tuple(Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                    for b in message.get("buttons") or [] if isinstance(b, Mapping))
    custom = message.get("custom")
    try:
        rich = read_rich(message) or (read_rich(custom) if isinstance(custom, Mapping) else None)
    except RichError as exc:
        log.warning("a custom action sent a message whose %s is not usable: %s", ".".join(map(str, exc.path)), exc)
        rich = None
    if buttons:
        outcome.say.append(OutButtons(text=str(text), buttons=buttons))
    elif rich is not None:
        outcome.say.append(fill_rich(rich, str(text), str))
    elif text:
        outcome.say.append(OutText(text=str(text)))
    else:
        log.warning("a custom action sent a message with no text, buttons, list, product(s), image or attachment; "
                    "only those are sent: %s",
                    sorted(message))
        return
    outcome.values.append({})
