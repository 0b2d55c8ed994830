"""Take conversations with inbox work and drain each one in order, many at once.

One conversation's messages are handled one at a time, in arrival order, under the store's
per-conversation lease; different conversations run in parallel up to ``concurrency``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.errors import LeaseLost, StoreError
from bot.processor import Processor
from bot.replies import ReplyRouter
from bot.state.base import ConversationStore, InboxEntry, Lease

log = logging.getLogger(__name__)


class Dispatcher:
    """Feeds the processor from the durable inbox."""

    def __init__(
        self,
        store: ConversationStore,
        processor: Processor,
        replies: ReplyRouter,
        *,
        consumer: str,
        concurrency: int = 64,
        lease_ttl: float = 30.0,
        on_take: Callable[[InboxEntry], None] | None = None,
    ) -> None:
        self.store = store
        self.processor = processor
        self.replies = replies
        self.consumer = consumer
        self.lease_ttl = lease_ttl
        self.on_take = on_take
        self._slots = asyncio.Semaphore(concurrency)
        self._active: set[str] = set()
        self._dirty: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._batch = max(16, concurrency * 2)
        self.retry_after = 5.0
        self._transient: tuple[type[BaseException], ...] = (StoreError, *store.transient_errors)

    async def run(self) -> None:
        """Read work until ``stop`` is called."""
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                conversation_ids = await self.store.ready(self.consumer, count=self._batch, block=0.5)
                backoff = 0.1
            except self._transient as exc:
                log.error("cannot read the inbox (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for conversation_id in conversation_ids:
                self.schedule(conversation_id)

    def schedule(self, conversation_id: str) -> None:
        """Make sure the conversation gets drained (again, if it is being drained now)."""
        if conversation_id in self._active:
            self._dirty.add(conversation_id)
            return
        self._active.add(conversation_id)
        task = asyncio.create_task(self._drain(conversation_id), name=f"drain:{conversation_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work and let running turns finish (cancel them after ``timeout``)."""
        self._stopping.set()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _drain(self, conversation_id: str) -> None:
        try:
            async with self._slots:
                while True:
                    self._dirty.discard(conversation_id)
                    more = await self._drain_once(conversation_id)
                    if not more and conversation_id not in self._dirty:
                        break
                    if self._stopping.is_set():
                        break
        except Exception:
            log.exception("draining conversation %s failed; retrying in %.0fs", conversation_id, self.retry_after)
            if not self._stopping.is_set():
                asyncio.get_running_loop().call_later(self.retry_after, self._retry, conversation_id)
        finally:
            self._active.discard(conversation_id)

    def _retry(self, conversation_id: str) -> None:
        if not self._stopping.is_set():
            self.schedule(conversation_id)

    async def _drain_once(self, conversation_id: str) -> bool:
        """Process everything queued under one lease; True if more arrived since."""
        lease = await self.store.try_acquire(conversation_id, self.lease_ttl)
        if lease is None:
            return False  # another process drains it, and re-checks after releasing
        try:
            while not self._stopping.is_set():
                entry = await self.store.head(conversation_id)
                if entry is None:
                    break
                lease = await self._process(lease, entry)
        except LeaseLost as exc:
            log.warning("lost conversation %s to another worker: %s", conversation_id, exc)
            return False
        finally:
            await self.store.release(lease)
        return not self._stopping.is_set() and await self.store.head(conversation_id) is not None

    async def _process(self, lease: Lease, entry: InboxEntry) -> Lease:
        if self.on_take is not None:
            try:
                self.on_take(entry)
            except Exception:  # a courtesy hook (read receipts) must never stop a turn
                log.exception("the take hook failed for %s", entry.message.message_id)
        backoff = 0.05
        while True:
            keeper = asyncio.create_task(self._keep(lease))
            try:
                outbound = await self.processor.process(lease, entry)
                break
            except LeaseLost:
                raise
            except self._transient as exc:
                log.error("store failed while processing %s (%s); retrying in %.2fs", entry.message.message_id, exc, backoff)
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
            lease = await self.store.renew(lease, self.lease_ttl)
        try:
            await self.replies.deliver(entry, outbound)
        except self._transient as exc:
            log.error("could not hand the answer to %s to its waiting process: %s", entry.message.message_id, exc)
        return lease

    async def _keep(self, lease: Lease) -> None:
        """Renew the lease while a long turn runs."""
        while True:
            await asyncio.sleep(self.lease_ttl / 3)
            lease = await self.store.renew(lease, self.lease_ttl)
