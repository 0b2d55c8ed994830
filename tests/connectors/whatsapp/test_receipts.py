"""Read receipts sent by the worker: coalesced per conversation, bounded, never in a turn's way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.whatsapp.fake_graph import FakeGraph, create_fake_graph
from connectors.whatsapp.receipts import ReadReceipts
from connectors.whatsapp.sender import GraphSender
from tests.server.serve import serve

TOKEN = "EAAreceipts0000000000"
PNID = "106540352242922"
VERSION = "v25.0"


@pytest.fixture
async def graph() -> AsyncIterator[tuple[FakeGraph, GraphSender]]:
    fake = FakeGraph(TOKEN, [PNID], VERSION)
    async with serve(create_fake_graph(fake)) as base, httpx.AsyncClient() as http:
        yield fake, GraphSender(http, base_url=base, api_version=VERSION, access_token=TOKEN, phone_number_id=PNID,
                                messages_per_second=1e9)


async def test_messages_taken_while_a_receipt_is_under_way_coalesce_into_the_newest(
        graph: tuple[FakeGraph, GraphSender]) -> None:
    fake, sender = graph
    receipts = ReadReceipts({PNID: sender})
    fake.delay_next(1, 0.2)  # the first receipt is slow: three more messages are taken meanwhile
    receipts.mark("c1", PNID, "wamid.1")
    await asyncio.sleep(0.05)
    for n in (2, 3, 4):
        receipts.mark("c1", PNID, f"wamid.{n}")
    await receipts.drain()
    assert [r.message_id for r in fake.reads] == ["wamid.1", "wamid.4"], "marking the newest read marks 2 and 3 too"
    assert all(r.typing for r in fake.reads), "with the typing indicator"


async def test_beyond_the_limit_receipts_are_skipped_and_failures_only_logged(
        graph: tuple[FakeGraph, GraphSender], caplog: pytest.LogCaptureFixture) -> None:
    fake, sender = graph
    receipts = ReadReceipts({PNID: sender}, limit=2)
    fake.delay_next(2, 0.1)
    for n in range(5):
        receipts.mark(f"c{n}", PNID, f"wamid.{n}")
    receipts.mark("c9", "unknown-number", "wamid.9")  # not one of ours: nothing to send
    await receipts.drain()
    assert sorted(r.message_id for r in fake.reads) == ["wamid.0", "wamid.1"]
    assert receipts.skipped == 3
    fake.fail_next(1, status=400, code=100)
    receipts.mark("c1", PNID, "wamid.bad")
    await receipts.drain()
    assert "could not mark WhatsApp message wamid.bad read" in caplog.text
