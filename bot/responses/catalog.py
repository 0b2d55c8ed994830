"""Load responses (Rasa ``responses:`` YAML, extended with ``language:``) into typed variations.

Our extension: a variation may say ``language: ar``; a variation without it is in the bot's
default language. Every problem in the file is reported at once with file:line.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.messages import Button
from bot.errors import DataError
from bot.flows.conditions import Condition, ConditionError, parse_condition
from bot.responses.jinja import JINJA, JinjaTemplates
from bot.responses.rich import RICH_KEYS, RichContent, RichError, read_rich
from bot.yamlsource import Located, read_yaml

VARIATION_KEYS = (
    "text", "buttons", "button_type", "quick_replies", "image", "custom", "attachment",
    "elements", "channel", "condition", "metadata", "id", "language", "list", "product", "products",
)
_TOP_KEYS = ("version", "responses")


@dataclass(frozen=True, slots=True)
class SlotCondition:
    """``{type: slot, name, value}``: the slot must equal the value (strings case-insensitively)."""

    name: str
    value: Any

    def holds(self, slots: Mapping[str, Any]) -> bool:
        """Whether the slot has the value."""
        actual = slots.get(self.name)
        if isinstance(actual, str) and isinstance(self.value, str):
            return actual.casefold() == self.value.casefold()
        return bool(actual == self.value)


@dataclass(frozen=True, slots=True)
class PredicateCondition:
    """``condition: slots.x is true``: a predicate in the flows' condition language (Rasa Pro style)."""

    predicate: Condition

    @property
    def name(self) -> str:
        """The predicate's text (for messages)."""
        return self.predicate.source

    def holds(self, slots: Mapping[str, Any]) -> bool:
        """Whether the predicate is true for these slots."""
        return self.predicate.evaluate({"slots": dict(slots), "context": {}})


@dataclass(frozen=True, slots=True, kw_only=True)
class Variation:
    """One way of saying a response."""

    text: str | None
    buttons: tuple[Button, ...] = ()
    language: str | None = None
    channel: str | None = None
    conditions: tuple[SlotCondition | PredicateCondition, ...] = ()
    image: str | None = None
    custom: Mapping[str, Any] | None = None
    template: str | None = None  # "jinja" (``metadata: {template: jinja}``); else ``{slot}`` placeholders
    rich: RichContent | None = None  # a list, product(s), image or file (``bot.responses.rich``)


@dataclass(frozen=True, slots=True)
class Responses:
    """All responses of the bot by name."""

    by_name: Mapping[str, tuple[Variation, ...]]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def names(self) -> list[str]:
        """The response names, sorted."""
        return sorted(self.by_name)

    @classmethod
    def empty(cls) -> Responses:
        """No responses at all."""
        return cls({})


def load_responses(path: Path, *, languages: Iterable[str], source: str | None = None) -> Responses:
    """Read a responses file; a missing file means no responses."""
    if not path.exists():
        return Responses.empty()
    return parse_responses(read_yaml(path, source), languages=languages)


def parse_responses(doc: Located, *, languages: Iterable[str]) -> Responses:
    """Turn parsed YAML into responses, reporting every problem at once."""
    problems: list[str] = []
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise DataError(f"{doc.source}:1: expected a mapping with a 'responses:' key, got {type(data).__name__}")
    for path, line, earlier in doc.duplicates:
        problems.append(f"{doc.source}:{line}: {'.'.join(map(str, path))}: written twice; the one at line {earlier} is ignored")
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"{doc.where((key,))}: unknown key {key!r}{_suggest(key, _TOP_KEYS)}")
    by_name = collect_responses(doc, languages=languages, problems=problems)
    if problems:
        raise DataError(f"{doc.source}: {len(problems)} problem(s) in responses\n" + "\n".join(f"  - {p}" for p in problems))
    return Responses(by_name)


def collect_responses(doc: Located, *, languages: Iterable[str], problems: list[str]) -> dict[str, tuple[Variation, ...]]:
    """The ``responses:`` of a file that may hold other keys too (a Rasa domain file); problems are appended."""
    allowed_languages = sorted(languages)
    data = doc.data if isinstance(doc.data, dict) else {}
    raw = data.get("responses") or {}
    if not isinstance(raw, dict):
        problems.append(f"{doc.where(('responses',))}: 'responses' must be a mapping of response names to variations")
        raw = {}
    by_name: dict[str, tuple[Variation, ...]] = {}
    for name, variations in raw.items():
        where = doc.where(("responses", name))
        if not isinstance(name, str) or not name.startswith("utter_"):
            problems.append(f"{where}: response name {name!r} must start with 'utter_'")
        if not isinstance(variations, list) or not variations:
            problems.append(f"{where}: {name}: expected a non-empty list of variations (each with 'text:')")
            continue
        parsed = [_variation(doc, ("responses", name, i), v, allowed_languages, problems) for i, v in enumerate(variations)]
        by_name[str(name)] = tuple(v for v in parsed if v is not None)
    return by_name


def _variation(doc: Located, path: tuple[Any, ...], raw: Any, languages: list[str], problems: list[str]) -> Variation | None:
    where = doc.where(path)
    if not isinstance(raw, dict):
        problems.append(f"{where}: a variation must be a mapping such as {{text: Hello}}, got {raw!r}")
        return None
    before = len(problems)
    for key in raw:
        if key not in VARIATION_KEYS:
            problems.append(f"{doc.where((*path, key))}: unknown key {key!r}{_suggest(str(key), VARIATION_KEYS)}; known keys: {', '.join(VARIATION_KEYS)}")
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        text = str(text)
    metadata = raw.get("metadata") or {}
    template = metadata.get("template") if isinstance(metadata, dict) else None
    if template is not None and template != JINJA:
        problems.append(f"{doc.where((*path, 'metadata', 'template'))}: unknown template kind {template!r}; the known one is 'jinja'")
    if isinstance(text, str) and template == JINJA:
        wrong = JinjaTemplates().check(text)
        if wrong is not None:
            problems.append(f"{doc.where((*path, 'text'))}: bad Jinja template {text!r}: {wrong}")
    elif isinstance(text, str):
        try:
            list(string.Formatter().parse(text))
        except ValueError as exc:
            problems.append(f"{doc.where((*path, 'text'))}: bad {{slot}} placeholder in {text!r}: {exc}; write literal braces as {{{{ and }}}}")
    rich: RichContent | None = None
    custom = raw.get("custom")
    try:
        rich = read_rich(raw) or (read_rich(custom) if isinstance(custom, dict) else None)
    except RichError as exc:
        base = path if any(raw.get(key) not in (None, "", [], {}) for key in RICH_KEYS) else (*path, "custom")
        problems.append(f"{doc.where((*base, *exc.path))}: {exc}")
    if rich is not None and raw.get("buttons"):
        problems.append(f"{doc.where((*path, 'buttons'))}: buttons cannot go with {rich.kind} content; "
                        "put the buttons in a variation of their own response")
    if custom is not None and rich is None and not isinstance(custom, dict):
        problems.append(f"{doc.where((*path, 'custom'))}: 'custom' must be a mapping")
    elif custom is not None and rich is None and len(problems) == before:
        problems.append(f"{doc.where((*path, 'custom'))}: 'custom' is read only in the channel-neutral shapes "
                        f"{', '.join(RICH_KEYS)} (see docs/responses.md); other custom payloads are not sent by any channel")
    if text is None and rich is None and len(problems) == before:
        problems.append(f"{where}: a variation needs a 'text' (or one of {', '.join(RICH_KEYS)})")
    language = raw.get("language")
    if language is not None and language not in languages:
        problems.append(f"{doc.where((*path, 'language'))}: language {language!r} is not configured; configured: {', '.join(languages)}")
    buttons: list[Button] = []
    for i, button in enumerate(raw.get("buttons") or []):
        if not isinstance(button, dict) or "title" not in button or "payload" not in button:
            problems.append(f"{doc.where((*path, 'buttons', i))}: a button needs 'title' and 'payload'")
            continue
        buttons.append(Button(title=str(button["title"]), payload=str(button["payload"])))
    conditions: list[SlotCondition | PredicateCondition] = []
    raw_conditions = raw.get("condition") or []
    if isinstance(raw_conditions, str | bool):
        try:
            conditions.append(PredicateCondition(parse_condition(raw_conditions)))
        except ConditionError as exc:
            problems.append(f"{doc.at((*path, 'condition'), exc.column - 1)}: condition {raw_conditions!r}: {exc.reason}")
        raw_conditions = []
    for i, cond in enumerate(raw_conditions):
        if not isinstance(cond, dict) or cond.get("type") != "slot" or "name" not in cond:
            problems.append(f"{doc.where((*path, 'condition', i))}: a condition must be {{type: slot, name: ..., value: ...}}")
            continue
        conditions.append(SlotCondition(str(cond["name"]), cond.get("value")))
    if len(problems) > before:
        return None
    return Variation(
        text=text,
        buttons=tuple(buttons),
        language=language,
        channel=raw.get("channel"),
        conditions=tuple(conditions),
        image=raw.get("image"),
        custom=raw.get("custom"),
        template=template,
        rich=rich,
    )


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
