"""Small shape checks for test files: each returns a usable value and records a problem if bad."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.flows.problems import known
from bot.testing.model import Operator, SlotCheck
from bot.yamlsource import Located, PathKey

OPERATORS = ("all", "any")


class Shapes:
    """Checks values of one document; problems go to ``problems`` as ``file:line: message``."""

    def __init__(self, doc: Located, problems: list[str]) -> None:
        self.doc = doc
        self.problems = problems

    def error(self, path: PathKey, message: str) -> None:
        """Record a problem at ``path`` (its line, or its nearest parent's)."""
        self.problems.append(f"{self.doc.where(path)}: {message}")

    def keys(self, path: PathKey, raw: dict[Any, Any], allowed: Sequence[str], place: str) -> None:
        """Report each key of ``raw`` that is not ``allowed``, naming the allowed ones."""
        for key in raw:
            if key not in allowed:
                self.error((*path, key), f"unknown key {key!r} {place}{known(allowed, str(key))}")

    def text(self, path: PathKey, value: Any, what: str) -> str:
        """A non-empty string."""
        if isinstance(value, str) and value.strip():
            return value
        self.error(path, f"{what}, got {value!r}")
        return ""

    def names(self, path: PathKey, value: Any) -> list[str]:
        """A list of names (a single name is accepted as a list of one)."""
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            self.error(path, f"{path[-1]} takes a list of names, got {value!r}")
            return []
        return list(items)

    def flow_ids(self, path: PathKey, value: Any, *, single: bool) -> tuple[tuple[str, ...], Operator]:
        """``flow_id`` (when ``single``) or ``[ids]``, or ``{flow_ids: [...], operator: all|any}``."""
        key = path[-1]
        if isinstance(value, dict):
            self.keys(path, value, ("flow_ids", "operator"), f"in {key}")
            operator = value.get("operator", "all")
            if operator not in OPERATORS:
                self.error((*path, "operator"), f"operator must be one of {', '.join(OPERATORS)}, got {operator!r}")
                operator = "all"
            ids = self.names((*path, "flow_ids"), value.get("flow_ids"))
            if not ids:
                self.error(path, f"{key} needs flow_ids: a list of flow ids")
            return tuple(ids), operator
        if single and isinstance(value, str) and value:
            return (value,), "all"
        if not single and isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return tuple(value), "all"
        shape = "a flow id" if single else "a list of flow ids"
        self.error(path, f"{key} takes {shape} or {{flow_ids: [...], operator: all|any}}, got {value!r}")
        return (), "all"

    def flow_end(self, path: PathKey, value: Any) -> tuple[str, str | None]:
        """``{flow_id, flow_step_id?}`` (a bare flow id is accepted too)."""
        if isinstance(value, str) and value:
            return value, None
        if isinstance(value, dict):
            self.keys(path, value, ("flow_id", "flow_step_id"), f"in {path[-1]}")
            flow_id = self.text((*path, "flow_id"), value.get("flow_id"), f"{path[-1]} needs flow_id")
            step_id = value.get("flow_step_id")
            if step_id is not None and not isinstance(step_id, str):
                self.error((*path, "flow_step_id"), f"flow_step_id takes a step id, got {step_id!r}")
                step_id = None
            return flow_id, step_id
        self.error(path, f"{path[-1]} takes {{flow_id: <id>, flow_step_id: <step id>}}, got {value!r}")
        return "", None

    def classic_slots(self, path: PathKey, value: Any) -> tuple[SlotCheck, ...]:
        """Classic steps: ``[name, {name: value}, ...]``."""
        items = [value] if isinstance(value, str | dict) else value
        if not isinstance(items, list) or not items:
            self.error(path, f"{path[-1]} takes a list of slot names or `slot: value` mappings, got {value!r}")
            return ()
        slots: list[SlotCheck] = []
        for index, item in enumerate(items):
            if isinstance(item, str) and item:
                slots.append(SlotCheck(item))
            elif isinstance(item, dict) and item:
                slots += [SlotCheck(str(name), slot_value, True) for name, slot_value in item.items()]
            else:
                self.error((*path, index), f"a slot name or a `slot: value` mapping, got {item!r}")
        return tuple(slots)

    def named_slots(self, path: PathKey, value: Any) -> tuple[SlotCheck, ...]:
        """Assertions: ``[{name: slot, value: v}, ...]`` (value optional; bare names accepted)."""
        if not isinstance(value, list) or not value:
            self.error(path, f"{path[-1]} takes a list of {{name: <slot>, value: <value>}}, got {value!r}")
            return ()
        slots: list[SlotCheck] = []
        for index, item in enumerate(value):
            at = (*path, index)
            if isinstance(item, str) and item:
                slots.append(SlotCheck(item))
            elif isinstance(item, dict):
                self.keys(at, item, ("name", "value"), f"in {path[-1]}")
                name = self.text((*at, "name"), item.get("name"), "a slot needs name: <slot>")
                slots.append(SlotCheck(name, item.get("value"), "value" in item))
            else:
                self.error(at, f"{{name: <slot>, value: <value>}} expected, got {item!r}")
        return tuple(slots)

    def buttons(self, path: PathKey, value: Any) -> list[tuple[str, str]]:
        """``[{title, payload}, ...]``."""
        if not isinstance(value, list):
            self.error(path, f"buttons takes a list of {{title, payload}}, got {value!r}")
            return []
        buttons: list[tuple[str, str]] = []
        for index, item in enumerate(value):
            at = (*path, index)
            if not isinstance(item, dict):
                self.error(at, f"a button is {{title: ..., payload: ...}}, got {item!r}")
                continue
            self.keys(at, item, ("title", "payload"), "in a button")
            title, payload = item.get("title"), item.get("payload")
            if isinstance(title, bool) or isinstance(payload, bool):
                self.error(at, "YAML reads yes/no/true/false as booleans; quote button titles and payloads, "
                           "e.g. title: \"Yes\"")
                continue
            if not isinstance(title, str | int | float) or not isinstance(payload, str | int | float):
                self.error(at, f"a button needs a title and a payload, got {item!r}")
                continue
            buttons.append((str(title), str(payload)))
        return buttons
