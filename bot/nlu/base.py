"""The interface every understanding component implements."""

from __future__ import annotations

from typing import Protocol

from bot.core.conversation import Conversation
from bot.core.events import Parse
from bot.core.messages import InboundMessage


class Understanding(Protocol):
    """Turns an inbound message into a ``Parse`` (language, intents, entities)."""

    async def parse(self, message: InboundMessage, conversation: Conversation) -> Parse:
        """What the message means, given the conversation so far."""
        ...

    def parse_text(self, text: str) -> Parse:
        """What a bare text means (for ``POST /model/parse``)."""
        ...
