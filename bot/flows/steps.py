"""Read one flow's ``steps:`` into a flat map of steps with resolved ``next`` targets.

Nested sequences (``then:``/``else:`` lists) become steps of the same flat namespace. A step
without ``id`` gets Rasa's default id ``<flow>_<index>_<kind>`` (index: depth-first order). In
the root sequence a step without ``next`` goes to the following one (the last to ``END``);
inside a branch every sequence must say where it ends.
"""

from __future__ import annotations

from typing import Any

from bot.flows.conditions import ConditionError, parse_condition
from bot.flows.model import (
    END,
    RESERVED_STEP_IDS,
    ActionStep,
    Branch,
    CallStep,
    CollectStep,
    LinkStep,
    NoopStep,
    Rejection,
    SetSlotsStep,
    Step,
    Where,
)
from bot.flows.problems import Problems
from bot.yamlsource import Located, PathKey

KINDS = ("action", "collect", "link", "call", "set_slots", "noop")
COMMON_KEYS = ("id", "next", "metadata", "description")
KEYS = {
    "action": ("action", *COMMON_KEYS),
    "collect": (
        "collect", *COMMON_KEYS, "ask_before_filling", "reset_after_flow_ends", "utter", "force_slot_filling", "rejections",
    ),
    "link": ("link", *COMMON_KEYS),  # 'next' is accepted here only to say why it cannot be
    "call": ("call", *COMMON_KEYS),
    "set_slots": ("set_slots", *COMMON_KEYS),
    "noop": ("noop", *COMMON_KEYS),
}
IGNORED_KEYS = {"collect": ("silence_timeout", "collect-tool-binding", "dtmf"), "call": ("mcp_server", "mapping", "exit_if")}

Unresolved = str | list[tuple[Any, Any, PathKey]]  # an id, or raw branches (condition, then, path)


class StepReader:
    """Turns one flow's raw steps into ``Step`` objects, reporting problems."""

    def __init__(self, doc: Located, flow_id: str, problems: Problems) -> None:
        self.doc = doc
        self.flow_id = flow_id
        self.problems = problems
        self.steps: dict[str, Step] = {}
        self.order: list[str] = []  # ids in file order (a nested step is built before its parent)
        self.index = 0

    def ordered(self) -> dict[str, Step]:
        """The steps read, in file order."""
        return {step_id: self.steps[step_id] for step_id in self.order if step_id in self.steps}

    def where(self, path: PathKey, offset: int = 0) -> Where:
        """Where the value at ``path`` is."""
        text = self.doc.at(path, offset)
        parts = text.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return Where(parts[0], int(parts[1]), int(parts[2]))
        return Where(text)

    def sequence(self, raw: Any, path: PathKey, *, root: bool) -> str | None:
        """Read a list of steps; return the id of its first step."""
        if not isinstance(raw, list) or not raw:
            self.problems.error("empty-steps", self.where(path), "expected a non-empty list of steps")
            return None
        ids: list[str | None] = []
        nexts: list[tuple[Any, PathKey, bool]] = []
        for i, item in enumerate(raw):
            step_id, has_next, kind = self._head(item, (*path, i))
            ids.append(step_id)
            nexts.append((item, (*path, i), has_next))
            if step_id is not None and kind is not None:
                self._read_branches_and_build(item, (*path, i), step_id, kind)
            if kind == "link" and i + 1 < len(raw):
                self.problems.error(
                    "link-not-last", self.where((*path, i, "link")),
                    f"'link' must be the last step of its sequence: it ends the flow, so the {len(raw) - i - 1} step(s) after it never run",
                )
        for i, (item, item_path, has_next) in enumerate(nexts):
            step_id = ids[i]
            if step_id is None or step_id not in self.steps or has_next:
                continue
            step = self.steps[step_id]
            if isinstance(step, LinkStep):
                continue
            if i + 1 < len(ids) and ids[i + 1] is not None:
                self.steps[step_id] = _with_next(step, str(ids[i + 1]))
            elif i + 1 == len(ids) and root:
                self.steps[step_id] = _with_next(step, END)
            elif i + 1 == len(ids):
                self.problems.error(
                    "missing-next", self.where(item_path),
                    f"step {step_id!r} ends a branch but has no 'next'; inside 'then'/'else' every sequence must end with "
                    "'next: END', 'next: <step id>' or a 'link'",
                )
        return ids[0]

    def _head(self, item: Any, path: PathKey) -> tuple[str | None, bool, str | None]:
        if not isinstance(item, dict):
            self.problems.error("bad-step", self.where(path), f"a step must be a mapping such as {{action: utter_greet}}, got {item!r}")
            return None, False, None
        kinds = [k for k in KINDS if k in item]
        if len(kinds) != 1:
            found = f"it has {', '.join(kinds)}" if kinds else f"it has only {', '.join(map(str, item)) or 'nothing'}"
            self.problems.error("step-kind", self.where(path), f"a step needs exactly one of {', '.join(KINDS)}; {found}")
            return None, "next" in item, None
        kind = kinds[0]
        for key in item:
            if key in IGNORED_KEYS.get(kind, ()):
                self.problems.warning("ignored-key", self.where((*path, key)), f"{key!r} (voice/agent feature of Rasa Pro) is ignored")
            elif key not in KEYS[kind]:
                self.problems.error(
                    "unknown-key", self.where((*path, key)), f"unknown key {key!r} in a {kind} step; allowed: {', '.join(KEYS[kind])}",
                )
        index = self.index
        self.index += 1
        explicit = item.get("id")
        if explicit is not None:
            step_id = str(explicit)
            if step_id in RESERVED_STEP_IDS or step_id.startswith("NEXT:"):
                self.problems.error("reserved-id", self.where((*path, "id")), f"step id {step_id!r} is reserved (START, END, NEXT:...)")
        else:
            step_id = f"{self.flow_id}_{index}_{_postfix(kind, item.get(kind))}"
        if step_id in self.steps:
            self.problems.error(
                "duplicate-step-id", self.where((*path, "id")),
                f"step id {step_id!r} is used twice in flow {self.flow_id!r} (first at {self.steps[step_id].where}); ids must be unique",
            )
            return None, "next" in item, None
        self.order.append(step_id)
        if kind == "link" and "next" in item:
            self.problems.error("next-after-link", self.where((*path, "next")), "a 'link' step ends the flow: it cannot have 'next'")
        if kind == "noop" and "next" not in item:
            self.problems.error("noop-without-next", self.where(path), "a 'noop' step needs a 'next' (it exists to branch)")
        return step_id, "next" in item, kind

    def _read_branches_and_build(self, item: dict[str, Any], path: PathKey, step_id: str, kind: str) -> None:
        next_value: str | tuple[Branch, ...] = END
        if "next" in item:
            next_value = self._next(item["next"], (*path, "next"))
        step = self._build(kind, item, path, step_id, next_value)
        if step is not None:
            self.steps[step_id] = step

    def _next(self, raw: Any, path: PathKey) -> str | tuple[Branch, ...]:
        if isinstance(raw, str):
            return raw
        if not isinstance(raw, list) or not raw:
            self.problems.error(
                "bad-next", self.where(path),
                f"'next' must be a step id, END, or a list of 'if'/'then' and 'else' branches, got {raw!r}",
            )
            return END
        branches: list[Branch] = []
        has_else = False
        for i, branch in enumerate(raw):
            bpath = (*path, i)
            if not isinstance(branch, dict) or not ({"if", "then"} <= set(branch) or set(branch) == {"else"}):
                self.problems.error(
                    "bad-branch", self.where(bpath),
                    f"a branch is {{if: <condition>, then: <step id or steps>}} or {{else: <step id or steps>}}, got {branch!r}",
                )
                continue
            if has_else:
                self.problems.error("branch-after-else", self.where(bpath), "'else' must be the last branch: this one is never reached")
            is_else = "else" in branch
            key = "else" if is_else else "then"
            target = self._target(branch[key], (*bpath, key))
            condition = None
            if not is_else:
                condition = self._condition(branch["if"], (*bpath, "if"))
            has_else = has_else or is_else
            if target is not None:
                branches.append(Branch(condition=condition, target=target, where=self.where(bpath)))
        if not has_else and branches:
            self.problems.error(
                "missing-else", Where(self.doc.source, self.doc.lines.get(path, 0)),
                "these branches have no 'else': when no 'if' holds the flow would not know where to go; add '- else: END' or a step id",
            )
        return tuple(branches)

    def _target(self, raw: Any, path: PathKey) -> str | None:
        if isinstance(raw, str):
            return raw
        if isinstance(raw, list):
            return self.sequence(raw, path, root=False)
        self.problems.error("bad-target", self.where(path), f"expected a step id or a list of steps, got {raw!r}")
        return None

    def _condition(self, raw: Any, path: PathKey) -> Any:
        try:
            return parse_condition(raw)
        except ConditionError as exc:
            self.problems.error("bad-condition", self.where(path, exc.column - 1), f"condition {raw!r}: {exc.reason}")
            return None

    def _build(self, kind: str, item: dict[str, Any], path: PathKey, step_id: str, next_value: str | tuple[Branch, ...]) -> Step | None:
        base: dict[str, Any] = {
            "id": step_id, "next": next_value, "where": self.where(path), "explicit_id": "id" in item,
            "metadata": item.get("metadata") or {},
        }
        value = item[kind]
        if kind in ("action", "collect", "link", "call") and (not isinstance(value, str) or not value):
            self.problems.error("bad-value", self.where((*path, kind)), f"'{kind}' needs a name, got {value!r}")
            return None
        if kind == "action":
            return ActionStep(action=value, **base)
        if kind == "collect":
            return self._collect(item, path, base)
        if kind == "link":
            return LinkStep(link=value, **base)
        if kind == "call":
            return CallStep(call=value, **base)
        if kind == "set_slots":
            return self._set_slots(value, (*path, kind), base)
        return NoopStep(**base)

    def _collect(self, item: dict[str, Any], path: PathKey, base: dict[str, Any]) -> CollectStep:
        slot = item["collect"]
        rejections: list[Rejection] = []
        raw_rejections = item.get("rejections") or []
        if not isinstance(raw_rejections, list):
            self.problems.error("bad-rejections", self.where((*path, "rejections")), "'rejections' must be a list of {if, utter}")
            raw_rejections = []
        for i, raw in enumerate(raw_rejections):
            rpath = (*path, "rejections", i)
            if not isinstance(raw, dict) or set(raw) != {"if", "utter"}:
                self.problems.error("bad-rejection", self.where(rpath), f"a rejection is {{if: <condition>, utter: <response>}}, got {raw!r}")
                continue
            condition = self._condition(raw["if"], (*rpath, "if"))
            if condition is not None:
                rejections.append(Rejection(condition=condition, utter=str(raw["utter"]), where=self.where((*rpath, "utter"))))
        flags = {}
        for flag in ("ask_before_filling", "reset_after_flow_ends", "force_slot_filling"):
            if flag in item:
                if not isinstance(item[flag], bool):
                    self.problems.error("bad-value", self.where((*path, flag)), f"'{flag}' must be true or false, got {item[flag]!r}")
                else:
                    flags[flag] = item[flag]
        if flags.get("reset_after_flow_ends") is False:
            self.problems.warning(
                "deprecated", self.where((*path, "reset_after_flow_ends")),
                "'reset_after_flow_ends: false' is deprecated; list the slot in the flow's 'persisted_slots' instead",
            )
        utter = item.get("utter") or f"utter_ask_{slot}"
        description = item.get("description")
        return CollectStep(collect=slot, utter=str(utter), rejections=tuple(rejections), description=description, **flags, **base)

    def _set_slots(self, raw: Any, path: PathKey, base: dict[str, Any]) -> SetSlotsStep | None:
        pairs: list[tuple[str, Any]] = []
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else None
        if not items:
            self.problems.error("bad-value", self.where(path), f"'set_slots' needs a list of {{slot: value}}, got {raw!r}")
            return None
        for i, entry in enumerate(items):
            if not isinstance(entry, dict) or not entry:
                self.problems.error("bad-value", self.where((*path, i)), f"expected {{slot: value}}, got {entry!r}")
                continue
            pairs.extend((str(k), v) for k, v in entry.items())
        return SetSlotsStep(slots=tuple(pairs), **base)


def _postfix(kind: str, value: Any) -> str:
    if kind == "action":
        return str(value)
    if kind in ("collect", "link", "call"):
        return f"{kind}_{value}"
    return kind


def _with_next(step: Step, target: str) -> Step:
    from dataclasses import replace

    return replace(step, next=target)
