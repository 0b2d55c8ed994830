"""Load flows and domain files (Rasa CALM / domain YAML) into a ``FlowsDefinition`` and responses.

Every ``*.yml``/``*.yaml`` file under the given folders is read; a file may hold any of
``flows``, ``slots``, ``responses``, ``actions``, ``intents``, ``entities``, ``session_config``
(so both our one-folder layout and Rasa's ``data/flows`` + ``domain/`` layout load unchanged).
Files with ``nlu:`` are NLU data and are left to the NLU reader. Problems are collected, never
raised one at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import DataError
from bot.flows.conditions import ConditionError, parse_condition
from bot.flows.model import (
    Flow,
    FlowsDefinition,
    MappingType,
    NluTrigger,
    Slot,
    SlotMapping,
    SlotType,
    Where,
)
from bot.flows.problems import Problems, known
from bot.flows.steps import StepReader
from bot.responses.catalog import Responses, Variation, collect_responses
from bot.yamlsource import Located, PathKey, read_yaml

TOP_KEYS = ("version", "flows", "slots", "responses", "actions", "intents", "entities", "session_config", "forms", "nlu", "config")
FLOW_KEYS = (
    "description", "steps", "name", "if", "nlu_trigger", "persisted_slots", "run_pattern_completed",
    "always_include_in_prompt", "translation", "file_path", "on_activate", "metadata",
)
SLOT_KEYS = ("type", "mappings", "initial_value", "values", "influence_conversation", "min_value", "max_value",
             "shared_for_coexistence", "validation")
MAPPING_KEYS = ("type", "entity", "role", "group", "intent", "not_intent", "value", "conditions", "action",
                "allow_nlu_correction", "run_action_every_turn", "coexistence_system")
FLOW_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HYPHENATED_FLOW_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")  # Rasa's validation.py allows these
SLOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the files define, and where each flow, response and name came from."""

    definition: FlowsDefinition
    responses: Responses
    problems: Problems
    files: tuple[Path, ...]
    response_where: dict[str, str]


def yaml_files(folders: Iterable[Path]) -> list[Path]:
    """The YAML files under ``folders`` (a file may be given directly), sorted, each once."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_file():
            found.append(folder)
        elif folder.is_dir():  # symlinked folders are followed: link Rasa's data/flows and domain/ in
            for parent, _, names in os.walk(folder, followlinks=True):
                found.extend(Path(parent) / n for n in names if n.endswith((".yml", ".yaml")) and (Path(parent) / n).is_file())
    return sorted(set(found))


def load_flows(folders: Sequence[Path], *, languages: Iterable[str], root: Path | None = None) -> Loaded:
    """Read every flows/domain file under ``folders``; problems are in ``Loaded.problems``."""
    problems = Problems()
    reader = _Reader(problems, list(languages))
    files = yaml_files(folders)
    for path in files:
        name = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        try:
            doc = read_yaml(path, name)
        except DataError as exc:
            where, _, message = str(exc).partition(": ")
            problems.error("invalid-yaml", where, message)
            continue
        reader.read(doc)
    definition = FlowsDefinition(
        flows=reader.flows, slots=reader.slots, actions=frozenset(reader.actions), intents=frozenset(reader.intents),
        entities=frozenset(reader.entities), session_expiration_minutes=reader.session_minutes, carry_over_slots=reader.carry_over,
    )
    return Loaded(definition, Responses(reader.responses), problems, tuple(files), reader.response_where)


class _Reader:
    def __init__(self, problems: Problems, languages: list[str]) -> None:
        self.problems = problems
        self.languages = languages
        self.flows: dict[str, Flow] = {}
        self.slots: dict[str, Slot] = {}
        self.responses: dict[str, tuple[Variation, ...]] = {}
        self.response_where: dict[str, str] = {}
        self.actions: set[str] = set()
        self.intents: set[str] = set()
        self.entities: set[str] = set()
        self.session_minutes: float | None = None
        self.carry_over = True

    def read(self, doc: Located) -> None:
        data = doc.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.problems.error("bad-file", f"{doc.source}:1", f"expected a mapping with keys such as 'flows:' or 'slots:', got {type(data).__name__}")
            return
        for path, line, earlier in doc.duplicates:
            self.problems.error("duplicate-key", f"{doc.source}:{line}", f"{'.'.join(map(str, path))} is written twice (also at line {earlier}); YAML keeps only this one")
        for key in data:
            if key not in TOP_KEYS:
                self.problems.error("unknown-key", doc.at((key,)), f"unknown top-level key {key!r}{known(TOP_KEYS, str(key))}")
        if "forms" in data:
            self.problems.warning("ignored-key", doc.at(("forms",)), "'forms' (Rasa's pre-flows loops) are not supported; write them as flows")
        self._flows(doc, data.get("flows"))
        self._slots(doc, data.get("slots"))
        self._names(doc, data, "actions", self.actions)
        self._names(doc, data, "intents", self.intents)
        self._names(doc, data, "entities", self.entities)
        self._session(doc, data.get("session_config"))
        if "responses" in data:
            messages: list[str] = []
            for name, variations in collect_responses(doc, languages=self.languages, problems=messages).items():
                if name in self.responses:
                    self.problems.error("duplicate-response", doc.at(("responses", name)), f"response {name!r} is also defined at {self.response_where[name]}")
                    continue
                self.responses[name] = variations
                self.response_where[name] = doc.at(("responses", name))
            for message in messages:
                where, _, text = message.partition(": ")
                self.problems.error("bad-response", where, text)

    def _flows(self, doc: Located, raw: Any) -> None:
        if raw is None:
            return
        if not isinstance(raw, dict):
            self.problems.error("bad-flows", doc.at(("flows",)), "'flows' must be a mapping of flow ids to flows")
            return
        for flow_id, body in raw.items():
            path: PathKey = ("flows", flow_id)
            where = _where(doc, path)
            if not isinstance(flow_id, str) or not (FLOW_ID.match(flow_id) or HYPHENATED_FLOW_ID.match(flow_id)):
                self.problems.error("bad-flow-id", doc.where(path), f"flow id {flow_id!r} must match {FLOW_ID.pattern} (letters, digits, _)")
                continue
            if not FLOW_ID.match(flow_id):
                self.problems.warning("hyphenated-flow-id", doc.where(path), f"flow id {flow_id!r} has a hyphen: Rasa's runtime accepts "
                                      "it but its schema does not; prefer letters, digits and _")
            if flow_id in self.flows:
                self.problems.error("duplicate-flow", doc.where(path), f"flow {flow_id!r} is also defined at {self.flows[flow_id].where}")
                continue
            flow = self._flow(doc, flow_id, body, path, where)
            if flow is not None:
                self.flows[flow_id] = flow

    def _flow(self, doc: Located, flow_id: str, body: Any, path: PathKey, where: Where) -> Flow | None:
        if not isinstance(body, dict):
            self.problems.error("bad-flow", where, f"flow {flow_id!r} must be a mapping with 'description' and 'steps'")
            return None
        for key in body:
            if key not in FLOW_KEYS:
                self.problems.error("unknown-key", doc.at((*path, key)), f"unknown key {key!r} in flow {flow_id!r}{known(FLOW_KEYS, str(key))}")
        for required in ("description", "steps"):
            if required not in body:
                self.problems.error("missing-key", doc.where(path), f"flow {flow_id!r} needs '{required}'")
        steps = StepReader(doc, flow_id, self.problems)
        first = steps.sequence(body.get("steps"), (*path, "steps"), root=True) if "steps" in body else None
        guard = None
        if "if" in body:
            try:
                guard = parse_condition(body["if"])
            except ConditionError as exc:
                self.problems.error("bad-condition", doc.at((*path, "if"), exc.column - 1), f"condition {body['if']!r}: {exc.reason}")
        triggers = self._triggers(doc, body.get("nlu_trigger"), (*path, "nlu_trigger"))
        persisted = body.get("persisted_slots") or []
        if not isinstance(persisted, list) or not all(isinstance(s, str) for s in persisted):
            self.problems.error("bad-value", doc.at((*path, "persisted_slots")), "'persisted_slots' must be a list of slot names")
            persisted = []
        translations = self._translations(doc, body.get("translation"), (*path, "translation"))
        if first is None:
            return None
        return Flow(
            id=flow_id, name=str(body.get("name") or flow_id.replace("_", " ")), description=str(body.get("description") or ""),
            steps=steps.ordered(), first=first, where=where, guard=guard, nlu_triggers=triggers, persisted_slots=tuple(persisted),
            run_pattern_completed=bool(body.get("run_pattern_completed", True)), translations=translations,
        )

    def _translations(self, doc: Located, raw: Any, path: PathKey) -> dict[str, str]:
        """``translation: {ar: {name: ...}}``: the flow's name per language (Rasa Pro 3.21's shape)."""
        if raw is None:
            return {}
        names: dict[str, str] = {}
        if not isinstance(raw, dict):
            self.problems.error("bad-value", doc.at(path), "'translation' must map languages to {name: ...}, e.g. {ar: {name: طلب}}")
            return names
        for language, body in raw.items():
            if language == "metadata":
                continue
            if language not in self.languages:
                self.problems.warning("unknown-language", doc.at((*path, language)),
                                      f"language {language!r} is not configured; configured: {', '.join(self.languages)}")
            if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                self.problems.error("bad-value", doc.at((*path, language)), f"translation {language!r} must be {{name: <the flow's name>}}")
                continue
            names[str(language)] = body["name"]
        return names

    def _triggers(self, doc: Located, raw: Any, path: PathKey) -> tuple[NluTrigger, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.problems.error("bad-trigger", doc.at(path), "'nlu_trigger' must be a non-empty list of {intent: name}")
            return ()
        triggers = []
        for i, item in enumerate(raw):
            intent = item.get("intent") if isinstance(item, dict) else None
            threshold: Any = 0.0
            if isinstance(intent, dict):
                threshold = intent.get("confidence_threshold", 0.0)
                intent = intent.get("name")
            if not isinstance(intent, str) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
                self.problems.error(
                    "bad-trigger", doc.at((*path, i)),
                    f"expected {{intent: name}} or {{intent: {{name: ..., confidence_threshold: 0..1}}}}, got {item!r}",
                )
                continue
            triggers.append(NluTrigger(intent=intent, confidence_threshold=float(threshold), where=_where(doc, (*path, i))))
        return tuple(triggers)

    def _slots(self, doc: Located, raw: Any) -> None:
        if raw is None:
            return
        if not isinstance(raw, dict):
            self.problems.error("bad-slots", doc.at(("slots",)), "'slots' must be a mapping of slot names to {type: ...}")
            return
        for name, body in raw.items():
            path: PathKey = ("slots", name)
            if not isinstance(name, str) or not SLOT_NAME.match(name):
                self.problems.error("bad-slot-name", doc.where(path), f"slot name {name!r} must match {SLOT_NAME.pattern}")
                continue
            if name in self.slots:
                self.problems.error("duplicate-slot", doc.where(path), f"slot {name!r} is also declared at {self.slots[name].where}")
                continue
            slot = self._slot(doc, name, body, path)
            if slot is not None:
                self.slots[name] = slot

    def _slot(self, doc: Located, name: str, body: Any, path: PathKey) -> Slot | None:
        if not isinstance(body, dict):
            self.problems.error("bad-slot", doc.where(path), f"slot {name!r} must be a mapping such as {{type: text}}")
            return None
        for key in body:
            if key not in SLOT_KEYS:
                self.problems.error("unknown-key", doc.at((*path, key)), f"unknown key {key!r} in slot {name!r}{known(SLOT_KEYS, str(key))}")
        types = [t.value for t in SlotType]
        raw_type = body.get("type")
        if raw_type not in types:
            self.problems.error("bad-slot-type", doc.at((*path, "type")), f"slot {name!r} has type {raw_type!r}; allowed: {', '.join(types)}")
            return None
        values = body.get("values") or []
        if raw_type == "categorical" and (not isinstance(values, list) or not values):
            self.problems.error("missing-values", doc.where(path), f"categorical slot {name!r} needs 'values: [...]'")
        mappings = []
        for i, raw in enumerate(body.get("mappings") or []):
            mapping = self._mapping(doc, name, raw, (*path, "mappings", i))
            if mapping is not None:
                mappings.append(mapping)
        return Slot(name=name, type=SlotType(raw_type), values=tuple(values) if isinstance(values, list) else (),
                    initial_value=body.get("initial_value"), mappings=tuple(mappings), where=_where(doc, path))

    def _mapping(self, doc: Located, slot: str, raw: Any, path: PathKey) -> SlotMapping | None:
        kinds = [m.value for m in MappingType]
        if not isinstance(raw, dict) or raw.get("type") not in kinds:
            got = raw.get("type") if isinstance(raw, dict) else raw
            self.problems.error("bad-mapping", doc.at(path), f"slot {slot!r}: mapping type {got!r}; allowed: {', '.join(kinds)}")
            return None
        for key in raw:
            if key not in MAPPING_KEYS:
                self.problems.error("unknown-key", doc.at((*path, key)), f"unknown key {key!r} in a slot mapping{known(MAPPING_KEYS, str(key))}")
        kind = MappingType(raw["type"])
        if kind is MappingType.FROM_ENTITY and not raw.get("entity"):
            self.problems.error("bad-mapping", doc.at(path), f"slot {slot!r}: a from_entity mapping needs 'entity'")
        if kind is MappingType.FROM_INTENT and "value" not in raw:
            self.problems.error("bad-mapping", doc.at(path), f"slot {slot!r}: a from_intent mapping needs 'value'")
        return SlotMapping(
            type=kind, entity=raw.get("entity"), role=raw.get("role"), group=raw.get("group"),
            intent=_names(raw.get("intent")), not_intent=_names(raw.get("not_intent")), value=raw.get("value"), where=_where(doc, path),
        )

    def _names(self, doc: Located, data: dict[str, Any], key: str, into: set[str]) -> None:
        raw = data.get(key)
        if raw is None:
            return
        if not isinstance(raw, list):
            self.problems.error("bad-list", doc.at((key,)), f"'{key}' must be a list of names")
            return
        for item in raw:
            if isinstance(item, str):
                into.add(item)
            elif isinstance(item, dict):
                into.update(str(k) for k in item)

    def _session(self, doc: Located, raw: Any) -> None:
        if raw is None:
            return
        if not isinstance(raw, dict):
            self.problems.error("bad-session", doc.at(("session_config",)), "'session_config' must be a mapping")
            return
        minutes = raw.get("session_expiration_time")
        if minutes is not None:
            if not isinstance(minutes, int | float) or minutes < 0:
                self.problems.error("bad-value", doc.at(("session_config", "session_expiration_time")), "minutes, 0 or more (0: never)")
            else:
                self.session_minutes = float(minutes) or None
        self.carry_over = bool(raw.get("carry_over_slots_to_new_session", True))


def _names(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    return (raw,) if isinstance(raw, str) else tuple(str(x) for x in raw)


def _where(doc: Located, path: PathKey) -> Where:
    line = doc.lines.get(path, 0)
    column = doc.values.get(path, (0, 0))[1] if doc.values.get(path, (0, 0))[0] == line else 0
    return Where(doc.source, line, column)
