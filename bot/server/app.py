"""Build the FastAPI app for an engine: lifespan, body limit, error shapes, routes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from bot import __version__
from bot.config import Settings, load_settings
from bot.engine import ROLES, Engine
from bot.errors import ConfigError
from bot.server.errors import install_error_handlers
from bot.server.health import health_router
from bot.server.limits import BodyLimit
from bot.server.parse import parse_router
from bot.server.tracker import tracker_router


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The HTTP app; the engine starts and stops with the app's lifespan."""
    engine = engine or Engine(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()

    app = FastAPI(title="whatsbot", version=__version__, lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.add_middleware(BodyLimit, max_bytes=settings.server.max_body_bytes)
    install_error_handlers(app)
    app.include_router(health_router(engine.store, engine.problems, role=engine.role))
    app.include_router(tracker_router(engine.store))
    app.include_router(parse_router(engine.understanding))
    for channel in engine.channels.values():
        app.include_router(channel.router(engine))
    return app


def app_from_environment() -> FastAPI:
    """The app for the config named by ``BOT_CONFIG``, in the role ``BOT_ROLE`` (``bot run --workers N``)."""
    from bot.logs import configure_logging

    path = os.environ.get("BOT_CONFIG")
    settings = load_settings(Path(path) if path else None)
    configure_logging(settings.logging.level, settings.logging.format)
    role = os.environ.get("BOT_ROLE", "all")
    if role not in ROLES:
        raise ConfigError([f"BOT_ROLE is {role!r}; known roles: {', '.join(ROLES)}"], source="environment")
    return create_app(settings, engine=Engine(settings, role=role))  # type: ignore[arg-type]
