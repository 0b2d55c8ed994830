"""The append-only event log of a conversation.

Events are facts; the conversation state is a fold over them (``Conversation.apply``).
Each event has an ``event`` tag that names it in storage and in the tracker API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field

from bot.core.messages import InboundContent, OutboundContent


def _now() -> float:
    return time.time()


@dataclass(frozen=True, slots=True, kw_only=True)
class Entity:
    """An entity found in a user message (span in the original text when known)."""

    entity: str
    value: Any
    start: int | None = None
    end: int | None = None
    extractor: str | None = None
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IntentScore:
    """An intent with its confidence."""

    name: str
    confidence: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Parse:
    """What understanding made of a message."""

    intent: IntentScore | None
    entities: tuple[Entity, ...] = ()
    intent_ranking: tuple[IntentScore, ...] = ()
    language: str | None = None
    language_confidence: float | None = None  # how sure the detector was (None: as sure as can be)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserMessage:
    """The customer said something."""

    message_id: str
    channel: str
    content: InboundContent
    text: str | None = None
    parse: Parse | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=_now)
    event: Literal["user"] = "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class BotMessage:
    """The bot said something."""

    message_id: str
    content: OutboundContent
    response: str | None = None
    reply_to: str | None = None
    resend_of: str | None = None  # the message this one sends again, after the channel reported a passing failure
    timestamp: float = field(default_factory=_now)
    event: Literal["bot"] = "bot"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotSet:
    """A slot got a value (None clears it)."""

    name: str
    value: Any
    timestamp: float = field(default_factory=_now)
    event: Literal["slot"] = "slot"


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageSet:
    """The conversation's reply language changed (detected or chosen by the customer)."""

    language: str
    source: str = "detected"
    timestamp: float = field(default_factory=_now)
    event: Literal["language"] = "language"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowStarted:
    """A flow was pushed on the dialogue stack.

    ``frame_type`` is Rasa's: ``regular`` (on an empty stack), ``interrupt`` (over another
    flow), ``call``, ``link``, or ``pattern``; ``context`` holds a pattern's inputs.
    """

    flow_id: str
    frame_id: str
    step_id: str | None = None
    frame_type: str = "regular"
    context: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=_now)
    event: Literal["flow_started"] = "flow_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowStepped:
    """A frame moved to a step (``context`` replaces the frame's context when given)."""

    frame_id: str
    step_id: str
    context: dict[str, Any] | None = None
    timestamp: float = field(default_factory=_now)
    event: Literal["flow_stepped"] = "flow_stepped"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowInterrupted:
    """A flow was put on hold because another started over it."""

    flow_id: str
    step_id: str | None = None
    timestamp: float = field(default_factory=_now)
    event: Literal["flow_interrupted"] = "flow_interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowResumed:
    """An interrupted flow went on."""

    flow_id: str
    step_id: str | None = None
    timestamp: float = field(default_factory=_now)
    event: Literal["flow_resumed"] = "flow_resumed"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowCompleted:
    """The top flow finished and was popped."""

    flow_id: str
    frame_id: str
    timestamp: float = field(default_factory=_now)
    event: Literal["flow_completed"] = "flow_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowCancelled:
    """A flow was cancelled and popped."""

    flow_id: str
    frame_id: str
    timestamp: float = field(default_factory=_now)
    event: Literal["flow_cancelled"] = "flow_cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRun:
    """An action (utterance or custom) ran."""

    name: str
    timestamp: float = field(default_factory=_now)
    event: Literal["action"] = "action"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffStarted:
    """A human agent took (or was asked to take) the conversation."""

    reason: str | None = None
    agent: str | None = None
    timestamp: float = field(default_factory=_now)
    event: Literal["handoff_started"] = "handoff_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffEnded:
    """The conversation went back to the bot."""

    agent: str | None = None
    timestamp: float = field(default_factory=_now)
    event: Literal["handoff_ended"] = "handoff_ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStarted:
    """A new session began (first contact or after the session expired).

    The dialogue stack is cleared; slots are kept only when ``carry_over_slots``.
    """

    carry_over_slots: bool = True
    timestamp: float = field(default_factory=_now)
    event: Literal["session_started"] = "session_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class Restarted:
    """The conversation started over: no slots, no flows (Rasa's ``restart``)."""

    timestamp: float = field(default_factory=_now)
    event: Literal["restart"] = "restart"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStatus:
    """What became of a message the bot (or an agent) sent: the channel's delivery report.

    ``status`` is the channel's word (WhatsApp: sent, delivered, read, failed); ``message_id``
    is ours when the channel echoes it back, ``provider_message_id`` the channel's (a wamid).
    """

    message_id: str | None
    provider_message_id: str | None = None
    status: str
    error_code: int | None = None
    error_title: str | None = None
    closes_window: bool = False  # the channel refused free-form messages until the customer writes again
    unreachable: bool = False  # the customer cannot receive messages until they write again (WhatsApp 131026)
    holds_marketing_until: float | None = None  # no marketing to this customer before then (WhatsApp 131049)
    timestamp: float = field(default_factory=_now)
    event: Literal["message_status"] = "message_status"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentChanged:
    """The customer opted out of (or back in to) messages the business starts (notifications)."""

    opted_out: bool
    reason: str | None = None
    timestamp: float = field(default_factory=_now)
    event: Literal["consent_changed"] = "consent_changed"


Event = Annotated[
    UserMessage
    | BotMessage
    | SlotSet
    | LanguageSet
    | FlowStarted
    | FlowCompleted
    | FlowCancelled
    | FlowStepped
    | FlowInterrupted
    | FlowResumed
    | ActionRun
    | HandoffStarted
    | HandoffEnded
    | SessionStarted
    | Restarted
    | MessageStatus
    | ConsentChanged,
    Field(discriminator="event"),
]
