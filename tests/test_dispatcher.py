"""Ordering and exactly-once processing: in one process, across processes, across a crash."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core.conversation import Conversation
from bot.core.events import BotMessage, Parse, SlotSet, UserMessage
from bot.core.messages import InboundMessage, OutText, Text
from bot.dialogue.base import Decision, Utterance
from bot.engine import Engine
from bot.state.base import ConversationStore
from bot.state.redis import RedisStore
from bot.state.sqlite import SQLiteStore
from tests.conftest import ROOT, make_store

SENDERS = 40
PER_SENDER = 8


class CheckingDialogue:
    """Records processing order and fails on two turns of one conversation at once."""

    def __init__(self) -> None:
        self.in_flight: set[str] = set()
        self.order: dict[str, list[str]] = defaultdict(list)
        self.overlaps: list[str] = []
        self.running = 0
        self.max_running = 0

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        cid = conversation.conversation_id
        if cid in self.in_flight:
            self.overlaps.append(cid)
        self.in_flight.add(cid)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            await asyncio.sleep(random.uniform(0, 0.004))
            self.order[cid].append(message.text or "")
        finally:
            self.running -= 1
            self.in_flight.discard(cid)
        return Decision(events=(SlotSet(name="seen", value=message.text),), utterances=(Utterance(OutText(text=f"echo:{message.text}")),))


def message(cid: str, text: str) -> InboundMessage:
    return InboundMessage(message_id=uuid.uuid4().hex, conversation_id=cid, channel="test", content=Text(body=text))


async def enqueue_bursts(store: ConversationStore, senders: list[str]) -> None:
    """Each sender sends its messages in order; senders interleave at random."""

    async def one(sender: str) -> None:
        for i in range(PER_SENDER):
            await store.enqueue(message(sender, f"{sender}#{i}"))
            await asyncio.sleep(random.uniform(0, 0.002))

    await asyncio.gather(*(one(s) for s in senders))


async def wait_until_processed(store: ConversationStore, senders: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await store.inbox_size() == 0:
            counts = [sum(isinstance(e, BotMessage) for e in await store.events(s)) for s in senders]
            if all(c == PER_SENDER for c in counts):
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not processed in {timeout}s; inbox holds {await store.inbox_size()}")


async def assert_logs_in_order(store: ConversationStore, senders: list[str]) -> None:
    for sender in senders:
        events = await store.events(sender)
        said = [e.text for e in events if isinstance(e, UserMessage)]
        assert said == [f"{sender}#{i}" for i in range(PER_SENDER)], sender
        replies = [e.content.text for e in events if isinstance(e, BotMessage)]  # type: ignore[union-attr]
        assert replies == [f"echo:{t}" for t in said], sender
        kinds = [e.event for e in events if e.event in ("user", "bot")]
        assert kinds == ["user", "bot"] * PER_SENDER, f"{sender}: turns interleaved: {kinds}"


async def test_interleaved_bursts_keep_per_conversation_order(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    store = make_store(backend, tmp_path, url)
    dialogue = CheckingDialogue()
    settings = load_settings(ROOT / "config.yml", {"BOT__DISPATCHER__CONCURRENCY": "16"})
    engine = Engine(settings, store=store, dialogue=dialogue)
    await engine.start()
    try:
        senders = [f"s{n}" for n in range(SENDERS)]
        await enqueue_bursts(store, senders)
        await wait_until_processed(store, senders)
    finally:
        await engine.stop()
    assert dialogue.overlaps == []
    assert dialogue.max_running > 1, "conversations never ran in parallel"
    assert dialogue.max_running <= 16
    for sender in senders:
        assert dialogue.order[sender] == [f"{sender}#{i}" for i in range(PER_SENDER)]
    await store.open()
    try:
        await assert_logs_in_order(store, senders)
    finally:
        await store.close()


def start_worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "worker ready" not in line:
        proc.kill()
        raise AssertionError(f"worker did not start: {line}{proc.communicate()[1][-3000:]}")


def stop_worker(proc: subprocess.Popen[str]) -> str:
    """Stop the worker; return what it wrote to stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


@pytest.mark.slow
async def test_two_processes_sharing_redis_keep_order(redis_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    common = ["--backend", "redis", "--redis-url", redis_url, "--prefix", prefix, "--delay", "0.002"]
    workers = [start_worker(*common) for _ in range(2)]
    store = RedisStore(redis_url, key_prefix=prefix)
    try:
        for proc in workers:
            wait_ready(proc)
        await store.open()
        senders = [f"p{n}" for n in range(SENDERS)]
        await enqueue_bursts(store, senders)
        await wait_until_processed(store, senders)
        await assert_logs_in_order(store, senders)
        handlers = {
            e.value for s in senders for e in await store.events(s) if isinstance(e, SlotSet) and e.name == "handled_by"
        }
        assert handlers == {p.pid for p in workers}, "both processes should have taken work"
    finally:
        for proc in workers:
            stop_worker(proc)
        await store.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_worker_killed_mid_message_is_processed_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Kill -9 a worker while it handles a message; the next worker processes it exactly once."""
    marker = tmp_path / "hanging"
    if backend == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"t{uuid.uuid4().hex[:10]}"
        args = ["--backend", "redis", "--redis-url", url, "--prefix", prefix]
        store: ConversationStore = RedisStore(url, key_prefix=prefix)
    else:
        args = ["--backend", "sqlite", "--sqlite-path", str(tmp_path / "bot.db")]
        store = SQLiteStore(tmp_path / "bot.db")
    await store.open()
    await store.enqueue(message("crash", "before"))
    await store.enqueue(message("crash", "/hang"))
    await store.enqueue(message("crash", "after"))
    if backend == "sqlite":
        await store.close()  # the worker process must own the file

    first = start_worker(*args, "--hang-on", "/hang", "--marker", str(marker))
    try:
        wait_ready(first)
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert time.monotonic() < deadline, "the worker never reached the message"
            await asyncio.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        stop_worker(first)

    second = start_worker(*args, "--until-empty")
    try:
        wait_ready(second)
        assert second.wait(timeout=30) == 0
    finally:
        err = stop_worker(second)
    assert second.returncode == 0, err[-3000:]

    if backend == "sqlite":
        await store.open()
    try:
        events = await store.events("crash")
        said = [e.text for e in events if isinstance(e, UserMessage)]
        assert said == ["before", "/hang", "after"]
        replies = [e.content.text for e in events if isinstance(e, BotMessage)]  # type: ignore[union-attr]
        assert replies == ["echo:before", "echo:/hang", "echo:after"]
        handlers = [e.value for e in events if isinstance(e, SlotSet) and e.name == "handled_by"]
        assert handlers == [first.pid, second.pid, second.pid]
        assert await store.inbox_size() == 0
    finally:
        await store.close()


class CountingDialogue:
    """Answers with how many turns it ran."""

    def __init__(self) -> None:
        self.calls = 0

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        self.calls += 1
        return Decision(utterances=(Utterance(OutText(text=f"ok {self.calls}")),))


async def test_an_unexpected_failure_is_retried_not_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(tmp_path / "bot.db")
    engine = Engine(load_settings(ROOT / "config.yml", {}), store=store, dialogue=CountingDialogue())
    engine.dispatcher.retry_after = 0.1
    original = store.head
    failures = iter([RuntimeError("unexpected")])

    async def head_once_broken(conversation_id: str):  # type: ignore[no-untyped-def]
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return await original(conversation_id)

    monkeypatch.setattr(store, "head", head_once_broken)
    await engine.start()
    try:
        await store.enqueue(message("flaky", "hello"))
        for _ in range(100):
            if await store.inbox_size() == 0:
                break
            await asyncio.sleep(0.02)
        assert await store.inbox_size() == 0
        assert [e.content.text for e in await store.events("flaky") if isinstance(e, BotMessage)] == ["ok 1"]  # type: ignore[union-attr]
    finally:
        await engine.stop()
