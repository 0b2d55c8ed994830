"""Try several runners in order, so a bot can mix in-process actions with an action server.

An action goes to the first runner that knows its name; a runner that cannot tell which names
it has (an action server, ``names() is None``) takes every name no runner before it knows, so
it belongs last.
"""

from __future__ import annotations

from typing import Any

from bot.actions.base import ActionResult, ActionRunner
from bot.actions.errors import ActionNotFound

__all__ = ["ChainedActions"]


class ChainedActions:
    """An ``ActionRunner`` that hands each action to the first runner knowing its name."""

    def __init__(self, *runners: ActionRunner) -> None:
        if not runners:
            raise ValueError("ChainedActions needs at least one runner")
        self.runners = runners

    def names(self) -> frozenset[str] | None:
        """Every name the runners know, or ``None`` if one of them cannot tell."""
        known: set[str] = set()
        for runner in self.runners:
            names = runner.names()
            if names is None:
                return None
            known |= names
        return frozenset(known)

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        """Run ``name`` on the first runner that knows it."""
        known: set[str] = set()
        for runner in self.runners:
            names = runner.names()
            if names is not None and name not in names:
                known |= names
                continue
            try:
                return await runner.run(name, tracker, domain)
            except ActionNotFound as exc:
                if names is not None or not known:
                    raise
                listed = ", ".join(sorted(known))
                raise ActionNotFound(
                    name, f"unknown custom action {name!r}: not one of the in-process actions ({listed}), and "
                    f"{exc.message}", known=frozenset(known)
                ) from exc
        listed = ", ".join(sorted(known)) or "(none)"
        raise ActionNotFound(name, f"unknown custom action {name!r}; known actions: {listed}. Check the name, or add "
                             "the module that defines it.", known=frozenset(known))
