"""``bot run --role worker``: a process that only processes the inbox and delivers the outbox.

It serves no HTTP: web processes (``--role web``) take messages in and acknowledge them, and any
number of workers share the work through the store (Redis). SIGINT or SIGTERM stops it
gracefully: turns under way finish, deliveries under way finish, then the store is closed.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.config import Settings
from bot.engine import Engine

log = logging.getLogger(__name__)


def run_worker(settings: Settings) -> int:
    """Run a worker until it is told to stop; the exit status."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio works too
        return asyncio.run(serve_worker(Engine(settings, role="worker")))
    return uvloop.run(serve_worker(Engine(settings, role="worker")))


async def serve_worker(engine: Engine, stop: asyncio.Event | None = None) -> int:
    """Start ``engine``, wait for ``stop`` (or SIGINT/SIGTERM), then stop it."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await engine.start()
        log.info("worker %s processing the inbox of store %s; stop it with Ctrl-C or SIGTERM", engine.node, engine.store.name)
        await stop.wait()
        log.info("worker %s stopping: finishing the turns and deliveries under way", engine.node)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await engine.stop()
    return 0
