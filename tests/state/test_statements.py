"""The SQLite store's statement thread: urgent calls jump the queue, errors reach the caller."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.state.statements import NORMAL, URGENT, StatementThread


async def test_an_urgent_call_runs_before_ordinary_calls_that_have_not_started() -> None:
    thread = StatementThread("test-statements")
    gate = threading.Event()
    order: list[str] = []
    try:
        blocker = thread.submit(gate.wait)  # holds the thread while the queue fills up
        normal = [thread.run(order.append, f"normal-{i}") for i in range(3)]
        tasks = [asyncio.ensure_future(call) for call in normal]
        await asyncio.sleep(0.01)
        urgent = asyncio.ensure_future(thread.run(order.append, "urgent", priority=URGENT))
        await asyncio.sleep(0.01)
        gate.set()
        await asyncio.gather(*tasks, urgent)
        assert blocker.result() is True
        assert order == ["urgent", "normal-0", "normal-1", "normal-2"]
    finally:
        gate.set()
        thread.shutdown()


async def test_calls_of_one_priority_keep_their_order_and_errors_reach_the_caller() -> None:
    thread = StatementThread("test-statements")
    try:
        results = await asyncio.gather(*(thread.run(lambda i=i: i * i, priority=NORMAL) for i in range(20)))
        assert results == [i * i for i in range(20)]
        with pytest.raises(ZeroDivisionError):
            await thread.run(lambda: 1 / 0)
        assert await thread.run(threading.current_thread) is not threading.current_thread()
    finally:
        thread.shutdown()


def test_shutdown_finishes_queued_work_and_refuses_more() -> None:
    thread = StatementThread("test-statements")
    done: list[int] = []
    futures = [thread.submit(done.append, i) for i in range(5)]
    thread.shutdown()
    assert done == [0, 1, 2, 3, 4]
    assert all(f.done() for f in futures)
    with pytest.raises(RuntimeError, match="shut down"):
        thread.submit(done.append, 6)
    thread.shutdown()  # twice is harmless
