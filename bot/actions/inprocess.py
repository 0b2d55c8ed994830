"""Run ``rasa_sdk`` actions inside this process, exactly as rasa_sdk's action server would.

The action gets a real ``rasa_sdk.Tracker`` and ``CollectingDispatcher`` built from private
JSON copies of the tracker state and domain, so it sees what it would see over HTTP and cannot
change the caller's dicts (``FormValidationAction`` writes into ``tracker.slots``, for one).
``async def run`` is awaited; a plain ``def run`` runs in a worker thread so it cannot block the
event loop. Past the timeout the caller gets ``ActionTimeout``; a sync action's thread cannot be
stopped and finishes in the background, its result discarded.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from rasa_sdk import Action, ActionExecutionRejection, Tracker  # type: ignore[import-untyped]
from rasa_sdk.executor import CollectingDispatcher  # type: ignore[import-untyped]

from bot.actions.base import ActionResult, checked_result, sender_id_of, short, to_json
from bot.actions.discovery import discover_actions
from bot.actions.errors import (
    ActionFailed,
    ActionNotFound,
    ActionRejected,
    ActionTimeout,
    DuplicateAction,
)

__all__ = ["DEFAULT_TIMEOUT", "InProcessActions"]

DEFAULT_TIMEOUT = 10.0

logger = logging.getLogger(__name__)


class InProcessActions:
    """An ``ActionRunner`` over ``rasa_sdk.Action`` instances registered by name."""

    def __init__(self, actions: Iterable[Action] = (), *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.timeout = timeout
        self._actions: dict[str, Action] = {}
        for action in actions:
            self.register(action)

    @classmethod
    def discover(cls, *targets: str | Path, timeout: float = DEFAULT_TIMEOUT) -> InProcessActions:
        """A runner with every action defined under each module, package or folder in ``targets``."""
        runner = cls(timeout=timeout)
        for target in targets:
            for action in discover_actions(target):
                runner.register(action)
        return runner

    def register(self, action: Action) -> None:
        """Add ``action`` under its ``name()``; a name already taken is a ``DuplicateAction``."""
        if not isinstance(action, Action):
            raise TypeError(f"register() takes a rasa_sdk.Action instance, got {short(action)}")
        name = action.name()
        current = self._actions.get(name)
        if current is not None:
            classes = (_class_name(current), _class_name(action))
            raise DuplicateAction(
                name, f"two custom actions are named {name!r}: {classes[0]} and {classes[1]}; "
                "rename one of them (its name() method) so each name is unique.", classes
            )
        self._actions[name] = action

    def names(self) -> frozenset[str]:
        """The registered action names."""
        return frozenset(self._actions)

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        """Run action ``name`` on private copies of ``tracker`` and ``domain``."""
        action = self._actions.get(name)
        if action is None:
            known = ", ".join(sorted(self._actions)) or "(none)"
            raise ActionNotFound(
                name, f"unknown custom action {name!r}; known actions: {known}. Check the name, or that the "
                "module defining it is among the discovered ones.", known=self.names()
            )
        sender_id_of(name, tracker)
        dispatcher = CollectingDispatcher()
        sdk_tracker = Tracker.from_dict(_json_copy(tracker, "tracker", name))
        sdk_domain = _json_copy(domain, "domain", name)
        logger.debug("running custom action %s in-process", name)
        deadline = asyncio.timeout(self.timeout)
        try:
            async with deadline:
                events = await _call(action, dispatcher, sdk_tracker, sdk_domain)
                if getattr(dispatcher, "is_streaming_active", False):  # rasa_sdk >= 3.19 streaming
                    await dispatcher.stream_end()
        except ActionExecutionRejection as exc:
            reason = str(exc)
            raise ActionRejected(name, f"custom action {name!r} rejected execution: {reason}", reason) from exc
        except TimeoutError as exc:
            if deadline.expired():
                raise ActionTimeout(
                    name, f"custom action {name!r} did not finish within {self.timeout:g} s; make it faster "
                    "(await slow calls with their own timeouts) or raise the actions timeout.", self.timeout
                ) from None
            raise _failed(name, exc) from exc
        except Exception as exc:  # the user's action raised: report it with where it happened
            raise _failed(name, exc) from exc
        result = checked_result(name, events, dispatcher.messages, source=f"what {_class_name(action)}.run() returned")
        try:
            copied = orjson.loads(to_json([result.events, result.responses]))
        except TypeError as exc:
            raise ActionFailed(
                name, f"custom action {name!r} returned events or messages that cannot be sent as JSON ({exc}); "
                "use only str, numbers, bools, None, lists and dicts with str keys."
            ) from exc
        return ActionResult(events=copied[0], responses=copied[1])


async def _call(action: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Any:
    if inspect.iscoroutinefunction(action.run):
        return await action.run(dispatcher, tracker, domain)
    outcome = await asyncio.to_thread(action.run, dispatcher, tracker, domain)
    if inspect.isawaitable(outcome):  # a plain def returning a coroutine, as rasa_sdk allows
        return await outcome
    return outcome


def _failed(name: str, exc: BaseException) -> ActionFailed:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return ActionFailed(
        name, f"custom action {name!r} raised {type(exc).__name__}: {short(str(exc))}{where}; "
        "fix the action (the full traceback is chained to this error)."
    )


def _json_copy(value: dict[str, Any], what: str, name: str) -> Any:
    try:
        return orjson.loads(to_json(value))
    except TypeError as exc:
        raise TypeError(f"the {what} passed to custom action {name!r} is not JSON-serialisable: {exc}") from exc


def _class_name(action: Action) -> str:
    cls = type(action)
    return f"{cls.__module__}.{cls.__qualname__}"
