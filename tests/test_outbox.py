"""The outbox worker keeps each conversation's messages in order, also when a delivery is deferred."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.core.messages import OutboundMessage, OutText
from bot.errors import DeliveryDeferred
from bot.outbox import OutboxWorker
from tests.conftest import make_store
from tests.state.test_stores import inbound, process


class FlakyChannel:
    """Defers its first delivery (the provider answered 5xx after the sender's own retries), then sends."""

    name = "test"
    pushes = True

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.calls = 0

    async def deliver(self, engine: Any, message: OutboundMessage) -> None:
        self.calls += 1
        if self.calls == 1:
            raise DeliveryDeferred("provider answered 503")
        assert isinstance(message.content, OutText)
        self.sent.append(message.content.text)


def reply(text: str) -> OutboundMessage:
    return OutboundMessage(message_id=text, conversation_id="c1", channel="test", content=OutText(text=text))


async def test_a_deferred_message_is_not_overtaken_by_later_ones(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    store = make_store(backend, tmp_path, url, claim_idle=60.0)
    await store.open()
    channel = FlakyChannel()
    worker = OutboxWorker(None, store, {"test": channel}, consumer="me")  # type: ignore[arg-type, dict-item]
    task = asyncio.create_task(worker.run())
    try:
        await store.enqueue(inbound("c1", "m1"))
        await process(store, "c1", outbox=(reply("reply 1"), reply("reply 2")))
        await asyncio.sleep(0.2)
        await store.enqueue(inbound("c1", "m2"))  # the customer wrote again; the bot answered
        await process(store, "c1", outbox=(reply("reply 3"),))
        for _ in range(200):
            if len(channel.sent) == 3:
                break
            await asyncio.sleep(0.05)
        assert channel.sent == ["reply 1", "reply 2", "reply 3"], "retried in place, well before the claim goes stale"
        assert await store.outbox_size() == 0
    finally:
        await worker.stop()
        task.cancel()
        await store.close()
