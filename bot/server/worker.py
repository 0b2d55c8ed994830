"""``bot run --role worker``: a process that only processes the inbox and delivers the outbox.

It serves no API: web processes (``--role web``) take messages in and acknowledge them, and any
number of workers share the work through the store (Redis). With ``--health-port`` it serves
the probes, ``/health`` (503 once its dispatcher or outbox stopped) and ``/ready`` (the store
answers), on that port, for an orchestrator to watch. SIGINT or SIGTERM stops it gracefully:
turns under way finish, deliveries under way finish, then the store is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn

from bot.config import Settings
from bot.engine import Engine
from bot.server.health import probes_app

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, health_host: str = "127.0.0.1", health_port: int | None = None) -> int:
    """Run a worker until it is told to stop; the exit status."""
    serve = serve_worker(Engine(settings, role="worker"), health_host=health_host, health_port=health_port)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio works too
        return asyncio.run(serve)
    return uvloop.run(serve)


class _Probes(uvicorn.Server):
    """uvicorn for the probes, leaving the signals to the worker (which stops it)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_worker(engine: Engine, stop: asyncio.Event | None = None, *, health_host: str = "127.0.0.1",
                       health_port: int | None = None) -> int:
    """Start ``engine`` (and the probes on ``health_port``), wait for ``stop`` (or SIGINT/SIGTERM), then stop it."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    probes: _Probes | None = None
    serving: asyncio.Task[None] | None = None
    try:
        await engine.start()
        if health_port is not None:
            app = probes_app(engine.store, engine.problems, role=engine.role)
            probes = _Probes(uvicorn.Config(app, host=health_host, port=health_port, log_config=None, access_log=False,
                                            lifespan="off"))
            serving = asyncio.create_task(probes.serve(), name="probes")
            log.info("worker %s: /health and /ready on http://%s:%d", engine.node, health_host, health_port)
        log.info("worker %s processing the inbox of store %s; stop it with Ctrl-C or SIGTERM", engine.node, engine.store.name)
        await stop.wait()
        log.info("worker %s stopping: finishing the turns and deliveries under way", engine.node)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if probes is not None and serving is not None:
            probes.should_exit = True
            await serving
        await engine.stop()
    return 0
