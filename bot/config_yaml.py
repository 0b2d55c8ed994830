"""Map dotted paths of a YAML document (``store.sqlite.path``, ``languages.supported.2``) to lines.

Error messages about config.yml name the line of the offending key; PyYAML's composed nodes
keep the marks that the plain ``safe_load`` result throws away. ``read_mapping`` reads a file
into its data and that map, turning unreadable files and broken YAML into ``ConfigError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError

__all__ = ["LineMap", "line_map", "read_mapping"]


@dataclass(frozen=True, slots=True)
class LineMap:
    """1-based line of each dotted path in one document, and the keys written twice."""

    lines: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # (path, line, earlier line)

    def line_of(self, path: str) -> int:
        """Line of ``path``, or of its nearest written ancestor (line 1 if none is written)."""
        parts = path.split(".") if path else []
        while parts:
            line = self.lines.get(".".join(parts))
            if line is not None:
                return line
            parts.pop()
        return self.lines.get("", 1)


def line_map(text: str) -> LineMap:
    """Compose ``text`` (raising ``yaml.YAMLError`` when broken) and map every path to its line."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    result = LineMap()
    if root is not None:
        result.lines[""] = root.start_mark.line + 1
        _walk(root, "", result)
    return result


def _walk(node: yaml.Node, prefix: str, result: LineMap) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            line = key.start_mark.line + 1
            if path in result.lines:  # PyYAML keeps the last value, so errors point there
                result.duplicates.append((path, line, result.lines[path]))
            result.lines[path] = line
            _walk(value, path, result)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}" if prefix else str(index)
            result.lines.setdefault(path, item.start_mark.line + 1)
            _walk(item, path, result)


def read_mapping(file: Path, label: str, sections: list[str]) -> tuple[dict[str, Any], LineMap]:
    """Read ``file`` (named ``label`` in errors) whose top level must map ``sections``; empty is ``{}``."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{label}: no such file; fix the path or BOT_CONFIG"], source=label) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{label}: cannot be read: {exc}"], source=label) from None
    try:
        lines = line_map(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark else label
        reason = f"{exc.problem} ({exc.context})" if exc.context else str(exc.problem)
        raise ConfigError([f"{where}: invalid YAML: {reason}"], source=label) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{label}: invalid YAML: {exc}"], source=label) from None
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the value {data!r}"
        problem = f"the top level must be a mapping of sections ({', '.join(sections)}), not {kind}"
        raise ConfigError([f"{label}:{lines.line_of('')}: {problem}"], source=label)
    return data, lines
