"""Read Rasa 3.x NLU training data (YAML) into typed examples, synonyms, regexes and lookups.

Files keep Rasa's format unchanged; keys of other Rasa files (``rules:``, ``stories:``,
``responses:``, ``flows:``...) are skipped. Stricter than Rasa where Rasa only warns and drops
data: every problem (bad markup, unknown keys, invalid regexes, the same text under two
intents, a surface form mapped to two synonyms...) is reported at once with file:line.
Layout on disk: ``nlu_data/<language>/**/*.yml``; files directly in ``nlu_data/`` have no language.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.errors import DataError
from bot.nlu.annotations import AnnotationError, EntityAnnotation, parse_annotated
from bot.yamlsource import Located, PathKey, read_yaml

__all__ = [
    "EntityAnnotation", "Example", "LookupTable", "RegexFeature", "TrainingData",
    "load_nlu_dir", "load_nlu_file", "parse_nlu",
]

KINDS = ("intent", "synonym", "regex", "lookup")
_ITEM_KEYS = {"intent": ("intent", "examples", "metadata"), "synonym": ("synonym", "examples"),
              "regex": ("regex", "examples"), "lookup": ("lookup", "examples")}
_EXAMPLE_KEYS = ("text", "metadata")
# Top-level keys of other Rasa data/domain/test files: skipped, not errors.
OTHER_RASA_KEYS = ("responses", "rules", "stories", "flows", "intents", "entities", "slots", "forms",
                   "actions", "e2e_actions", "session_config", "config", "test_cases", "fixtures",
                   "metadata", "stub_custom_actions")
_TOP_KEYS = ("version", "nlu", *OTHER_RASA_KEYS)
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_WHERE = re.compile(r"(.+?):(\d+):")


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One training utterance, markup removed."""

    text: str
    intent: str
    entities: tuple[EntityAnnotation, ...] = ()
    language: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # intent's, then example's
    source: str = ""  # file:line


@dataclass(frozen=True, slots=True)
class RegexFeature:
    """A named regular expression (``regex:`` block), one per pattern."""

    name: str
    pattern: str
    source: str


@dataclass(frozen=True, slots=True)
class LookupTable:
    """A named list of values (``lookup:`` blocks of the same name are joined)."""

    name: str
    elements: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Everything read from NLU files."""

    examples: tuple[Example, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # casefolded surface -> value
    regexes: tuple[RegexFeature, ...] = ()
    lookups: tuple[LookupTable, ...] = ()
    warnings: tuple[str, ...] = ()  # legal but suspicious (the same text under two intents)

    def intents(self) -> list[str]:
        """The intent names, sorted."""
        return sorted({e.intent for e in self.examples})

    def entities(self) -> list[str]:
        """The entity names annotated in examples, sorted."""
        return sorted({a.entity for e in self.examples for a in e.entities})

    def merge(self, other: TrainingData) -> TrainingData:
        """Both together (unchecked: ``other`` wins a synonym both define)."""
        return TrainingData(self.examples + other.examples, MappingProxyType({**self.synonyms, **other.synonyms}),
                            self.regexes + other.regexes, _join_lookups(self.lookups + other.lookups),
                            self.warnings + other.warnings)

    def by_language(self, language: str) -> TrainingData:
        """Only the examples in ``language`` or without a language; the rest is shared."""
        kept = tuple(e for e in self.examples if e.language in (language, None))
        return TrainingData(kept, self.synonyms, self.regexes, self.lookups, self.warnings)


@dataclass
class _Draft:
    """What the files said, before the checks that need all of it."""

    examples: list[Example] = field(default_factory=list)
    synonyms: list[tuple[str, str, str]] = field(default_factory=list)  # surface, value, where
    regexes: list[RegexFeature] = field(default_factory=list)
    lookups: list[LookupTable] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_nlu(located: Located, *, language: str | None = None) -> TrainingData:
    """Turn one parsed YAML file into training data, reporting every problem at once.

    """
    draft = _Draft()
    _read_file(located, language, draft)
    return _finish(draft, located.source)


def load_nlu_file(path: Path, *, language: str | None = None, source: str | None = None) -> TrainingData:
    """Read one NLU YAML file."""
    return parse_nlu(read_yaml(path, source), language=language)


def load_nlu_dir(root: Path, languages: Sequence[str]) -> TrainingData:
    """Read ``root/<language>/**/*.yml|yaml`` (and files directly in ``root``, language None)."""
    draft = _Draft()
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    bad_folders: set[str] = set()
    for path in files:
        rel = path.relative_to(root)
        language = rel.parts[0] if len(rel.parts) > 1 else None
        if language is not None and language not in languages:
            if language not in bad_folders:
                bad_folders.add(language)
                draft.problems.append(f"{root.name}/{language}: folder {language!r} is not a configured language"
                                      f"{_suggest(language, languages)}; configured: {', '.join(languages)}")
            continue
        try:
            located = read_yaml(path, f"{root.name}/{rel.as_posix()}")
        except DataError as exc:
            draft.problems.append(str(exc))
            continue
        _read_file(located, language, draft)
    return _finish(draft, str(root))


def _read_file(doc: Located, language: str | None, draft: _Draft) -> None:
    problems = draft.problems
    data = doc.data
    if data is None:
        return
    if not isinstance(data, dict):
        problems.append(f"{doc.source}:1: expected a mapping with an 'nlu:' key, got {type(data).__name__}")
        return
    for path, line, earlier in doc.duplicates:
        problems.append(f"{doc.source}:{line}: {'.'.join(map(str, path))}: written twice; the one at line {earlier} would be lost")
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"{doc.where((key,))}: unknown top-level key {key!r}{_suggest(str(key), _TOP_KEYS)}")
    items = data.get("nlu")
    if items is None:
        return
    if not isinstance(items, list):
        problems.append(f"{doc.where(('nlu',))}: 'nlu' must be a list of items (- intent: ..., - synonym: ...)")
        return
    for i, item in enumerate(items):
        _read_item(doc, ("nlu", i), item, language, draft)


def _read_item(doc: Located, path: PathKey, item: Any, language: str | None, draft: _Draft) -> None:
    problems = draft.problems
    where = doc.where(path)
    if not isinstance(item, dict):
        problems.append(f"{where}: an nlu item must be a mapping such as 'intent: greet' + 'examples:', got {item!r}")
        return
    kinds = [k for k in KINDS if k in item]
    if len(kinds) != 1:
        if kinds:
            problems.append(f"{where}: one item cannot be both {' and '.join(map(repr, kinds))}; split it")
        else:
            hint = next((s for s in (_suggest(str(k), KINDS) for k in item) if s), "")
            problems.append(f"{where}: item has none of {', '.join(KINDS)}{hint}")
        return
    kind = kinds[0]
    for key in item:
        if key not in _ITEM_KEYS[kind]:
            problems.append(f"{doc.where((*path, key))}: unknown key {key!r} next to '{kind}:'"
                            f"{_suggest(str(key), _ITEM_KEYS[kind])}; allowed: {', '.join(_ITEM_KEYS[kind])}")
    name = _name(doc, path, item, kind, problems)
    examples = item.get("examples")
    if "examples" not in item or examples in (None, "", []):
        problems.append(f"{where}: {kind} {item[kind]!r} has no examples; add 'examples: |' with '- ' lines")
        return
    if name is None:
        return
    if kind == "intent":
        _read_intent(doc, path, item, name, language, draft)
        return
    if not isinstance(examples, str):
        problems.append(f"{doc.where((*path, 'examples'))}: {kind} {name!r}: 'examples' must be a block string (examples: |) of '- ' lines")
        return
    before = len(problems)
    elements = list(_lines(doc, path, examples, kind, name, problems))
    if not elements and len(problems) == before:
        problems.append(f"{where}: {kind} {name!r} has no '- ' examples")
    if kind == "synonym":
        draft.synonyms.extend((text, name, at) for at, text in elements)
    elif kind == "regex":
        for at, pattern in elements:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{at}: regex {name!r}: invalid pattern {pattern!r}: {exc}")
                continue
            draft.regexes.append(RegexFeature(name, pattern, at))
    elif elements:
        draft.lookups.append(LookupTable(name, tuple(text for _, text in elements), where))


def _name(doc: Located, path: PathKey, item: dict[str, Any], kind: str, problems: list[str]) -> str | None:
    raw = item[kind]
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        what = "is empty" if raw is None else f"must be text, got {raw!r} (quote it)"
        problems.append(f"{doc.where((*path, kind))}: the {kind} name {what}")
        return None
    name = str(raw).strip()
    if not name:
        problems.append(f"{doc.where((*path, kind))}: the {kind} name is empty")
        return None
    return name


def _read_intent(doc: Located, path: PathKey, item: dict[str, Any], intent: str, language: str | None, draft: _Draft) -> None:
    problems = draft.problems
    before = len(problems)
    intent_meta = _metadata(doc, (*path, "metadata"), item.get("metadata"), problems)
    raw = item["examples"]
    found: list[tuple[str, str, Mapping[str, Any]]] = []  # where, markup, metadata
    if isinstance(raw, str):
        found.extend((at, text, intent_meta) for at, text in _lines(doc, path, raw, "intent", intent, problems))
    elif isinstance(raw, list):
        for j, entry in enumerate(raw):
            epath = (*path, "examples", j)
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) or not entry["text"].strip():
                problems.append(f"{doc.where(epath)}: intent {intent!r}: each example must be a mapping with a non-empty 'text:'")
                continue
            for key in entry:
                if key not in _EXAMPLE_KEYS:
                    problems.append(f"{doc.where((*epath, key))}: unknown key {key!r} in an example"
                                    f"{_suggest(str(key), _EXAMPLE_KEYS)}; allowed: text, metadata")
            meta = _metadata(doc, (*epath, "metadata"), entry.get("metadata"), problems)
            found.append((doc.where((*epath, "text")), entry["text"].strip(), MappingProxyType({**intent_meta, **meta})))
    else:
        problems.append(f"{doc.where((*path, 'examples'))}: intent {intent!r}: 'examples' must be a block string of '- ' lines or a list of {{text: ...}}")
    if not found and len(problems) == before:
        problems.append(f"{doc.where(path)}: intent {intent!r} has no '- ' examples")
    for at, markup, meta in found:
        try:
            text, entities = parse_annotated(markup)
        except AnnotationError as exc:
            problems.append(f"{at}: intent {intent!r}: example {markup!r}: {exc.reason} (at character {exc.index + 1})")
            continue
        draft.examples.append(Example(text=text, intent=intent, entities=entities, language=language, metadata=meta, source=at))
        draft.synonyms.extend((e.text, str(e.value), at) for e in entities if e.text != str(e.value))


def _metadata(doc: Located, path: PathKey, raw: Any, problems: list[str]) -> Mapping[str, Any]:
    if raw is None:
        return _EMPTY
    if not isinstance(raw, dict):
        problems.append(f"{doc.where(path)}: metadata must be a mapping (key: value), got {raw!r}")
        return _EMPTY
    return MappingProxyType(raw)


def _lines(doc: Located, path: PathKey, block: str, kind: str, name: str, problems: list[str]) -> Iterable[tuple[str, str]]:
    """``(file:line, text)`` of each ``- `` line; the lines of a ``|`` block start after the key."""
    key_line = doc.lines.get((*path, "examples"), doc.lines.get(path, 0))
    first = key_line + 1 if "\n" in block else key_line
    for index, raw in enumerate(block.splitlines()):
        line = raw.strip()
        at = f"{doc.source}:{first + index}"
        if not line or line.startswith("#"):
            continue
        if not line.startswith("-"):
            problems.append(f"{at}: {kind} {name!r}: example {line!r} must start with '- '")
        elif not line[1:].strip():
            problems.append(f"{at}: {kind} {name!r}: empty example after '-'")
        else:
            yield at, line[1:].strip()


def _finish(draft: _Draft, source: str) -> TrainingData:
    problems = draft.problems
    warnings: list[str] = []  # Rasa only warns about conflicting examples, so public files still load
    first: dict[tuple[str | None, str], Example] = {}
    for ex in draft.examples:
        seen = first.setdefault((ex.language, ex.text), ex)
        if seen.intent != ex.intent:
            warnings.append(f"{ex.source}: example {ex.text!r} is under intent {ex.intent!r} here and under "
                            f"intent {seen.intent!r} at {seen.source}; keep it under one intent")
    synonyms: dict[str, str] = {}
    origin: dict[str, str] = {}
    for surface, value, at in draft.synonyms:
        key = surface.casefold()
        if key in synonyms and synonyms[key] != value:
            problems.append(f"{at}: {surface!r} is a synonym of {value!r} here but of {synonyms[key]!r} at {origin[key]}")
            continue
        synonyms.setdefault(key, value)
        origin.setdefault(key, at)
    if problems:
        problems.sort(key=_file_line)
        count = len(problems)
        raise DataError(f"{source}: {count} problem{'s' if count != 1 else ''} in NLU data\n" + "\n".join(f"  - {p}" for p in problems))
    return TrainingData(tuple(draft.examples), MappingProxyType(synonyms), tuple(draft.regexes),
                        _join_lookups(draft.lookups), tuple(warnings))


def _file_line(problem: str) -> tuple[str, int]:
    """Sort key: problems grouped by file, in line order."""
    found = _WHERE.match(problem)
    return (found[1], int(found[2])) if found else (problem, 0)


def _join_lookups(tables: Iterable[LookupTable]) -> tuple[LookupTable, ...]:
    joined: dict[str, LookupTable] = {}
    for table in tables:
        before = joined.get(table.name)
        elements = tuple(dict.fromkeys((before.elements if before else ()) + table.elements))
        joined[table.name] = LookupTable(table.name, elements, before.source if before else table.source)
    return tuple(joined.values())


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
