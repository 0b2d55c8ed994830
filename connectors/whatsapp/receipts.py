"""Blue ticks and the typing indicator, sent when a worker starts on a customer's message.

Marking a message read (with ``typing_indicator``) tells the customer the bot is working on it,
so it is sent when processing starts, by the process that processes (not by the webhook, whose
only job is to acknowledge fast). Marking the newest message read marks the earlier ones too, so
receipts coalesce: one request per conversation at a time, and a message taken meanwhile
replaces the one waiting. They are a courtesy: at most ``limit`` conversations have one under
way, beyond that a receipt is skipped, and a failure is logged, never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from connectors.whatsapp.errors import WhatsAppError
from connectors.whatsapp.sender import GraphSender

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 4


class ReadReceipts:
    """Coalescing, bounded read receipts for the business numbers' senders."""

    def __init__(self, senders: Mapping[str, GraphSender], *, limit: int = MAX_IN_FLIGHT) -> None:
        self.senders = dict(senders)
        self.limit = limit
        self._waiting: dict[str, tuple[str, str]] = {}  # conversation -> (number id, newest message id)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.skipped = 0

    def mark(self, conversation_id: str, phone_number_id: str, message_id: str) -> None:
        """Mark ``message_id`` (and so every earlier message of the conversation) read, in the background."""
        if phone_number_id not in self.senders:
            return
        self._waiting[conversation_id] = (phone_number_id, message_id)
        if conversation_id in self._tasks:
            return  # the running task sends the newest one next
        if len(self._tasks) >= self.limit:
            self._waiting.pop(conversation_id, None)
            self.skipped += 1
            return
        task = asyncio.create_task(self._send(conversation_id), name=f"read:{conversation_id}")
        self._tasks[conversation_id] = task

    async def _send(self, conversation_id: str) -> None:
        try:
            while (waiting := self._waiting.pop(conversation_id, None)) is not None:
                phone_number_id, message_id = waiting
                try:
                    await self.senders[phone_number_id].mark_read(message_id, typing=True)
                except WhatsAppError as exc:
                    log.warning("could not mark WhatsApp message %s read: %s", message_id, exc)
                except Exception:  # a background task nobody awaits: never let its error vanish
                    log.exception("marking WhatsApp message %s read failed", message_id)
        finally:
            self._tasks.pop(conversation_id, None)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait (up to ``timeout``) for the receipts under way."""
        if self._tasks:
            await asyncio.wait(set(self._tasks.values()), timeout=timeout)
