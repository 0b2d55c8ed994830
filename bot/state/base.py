"""The one interface every conversation store implements, and the shapes it trades in.

A store keeps five things: conversation state with its append-only event log (saved with
optimistic concurrency), dedupe keys with a TTL, per-conversation leases (locks with a
timeout), a durable inbox (messages acknowledged to a channel but not yet processed) and a
durable outbox (messages the bot decided to send but not yet delivered). ``commit`` writes one
processed turn atomically: the new events, the consumed inbox entry and the outbox entries,
so a crash between any two steps loses nothing and repeats nothing.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.conversation import Conversation
from bot.core.events import Event
from bot.core.messages import InboundMessage, OutboundMessage
from bot.errors import LockTimeout

__all__ = ["ConversationStore", "InboxEntry", "Lease", "OutboxEntry", "Turn"]


@dataclass(frozen=True, slots=True)
class Lease:
    """Proof of holding a conversation's lock until ``expires_at`` (wall clock, seconds)."""

    conversation_id: str
    token: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A queued inbound message; ``reply_node`` is the process waiting for the answer, if any."""

    entry_id: str
    message: InboundMessage
    reply_node: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A queued outbound message waiting for its channel's sender."""

    entry_id: str
    message: OutboundMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """Everything one processed inbound message changes, committed at once."""

    lease: Lease
    entry: InboxEntry
    conversation: Conversation
    events: tuple[Event, ...]
    outbox: tuple[OutboundMessage, ...] = ()
    #: Amounts to add to named counters (``bot.stats``), in the same atomic commit.
    counters: tuple[tuple[str, int], ...] = ()


class ConversationStore(ABC):
    """Persistent state of all conversations; one implementation per backend."""

    name: str = "abstract"
    #: Exceptions of the backend that mean "try again later" (the connection dropped...).
    transient_errors: tuple[type[BaseException], ...] = (OSError,)

    # ------------------------------------------------------------ lifecycle

    @abstractmethod
    async def open(self) -> None:
        """Connect and prepare; raise ``StoreUnavailable`` when the backend cannot be reached."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections and files."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the backend answers now."""

    # ------------------------------------------------------------ conversations

    @abstractmethod
    async def load(self, conversation_id: str) -> Conversation:
        """The current state (a fresh one at version 0 if the conversation is new)."""

    @abstractmethod
    async def events(self, conversation_id: str, start: int = 0) -> list[Event]:
        """The event log from position ``start`` on."""

    @abstractmethod
    async def save(self, conversation: Conversation, events: Sequence[Event]) -> Conversation:
        """Append ``events`` to a conversation loaded at ``conversation.version``.

        Raises ``ConflictError`` if another writer saved in between (nothing is written).
        """

    @abstractmethod
    async def conversation_count(self) -> int:
        """How many conversations have at least one event."""

    # ------------------------------------------------------------ dedupe

    @abstractmethod
    async def remember(self, key: str, ttl: float) -> bool:
        """Record ``key`` for ``ttl`` seconds; True if it was not already recorded."""

    # ------------------------------------------------------------ locks

    @abstractmethod
    async def identify(self, people: Sequence[Sequence[str]]) -> list[str]:
        """The conversation id of each person in ``people``, each known by one or more ids (preferred first).

        A channel may know one customer by several ids (WhatsApp: the phone number and the
        business-scoped user id, only one of which may come with a given message). A person's
        conversation is the one any of their ids was linked to before, else the first of their ids
        that already has a conversation, else their first id; their ids are then linked to it, for
        good, so that a later message carrying only one of them finds the same conversation. A
        person given one id that has no link keeps it, and nothing is written. One round trip for
        the whole batch, atomic per person.
        """

    @abstractmethod
    async def try_acquire(self, conversation_id: str, ttl: float) -> Lease | None:
        """Take the conversation's lock for ``ttl`` seconds, or None if someone holds it."""

    @abstractmethod
    async def renew(self, lease: Lease, ttl: float) -> Lease:
        """Extend a lease; raise ``LeaseLost`` if it expired or changed hands."""

    @abstractmethod
    async def release(self, lease: Lease) -> None:
        """Give the lock back (a no-op if it already expired)."""

    async def acquire(self, conversation_id: str, ttl: float, timeout: float) -> Lease:
        """Take the lock, waiting up to ``timeout`` seconds; raise ``LockTimeout`` after."""
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            lease = await self.try_acquire(conversation_id, ttl)
            if lease is not None:
                return lease
            if time.monotonic() >= deadline:
                msg = (
                    f"conversation {conversation_id!r} stayed locked for {timeout:g}s; "
                    "another worker is still processing it (raise store.lock_ttl_seconds "
                    "if turns are legitimately that slow)"
                )
                raise LockTimeout(msg)
            await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.05)

    @asynccontextmanager
    async def lock(self, conversation_id: str, ttl: float, timeout: float) -> AsyncIterator[Lease]:
        """Hold the conversation's lock for the duration of the block."""
        lease = await self.acquire(conversation_id, ttl, timeout)
        try:
            yield lease
        finally:
            await self.release(lease)

    # ------------------------------------------------------------ inbox

    @abstractmethod
    async def enqueue(
        self,
        message: InboundMessage,
        *,
        dedupe_ttl: float | None = None,
        reply_node: str | None = None,
    ) -> bool:
        """Put a message on the durable inbox; False (and nothing stored) if a duplicate.

        With ``dedupe_ttl`` the message's (channel, message_id) is remembered that long and
        a second message with the same key is dropped.
        """

    async def enqueue_many(self, messages: Sequence[InboundMessage], *, dedupe_ttl: float | None = None) -> list[bool]:
        """``enqueue`` each message, in order; which were new. A store may do it in one round trip."""
        return [await self.enqueue(message, dedupe_ttl=dedupe_ttl) for message in messages]

    @abstractmethod
    async def ready(self, consumer: str, *, count: int, block: float) -> list[str]:
        """Conversation ids that have inbox work for ``consumer``, waiting up to ``block`` s.

        Includes work that another consumer took but left unfinished for longer than the
        store's claim-idle time (its process died).
        """

    @abstractmethod
    async def head(self, conversation_id: str) -> InboxEntry | None:
        """The oldest unprocessed message of a conversation."""

    @abstractmethod
    async def inbox_size(self) -> int:
        """How many inbound messages wait to be processed."""

    @abstractmethod
    async def commit(self, turn: Turn) -> Conversation:
        """Atomically: append the turn's events, consume its inbox entry, queue its outbox.

        Raises ``LeaseLost`` if the lease is no longer held, ``ConflictError`` if the
        conversation changed since it was loaded; in both cases nothing is written.
        """

    @abstractmethod
    async def counters(self) -> dict[str, int]:
        """Every counter that turns have added to (``Turn.counters``), by name."""

    # ------------------------------------------------------------ outbox

    @abstractmethod
    async def outbox_claim(self, consumer: str, *, count: int, block: float) -> list[OutboxEntry]:
        """Take up to ``count`` outbound messages to deliver (stale claims are retaken)."""

    @abstractmethod
    async def outbox_ack(self, entries: Sequence[OutboxEntry]) -> None:
        """Mark outbound messages as delivered (or finally failed)."""

    @abstractmethod
    async def outbox_size(self) -> int:
        """How many outbound messages wait to be delivered."""

    # ------------------------------------------------------------ replies between processes

    @abstractmethod
    async def publish_reply(self, node: str, message_id: str, payload: bytes) -> None:
        """Hand a synchronous channel's answer to the process ``node`` that waits for it."""

    @abstractmethod
    def replies(self, node: str) -> AsyncIterator[tuple[str, bytes]]:
        """The answers other processes publish for ``node``: (message_id, payload)."""
