"""Shared fixtures: a private Redis server and a store of each backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.state.base import ConversationStore
from bot.state.redis import RedisStore
from bot.state.sqlite import SQLiteStore
from tests.redis_server import redis_server

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a private redis-server started for this test session."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the store backend under test."""
    return str(request.param)


def make_store(backend: str, tmp_path: Path, redis_url: str | None, *, claim_idle: float = 60.0) -> ConversationStore:
    """A fresh, unopened store of ``backend`` isolated from other tests."""
    if backend == "sqlite":
        return SQLiteStore(tmp_path / "bot.db", claim_idle=claim_idle)
    assert redis_url is not None
    return RedisStore(redis_url, key_prefix=f"t{uuid.uuid4().hex[:12]}", claim_idle=claim_idle)


@pytest.fixture
async def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[ConversationStore]:
    """An open store of each backend."""
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    instance = make_store(backend, tmp_path, url)
    await instance.open()
    try:
        yield instance
    finally:
        await instance.close()
