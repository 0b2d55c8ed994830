"""Read YAML data files keeping where each value came from (for file:line errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import DataError

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Located:
    """Plain YAML data plus the line (1-based) of every mapping key and list item."""

    data: Any
    lines: dict[PathKey, int]
    source: str
    duplicates: tuple[tuple[PathKey, int, int], ...] = ()  # (path, line, earlier line)
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)  # (line, column) of each value, 1-based

    def where(self, path: PathKey) -> str:
        """``file:line`` of ``path``, or of its nearest located parent."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(path[:cut])
            if line is not None:
                return f"{self.source}:{line}"
        return self.source

    def at(self, path: PathKey, column_offset: int = 0) -> str:
        """``file:line:column`` of the value at ``path`` (or of its nearest located parent).

        ``column_offset`` moves right inside a scalar (say, to the bad token of a condition).
        """
        for cut in range(len(path), -1, -1):
            position = self.values.get(path[:cut])
            if position is not None:
                line, column = position
                return f"{self.source}:{line}:{column + (column_offset if cut == len(path) else 0)}"
        return self.source


def parse_yaml(text: str, source: str) -> Located:
    """Parse YAML text; a syntax error becomes a ``DataError`` naming file:line:column."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark, context = exc.problem_mark, exc.context_mark
        if context is not None and exc.context and mark is not None and context.line != mark.line:
            # e.g. an unclosed quote: point at where the broken construct starts, say where it broke
            where = f"{source}:{context.line + 1}:{context.column + 1}"
            msg = f"{where}: invalid YAML: {exc.context}: {exc.problem} (at line {mark.line + 1})"
        else:
            where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
            msg = f"{where}: invalid YAML: {exc.problem or exc}"
        raise DataError(msg) from exc
    lines: dict[PathKey, int] = {}
    values: dict[PathKey, tuple[int, int]] = {}
    duplicates: list[tuple[PathKey, int, int]] = []
    data = _convert(node, (), lines, duplicates, values) if node is not None else None
    return Located(data, lines, source, tuple(duplicates), values)


def read_yaml(path: Path, source: str | None = None) -> Located:
    """Read and parse a YAML file."""
    name = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_yaml(text, name)


def _convert(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], duplicates: list[tuple[PathKey, int, int]],
    values: dict[PathKey, tuple[int, int]],
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    values[path] = (node.start_mark.line + 1, node.start_mark.column + 1 + int(quoted))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in result:  # YAML keeps the last value, so errors point there
                duplicates.append((child, line, lines[child]))
            lines[child] = line
            result[key] = _convert(value_node, child, lines, duplicates, values)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines, duplicates, values) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
