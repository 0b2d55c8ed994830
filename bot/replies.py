"""Hand a synchronous channel its answer, in this process or through the store to another."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence

import orjson

from bot.core import codec
from bot.core.messages import OutboundMessage
from bot.state.base import ConversationStore, InboxEntry

log = logging.getLogger(__name__)


class ReplyRouter:
    """Futures for messages whose sender waits for the bot's answer (the REST channel)."""

    def __init__(self, store: ConversationStore, node: str | None = None) -> None:
        self.store = store
        self.node = node or uuid.uuid4().hex
        self._waiting: dict[str, asyncio.Future[list[OutboundMessage]]] = {}

    def expect(self, message_id: str) -> asyncio.Future[list[OutboundMessage]]:
        """A future resolved with the answer to ``message_id``."""
        future: asyncio.Future[list[OutboundMessage]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = future
        return future

    def forget(self, message_id: str) -> None:
        """Stop waiting for ``message_id`` (timeout or duplicate)."""
        future = self._waiting.pop(message_id, None)
        if future is not None and not future.done():
            future.cancel()

    async def deliver(self, entry: InboxEntry, outbound: Sequence[OutboundMessage]) -> None:
        """Give the answer to whoever waits for it."""
        if entry.reply_node is None:
            return
        if entry.reply_node == self.node:
            self._resolve(entry.message.message_id, list(outbound))
            return
        payload = orjson.dumps([codec.outbound_to_dict(m) for m in outbound])
        await self.store.publish_reply(entry.reply_node, entry.message.message_id, payload)

    def _resolve(self, message_id: str, outbound: list[OutboundMessage]) -> None:
        future = self._waiting.pop(message_id, None)
        if future is not None and not future.done():
            future.set_result(outbound)

    async def listen(self) -> None:
        """Resolve futures with answers that other processes publish for this node."""
        async for message_id, payload in self.store.replies(self.node):
            try:
                outbound = [codec.load_outbound(orjson.dumps(item)) for item in orjson.loads(payload)]
            except (orjson.JSONDecodeError, ValueError):
                log.error("unreadable reply for message %s dropped", message_id)
                continue
            self._resolve(message_id, outbound)
