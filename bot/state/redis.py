"""The scaled store: all state in Redis, shared by many processes.

Layout (prefix ``bot`` by default; ``{cid}`` is the conversation id):
``conv:{cid}:state`` JSON snapshot, ``conv:{cid}:version`` int, ``conv:{cid}:events`` list,
``lock:{cid}`` lease token (PX), ``dedupe:<key>`` (NX PX), ``inbox`` stream (consumer group
``workers``; one entry per message), ``queue:{cid}`` list of that conversation's inbox entry ids
in arrival order, ``outbox`` stream (group ``senders``), ``replies:<node>`` pub/sub channel.
Every multi-key change runs as one Lua script, so it is atomic. A Redis Cluster is not
supported yet (the scripts touch the global streams together with per-conversation keys).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from bot.core import codec
from bot.core.conversation import Conversation
from bot.core.events import Event
from bot.core.messages import InboundMessage
from bot.errors import ConflictError, LeaseLost, StoreUnavailable
from bot.state.base import ConversationStore, InboxEntry, Lease, OutboxEntry, Turn

_INBOX_GROUP = "workers"
_OUTBOX_GROUP = "senders"

# KEYS: version, events, state, conversations, [lock, queue, inbox, outbox, counters]
# ARGV: expected_version, new_version, state, n_events, events...,
#       [token, entry_id, group, n_outbox, outbox..., counter name, amount, ...]
_SAVE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current ~= tonumber(ARGV[1]) then return {'conflict', current} end
local n = tonumber(ARGV[4])
if #KEYS > 4 then
  if redis.call('GET', KEYS[5]) ~= ARGV[5 + n] then return {'lease'} end
  if redis.call('LINDEX', KEYS[6], 0) ~= ARGV[6 + n] then return {'consumed'} end
  redis.call('LPOP', KEYS[6])
  redis.call('XACK', KEYS[7], ARGV[7 + n], ARGV[6 + n])
  redis.call('XDEL', KEYS[7], ARGV[6 + n])
  local m = tonumber(ARGV[8 + n])
  for i = 9 + n, 8 + n + m do redis.call('XADD', KEYS[8], '*', 'm', ARGV[i]) end
  for i = 9 + n + m, #ARGV, 2 do redis.call('HINCRBY', KEYS[9], ARGV[i], ARGV[i + 1]) end
end
if n > 0 then redis.call('SADD', KEYS[4], KEYS[2]) end  -- one member per conversation (its log key)
for i = 5, 4 + n do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
return {'ok', tonumber(ARGV[2])}
"""

# KEYS: dedupe (or ''), inbox, queue   ARGV: ttl_ms, cid, payload, reply_node
_ENQUEUE = """
if KEYS[1] ~= '' then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
end
local id = redis.call('XADD', KEYS[2], '*', 'c', ARGV[2], 'm', ARGV[3], 'r', ARGV[4])
redis.call('RPUSH', KEYS[3], id)
return 1
"""

# KEYS: queue, inbox
_HEAD = """
local id = redis.call('LINDEX', KEYS[1], 0)
if not id then return false end
local entry = redis.call('XRANGE', KEYS[2], id, id)
if #entry == 0 then return {id} end
return {id, entry[1][2]}
"""

_IDENTIFY = """
-- KEYS[1]: the identities hash, KEYS[2]: the set of conversations (their event logs' keys), KEYS[2 + i]: the
-- event log key of ARGV[i]; ARGV: the ids of one person, preferred first
local linked = false
for i = 1, #ARGV do
  linked = redis.call('HGET', KEYS[1], ARGV[i])
  if linked then break end
end
if not linked and #ARGV > 1 then  -- a conversation begun before its ids were linked
  for i = 1, #ARGV do
    if redis.call('SISMEMBER', KEYS[2], KEYS[2 + i]) == 1 then linked = ARGV[i]; break end
  end
end
local conversation = linked or ARGV[1]
if linked or #ARGV > 1 then
  for i = 1, #ARGV do redis.call('HSETNX', KEYS[1], ARGV[i], conversation) end
end
return conversation
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore(ConversationStore):
    """Conversation store in Redis (``redis.asyncio``), for many processes."""

    name = "redis"
    transient_errors = (RedisError, OSError)

    def __init__(self, url: str, *, key_prefix: str = "bot", claim_idle: float = 60.0) -> None:
        self.url = url
        self.prefix = key_prefix
        self.claim_idle = claim_idle
        self._redis: aioredis.Redis | None = None
        self._scripts: dict[str, Any] = {}
        self._claim_cursors: dict[str, str] = {}

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _conv(self, conversation_id: str, part: str) -> str:
        return self._key("conv", conversation_id, part)

    @property
    def _r(self) -> aioredis.Redis:
        if self._redis is None:
            raise StoreUnavailable("the Redis store is not open")
        return self._redis

    # ------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        """Connect, check the server answers, create the consumer groups."""
        # Blocking: a burst beyond the pool waits for a connection instead of failing (redis-py's
        # default pool holds 100 and raises MaxConnectionsError past them).
        pool = aioredis.BlockingConnectionPool.from_url(self.url, max_connections=256, timeout=10, health_check_interval=30)
        self._redis = aioredis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes it
        try:
            await self._redis.ping()
            for stream, group in ((self._key("inbox"), _INBOX_GROUP), (self._key("outbox"), _OUTBOX_GROUP)):
                try:
                    await self._redis.xgroup_create(stream, group, id="0", mkstream=True)
                except ResponseError as exc:
                    if "BUSYGROUP" not in str(exc):
                        raise
        except (RedisError, OSError) as exc:
            await self.close()
            msg = f"cannot reach the Redis store at {_safe_url(self.url)}: {exc} (check REDIS_URL and that Redis runs)"
            raise StoreUnavailable(msg) from exc
        for name, source in (("save", _SAVE), ("enqueue", _ENQUEUE), ("head", _HEAD), ("renew", _RENEW), ("release", _RELEASE),
                             ("identify", _IDENTIFY)):
            self._scripts[name] = self._redis.register_script(source)

    async def close(self) -> None:
        """Close the connection pool."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless Redis answers."""
        try:
            await self._r.ping()
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(f"the Redis store at {_safe_url(self.url)} does not answer: {exc}") from exc

    # ------------------------------------------------------------ conversations

    async def load(self, conversation_id: str) -> Conversation:
        """The current state of a conversation."""
        data = await self._r.get(self._conv(conversation_id, "state"))
        if data is None:
            return Conversation(conversation_id=conversation_id)
        return codec.load_conversation(data)

    async def events(self, conversation_id: str, start: int = 0) -> list[Event]:
        """The event log from ``start`` on."""
        rows = await self._r.lrange(self._conv(conversation_id, "events"), start, -1)
        return [codec.load_event(row) for row in rows]

    async def save(self, conversation: Conversation, events: Sequence[Event]) -> Conversation:
        """Append events with optimistic concurrency on the version."""
        new = conversation.apply_all(events)
        await self._run_save(conversation, new, events, [], [])
        return new

    async def _run_save(
        self, old: Conversation, new: Conversation, events: Sequence[Event], keys: list[str], args: list[Any]
    ) -> None:
        cid = old.conversation_id
        base_keys = [
            self._conv(cid, "version"),
            self._conv(cid, "events"),
            self._conv(cid, "state"),
            self._key("conversations"),
        ]
        base_args = [old.version, new.version, codec.dump_conversation(new), len(events)]
        base_args += [codec.dump_event(e) for e in events]
        result = await self._scripts["save"](keys=base_keys + keys, args=base_args + args)
        status = result[0].decode()
        if status == "conflict":
            msg = f"conversation {cid!r} is at version {result[1]}, not {old.version}: another writer saved first; reload and retry"
            raise ConflictError(msg)
        if status == "lease":
            raise LeaseLost(f"the lock on conversation {cid!r} expired or changed hands")
        if status == "consumed":
            raise LeaseLost(f"the inbox entry of {cid!r} was already consumed")

    async def conversation_count(self) -> int:
        """How many conversations exist."""
        return int(await self._r.scard(self._key("conversations")))

    # ------------------------------------------------------------ dedupe

    async def remember(self, key: str, ttl: float) -> bool:
        """Record a key for ``ttl`` seconds; True if new."""
        return bool(await self._r.set(self._key("dedupe", key), b"1", nx=True, px=max(1, int(ttl * 1000))))

    # ------------------------------------------------------------ identities

    async def identify(self, people: Sequence[Sequence[str]]) -> list[str]:
        """The conversation of each person (see ``ConversationStore.identify``): one script call each, pipelined."""
        if any(not ids for ids in people):
            raise ValueError("identify: a person needs at least one id")
        if not people:
            return []
        known = [self._key("identities"), self._key("conversations")]
        async with self._r.pipeline(transaction=False) as pipe:
            for ids in people:
                logs = [self._conv(cid, "events") for cid in ids]
                await self._scripts["identify"](keys=[*known, *logs], args=list(ids), client=pipe)
            found = await pipe.execute()
        return [value.decode() if isinstance(value, bytes) else str(value) for value in found]

    # ------------------------------------------------------------ locks

    async def try_acquire(self, conversation_id: str, ttl: float) -> Lease | None:
        """SET NX PX with a random token."""
        token = uuid.uuid4().hex
        ok = await self._r.set(self._key("lock", conversation_id), token, nx=True, px=max(1, int(ttl * 1000)))
        return Lease(conversation_id, token, time.time() + ttl) if ok else None

    async def renew(self, lease: Lease, ttl: float) -> Lease:
        """PEXPIRE if the token is still ours."""
        ok = await self._scripts["renew"](
            keys=[self._key("lock", lease.conversation_id)], args=[lease.token, max(1, int(ttl * 1000))]
        )
        if not ok:
            raise LeaseLost(f"the lock on conversation {lease.conversation_id!r} expired or changed hands")
        return Lease(lease.conversation_id, lease.token, time.time() + ttl)

    async def release(self, lease: Lease) -> None:
        """DEL if the token is still ours."""
        await self._scripts["release"](keys=[self._key("lock", lease.conversation_id)], args=[lease.token])

    # ------------------------------------------------------------ inbox

    async def enqueue(
        self, message: InboundMessage, *, dedupe_ttl: float | None = None, reply_node: str | None = None
    ) -> bool:
        """XADD to the inbox stream and RPUSH to the conversation's queue, atomically."""
        dedupe = self._key("dedupe", f"inbound:{message.channel}:{message.message_id}") if dedupe_ttl else ""
        added = await self._scripts["enqueue"](
            keys=[dedupe, self._key("inbox"), self._conv(message.conversation_id, "queue")],
            args=[max(1, int((dedupe_ttl or 0) * 1000)), message.conversation_id, codec.dump_inbound(message), reply_node or ""],
        )
        return bool(added)

    async def enqueue_many(self, messages: Sequence[InboundMessage], *, dedupe_ttl: float | None = None) -> list[bool]:
        """Each message through the enqueue script (atomic each), in order, in one pipelined round trip."""
        if not messages:
            return []
        pipe = self._r.pipeline(transaction=False)
        for message in messages:
            dedupe = self._key("dedupe", f"inbound:{message.channel}:{message.message_id}") if dedupe_ttl else ""
            await self._scripts["enqueue"](
                keys=[dedupe, self._key("inbox"), self._conv(message.conversation_id, "queue")],
                args=[max(1, int((dedupe_ttl or 0) * 1000)), message.conversation_id, codec.dump_inbound(message), ""],
                client=pipe,
            )
        return [bool(added) for added in await pipe.execute()]

    async def ready(self, consumer: str, *, count: int, block: float) -> list[str]:
        """Stale entries taken over from dead consumers, else new entries (blocking)."""
        entries = await self._take(self._key("inbox"), _INBOX_GROUP, consumer, count, block)
        return list(dict.fromkeys(fields[b"c"].decode() for _, fields in entries))

    async def _take(self, stream: str, group: str, consumer: str, count: int, block: float) -> list[Any]:
        """Entries idle longer than ``claim_idle`` (their consumer died), else new ones."""
        cursor = self._claim_cursors.get(stream, "0-0")
        claimed = await self._r.xautoclaim(
            stream, group, consumer, min_idle_time=int(self.claim_idle * 1000), start_id=cursor, count=count
        )
        next_cursor = claimed[0]
        self._claim_cursors[stream] = next_cursor.decode() if isinstance(next_cursor, bytes) else str(next_cursor)
        entries = [e for e in claimed[1] if e and e[1]]
        if entries:
            return entries
        response: Any = await self._r.xreadgroup(group, consumer, {stream: ">"}, count=count, block=max(1, int(block * 1000)))
        return [e for _, stream_entries in response or [] for e in stream_entries]

    async def head(self, conversation_id: str) -> InboxEntry | None:
        """The oldest queued message of a conversation."""
        result = await self._scripts["head"](keys=[self._conv(conversation_id, "queue"), self._key("inbox")])
        if not result:
            return None
        entry_id = result[0].decode()
        if len(result) < 2:
            msg = f"inbox entry {entry_id} of {conversation_id!r} is queued but missing from the inbox stream"
            raise LeaseLost(msg)
        raw = result[1]
        fields = {raw[i]: raw[i + 1] for i in range(0, len(raw), 2)}
        node = fields.get(b"r", b"").decode() or None
        return InboxEntry(entry_id, codec.load_inbound(fields[b"m"]), node)

    async def inbox_size(self) -> int:
        """Entries in the inbox stream (each is deleted once processed)."""
        return int(await self._r.xlen(self._key("inbox")))

    async def commit(self, turn: Turn) -> Conversation:
        """One Lua script: check lease and head, append, pop, ack, queue outbox."""
        cid = turn.conversation.conversation_id
        new = turn.conversation.apply_all(turn.events)
        keys = [self._key("lock", cid), self._conv(cid, "queue"), self._key("inbox"), self._key("outbox"),
                self._key("counters")]
        args: list[Any] = [turn.lease.token, turn.entry.entry_id, _INBOX_GROUP, len(turn.outbox)]
        args += [codec.dump_outbound(m) for m in turn.outbox]
        args += [part for name, amount in turn.counters for part in (name, amount)]
        await self._run_save(turn.conversation, new, turn.events, keys, args)
        return new

    async def counters(self) -> dict[str, int]:
        """Every counter (one hash), by name."""
        raw = await self._r.hgetall(self._key("counters"))  # type: ignore[misc]
        return {(name.decode() if isinstance(name, bytes) else name): int(value) for name, value in raw.items()}

    # ------------------------------------------------------------ outbox

    async def outbox_claim(self, consumer: str, *, count: int, block: float) -> list[OutboxEntry]:
        """Stale outbound entries first, else new ones (blocking)."""
        entries = await self._take(self._key("outbox"), _OUTBOX_GROUP, consumer, count, block)
        return [OutboxEntry(eid.decode(), codec.load_outbound(fields[b"m"])) for eid, fields in entries]

    async def outbox_ack(self, entries: Sequence[OutboxEntry]) -> None:
        """XACK and XDEL delivered entries."""
        if not entries:
            return
        ids = [e.entry_id for e in entries]
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.xack(self._key("outbox"), _OUTBOX_GROUP, *ids)
            pipe.xdel(self._key("outbox"), *ids)
            await pipe.execute()

    async def outbox_size(self) -> int:
        """Entries in the outbox stream."""
        return int(await self._r.xlen(self._key("outbox")))

    # ------------------------------------------------------------ replies

    async def publish_reply(self, node: str, message_id: str, payload: bytes) -> None:
        """PUBLISH to the waiting node's channel."""
        await self._r.publish(self._key("replies", node), message_id.encode() + b"\n" + payload)

    async def replies(self, node: str) -> AsyncIterator[tuple[str, bytes]]:
        """Subscribe to this node's reply channel."""
        pubsub = self._r.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._key("replies", node))
        try:
            async for item in pubsub.listen():
                message_id, _, payload = item["data"].partition(b"\n")
                yield message_id.decode(), payload
        finally:
            await pubsub.aclose()


def _safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"
