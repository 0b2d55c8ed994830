"""The engine: the store, understanding, dialogue, processor and dispatcher of one process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import sys
from typing import Literal

import httpx

from bot.actions.base import ActionRunner
from bot.channels import Channel, ChannelRegistry
from bot.config import Settings
from bot.core.messages import InboundMessage, OutboundMessage
from bot.dialogue.base import DialogueManager
from bot.dialogue.setup import build_dialogue
from bot.dispatcher import Dispatcher
from bot.errors import ReplyTimeout
from bot.nlu.base import Understanding
from bot.nlu.commands import CommandUnderstanding
from bot.nlu.trained import understanding_for
from bot.outbox import OutboxWorker
from bot.processor import Processor
from bot.replies import ReplyRouter
from bot.state.base import ConversationStore, InboxEntry
from bot.state.registry import create_store

log = logging.getLogger(__name__)

SWITCH_INTERVAL = 0.0005

#: What a process does: ``web`` takes messages in (webhooks, REST) and acknowledges them,
#: ``worker`` processes the inbox and delivers the outbox, ``all`` does both (the default).
Role = Literal["all", "web", "worker"]
ROLES: tuple[Role, ...] = ("all", "web", "worker")


class Engine:
    """Everything one process needs to take messages in and answer them."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: ConversationStore | None = None,
        understanding: Understanding | None = None,
        dialogue: DialogueManager | None = None,
        channels: ChannelRegistry | None = None,
        actions: ActionRunner | None = None,
        role: Role = "all",
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown engine role {role!r}; known roles: {', '.join(ROLES)}")
        self.settings = settings
        self.role = role
        self.store = store or create_store(settings)
        languages = list(settings.languages.supported)
        default = settings.languages.default
        self.understanding: Understanding = understanding or understanding_for(settings) or CommandUnderstanding(languages)
        # one long-lived client for the action server (and, later, the catalogue and WhatsApp)
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        self.dialogue = dialogue or build_dialogue(settings, self.http, actions=actions)
        session = getattr(self.dialogue, "definition", None)
        registry = channels or ChannelRegistry.from_entry_points()
        self.channels: dict[str, Channel] = {
            name: registry.create(name, options or {}) for name, options in settings.channels.items()
        }
        self.node = f"{socket.gethostname()}-{os.getpid()}-{os.urandom(3).hex()}"
        self.replies = ReplyRouter(self.store, self.node)
        self.processor = Processor(
            self.store,
            self.understanding,
            self.dialogue,
            languages=languages,
            default_language=default,
            push_channels=[name for name, ch in self.channels.items() if ch.pushes],
            session_expiry_seconds=(session.session_expiration_minutes or 60) * 60 if session is not None else None,
            carry_over_slots=session.carry_over_slots if session is not None else True,
        )
        self.dispatcher = Dispatcher(
            self.store,
            self.processor,
            self.replies,
            consumer=self.node,
            concurrency=settings.dispatcher.concurrency,
            lease_ttl=settings.store.lock_ttl_seconds,
            on_take=self._taking,
        )
        pushing = {name: ch for name, ch in self.channels.items() if ch.pushes}
        self.outbox = OutboxWorker(self, self.store, pushing, consumer=self.node, lock_ttl=settings.store.lock_ttl_seconds) if pushing else None
        self._tasks: list[asyncio.Task[None]] = []

    def _taking(self, entry: InboxEntry) -> None:
        """Tell the message's channel that a worker starts on it (WhatsApp marks it read)."""
        channel = self.channels.get(entry.message.channel)
        if channel is not None:
            channel.taking(self, entry.message)

    @property
    def works(self) -> bool:
        """Whether this process runs the dispatcher and the outbox (roles ``all`` and ``worker``)."""
        return self.role != "web"

    async def start(self) -> None:
        """Open the store and the HTTP client; start the reply listener, and the dispatcher and
        outbox unless this is a web-only process."""
        await self.store.open()
        # Everything loaded so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which would otherwise stall busy moments for tens of ms.
        gc.collect()
        gc.freeze()
        # Store threads (SQLite's statement thread) need the GIL back quickly while turns keep the
        # loop busy: at Python's default 5 ms, a webhook's enqueue waited tens of ms for it
        # (bench/whatsapp.py at 150 msg/s: enqueue p99 103 ms at 5 ms, 37 ms at 0.5 ms).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        for channel in self.channels.values():
            await channel.start(self)
        self._tasks = [asyncio.create_task(self.replies.listen(), name="replies")]
        if self.works:
            self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="dispatcher"))
            if self.outbox is not None:
                self._tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
        log.info("engine started: role=%s store=%s node=%s channels=%s", self.role, self.store.name, self.node,
                 ",".join(self.channels))

    def problems(self) -> list[str]:
        """Background tasks (reply listener, dispatcher, outbox) that stopped while the engine runs, and why."""
        found = []
        for task in self._tasks:
            if task.done() and not task.cancelled():
                error = task.exception()
                found.append(f"the {task.get_name()} stopped" + (f" ({type(error).__name__}: {error})" if error else ""))
        return found

    async def stop(self) -> None:
        """Finish running turns, then close everything."""
        await self.dispatcher.stop()
        if self.outbox is not None and self.works:
            await self.outbox.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for channel in self.channels.values():
            await channel.stop()
        await self.http.aclose()
        await self.store.close()

    async def accept(self, message: InboundMessage, *, dedupe: bool = True) -> bool:
        """Queue a message durably (for channels that acknowledge first); False if a duplicate."""
        ttl = self.settings.store.dedupe_ttl_seconds if dedupe else None
        return await self.store.enqueue(message, dedupe_ttl=ttl)

    async def accept_many(self, messages: list[InboundMessage]) -> list[bool]:
        """Queue messages durably, in order, deduplicated; which were new."""
        return await self.store.enqueue_many(messages, dedupe_ttl=self.settings.store.dedupe_ttl_seconds)

    async def ask(self, message: InboundMessage, *, dedupe: bool = False) -> list[OutboundMessage] | None:
        """Queue a message and wait for the bot's answer (None if it was a duplicate)."""
        future = self.replies.expect(message.message_id)
        ttl = self.settings.store.dedupe_ttl_seconds if dedupe else None
        try:
            if not await self.store.enqueue(message, dedupe_ttl=ttl, reply_node=self.node):
                return None
            timeout = self.settings.server.reply_timeout_seconds
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                msg = f"no answer to message {message.message_id} within {timeout:g}s; it stays queued and will be processed"
                raise ReplyTimeout(msg) from None
        finally:
            self.replies.forget(message.message_id)
