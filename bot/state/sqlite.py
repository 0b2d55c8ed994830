"""The embedded store: everything in one SQLite file, served by one process.

One process owns the file (an exclusive ``flock`` on ``<path>.lock``), so locks, wake-ups and
reply hand-over live in memory while conversations, dedupe keys, inbox and outbox live in the
file. All SQL runs on one dedicated thread, so no blocking call happens on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.core import codec
from bot.core.conversation import Conversation
from bot.core.events import Event
from bot.core.messages import InboundMessage
from bot.errors import ConflictError, LeaseLost, StoreInUse, StoreUnavailable
from bot.state.base import ConversationStore, InboxEntry, Lease, OutboxEntry, Turn
from bot.state.statements import NORMAL, URGENT, StatementThread

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY, version INTEGER NOT NULL, state BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedupe (key TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL,
    payload BLOB NOT NULL, reply_node TEXT
);
CREATE INDEX IF NOT EXISTS inbox_by_conversation ON inbox (conversation_id, seq);
CREATE TABLE IF NOT EXISTS identities (alias TEXT PRIMARY KEY, conversation_id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL,
    payload BLOB NOT NULL, claimed_by TEXT, claimed_at REAL
);
"""
_PURGE_EVERY = 1000


class SQLiteStore(ConversationStore):
    """Conversation store in a single SQLite file (the default, embedded mode)."""

    name = "sqlite"
    transient_errors = (sqlite3.OperationalError, OSError)

    def __init__(self, path: Path, *, synchronous: str = "normal", claim_idle: float = 60.0) -> None:
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        self.claim_idle = claim_idle
        self._executor: StatementThread | None = None
        self._db: sqlite3.Connection | None = None
        self._lock_file: int | None = None
        self._leases: dict[str, Lease] = {}
        self._leases_guard = threading.Lock()
        self._cursors: dict[str, int] = {}
        self._inbox_event = asyncio.Event()
        self._outbox_event = asyncio.Event()
        self._replies: defaultdict[str, asyncio.Queue[tuple[str, bytes]]] = defaultdict(asyncio.Queue)
        self._enqueued = 0

    # ------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        """Take the file for this process and create the schema."""
        self._take_file()
        self._executor = StatementThread("sqlite-store")
        try:
            await self._run(self._connect)
        except sqlite3.Error as exc:
            await self.close()
            msg = f"cannot open the SQLite store at {self.path}: {exc} (check the path in store.sqlite.path)"
            raise StoreUnavailable(msg) from exc

    def _take_file(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            msg = f"cannot create the SQLite store at {self.path}: {exc.strerror} (check store.sqlite.path)"
            raise StoreUnavailable(msg) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            msg = (
                f"the SQLite store {self.path} is in use by another process (pid {holder}); "
                "one process serves an SQLite store: stop the other one, give this one its own "
                "store.sqlite.path, or set REDIS_URL to share state between processes"
            )
            raise StoreInUse(msg) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_file = fd

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self.synchronous}")
        db.execute("PRAGMA busy_timeout=5000")
        db.executescript(_SCHEMA)
        self._db = db

    async def close(self) -> None:
        """Close the file and let another process take it."""
        if self._executor is not None:
            if self._db is not None:
                await self._run(self._db.close)
                self._db = None
            self._executor.shutdown()
            self._executor = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            os.close(self._lock_file)
            self._lock_file = None

    async def ping(self) -> None:
        """Run a trivial query."""
        if self._executor is None:
            raise StoreUnavailable(f"the SQLite store {self.path} is not open")
        await self._run(lambda: self._conn.execute("SELECT 1").fetchone())

    @property
    def _conn(self) -> sqlite3.Connection:
        assert self._db is not None, "store is not open"
        return self._db

    async def _run(self, fn: Callable[..., T], *args: Any, priority: int = NORMAL) -> T:
        if self._executor is None:
            raise StoreUnavailable(f"the SQLite store {self.path} is not open")
        return await self._executor.run(fn, *args, priority=priority)

    # ------------------------------------------------------------ conversations

    async def load(self, conversation_id: str) -> Conversation:
        """The current state of a conversation."""
        row = await self._run(self._fetch_state, conversation_id)
        if row is None:
            return Conversation(conversation_id=conversation_id)
        return codec.load_conversation(row)

    def _fetch_state(self, conversation_id: str) -> bytes | None:
        row = self._conn.execute(
            "SELECT state FROM conversations WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return row[0] if row else None

    async def events(self, conversation_id: str, start: int = 0) -> list[Event]:
        """The event log from ``start`` on."""
        rows = await self._run(
            lambda: self._conn.execute(
                "SELECT data FROM events WHERE conversation_id = ? AND seq >= ? ORDER BY seq",
                (conversation_id, start),
            ).fetchall()
        )
        return [codec.load_event(data) for (data,) in rows]

    async def save(self, conversation: Conversation, events: Sequence[Event]) -> Conversation:
        """Append events with optimistic concurrency on the version."""
        new = conversation.apply_all(events)
        rows = [codec.dump_event(e) for e in events]
        await self._run(self._save_sync, conversation, new, rows, None)
        return new

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the store's thread: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on any exception."""
        db = self._conn
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _save_sync(
        self, old: Conversation, new: Conversation, rows: list[bytes], extra: Callable[[], None] | None
    ) -> None:
        with self._write() as db:
            row = db.execute(
                "SELECT version FROM conversations WHERE conversation_id = ?", (old.conversation_id,)
            ).fetchone()
            current = row[0] if row else 0
            if current != old.version:
                msg = (
                    f"conversation {old.conversation_id!r} is at version {current}, "
                    f"not {old.version}: another writer saved first; reload and retry"
                )
                raise ConflictError(msg)
            if extra is not None:
                extra()
            db.executemany(
                "INSERT INTO events (conversation_id, seq, data) VALUES (?, ?, ?)",
                [(old.conversation_id, old.version + i, data) for i, data in enumerate(rows)],
            )
            db.execute(
                "INSERT INTO conversations (conversation_id, version, state) VALUES (?, ?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET version = excluded.version, state = excluded.state",
                (new.conversation_id, new.version, codec.dump_conversation(new)),
            )

    async def conversation_count(self) -> int:
        """How many conversations exist."""
        return await self._run(lambda: self._conn.execute("SELECT count(*) FROM conversations").fetchone()[0])

    # ------------------------------------------------------------ dedupe

    async def remember(self, key: str, ttl: float) -> bool:
        """Record a key for ``ttl`` seconds; True if new."""
        return await self._run(self._remember_sync, key, ttl)

    def _remember_sync(self, key: str, ttl: float) -> bool:
        now = time.time()
        cur = self._conn.execute(
            "INSERT INTO dedupe (key, expires_at) VALUES (?, ?) ON CONFLICT (key) "
            "DO UPDATE SET expires_at = excluded.expires_at WHERE dedupe.expires_at <= ?",
            (key, now + ttl, now),
        )
        return cur.rowcount == 1

    # ------------------------------------------------------------ identities

    async def identify(self, people: Sequence[Sequence[str]]) -> list[str]:
        """The conversation of each person (see ``ConversationStore.identify``), in one transaction."""
        return await self._run(self._identify_sync, [list(ids) for ids in people], priority=URGENT)

    def _identify_sync(self, people: list[list[str]]) -> list[str]:
        found: list[str] = []
        with self._write() as db:
            for ids in people:
                if not ids:
                    raise ValueError("identify: a person needs at least one id")
                linked = [row[0] for alias in ids
                          for row in db.execute("SELECT conversation_id FROM identities WHERE alias = ?", (alias,))]
                if not linked and len(ids) > 1:  # a conversation begun before its ids were linked
                    linked = [alias for alias in ids
                              if db.execute("SELECT 1 FROM conversations WHERE conversation_id = ?", (alias,)).fetchone()]
                conversation_id = linked[0] if linked else ids[0]
                if len(ids) > 1 or linked:
                    db.executemany("INSERT INTO identities (alias, conversation_id) VALUES (?, ?) ON CONFLICT (alias) DO NOTHING",
                                   [(alias, conversation_id) for alias in ids])
                found.append(conversation_id)
        return found

    # ------------------------------------------------------------ locks (in memory: one process owns the file)

    async def try_acquire(self, conversation_id: str, ttl: float) -> Lease | None:
        """Take the lock unless a live lease holds it."""
        now = time.time()
        with self._leases_guard:
            held = self._leases.get(conversation_id)
            if held is not None and held.expires_at > now:
                return None
            lease = Lease(conversation_id, uuid.uuid4().hex, now + ttl)
            self._leases[conversation_id] = lease
            return lease

    async def renew(self, lease: Lease, ttl: float) -> Lease:
        """Extend a live lease."""
        with self._leases_guard:
            self._check_lease(lease)
            renewed = Lease(lease.conversation_id, lease.token, time.time() + ttl)
            self._leases[lease.conversation_id] = renewed
            return renewed

    async def release(self, lease: Lease) -> None:
        """Drop the lease if it is still ours."""
        with self._leases_guard:
            held = self._leases.get(lease.conversation_id)
            if held is not None and held.token == lease.token:
                del self._leases[lease.conversation_id]

    def _check_lease(self, lease: Lease) -> None:
        held = self._leases.get(lease.conversation_id)
        if held is None or held.token != lease.token or held.expires_at <= time.time():
            msg = f"the lock on conversation {lease.conversation_id!r} expired or changed hands"
            raise LeaseLost(msg)

    # ------------------------------------------------------------ inbox

    async def enqueue(
        self, message: InboundMessage, *, dedupe_ttl: float | None = None, reply_node: str | None = None
    ) -> bool:
        """Put a message on the inbox unless it is a duplicate."""
        payload = codec.dump_inbound(message)
        added = await self._run(self._enqueue_sync, message, payload, dedupe_ttl, reply_node, priority=URGENT)
        if added:
            self._inbox_event.set()
        return added

    def _enqueue_sync(
        self, message: InboundMessage, payload: bytes, dedupe_ttl: float | None, reply_node: str | None
    ) -> bool:
        db = self._conn
        db.execute("BEGIN IMMEDIATE")
        try:
            if dedupe_ttl is not None and not self._remember_sync(
                f"inbound:{message.channel}:{message.message_id}", dedupe_ttl
            ):
                db.execute("ROLLBACK")
                return False
            db.execute(
                "INSERT INTO inbox (conversation_id, payload, reply_node) VALUES (?, ?, ?)",
                (message.conversation_id, payload, reply_node),
            )
            self._enqueued += 1
            if self._enqueued % _PURGE_EVERY == 0:
                db.execute("DELETE FROM dedupe WHERE expires_at <= ?", (time.time(),))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return True

    async def enqueue_many(self, messages: Sequence[InboundMessage], *, dedupe_ttl: float | None = None) -> list[bool]:
        """Put messages on the inbox in one transaction: one trip to the store's thread for a webhook batch."""
        payloads = [codec.dump_inbound(message) for message in messages]
        added = await self._run(self._enqueue_many_sync, messages, payloads, dedupe_ttl, priority=URGENT)
        if any(added):
            self._inbox_event.set()
        return added

    def _enqueue_many_sync(self, messages: Sequence[InboundMessage], payloads: list[bytes],
                           dedupe_ttl: float | None) -> list[bool]:
        added: list[bool] = []
        with self._write() as db:
            for message, payload in zip(messages, payloads, strict=True):
                if dedupe_ttl is not None and not self._remember_sync(
                    f"inbound:{message.channel}:{message.message_id}", dedupe_ttl
                ):
                    added.append(False)
                    continue
                db.execute("INSERT INTO inbox (conversation_id, payload, reply_node) VALUES (?, ?, NULL)",
                           (message.conversation_id, payload))
                added.append(True)
                self._enqueued += 1
                if self._enqueued % _PURGE_EVERY == 0:
                    db.execute("DELETE FROM dedupe WHERE expires_at <= ?", (time.time(),))
        return added

    async def ready(self, consumer: str, *, count: int, block: float) -> list[str]:
        """Conversations with messages enqueued since this consumer last asked (all, at first)."""
        deadline = time.monotonic() + block
        while True:
            self._inbox_event.clear()
            rows = await self._run(
                lambda: self._conn.execute(
                    "SELECT seq, conversation_id FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?",
                    (self._cursors.get(consumer, 0), count),
                ).fetchall()
            )
            if rows:
                self._cursors[consumer] = rows[-1][0]
                return list(dict.fromkeys(cid for _, cid in rows))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._inbox_event.wait(), remaining)
            except TimeoutError:
                return []

    async def head(self, conversation_id: str) -> InboxEntry | None:
        """The oldest queued message of a conversation."""
        row = await self._run(
            lambda: self._conn.execute(
                "SELECT seq, payload, reply_node FROM inbox WHERE conversation_id = ? ORDER BY seq LIMIT 1",
                (conversation_id,),
            ).fetchone()
        )
        if row is None:
            return None
        return InboxEntry(str(row[0]), codec.load_inbound(row[1]), row[2])

    async def inbox_size(self) -> int:
        """Messages waiting in the inbox."""
        return await self._run(lambda: self._conn.execute("SELECT count(*) FROM inbox").fetchone()[0])

    async def commit(self, turn: Turn) -> Conversation:
        """Write a processed turn in one transaction."""
        new = turn.conversation.apply_all(turn.events)
        rows = [codec.dump_event(e) for e in turn.events]
        outbox = [(m.conversation_id, codec.dump_outbound(m)) for m in turn.outbox]

        def consume() -> None:
            with self._leases_guard:
                self._check_lease(turn.lease)
            head = self._conn.execute(
                "SELECT seq FROM inbox WHERE conversation_id = ? ORDER BY seq LIMIT 1",
                (turn.conversation.conversation_id,),
            ).fetchone()
            if head is None or str(head[0]) != turn.entry.entry_id:
                msg = f"inbox entry {turn.entry.entry_id} of {turn.conversation.conversation_id!r} was already consumed"
                raise LeaseLost(msg)
            self._conn.execute("DELETE FROM inbox WHERE seq = ?", (head[0],))
            if outbox:
                self._conn.executemany("INSERT INTO outbox (conversation_id, payload) VALUES (?, ?)", outbox)
            if turn.counters:
                self._conn.executemany(
                    "INSERT INTO counters (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value", turn.counters)

        await self._run(self._save_sync, turn.conversation, new, rows, consume)
        if outbox:
            self._outbox_event.set()
        return new

    async def counters(self) -> dict[str, int]:
        """Every counter, by name."""
        rows = await self._run(lambda: self._conn.execute("SELECT name, value FROM counters").fetchall())
        return dict(rows)

    # ------------------------------------------------------------ outbox

    async def outbox_claim(self, consumer: str, *, count: int, block: float) -> list[OutboxEntry]:
        """Claim unclaimed (or stale) outbound messages, oldest first."""
        deadline = time.monotonic() + block
        while True:
            self._outbox_event.clear()
            rows = await self._run(self._claim_sync, consumer, count)
            if rows:
                rows.sort()
                return [OutboxEntry(str(seq), codec.load_outbound(p)) for seq, p in rows]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._outbox_event.wait(), remaining)
            except TimeoutError:
                return []

    def _claim_sync(self, consumer: str, count: int) -> list[tuple[int, bytes]]:
        now = time.time()
        return self._conn.execute(
            "UPDATE outbox SET claimed_by = ?, claimed_at = ? WHERE seq IN ("
            " SELECT seq FROM outbox WHERE claimed_at IS NULL OR claimed_at < ? ORDER BY seq LIMIT ?"
            ") RETURNING seq, payload",
            (consumer, now, now - self.claim_idle, count),
        ).fetchall()

    async def outbox_ack(self, entries: Sequence[OutboxEntry]) -> None:
        """Delete delivered outbound messages."""
        seqs = [int(e.entry_id) for e in entries]
        if seqs:
            await self._run(self._ack_sync, seqs)

    def _ack_sync(self, seqs: list[int]) -> None:
        # one statement on a cursor of its own: executemany on the shared connection met
        # "bad parameter or other API misuse" under load (bench/whatsapp.py)
        cursor = self._conn.cursor()
        try:
            cursor.execute(f"DELETE FROM outbox WHERE seq IN ({', '.join('?' * len(seqs))})", seqs)
        finally:
            cursor.close()

    async def outbox_size(self) -> int:
        """Messages waiting in the outbox."""
        return await self._run(lambda: self._conn.execute("SELECT count(*) FROM outbox").fetchone()[0])

    # ------------------------------------------------------------ replies (same process only)

    async def publish_reply(self, node: str, message_id: str, payload: bytes) -> None:
        """Queue an answer for a waiter in this process."""
        await self._replies[node].put((message_id, payload))

    async def replies(self, node: str) -> AsyncIterator[tuple[str, bytes]]:
        """Answers published for ``node`` in this process."""
        queue = self._replies[node]
        while True:
            yield await queue.get()
