"""The interface every dialogue manager implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.conversation import Conversation
from bot.core.events import Event, Parse
from bot.core.messages import InboundMessage, OutboundContent


@dataclass(frozen=True, slots=True)
class Utterance:
    """Something the bot says, with the response it came from."""

    content: OutboundContent
    response: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the bot does in one turn: new events (slots, flows...) and what it says."""

    events: tuple[Event, ...] = ()
    utterances: tuple[Utterance, ...] = ()


class DialogueManager(Protocol):
    """Decides the bot's next moves for a parsed message."""

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        """The events and utterances of this turn (``conversation`` already has the user event)."""
        ...
