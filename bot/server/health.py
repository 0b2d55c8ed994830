"""``/health`` (the process answers and its background work runs) and ``/ready`` (the store answers too)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Response

from bot import __version__
from bot.server.errors import error_response
from bot.state.base import ConversationStore

log = logging.getLogger(__name__)


def health_router(store: ConversationStore, problems: Callable[[], list[str]] = list, *, role: str = "all") -> APIRouter:
    """Liveness and readiness probes; ``problems`` names background work that stopped (a dead process)."""
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=None)
    async def health() -> dict[str, str] | Response:
        """The process is up and its background tasks run (503 says which stopped: restart it)."""
        stopped = problems()
        if stopped:
            return error_response(503, f"not healthy: {'; '.join(stopped)}; restart the process",
                                  details={"role": role, "stopped": stopped})
        return {"status": "ok", "version": __version__, "role": role}

    @router.get("/ready", response_model=None)
    async def ready() -> dict[str, str] | Response:
        """The process can serve: its store answers."""
        try:
            await store.ping()
        except Exception as exc:  # noqa: BLE001 - any failure of the backend means "not ready"
            log.warning("not ready: %s", exc)
            return error_response(503, f"store {store.name} is not reachable: {exc}")
        return {"status": "ready", "store": store.name}

    return router


def probes_app(store: ConversationStore, problems: Callable[[], list[str]], *, role: str) -> FastAPI:
    """An app serving only the probes (for a worker process, which serves nothing else)."""
    app = FastAPI(title="whatsbot probes", version=__version__, openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(health_router(store, problems, role=role))
    return app
