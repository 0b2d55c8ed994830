"""One thread that runs every SQL statement of a store, urgent work first.

SQLite wants one writer at a time, and a blocking call must never run on the event loop, so
the embedded store sends each call to this thread. A plain executor serves calls in arrival
order: under load a webhook's enqueue would then wait behind dozens of turns' loads, commits
and outbox claims (measured: 359 ms p99 in ``bench/whatsapp.py``). Here a call marked urgent
(taking an acknowledged message in) goes before every ordinary call not yet started.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

URGENT = 0
NORMAL = 1

_STOP = (2, 0, None, (), None)


class StatementThread:
    """Run callables on one thread, urgent ones first, in order within a priority."""

    def __init__(self, name: str) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Any, tuple[Any, ...], Future[Any] | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    async def run(self, fn: Callable[..., T], *args: Any, priority: int = NORMAL) -> T:
        """Run ``fn(*args)`` on the thread and wait for its result without blocking the loop."""
        return await asyncio.wrap_future(self.submit(fn, *args, priority=priority))

    def submit(self, fn: Callable[..., T], *args: Any, priority: int = NORMAL) -> Future[T]:
        """Queue ``fn(*args)``; its future completes on the thread."""
        if self._closed:
            raise RuntimeError("the statement thread is shut down")
        future: Future[T] = Future()
        self._queue.put((priority, next(self._order), fn, args, future))
        return future

    def shutdown(self) -> None:
        """Finish what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()

    def _serve(self) -> None:
        while True:
            _, _, fn, args, future = self._queue.get()
            if future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, whatever it is
                future.set_exception(exc)
            else:
                future.set_result(result)
