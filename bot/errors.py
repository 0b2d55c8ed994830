"""The one exception tree of the engine.

    BotError
     ├── ConfigError            config.yml or the environment is wrong (lists every problem)
     ├── DataError              a data file (responses, later flows and NLU) is wrong
     ├── RegistryError          an unknown name was asked of a registry (lists the known names)
     ├── StoreError             the conversation store failed
     │    ├── StoreUnavailable  the configured store cannot be reached (a startup error)
     │    ├── StoreInUse        another process holds the embedded SQLite store
     │    ├── ConflictError     a save lost an optimistic-concurrency race; reload and retry
     │    ├── LockTimeout       a per-conversation lock was not acquired in time
     │    └── LeaseLost         a lock expired or was taken over before a commit
     ├── MessageError           an inbound message cannot be accepted (bad shape, too large)
     ├── DeliveryDeferred       an outbound message could not be sent now; the outbox tries again later
     └── ReplyTimeout           a synchronous channel waited too long for the bot's answer

Every message says what was wrong, where, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "BotError",
    "ConfigError",
    "ConflictError",
    "DataError",
    "DeliveryDeferred",
    "LeaseLost",
    "LockTimeout",
    "MessageError",
    "RegistryError",
    "ReplyTimeout",
    "StoreError",
    "StoreInUse",
    "StoreUnavailable",
]


class BotError(Exception):
    """Root of every error the engine raises on purpose."""


class ConfigError(BotError):
    """config.yml or the environment is wrong; ``problems`` holds every problem found."""

    def __init__(self, problems: list[str], source: str = "config.yml") -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class DataError(BotError):
    """A data file (responses, flows, NLU data) is malformed; the message names file:line."""


class RegistryError(BotError, KeyError):
    """An unknown name was asked of a registry."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        msg = f"unknown {kind} {name!r}; known {kind}s: {', '.join(self.known) or '(none)'}"
        super().__init__(msg)

    def __str__(self) -> str:
        return str(self.args[0])


class StoreError(BotError):
    """The conversation store failed."""


class StoreUnavailable(StoreError):
    """The configured store cannot be reached; never silently replaced by memory."""


class StoreInUse(StoreError):
    """Another process already serves from this embedded SQLite file."""


class ConflictError(StoreError):
    """Another writer saved the conversation first; reload it and apply the change again."""


class LockTimeout(StoreError):
    """The per-conversation lock was not acquired within the timeout."""


class LeaseLost(StoreError):
    """The lock under which a turn ran expired or changed hands; the turn was not committed."""


class MessageError(BotError):
    """An inbound message cannot be accepted."""


class ReplyTimeout(BotError):
    """A synchronous channel gave up waiting for the bot's reply (the message stays queued)."""


class DeliveryDeferred(BotError):
    """An outbound message could not be sent now (the provider is down, limits); it stays on the outbox.

    ``retry_after`` is the least number of seconds to wait before trying again, when the channel
    knows it (a ``Retry-After``, a per-recipient rate limit); the outbox never tries sooner.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
