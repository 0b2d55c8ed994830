"""Read conversation test files into ``TestFile``s, collecting every problem with file:line.

A broken file raises one ``TestFileError`` that lists all problems of all files, each as
``file:line: what is wrong`` with the allowed keys or values; nothing runs until they are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.actions.base import ActionResult, checked_result
from bot.actions.errors import ActionFailed
from bot.core.conversation import Owner
from bot.errors import DataError
from bot.flows.loader import yaml_files
from bot.flows.problems import known
from bot.testing.assertions import read_assertion
from bot.testing.model import (
    BotStep,
    FlowCheck,
    OwnerCheck,
    SlotsCheck,
    Step,
    TestCase,
    TestFile,
    UserStep,
    UtterStep,
    WaitStep,
)
from bot.testing.shapes import Shapes
from bot.yamlsource import Located, PathKey, read_yaml

TOP_KEYS = ("test_cases", "fixtures", "metadata", "stub_custom_actions")
CASE_KEYS = ("test_case", "steps", "fixtures", "metadata", "language")
STEP_KEYS = ("user", "bot", "utter", "slot_was_set", "slot_was_not_set", "flow", "wait", "owner")
USER_KEYS = ("user", "assertions", "metadata", "assertion_order_enabled")
STUB_KEYS = ("events", "responses")
TURN_CHECKS = ("bot", "utter", "slot_was_set", "slot_was_not_set")  # need a user step before them


class TestFileError(DataError):
    """Conversation test files are broken; ``problems`` has every problem as ``file:line: message``."""

    __test__ = False

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listed = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in conversation tests:\n{listed}")


def load_tests(paths: Iterable[Path], *, languages: Sequence[str] | None = None, root: Path | None = None) -> list[TestFile]:
    """Every test file under ``paths`` (files or folders); ``TestFileError`` lists all problems."""
    problems: list[str] = []
    files: list[TestFile] = []
    for path in yaml_files(paths):
        name = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        try:
            doc = read_yaml(path, name)
        except DataError as exc:
            problems.append(str(exc))
            continue
        files.append(_FileReader(doc, problems, languages).read())
    if problems:
        raise TestFileError(problems)
    return files


def parse_tests(doc: Located, *, languages: Sequence[str] | None = None) -> TestFile:
    """The test cases of one parsed document; ``TestFileError`` lists its problems."""
    problems: list[str] = []
    test_file = _FileReader(doc, problems, languages).read()
    if problems:
        raise TestFileError(problems)
    return test_file


class _FileReader:
    def __init__(self, doc: Located, problems: list[str], languages: Sequence[str] | None) -> None:
        self.doc = doc
        self.shapes = Shapes(doc, problems)
        self.languages = languages

    def error(self, path: PathKey, message: str) -> None:
        self.shapes.error(path, message)

    def read(self) -> TestFile:
        """The file's test cases; its problems are added to ``problems``, in line order."""
        first = len(self.shapes.problems)
        test_file = self._read()
        self.shapes.problems[first:] = sorted(self.shapes.problems[first:], key=_line_of)
        return test_file

    def _read(self) -> TestFile:
        doc, data = self.doc, self.doc.data
        for path, line, earlier in doc.duplicates:
            self.shapes.problems.append(f"{doc.source}:{line}: {'.'.join(map(str, path))} is written twice "
                                        f"(also at line {earlier}); YAML keeps only this one")
        if not isinstance(data, dict) or "test_cases" not in data:
            self.error((), "a conversation test file needs a 'test_cases:' list")
            return TestFile(doc.source, ())
        self.shapes.keys((), data, TOP_KEYS, "at the top level")
        fixtures = self._named(("fixtures",), data.get("fixtures"), self._fixture)
        metadata = self._named(("metadata",), data.get("metadata"), self._metadata)
        cases: list[TestCase] = []
        raw_cases = data["test_cases"]
        if not isinstance(raw_cases, list):
            self.error(("test_cases",), f"test_cases must be a list of test cases, got {type(raw_cases).__name__}")
            raw_cases = []
        seen: dict[str, str] = {}
        for index, raw in enumerate(raw_cases):
            case = self._case(("test_cases", index), raw, fixtures, metadata)
            if case is None:
                continue
            if case.name in seen:
                self.error(("test_cases", index, "test_case"), f"test case {case.name!r} is also defined at {seen[case.name]}")
            seen[case.name] = case.where
            cases.append(case)
        stubs = self._stubs(data.get("stub_custom_actions"), [c.name for c in cases])
        if stubs is not None:
            cases = [_with_stubs(case, stubs) for case in cases]
        return TestFile(doc.source, tuple(cases))

    def _named(self, path: PathKey, raw: Any, item: Any) -> dict[str, Any]:
        """Rasa's ``- name: value`` lists (fixtures, metadata) as a dict."""
        if raw is None:
            return {}
        if not isinstance(raw, list):
            self.error(path, f"{path[0]} must be a list of `- name: ...` entries")
            return {}
        named: dict[str, Any] = {}
        for index, entry in enumerate(raw):
            if not isinstance(entry, dict) or len(entry) != 1:
                self.error((*path, index), f"each entry of {path[0]} is one `name: ...` mapping, got {entry!r}")
                continue
            (name, value), = entry.items()
            named[str(name)] = item((*path, index, name), value)
        return named

    def _fixture(self, path: PathKey, value: Any) -> tuple[tuple[str, Any], ...]:
        if not isinstance(value, list):
            self.error(path, f"fixture {path[-1]!r} must be a list of `- slot: value` mappings")
            return ()
        slots: list[tuple[str, Any]] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or not item:
                self.error((*path, index), f"fixture {path[-1]!r}: each item is a `slot: value` mapping, got {item!r}")
                continue
            slots += [(str(name), slot_value) for name, slot_value in item.items()]
        return tuple(slots)

    def _metadata(self, path: PathKey, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.error(path, f"metadata {path[-1]!r} must be a mapping of message metadata")
            return {}
        return dict(value)

    def _case(self, path: PathKey, raw: Any, fixtures: dict[str, Any], metadata: dict[str, Any]) -> TestCase | None:
        if not isinstance(raw, dict):
            self.error(path, "a test case is a mapping with 'test_case:' and 'steps:'")
            return None
        self.shapes.keys(path, raw, CASE_KEYS, "in a test case")
        name = raw.get("test_case")
        if not isinstance(name, str) or not name.strip():
            self.error((*path, "test_case") if "test_case" in raw else path, "a test case needs a name: `test_case: <text>`")
            name = f"#{path[-1]}"
        slots: list[tuple[str, Any]] = []
        for index, fixture in enumerate(self.shapes.names((*path, "fixtures"), raw.get("fixtures"))):
            if fixture in fixtures:
                slots += fixtures[fixture]
            else:
                self.error((*path, "fixtures", index), f"unknown fixture {fixture!r}{known(fixtures, fixture)}")
        case_metadata = self._metadata_ref((*path, "metadata"), raw.get("metadata"), metadata)
        language = raw.get("language")
        if language is not None and (not isinstance(language, str) or (self.languages and language not in self.languages)):
            allowed = ", ".join(self.languages or ()) or "a language code"
            self.error((*path, "language"), f"language {language!r} is not one the bot speaks; allowed: {allowed}")
            language = None
        steps_raw = raw.get("steps")
        if not isinstance(steps_raw, list) or not steps_raw:
            self.error((*path, "steps") if "steps" in raw else path, "a test case needs a non-empty 'steps:' list")
            steps_raw = []
        steps: list[Step] = []
        seen_user = False
        for index, step_raw in enumerate(steps_raw):
            step = self._step((*path, "steps", index), step_raw, metadata, seen_user)
            if step is not None:
                steps.append(step)
                seen_user = seen_user or isinstance(step, UserStep)
        return TestCase(name=name, where=self.doc.where(path), steps=tuple(steps), slots=tuple(slots),
                        language=language, metadata=case_metadata)

    def _metadata_ref(self, path: PathKey, name: Any, metadata: dict[str, Any]) -> dict[str, Any]:
        if name is None:
            return {}
        if not isinstance(name, str) or name not in metadata:
            self.error(path, f"unknown metadata {name!r}{known(metadata, str(name))}")
            return {}
        return dict(metadata[name])

    def _step(self, path: PathKey, raw: Any, metadata: dict[str, Any], seen_user: bool) -> Step | None:
        kinds = [key for key in raw if key in STEP_KEYS] if isinstance(raw, dict) else []
        if len(kinds) != 1:
            got = f"it has {' and '.join(kinds)}" if kinds else f"got {raw!r}"
            self.error(path, f"a step is a mapping with one of {', '.join(STEP_KEYS)}; {got}")
            return None
        kind = kinds[0]
        self.shapes.keys(path, raw, USER_KEYS if kind == "user" else (kind,), f"in a {kind!r} step")
        value, where = raw[kind], self.doc.where((*path, kind))
        if kind in TURN_CHECKS and not seen_user:
            self.error((*path, kind), f"'{kind}' checks the bot's answer to the user step before it; put a `user:` step first")
            return None
        if kind == "user":
            return self._user(path, raw, metadata)
        if kind == "utter":
            return UtterStep(self.shapes.text((*path, kind), value, "utter takes a response name"), where)
        if kind == "bot":
            return BotStep(self.shapes.text((*path, kind), value, "bot takes the text the bot says"), where)
        if kind in ("slot_was_set", "slot_was_not_set"):
            slots = self.shapes.classic_slots((*path, kind), value)
            return SlotsCheck(slots, kind == "slot_was_set", where, classic=True)
        if kind == "flow":
            flow = None if value is None else self.shapes.text((*path, kind), value, "flow takes a flow id, or null for no flow")
            return FlowCheck(flow, where)
        if kind == "wait":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                self.error((*path, kind), f"wait takes a number of seconds (0 or more), got {value!r}")
                return None
            return WaitStep(float(value), where)
        owners = [o.value for o in Owner]
        if value not in owners:
            self.error((*path, kind), f"owner must be one of {', '.join(owners)}, got {value!r}")
            return None
        return OwnerCheck(Owner(value), where)

    def _user(self, path: PathKey, raw: dict[str, Any], metadata: dict[str, Any]) -> UserStep:
        text = raw["user"]
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)
        text = self.shapes.text((*path, "user"), text, "user takes the text the customer sends")
        ordered = raw.get("assertion_order_enabled", False)
        if not isinstance(ordered, bool):
            self.error((*path, "assertion_order_enabled"), f"assertion_order_enabled is true or false, got {ordered!r}")
            ordered = False
        raw_assertions = raw.get("assertions") or []
        if not isinstance(raw_assertions, list):
            self.error((*path, "assertions"), "assertions must be a list of `- <assertion>: ...` items")
            raw_assertions = []
        assertions = [read_assertion(self.shapes, (*path, "assertions", i), item) for i, item in enumerate(raw_assertions)]
        return UserStep(
            text=text, where=self.doc.where((*path, "user")), assertions=tuple(a for a in assertions if a is not None),
            metadata=self._metadata_ref((*path, "metadata"), raw.get("metadata"), metadata), ordered=ordered,
        )

    def _stubs(self, raw: Any, cases: list[str]) -> dict[str, ActionResult] | None:
        if raw is None:
            return None
        path: PathKey = ("stub_custom_actions",)
        if not isinstance(raw, dict):
            self.error(path, "stub_custom_actions maps action names to {events: [...], responses: [...]}")
            return {}
        stubs: dict[str, ActionResult] = {}
        for key, stub in raw.items():
            at = (*path, key)
            case, _, action = str(key).rpartition("::")
            if case and case not in cases:
                self.error(at, f"stub {key!r} is for an unknown test case {case!r}{known(cases, case)}")
                continue
            if not isinstance(stub, dict):
                self.error(at, f"stub {key!r} must be a mapping with {' and '.join(STUB_KEYS)}")
                continue
            self.shapes.keys(at, stub, STUB_KEYS, f"in stub {key!r}")
            try:
                stubs[str(key)] = checked_result(action, stub.get("events", []), stub.get("responses", []),
                                                 source=f"stub {key!r}")
            except ActionFailed as exc:
                found = [line.strip()[2:] for line in exc.message.splitlines() if line.startswith("  - ")]
                self.error(at, f"stub {key!r} is not in Rasa's shape: {'; '.join(found)}; write events such as "
                           "{event: slot, name: order_status, value: shipped} and responses such as {text: Shipped}")
        return stubs


def _line_of(problem: str) -> int:
    """The line of a ``file:line: message`` problem (0 when it names no line)."""
    match = re.match(r"^[^\n]*?:(\d+):", problem)
    return int(match.group(1)) if match else 0


def _with_stubs(case: TestCase, stubs: dict[str, ActionResult]) -> TestCase:
    """The stubs a case sees: every plain one, replaced by its own ``case::action`` ones."""
    chosen = {key: result for key, result in stubs.items() if "::" not in key}
    prefix = f"{case.name}::"
    chosen |= {key[len(prefix):]: result for key, result in stubs.items() if key.startswith(prefix)}
    return replace(case, stubs=tuple(sorted(chosen.items())))
