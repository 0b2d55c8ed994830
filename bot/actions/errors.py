"""What can go wrong when a custom action runs, as one branch of the engine's error tree.

    BotError
     └── ActionError                  a custom action could not give a result
          ├── ActionImportError       the user's actions module cannot be imported (file:line)
          ├── DuplicateAction         two action classes give the same name()
          ├── ActionNotFound          no action of that name (in-process or on the server)
          ├── ActionRejected          the action raised ActionExecutionRejection / server 400
          ├── ActionFailed            the action raised, or the server's answer is unusable
          ├── ActionTimeout           no result within the timeout (the action may have run)
          └── ActionServerUnreachable the action server could not be reached (nothing ran)

Every error carries ``action`` (the action's name, ``None`` for import errors) and a message that
says what happened and how to fix it.
"""

from __future__ import annotations

from bot.errors import BotError

__all__ = [
    "ActionError",
    "ActionFailed",
    "ActionImportError",
    "ActionNotFound",
    "ActionRejected",
    "ActionServerUnreachable",
    "ActionTimeout",
    "DuplicateAction",
]


class ActionError(BotError):
    """A custom action could not give a result."""

    def __init__(self, action: str | None, message: str) -> None:
        self.action = action
        self.message = message
        super().__init__(message)


class ActionImportError(ActionError):
    """The user's actions module (or package) raised while being imported."""

    def __init__(self, target: str, where: str, message: str) -> None:
        self.target = target
        self.where = where
        super().__init__(None, message)


class DuplicateAction(ActionError):
    """Two registered actions answer to the same ``name()``."""

    def __init__(self, action: str, message: str, classes: tuple[str, str]) -> None:
        self.classes = classes
        super().__init__(action, message)


class ActionNotFound(ActionError):
    """No action of that name is registered (in-process) or the server answered 404."""

    def __init__(self, action: str, message: str, known: frozenset[str] | None = None) -> None:
        self.known = known
        super().__init__(action, message)


class ActionRejected(ActionError):
    """The action refused to run (``ActionExecutionRejection``; HTTP 400 from a server)."""

    def __init__(self, action: str, message: str, reason: str) -> None:
        self.reason = reason
        super().__init__(action, message)


class ActionFailed(ActionError):
    """The action raised, returned something invalid, or the server's answer is unusable."""

    def __init__(self, action: str, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(action, message)


class ActionTimeout(ActionError):
    """The action gave no result within ``timeout`` seconds; its side effects may have happened."""

    def __init__(self, action: str, message: str, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(action, message)


class ActionServerUnreachable(ActionError):
    """No connection to the action server; the action did not run."""

    def __init__(self, action: str, message: str, url: str) -> None:
        self.url = url
        super().__init__(action, message)
