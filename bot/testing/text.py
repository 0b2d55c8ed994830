"""One-line texts for what a test expects and for what the bot did, as the diff shows them."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.core import events as ev
from bot.core.conversation import Conversation, Owner
from bot.core.messages import (
    OutboundContent,
    OutButtons,
    OutList,
    OutMedia,
    OutProduct,
    OutProductList,
    OutTemplate,
    OutText,
)
from bot.testing.model import (
    ActionExecutedCheck,
    BotStep,
    ClarificationCheck,
    FlowCheck,
    FlowEndedCheck,
    FlowStartedCheck,
    OwnerCheck,
    SlotsCheck,
    Step,
    UserStep,
    UtteredCheck,
    UtterStep,
    WaitStep,
)


def show(value: object) -> str:
    """A value as the diff shows it: JSON when it can be, so strings are quoted."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def text_of(content: OutboundContent) -> str | None:
    """The text a customer reads in a bot message, if it has any."""
    if isinstance(content, OutText | OutButtons | OutList | OutProductList):
        return content.text
    if isinstance(content, OutProduct):
        return content.text
    if isinstance(content, OutMedia):
        return content.caption
    return None


def message_line(message: ev.BotMessage) -> str:
    """``utter_x "text" [Title -> /payload]`` for one bot message."""
    content = message.content
    parts = [message.response or "(no response name)"]
    text = text_of(content)
    if isinstance(content, OutTemplate):
        parts.append(f"template {content.name} ({content.language})")
    elif isinstance(content, OutMedia):
        parts.append(f"{content.media_kind.value} {content.link or content.media_id}")
    if text is not None:
        parts.append(show(text))
    if isinstance(content, OutButtons):
        parts.append("[" + ", ".join(f"{b.title} -> {b.payload}" for b in content.buttons) + "]")
    elif isinstance(content, OutList):
        rows = [row.title for section in content.sections for row in section.rows]
        parts.append(f"list {content.button!r}: " + ", ".join(rows))
    return " ".join(parts)


def describe(step: Step) -> str:
    """What a step or assertion expects, in one line close to how it is written."""
    match step:
        case UserStep():
            return f"user: {step.text}"
        case UtterStep():
            return f"utter: {step.name}"
        case BotStep():
            return f"bot: {show(step.text)}"
        case WaitStep():
            return f"wait: {step.seconds:g}"
        case FlowStartedCheck() | ClarificationCheck():
            key = "flow_started" if isinstance(step, FlowStartedCheck) else "pattern_clarification_contains"
            if len(step.flow_ids) == 1 and step.operator == "all":
                return f"{key}: {step.flow_ids[0]}"
            return f"{key}: {{operator: {step.operator}, flow_ids: [{', '.join(step.flow_ids)}]}}"
        case FlowEndedCheck():
            at = f" at step {step.step_id}" if step.step_id else ""
            return f"flow_{step.ended}: {step.flow_id}{at}"
        case ActionExecutedCheck():
            return f"action_executed: {step.name}"
        case SlotsCheck():
            key = "slot_was_set" if step.was_set else "slot_was_not_set"
            slots = [f"{s.name} = {show(s.value)}" if s.has_value else s.name for s in step.slots]
            return f"{key}: {', '.join(slots)}"
        case UtteredCheck():
            fields: list[str] = []
            if step.utter_name is not None:
                fields.append(f"utter_name: {step.utter_name}")
            if step.text_matches is not None:
                fields.append(f"text_matches: {show(step.text_matches.pattern)}")
            if step.buttons is not None:
                fields.append("buttons: [" + ", ".join(f"{b.title} -> {b.payload}" for b in step.buttons) + "]")
            key = "bot_uttered" if step.uttered else "bot_did_not_utter"
            return f"{key}: {{{', '.join(fields)}}}"
        case FlowCheck():
            return f"flow: {step.flow_id or 'none'}"
        case OwnerCheck():
            return f"owner: {step.owner.value}"
    return type(step).__name__  # pragma: no cover - every step kind is matched above


def actual_lines(events: Sequence[ev.Event], before: Conversation, after: Conversation) -> list[str]:
    """What a turn did: messages, slots, flows, actions, handoffs, then the active flow."""
    lines: list[str] = []
    state = before
    for event in events:
        match event:
            case ev.BotMessage():
                lines.append(f"bot: {message_line(event)}")
            case ev.SlotSet():
                lines.append(f"slot_was_set: {event.name} = {show(event.value)}")
            case ev.FlowStarted():
                kind = "" if event.frame_type == "regular" else f" ({event.frame_type})"
                lines.append(f"flow_started: {event.flow_id}{kind}")
            case ev.FlowCompleted() | ev.FlowCancelled():
                step = next((f.step_id for f in state.stack if f.frame_id == event.frame_id), None)
                verb = "completed" if isinstance(event, ev.FlowCompleted) else "cancelled"
                lines.append(f"flow_{verb}: {event.flow_id}" + (f" at step {step}" if step else ""))
            case ev.FlowInterrupted() | ev.FlowResumed():
                verb = "interrupted" if isinstance(event, ev.FlowInterrupted) else "resumed"
                lines.append(f"flow_{verb}: {event.flow_id}")
            case ev.ActionRun():
                lines.append(f"action_executed: {event.name}")
            case ev.HandoffStarted():
                lines.append("handoff_started" + (f": {event.reason}" if event.reason else ""))
            case ev.HandoffEnded():
                lines.append("handoff_ended")
            case ev.LanguageSet():
                lines.append(f"language: {event.language} ({event.source})")
            case ev.SessionStarted():
                lines.append("session_started")
            case ev.Restarted():
                lines.append("restarted")
            case _:
                pass
        state = state.apply(event)
    lines.append(f"flow: {after.active_flow or 'none'}")
    if after.owner is Owner.AGENT:
        lines.append(f"owner: {Owner.AGENT.value}")
    return lines
