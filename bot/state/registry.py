"""Build the configured store by backend name."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.errors import ConfigError, RegistryError
from bot.state.base import ConversationStore


def _sqlite(settings: Settings) -> ConversationStore:
    from bot.state.sqlite import SQLiteStore

    return SQLiteStore(
        settings.store.sqlite.path,
        synchronous=settings.store.sqlite.synchronous,
        claim_idle=settings.store.claim_idle_seconds,
    )


def _redis(settings: Settings) -> ConversationStore:
    from bot.state.redis import RedisStore

    url = settings.store.redis.url
    if not url:
        raise ConfigError(["store.backend is redis but no URL is set: set REDIS_URL"])
    return RedisStore(url, key_prefix=settings.store.redis.key_prefix, claim_idle=settings.store.claim_idle_seconds)


STORES: dict[str, Callable[[Settings], ConversationStore]] = {"sqlite": _sqlite, "redis": _redis}


def create_store(settings: Settings) -> ConversationStore:
    """The (unopened) store that ``settings`` ask for."""
    backend = str(settings.store.backend)
    try:
        factory = STORES[backend]
    except KeyError:
        raise RegistryError("store backend", backend, list(STORES)) from None
    return factory(settings)
