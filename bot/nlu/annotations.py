"""Entity markup inside NLU examples (Rasa 3.x): ``[text](entity)``, ``[text](entity:value)``,
``[text]{"entity": ..., "value": ..., "role": ..., "group": ...}`` and ``[text][{...}, {...}]``.

``parse_annotated`` removes the markup and returns the plain text with character spans (so
Arabic and Chinese spans count characters, not bytes). Unlike Rasa, which leaves markup it
cannot read in the text, any ``[`` or ``]`` that is not part of a valid annotation is an error.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

ENTITY_KEYS = ("entity", "value", "role", "group")


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityAnnotation:
    """An entity marked in an example; ``text[start:end] == self.text`` on the plain text."""

    start: int
    end: int
    entity: str
    value: Any  # the "value" of the {...} or (entity:value) form, else the annotated text
    text: str
    role: str | None = None
    group: str | None = None


class AnnotationError(ValueError):
    """Markup that cannot be read; ``index`` is the 0-based position in the example."""

    def __init__(self, reason: str, index: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.index = index


def parse_annotated(example: str) -> tuple[str, tuple[EntityAnnotation, ...]]:
    """Remove entity markup from ``example``; return the plain text and the annotations."""
    plain: list[str] = []
    found: list[EntityAnnotation] = []
    length = 0  # length of the plain text so far
    i = 0
    while i < len(example):
        nxt = _next_bracket(example, i)
        plain.append(example[i:nxt])
        length += nxt - i
        if nxt == len(example):
            break
        if example[nxt] == "]":
            raise AnnotationError("']' has no matching '['", nxt)
        close = example.find("]", nxt + 1)
        inner = example.find("[", nxt + 1)
        if close == -1:
            raise AnnotationError("'[' is never closed by ']'", nxt)
        if inner != -1 and inner < close:
            raise AnnotationError("'[' is not closed before the next '['", nxt)
        surface = example[nxt + 1 : close]
        if not surface.strip():
            raise AnnotationError("'[]' marks no text", nxt)
        attributes, i = _attributes(example, close + 1, surface, nxt)
        for attrs in attributes:
            found.append(
                EntityAnnotation(
                    start=length,
                    end=length + len(surface),
                    entity=attrs["entity"],
                    value=attrs.get("value", surface),
                    text=surface,
                    role=attrs.get("role"),
                    group=attrs.get("group"),
                )
            )
        plain.append(surface)
        length += len(surface)
    return "".join(plain), tuple(found)


def _next_bracket(text: str, start: int) -> int:
    hits = [p for p in (text.find("[", start), text.find("]", start)) if p != -1]
    return min(hits) if hits else len(text)


def _attributes(example: str, at: int, surface: str, opening: int) -> tuple[list[dict[str, Any]], int]:
    """Read what follows ``[surface]``; return the entity dicts and the index after them."""
    head = f"[{surface}]"
    marker = example[at : at + 1]
    if marker == "(":
        close = example.find(")", at)
        if close == -1:
            raise AnnotationError(f"'(' after {head} is never closed by ')'", at)
        name, colon, value = example[at + 1 : close].partition(":")
        if not name.strip():
            raise AnnotationError(f"{head}(...) has no entity name; write {head}(entity_name)", at)
        attrs: dict[str, Any] = {"entity": name.strip()}
        if colon:
            if not value.strip():
                raise AnnotationError(f"{head}({name}:) has an empty value after ':'", at)
            attrs["value"] = value.strip()
        return [attrs], close + 1
    if marker in ("{", "["):
        try:
            parsed, end = json.JSONDecoder().raw_decode(example, at)
        except json.JSONDecodeError as exc:
            raise AnnotationError(f"malformed JSON after {head}: {exc.msg}", exc.pos) from exc
        items = parsed if isinstance(parsed, list) else [parsed]
        if not items or not all(isinstance(item, dict) for item in items):
            raise AnnotationError(f'{head}[...] must list objects such as {{"entity": "name"}}', at)
        return [_checked(item, head, at) for item in items], end
    raise AnnotationError(f'{head} must be followed by (entity), {{"entity": ...}} or [{{...}}]', opening)


def _checked(attrs: dict[str, Any], head: str, at: int) -> dict[str, Any]:
    for key in attrs:
        if key not in ENTITY_KEYS:
            close = difflib.get_close_matches(str(key), ENTITY_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(ENTITY_KEYS)}"
            raise AnnotationError(f"{head}: unknown key {key!r}{hint}", at)
    entity = attrs.get("entity")
    if not isinstance(entity, str) or not entity.strip():
        raise AnnotationError(f'{head}{{...}} has no entity name; add "entity": "name"', at)
    for key in ("role", "group"):
        if key in attrs and not isinstance(attrs[key], str):
            raise AnnotationError(f"{head}: {key!r} must be a string, got {attrs[key]!r}", at)
    value = attrs.get("value", "")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise AnnotationError(f"{head}: 'value' must be a string or a number, got {value!r}", at)
    return {**attrs, "entity": entity.strip()}
