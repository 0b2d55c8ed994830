"""Deliver what the bot decided to say: take messages from the durable outbox, hand each to its channel.

One conversation's messages go out one at a time, oldest first, under a store lock named
``outbox:<conversation id>`` (so two processes never interleave one conversation's messages);
different conversations go out in parallel. A message is acknowledged only once its channel
has dealt with it for good. ``DeliveryDeferred`` (the provider is down, a rate limit) keeps it,
and the conversation's later messages behind it, in this worker: it is tried again with a backoff
from 0.5 to 30 s (well before its claim goes stale), never sooner than the deferral's
``retry_after`` (capped at 30 s), so nothing overtakes it. A channel bug is
retried a few times, then logged and dropped so that one broken message cannot block its
conversation forever. Entries left when the worker stops come back once their claim is stale
(``store.claim_idle_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.errors import DeliveryDeferred, StoreError
from bot.state.base import ConversationStore, OutboxEntry

if TYPE_CHECKING:
    from bot.channels import Channel
    from bot.engine import Engine

log = logging.getLogger(__name__)

MAX_CHANNEL_ERRORS = 5
MAX_BACKOFF = 30.0  # seconds; well under the claim's staleness, so no other worker takes a deferred message


class OutboxWorker:
    """Drains the outbox into the channels that push (WhatsApp)."""

    def __init__(self, engine: Engine, store: ConversationStore, channels: Mapping[str, Channel], *, consumer: str,
                 concurrency: int = 32, lock_ttl: float = 30.0) -> None:
        self.engine = engine
        self.store = store
        self.channels = dict(channels)
        self.consumer = consumer
        self.lock_ttl = lock_ttl
        self._slots = asyncio.Semaphore(concurrency)
        self._batch = max(16, concurrency * 2)
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[str] = set()
        self._pending: defaultdict[str, list[OutboxEntry]] = defaultdict(list)
        self._errors: defaultdict[str, int] = defaultdict(int)
        self._transient: tuple[type[BaseException], ...] = (StoreError, *store.transient_errors)

    async def run(self) -> None:
        """Claim and deliver until ``stop`` is called."""
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                entries = await self.store.outbox_claim(self.consumer, count=self._batch, block=0.5)
                backoff = 0.1
            except self._transient as exc:
                log.error("cannot read the outbox (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for entry in entries:
                conversation_id = entry.message.conversation_id
                if any(e.entry_id == entry.entry_id for e in self._pending[conversation_id]):
                    continue  # a stale claim of our own came back while we still deliver it
                self._pending[conversation_id].append(entry)
                if conversation_id not in self._busy:
                    self._busy.add(conversation_id)
                    task = asyncio.create_task(self._deliver(conversation_id), name=f"outbox:{conversation_id}")
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; let deliveries under way finish (cancel them after ``timeout``)."""
        self._stopping.set()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _deliver(self, conversation_id: str) -> None:
        # The conversation stays busy until its list is empty: entries claimed meanwhile (during
        # the lock's release, or while a deferred one waits) queue behind, never overtake.
        pending = self._pending[conversation_id]
        backoff = 0.0
        try:
            while pending and not self._stopping.is_set():
                if backoff:
                    await self._pause(backoff)
                asked = 0.0
                try:
                    async with self._slots, self.store.lock(f"outbox:{conversation_id}", self.lock_ttl, timeout=self.lock_ttl):
                        while pending and not self._stopping.is_set():
                            wait = await self._one(pending[0])
                            if wait is not None:
                                asked = wait
                                break  # keep the order: the rest waits with this one
                            pending.pop(0)
                except self._transient as exc:
                    log.error("outbox of conversation %s: the store failed (%s); retrying", conversation_id, exc)
                except Exception:  # a task nobody awaits: never let its error vanish
                    log.exception("outbox of conversation %s failed; retrying", conversation_id)
                backoff = min(max(backoff * 2, 0.5, asked), MAX_BACKOFF) if pending else 0.0
        finally:
            # only on stop can entries be left: they stay claimed and come back once the claim is stale
            self._pending.pop(conversation_id, None)
            self._busy.discard(conversation_id)

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the worker is asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _one(self, entry: OutboxEntry) -> float | None:
        """Deliver one entry: None once it is done with (and acknowledged), else the seconds the channel asks
        to wait before the next try (0 when it does not say)."""
        message = entry.message
        channel = self.channels.get(message.channel)
        if channel is None:
            log.error("outbox message %s is for channel %r, which is not enabled (enabled: %s); dropped",
                      message.message_id, message.channel, ", ".join(sorted(self.channels)) or "none")
        else:
            try:
                await channel.deliver(self.engine, message)
            except DeliveryDeferred as exc:
                log.warning("message %s deferred: %s", message.message_id, exc)
                return exc.retry_after or 0.0
            except Exception:
                self._errors[entry.entry_id] += 1
                if self._errors[entry.entry_id] < MAX_CHANNEL_ERRORS:
                    log.exception("channel %s failed to deliver %s; it will be retried", message.channel, message.message_id)
                    return 0.0
                log.exception("channel %s failed to deliver %s %d times; dropped", message.channel, message.message_id,
                              MAX_CHANNEL_ERRORS)
        self._errors.pop(entry.entry_id, None)
        await self.store.outbox_ack([entry])
        return None
