"""Read Rasa's e2e ``assertions`` (one ``- <kind>: ...`` item each) into checks."""

from __future__ import annotations

import re
from typing import Any

from bot.flows.problems import known
from bot.testing.model import (
    ActionExecutedCheck,
    Assertion,
    ButtonCheck,
    ClarificationCheck,
    FlowEndedCheck,
    FlowStartedCheck,
    SlotsCheck,
    UtteredCheck,
)
from bot.testing.shapes import Shapes
from bot.yamlsource import PathKey

ASSERTION_KEYS = (
    "flow_started", "flow_completed", "flow_cancelled", "pattern_clarification_contains", "action_executed",
    "slot_was_set", "slot_was_not_set", "bot_uttered", "bot_did_not_utter",
)
UNSUPPORTED = ("generative_response_is_relevant", "generative_response_is_grounded")
UTTERED_KEYS = ("utter_name", "buttons", "text_matches")


def read_assertion(shapes: Shapes, path: PathKey, raw: Any) -> Assertion | None:
    """The check an assertion item asks for; None (and a problem recorded) if it is broken."""
    if not isinstance(raw, dict) or len(raw) != 1:
        shapes.error(path, f"an assertion is one `<kind>: ...` mapping; kinds: {', '.join(ASSERTION_KEYS)}")
        return None
    (kind, value), = raw.items()
    at, where = (*path, kind), shapes.doc.where((*path, kind))
    if kind in UNSUPPORTED:
        shapes.error(at, f"{kind} needs an LLM judge, which this bot does not use; remove it")
        return None
    if kind not in ASSERTION_KEYS:
        shapes.error(at, f"unknown assertion {kind!r}{known(ASSERTION_KEYS, str(kind))}")
        return None
    if kind == "flow_started":
        return FlowStartedCheck(*shapes.flow_ids(at, value, single=True), where)
    if kind == "pattern_clarification_contains":
        return ClarificationCheck(*shapes.flow_ids(at, value, single=False), where)
    if kind in ("flow_completed", "flow_cancelled"):
        flow_id, step_id = shapes.flow_end(at, value)
        return FlowEndedCheck("completed" if kind == "flow_completed" else "cancelled", flow_id, step_id, where)
    if kind == "action_executed":
        return ActionExecutedCheck(shapes.text(at, value, "action_executed takes an action name"), where)
    if kind in ("slot_was_set", "slot_was_not_set"):
        return SlotsCheck(shapes.named_slots(at, value), kind == "slot_was_set", where)
    return _uttered(shapes, at, value, kind == "bot_uttered", where)


def _uttered(shapes: Shapes, path: PathKey, value: Any, uttered: bool, where: str) -> UtteredCheck:
    key = path[-1]
    if not isinstance(value, dict) or not value:
        shapes.error(path, f"{key} takes a mapping with any of {', '.join(UTTERED_KEYS)}, got {value!r}")
        value = {}
    shapes.keys(path, value, UTTERED_KEYS, f"in {key}")
    name = value.get("utter_name")
    if name is not None:
        name = shapes.text((*path, "utter_name"), name, "utter_name takes a response name")
    pattern = None
    if value.get("text_matches") is not None:
        text = shapes.text((*path, "text_matches"), value["text_matches"], "text_matches takes a regular expression")
        try:
            pattern = re.compile(text)
        except re.error as exc:
            shapes.error((*path, "text_matches"), f"text_matches is not a regular expression: {exc}")
    buttons = None
    if "buttons" in value:
        buttons = tuple(ButtonCheck(t, p) for t, p in shapes.buttons((*path, "buttons"), value["buttons"]))
    return UtteredCheck(name, buttons, pattern, uttered, where)
