"""``StubActions``: an ``ActionRunner`` that answers custom actions with fixed results.

Rasa's ``stub_custom_actions`` made real: a test file's stubs replace the bot's actions for its
test cases, and every call is recorded. An action without a stub fails loudly (as in Rasa, once
a file stubs actions, every custom action its tests reach must be stubbed).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bot.actions.base import ActionResult
from bot.actions.errors import ActionNotFound

__all__ = ["StubActions"]


class StubActions:
    """Runs custom actions by returning the stubbed events and responses, recording each call."""

    def __init__(self, stubs: Mapping[str, ActionResult]) -> None:
        self.stubs = dict(stubs)
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (action, tracker) in call order

    def names(self) -> frozenset[str]:
        """The stubbed action names."""
        return frozenset(self.stubs)

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        """The stub of ``name`` (a copy, so the caller may change it); ``ActionNotFound`` without one."""
        self.calls.append((name, tracker))
        stub = self.stubs.get(name)
        if stub is None:
            listed = ", ".join(sorted(self.stubs)) or "(none)"
            msg = (f"custom action {name!r} has no stub in this test file (stubbed: {listed}); add it under "
                   f"stub_custom_actions: {{{name}: {{events: [], responses: []}}}}")
            raise ActionNotFound(name, msg, known=self.names())
        return ActionResult(events=copy.deepcopy(stub.events), responses=copy.deepcopy(stub.responses))
