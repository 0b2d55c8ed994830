"""``/health`` (the process answers) and ``/ready`` (the store answers too)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from bot import __version__
from bot.server.errors import error_response
from bot.state.base import ConversationStore

log = logging.getLogger(__name__)


def health_router(store: ConversationStore) -> APIRouter:
    """Liveness and readiness probes."""
    router = APIRouter(tags=["health"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok", "version": __version__}

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
