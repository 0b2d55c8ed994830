"""The conversation: the state that the event log folds into."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot.core import events as ev
from bot.core.messages import OutboundContent


class Owner(StrEnum):
    """Who answers the customer right now."""

    BOT = "bot"
    AGENT = "agent"


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """One entry of the dialogue stack: a running flow and where it stands."""

    frame_id: str
    flow_id: str
    step_id: str | None = None
    frame_type: str = "regular"
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)  # no __slots__: _evolve copies the instance dict, the hot path of a turn
class Conversation:
    """State of one conversation at ``version`` (the number of events applied)."""

    conversation_id: str
    version: int = 0
    slots: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    stack: tuple[Frame, ...] = ()
    language: str | None = None
    language_source: str | None = None
    owner: Owner = Owner.BOT
    agent: str | None = None
    last_inbound_at: float | None = None
    latest_message_id: str | None = None
    session_turns: int = 0  # user messages in the current session
    # what the bot said since the last user message: a response's name (rendered again when
    # repeated, in the language of the moment) or, for a text with no name, its content
    bot_turn: tuple[str | OutboundContent, ...] = ()
    previous_bot_turn: tuple[str | OutboundContent, ...] = ()  # the bot's turn before that
    window_closed: bool = False  # the channel said free-form messages are refused until the customer writes again
    opted_out: bool = False  # no business-initiated messages (notifications) to this customer
    unreachable: bool = False  # the channel could not deliver to this customer; nothing is sent until they write
    marketing_held_until: float | None = None  # the channel asked for no marketing to this customer before then
    # where the channel reaches the customer now, when the conversation id no longer says it (a
    # changed phone number): the channel puts it in an inbound message's metadata as ``reply_address``
    reply_address: str | None = None

    @property
    def active_flow(self) -> str | None:
        """The flow on top of the dialogue stack, if any."""
        return self.stack[-1].flow_id if self.stack else None

    def apply(self, event: ev.Event) -> Conversation:
        """The state after ``event``."""
        changes: dict[str, Any] = {"version": self.version + 1}
        match event:
            case ev.UserMessage():
                changes["last_inbound_at"] = event.timestamp
                changes["window_closed"] = False
                changes["unreachable"] = False
                changes["latest_message_id"] = event.message_id
                changes["session_turns"] = self.session_turns + 1
                address = event.metadata.get("reply_address")
                if isinstance(address, str) and address:
                    changes["reply_address"] = address
                if self.bot_turn:
                    changes["previous_bot_turn"] = self.bot_turn
                    changes["bot_turn"] = ()
            case ev.BotMessage():
                changes["bot_turn"] = (*self.bot_turn, event.response or event.content)
            case ev.SlotSet():
                slots = dict(self.slots)
                slots[event.name] = event.value
                changes["slots"] = MappingProxyType(slots)
            case ev.LanguageSet():
                changes["language"] = event.language
                changes["language_source"] = event.source
            case ev.FlowStarted():
                frame = Frame(
                    frame_id=event.frame_id,
                    flow_id=event.flow_id,
                    step_id=event.step_id,
                    frame_type=event.frame_type,
                    context=dict(event.context),
                )
                changes["stack"] = (*self.stack, frame)
            case ev.FlowStepped():
                changes["stack"] = tuple(_stepped(f, event) if f.frame_id == event.frame_id else f for f in self.stack)
            case ev.FlowCompleted() | ev.FlowCancelled():
                changes["stack"] = tuple(f for f in self.stack if f.frame_id != event.frame_id)
            case ev.SessionStarted():
                changes["stack"] = ()
                changes["session_turns"] = 0
                if not event.carry_over_slots:
                    changes["slots"] = MappingProxyType({})
            case ev.Restarted():
                changes["stack"] = ()
                changes["slots"] = MappingProxyType({})
            case ev.HandoffStarted():
                changes["owner"] = Owner.AGENT
                changes["agent"] = event.agent
            case ev.MessageStatus():
                # a report on a message sent before the customer last wrote says nothing of now
                current = self.last_inbound_at is None or event.timestamp >= self.last_inbound_at
                if event.closes_window and current:
                    changes["window_closed"] = True
                if event.unreachable and current:
                    changes["unreachable"] = True
                if event.holds_marketing_until is not None:
                    changes["marketing_held_until"] = max(event.holds_marketing_until, self.marketing_held_until or 0.0)
            case ev.ConsentChanged():
                changes["opted_out"] = event.opted_out
            case ev.HandoffEnded():
                changes["owner"] = Owner.BOT
                changes["agent"] = None
            case _:
                pass
        return _evolve(self, changes)

    def apply_all(self, events: Iterable[ev.Event]) -> Conversation:
        """The state after every event in order."""
        state = self
        for event in events:
            state = state.apply(event)
        return state


def _stepped(frame: Frame, event: ev.FlowStepped) -> Frame:
    return Frame(frame_id=frame.frame_id, flow_id=frame.flow_id, step_id=event.step_id, frame_type=frame.frame_type,
                 context=frame.context if event.context is None else dict(event.context))


def _evolve(conversation: Conversation, changes: dict[str, Any]) -> Conversation:
    """``dataclasses.replace`` without its per-call introspection and checks: a copy of the fields, then the changes."""
    new = object.__new__(Conversation)
    fields = new.__dict__
    fields.update(conversation.__dict__)
    fields.update(changes)
    return new
