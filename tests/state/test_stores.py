"""One contract suite, run against every store backend (SQLite and Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.conversation import Conversation
from bot.core.events import BotMessage, FlowStarted, SlotSet, UserMessage
from bot.core.messages import (
    Button,
    InboundMessage,
    OutboundMessage,
    OutButtons,
    OutText,
    Text,
)
from bot.errors import (
    ConflictError,
    LeaseLost,
    LockTimeout,
    StoreInUse,
    StoreUnavailable,
)
from bot.state.base import ConversationStore, Turn
from bot.state.redis import RedisStore
from bot.state.sqlite import SQLiteStore
from tests.conftest import make_store
from tests.redis_server import free_port


def inbound(cid: str, mid: str, text: str = "hi") -> InboundMessage:
    return InboundMessage(message_id=mid, conversation_id=cid, channel="test", content=Text(body=text))


def outbound(cid: str, text: str) -> OutboundMessage:
    return OutboundMessage(message_id=f"out-{text}", conversation_id=cid, channel="test", content=OutText(text=text))


def user_event(message: InboundMessage) -> UserMessage:
    return UserMessage(message_id=message.message_id, channel=message.channel, content=message.content, text=message.text)


async def process(store: ConversationStore, cid: str, *, outbox: tuple[OutboundMessage, ...] = ()) -> Conversation:
    """Process the head message of ``cid`` the way the dispatcher does."""
    lease = await store.acquire(cid, ttl=5, timeout=5)
    entry = await store.head(cid)
    assert entry is not None
    conversation = await store.load(cid)
    turn = Turn(lease=lease, entry=entry, conversation=conversation, events=(user_event(entry.message),), outbox=outbox)
    new = await store.commit(turn)
    await store.release(lease)
    return new


# ---------------------------------------------------------------- conversations


async def test_new_conversation_starts_empty(store: ConversationStore) -> None:
    conversation = await store.load("nobody")
    assert conversation.version == 0
    assert await store.events("nobody") == []


async def test_save_and_load_round_trip(store: ConversationStore) -> None:
    conversation = await store.load("c1")
    events = [SlotSet(name="size", value="L"), SlotSet(name="count", value=2)]
    saved = await store.save(conversation, events)
    loaded = await store.load("c1")
    assert loaded == saved
    assert dict(loaded.slots) == {"size": "L", "count": 2}
    assert loaded.version == 2
    assert await store.events("c1") == events
    assert await store.events("c1", start=1) == events[1:]
    assert await store.conversation_count() == 1


async def test_the_stack_and_what_the_bot_said_round_trip(store: ConversationStore) -> None:
    conversation = await store.load("c1")
    buttons = OutButtons(text="Which size?", buttons=(Button(title="S", payload="/SetSlots(size=S)"),))
    events = [
        FlowStarted(flow_id="order", frame_id="f1", step_id="START", frame_type="regular", context={"n": 1}),
        BotMessage(message_id="b1", content=OutText(text="Looking..."), response=None),
        BotMessage(message_id="b2", content=buttons, response="utter_ask_size"),
        BotMessage(message_id="b3", content=buttons, response=None),
    ]
    saved = await store.save(conversation, events)
    loaded = await store.load("c1")
    assert loaded == saved
    assert loaded.bot_turn == (OutText(text="Looking..."), "utter_ask_size", buttons)
    assert loaded.stack[0].context == {"n": 1}


async def test_stale_save_is_rejected_and_writes_nothing(store: ConversationStore) -> None:
    first = await store.load("c1")
    second = await store.load("c1")
    await store.save(first, [SlotSet(name="a", value=1)])
    with pytest.raises(ConflictError, match="another writer saved first"):
        await store.save(second, [SlotSet(name="b", value=2)])
    assert [e.name for e in await store.events("c1")] == ["a"]


async def test_racing_writers_lose_no_update(store: ConversationStore) -> None:
    writers = 12
    conflicts = 0

    async def writer(n: int) -> None:
        nonlocal conflicts
        while True:
            conversation = await store.load("race")
            await asyncio.sleep(0)  # let the others load the same version
            try:
                await store.save(conversation, [SlotSet(name=f"w{n}", value=n)])
                return
            except ConflictError:
                conflicts += 1

    await asyncio.gather(*(writer(n) for n in range(writers)))
    events = await store.events("race")
    assert sorted(e.name for e in events) == sorted(f"w{n}" for n in range(writers))
    assert (await store.load("race")).version == writers
    assert conflicts > 0, "the writers never raced; the test proves nothing"


async def test_state_survives_reopening(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    first = make_store(backend, tmp_path, url)
    await first.open()
    await first.save(await first.load("c1"), [SlotSet(name="a", value=1)])
    await first.close()
    second = SQLiteStore(tmp_path / "bot.db") if backend == "sqlite" else RedisStore(url or "", key_prefix=first.prefix)  # type: ignore[attr-defined]
    await second.open()
    try:
        assert dict((await second.load("c1")).slots) == {"a": 1}
        assert len(await second.events("c1")) == 1
    finally:
        await second.close()


# ---------------------------------------------------------------- dedupe


async def test_dedupe_remembers_until_ttl(store: ConversationStore) -> None:
    assert await store.remember("wamid.1", ttl=0.3) is True
    assert await store.remember("wamid.1", ttl=0.3) is False
    assert await store.remember("wamid.2", ttl=0.3) is True
    await asyncio.sleep(0.45)
    assert await store.remember("wamid.1", ttl=0.3) is True


# ---------------------------------------------------------------- locks


async def test_identify_links_the_ids_of_one_person_for_good(store: ConversationStore) -> None:
    phone, bsuid = "whatsapp:1:201000000001", "whatsapp:1:EG.abc123"
    assert await store.identify([[bsuid]]) == [bsuid]  # one id, no link: itself, nothing written
    assert await store.identify([[phone, bsuid]]) == [phone]  # first seen together: the preferred id
    assert await store.identify([[bsuid], [phone], ["whatsapp:1:other"]]) == [phone, phone, "whatsapp:1:other"]
    # a new phone number for the same person (it changed): linked to the conversation the BSUID has
    assert await store.identify([["whatsapp:1:201000000002", bsuid]]) == [phone]
    assert await store.identify([["whatsapp:1:201000000002"]]) == [phone]
    assert await store.identify([]) == []
    with pytest.raises(ValueError, match="at least one id"):
        await store.identify([[]])


async def test_identify_keeps_a_conversation_begun_before_its_ids_were_linked(store: ConversationStore) -> None:
    bsuid, phone = "whatsapp:1:EG.only", "whatsapp:1:201000000009"
    await store.save(await store.load(bsuid), [SlotSet(name="size", value="large")])  # it began under the user id
    assert await store.identify([[phone, bsuid]]) == [bsuid]
    assert await store.identify([[phone]]) == [bsuid]


async def test_identities_survive_reopening(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    first = make_store(backend, tmp_path, url)
    await first.open()
    await first.identify([["whatsapp:1:20100", "whatsapp:1:EG.x"]])
    await first.close()
    second = SQLiteStore(tmp_path / "bot.db") if backend == "sqlite" else RedisStore(url or "", key_prefix=first.prefix)  # type: ignore[attr-defined]
    await second.open()
    try:
        assert await second.identify([["whatsapp:1:EG.x"]]) == ["whatsapp:1:20100"]
    finally:
        await second.close()


async def test_lock_is_exclusive_until_released(store: ConversationStore) -> None:
    lease = await store.try_acquire("c1", ttl=5)
    assert lease is not None
    assert await store.try_acquire("c1", ttl=5) is None
    assert await store.try_acquire("c2", ttl=5) is not None
    await store.release(lease)
    assert await store.try_acquire("c1", ttl=5) is not None


async def test_lock_wait_times_out(store: ConversationStore) -> None:
    await store.acquire("c1", ttl=5, timeout=1)
    with pytest.raises(LockTimeout, match="stayed locked"):
        await store.acquire("c1", ttl=5, timeout=0.1)


async def test_lock_waiter_gets_it_when_released(store: ConversationStore) -> None:
    order: list[str] = []

    async def holder() -> None:
        async with store.lock("c1", ttl=5, timeout=1):
            order.append("holder in")
            await asyncio.sleep(0.1)
            order.append("holder out")

    async def waiter() -> None:
        await asyncio.sleep(0.02)
        async with store.lock("c1", ttl=5, timeout=2):
            order.append("waiter in")

    await asyncio.gather(holder(), waiter())
    assert order == ["holder in", "holder out", "waiter in"]


async def test_expired_lease_is_lost(store: ConversationStore) -> None:
    old = await store.try_acquire("c1", ttl=0.15)
    assert old is not None
    await asyncio.sleep(0.25)
    new = await store.try_acquire("c1", ttl=5)
    assert new is not None, "an expired lease must not block others"
    with pytest.raises(LeaseLost):
        await store.renew(old, ttl=5)
    await store.release(old)  # releasing a lost lease must not free the new holder
    assert await store.try_acquire("c1", ttl=5) is None
    renewed = await store.renew(new, ttl=5)
    assert renewed.token == new.token


# ---------------------------------------------------------------- inbox


async def test_inbox_keeps_arrival_order_per_conversation(store: ConversationStore) -> None:
    for i in range(3):
        await store.enqueue(inbound("a", f"a{i}"))
        await store.enqueue(inbound("b", f"b{i}"))
    assert set(await store.ready("w1", count=100, block=0.1)) == {"a", "b"}
    assert await store.inbox_size() == 6
    seen = []
    for _ in range(3):
        entry = await store.head("a")
        assert entry is not None
        seen.append(entry.message.message_id)
        await process(store, "a")
    assert seen == ["a0", "a1", "a2"]
    assert await store.head("a") is None
    assert await store.inbox_size() == 3
    assert [e.message_id for e in await store.events("a")] == ["a0", "a1", "a2"]  # type: ignore[union-attr]


async def test_ready_blocks_then_wakes(store: ConversationStore) -> None:
    assert await store.ready("w1", count=10, block=0.05) == []

    async def later() -> None:
        await asyncio.sleep(0.05)
        await store.enqueue(inbound("c1", "m1"))

    task = asyncio.create_task(later())
    assert await store.ready("w1", count=10, block=2) == ["c1"]
    await task


async def test_enqueue_many_keeps_order_and_drops_duplicates(store: ConversationStore) -> None:
    assert await store.enqueue(inbound("c1", "m0"), dedupe_ttl=60)
    added = await store.enqueue_many([inbound("c1", "m1"), inbound("c1", "m0"), inbound("c2", "m2"), inbound("c1", "m1")],
                                     dedupe_ttl=60)
    assert added == [True, False, True, False]
    head = await store.head("c1")
    assert head is not None and head.message.message_id == "m0"
    assert await store.inbox_size() == 3


async def test_duplicates_are_dropped(store: ConversationStore) -> None:
    assert await store.enqueue(inbound("c1", "wamid.X"), dedupe_ttl=60) is True
    assert await store.enqueue(inbound("c1", "wamid.X"), dedupe_ttl=60) is False
    assert await store.enqueue(inbound("c1", "wamid.Y"), dedupe_ttl=60) is True
    assert await store.inbox_size() == 2


async def test_commit_needs_the_lease(store: ConversationStore) -> None:
    await store.enqueue(inbound("c1", "m1"))
    lease = await store.try_acquire("c1", ttl=0.1)
    assert lease is not None
    entry = await store.head("c1")
    assert entry is not None
    conversation = await store.load("c1")
    await asyncio.sleep(0.2)
    thief = await store.try_acquire("c1", ttl=5)
    assert thief is not None
    turn = Turn(lease=lease, entry=entry, conversation=conversation, events=(user_event(entry.message),))
    with pytest.raises(LeaseLost):
        await store.commit(turn)
    assert await store.events("c1") == []
    assert await store.inbox_size() == 1


async def test_commit_rejects_a_stale_conversation(store: ConversationStore) -> None:
    await store.enqueue(inbound("c1", "m1"))
    lease = await store.acquire("c1", ttl=5, timeout=1)
    entry = await store.head("c1")
    assert entry is not None
    stale = await store.load("c1")
    await store.save(stale, [SlotSet(name="agent_note", value="x")])
    turn = Turn(lease=lease, entry=entry, conversation=stale, events=(user_event(entry.message),))
    with pytest.raises(ConflictError):
        await store.commit(turn)
    assert await store.inbox_size() == 1
    fresh = await store.load("c1")
    await store.commit(Turn(lease=lease, entry=entry, conversation=fresh, events=(user_event(entry.message),)))
    assert [e.event for e in await store.events("c1")] == ["slot", "user"]


async def test_counters_are_added_by_the_commit_that_succeeds_only(store: ConversationStore) -> None:
    assert await store.counters() == {}
    for mid in ("m1", "m2"):
        await store.enqueue(inbound("c1", mid))
    lease = await store.acquire("c1", ttl=5, timeout=1)
    entry = await store.head("c1")
    assert entry is not None
    stale = await store.load("c1")
    await store.save(stale, [SlotSet(name="agent_note", value="x")])
    counts = (("test.messages_in", 1), ("test.status.delivered", 2))
    with pytest.raises(ConflictError):  # a turn that does not commit counts nothing
        await store.commit(Turn(lease=lease, entry=entry, conversation=stale, events=(user_event(entry.message),),
                                counters=counts))
    assert await store.counters() == {}
    fresh = await store.load("c1")
    new = await store.commit(Turn(lease=lease, entry=entry, conversation=fresh, events=(user_event(entry.message),),
                                  outbox=(outbound("c1", "a"),), counters=counts))
    second = await store.head("c1")
    assert second is not None
    await store.commit(Turn(lease=lease, entry=second, conversation=new, events=(user_event(second.message),),
                            counters=(("test.messages_in", 1),)))
    assert await store.counters() == {"test.messages_in": 2, "test.status.delivered": 2}
    assert await store.outbox_size() == 1, "the outbox entries and the counters do not get in each other's way"


async def test_an_entry_is_committed_once(store: ConversationStore) -> None:
    await store.enqueue(inbound("c1", "m1"))
    lease = await store.acquire("c1", ttl=5, timeout=1)
    entry = await store.head("c1")
    assert entry is not None
    conversation = await store.load("c1")
    new = await store.commit(Turn(lease=lease, entry=entry, conversation=conversation, events=(user_event(entry.message),)))
    with pytest.raises(LeaseLost, match="already consumed"):
        await store.commit(Turn(lease=lease, entry=entry, conversation=new, events=(user_event(entry.message),)))
    assert len(await store.events("c1")) == 1


async def test_crash_before_commit_redelivers_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Worker A takes a message and dies; worker B takes over and processes it exactly once."""
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    a = make_store(backend, tmp_path, url, claim_idle=0.2)
    await a.open()
    await a.enqueue(inbound("c1", "m1"))
    assert await a.ready("worker-a", count=10, block=0.5) == ["c1"]
    lease_a = await a.try_acquire("c1", ttl=0.2)
    entry_a = await a.head("c1")
    assert lease_a is not None and entry_a is not None
    conversation_a = await a.load("c1")
    if backend == "sqlite":
        await a.close()  # the process died: the file is free for the next one
        b: ConversationStore = SQLiteStore(tmp_path / "bot.db", claim_idle=0.2)
    else:
        b = RedisStore(url or "", key_prefix=a.prefix, claim_idle=0.2)  # type: ignore[attr-defined]
    await b.open()
    try:
        await asyncio.sleep(0.3)
        assert await b.ready("worker-b", count=10, block=0.5) == ["c1"]
        await process(b, "c1")
        assert await b.head("c1") is None
        assert await b.inbox_size() == 0
        if backend == "redis":  # worker A was only slow, not dead: its late commit must fail
            late = Turn(lease=lease_a, entry=entry_a, conversation=conversation_a, events=(user_event(entry_a.message),))
            with pytest.raises((LeaseLost, ConflictError)):
                await a.commit(late)
        assert [e.message_id for e in await b.events("c1")] == ["m1"]  # type: ignore[union-attr]
        assert await b.ready("worker-b", count=10, block=0.3) == []
    finally:
        await b.close()
        if backend == "redis":
            await a.close()


# ---------------------------------------------------------------- outbox


async def test_outbox_is_written_with_the_turn_and_delivered_in_order(store: ConversationStore) -> None:
    await store.enqueue(inbound("c1", "m1"))
    await process(store, "c1", outbox=(outbound("c1", "one"), outbound("c1", "two")))
    claimed = await store.outbox_claim("sender", count=10, block=0.5)
    assert [e.message.content.text for e in claimed] == ["one", "two"]  # type: ignore[union-attr]
    assert await store.outbox_claim("sender", count=10, block=0.05) == []
    await store.outbox_ack(claimed)
    assert await store.outbox_size() == 0


async def test_unacknowledged_outbox_is_retaken(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    store = make_store(backend, tmp_path, url, claim_idle=0.2)
    await store.open()
    try:
        await store.enqueue(inbound("c1", "m1"))
        await process(store, "c1", outbox=(outbound("c1", "one"),))
        first = await store.outbox_claim("sender-a", count=10, block=0.5)
        assert len(first) == 1
        await asyncio.sleep(0.3)
        again = await store.outbox_claim("sender-b", count=10, block=0.5)
        assert [e.message.message_id for e in again] == ["out-one"]
        await store.outbox_ack(again)
        assert await store.outbox_size() == 0
    finally:
        await store.close()


# ---------------------------------------------------------------- replies and startup


async def test_replies_reach_the_waiting_node(store: ConversationStore) -> None:
    received: list[tuple[str, bytes]] = []
    stream = store.replies("node-1")

    async def listen() -> None:
        async for item in stream:
            received.append(item)
            return

    task = asyncio.create_task(listen())
    await asyncio.sleep(0.1)  # let the subscription start
    await store.publish_reply("node-1", "m1", b'[{"text": "hi"}]')
    await asyncio.wait_for(task, 2)
    assert received == [("m1", b'[{"text": "hi"}]')]


async def test_unreachable_redis_is_a_startup_error() -> None:
    store = RedisStore(f"redis://:secret@127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreUnavailable, match="cannot reach the Redis store") as info:
        await store.open()
    assert "secret" not in str(info.value)


async def test_sqlite_file_is_owned_by_one_process(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "bot.db")
    await first.open()
    try:
        with pytest.raises(StoreInUse, match="in use by another process"):
            await SQLiteStore(tmp_path / "bot.db").open()
    finally:
        await first.close()
    second = SQLiteStore(tmp_path / "bot.db")
    await second.open()
    await second.close()
