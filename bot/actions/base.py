"""The one interface for running custom actions, the result it returns, and its shape check.

An ``ActionRunner`` runs a ``rasa_sdk`` action by name on a tracker state and a domain, both in
Rasa's JSON shapes (as an action server receives them), and returns the action's events and
dispatcher messages in Rasa's JSON shapes (as an action server answers). In-process, remote and
chained runners are interchangeable: the same action gives the same ``ActionResult`` each way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import orjson

from bot.actions.errors import ActionFailed

__all__ = ["ActionResult", "ActionRunner", "checked_result", "sender_id_of", "short", "to_json"]

# Plain JSON only: datetimes and dataclasses are refused (TypeError), as an action server's
# JSON encoder refuses them, instead of silently becoming strings and dicts.
_JSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: Rasa event dicts, then dispatcher messages in Rasa's shape."""

    events: list[dict[str, Any]]
    responses: list[dict[str, Any]]


@runtime_checkable
class ActionRunner(Protocol):
    """Runs custom actions by name."""

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        """Run action ``name``; raise an ``ActionError`` subclass if it gives no result."""
        ...

    def names(self) -> frozenset[str] | None:
        """The action names this runner knows, or ``None`` when it cannot tell (a server)."""
        ...


def to_json(value: object, *, sort_keys: bool = False) -> bytes:
    """``value`` as JSON bytes; ``TypeError`` for anything but JSON's own types."""
    return orjson.dumps(value, option=_JSON_OPTIONS | (orjson.OPT_SORT_KEYS if sort_keys else 0))


def short(value: object, limit: int = 200) -> str:
    """``value`` as text cut to ``limit`` characters, for error messages."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sender_id_of(action: str, tracker: Mapping[str, Any]) -> str:
    """The tracker's ``sender_id``; a ``ValueError`` if the caller built the tracker without one."""
    sender_id = tracker.get("sender_id") if isinstance(tracker, Mapping) else None
    if not isinstance(sender_id, str) or not sender_id:
        raise ValueError(
            f"the tracker passed to custom action {action!r} has no 'sender_id' (got {short(sender_id)}); "
            "build it with bot.actions.tracker_state(conversation_id, ...)."
        )
    return sender_id


def checked_result(action: str, events: object, responses: object, *, source: str, status: int | None = None) -> ActionResult:
    """An ``ActionResult`` if ``events`` and ``responses`` have Rasa's shapes, else ``ActionFailed``.

    ``source`` says where they came from ("action_x's run()" or "the answer of URL"); every
    problem found is listed, not only the first.
    """
    problems: list[str] = []
    if events is None:
        events = []
    if not isinstance(events, list):
        problems.append(f"events must be a list of event dicts, got {type(events).__name__}: {short(repr(events))}")
        events = []
    for index, event in enumerate(events):
        if not isinstance(event, Mapping):
            problems.append(f"events[{index}] is a {type(event).__name__}, not an event dict: {short(repr(event))}")
        elif not isinstance(event.get("event"), str) or not event["event"]:
            problems.append(f"events[{index}] has no 'event' name: {short(repr(event))}")
    if not isinstance(responses, list):
        problems.append(f"responses must be a list of message dicts, got {type(responses).__name__}: {short(repr(responses))}")
        responses = []
    for index, message in enumerate(responses):
        if not isinstance(message, Mapping):
            problems.append(f"responses[{index}] is a {type(message).__name__}, not a message dict: {short(repr(message))}")
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ActionFailed(
            action,
            f"custom action {action!r}: {source} is not in Rasa's shape:\n{listed}\n"
            "Return events built with rasa_sdk.events (e.g. SlotSet('name', value)) and send "
            "messages with dispatcher.utter_message(...).",
            status=status,
        )
    return ActionResult(events=[dict(e) for e in events], responses=[dict(m) for m in responses])
