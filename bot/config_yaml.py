"""Read config.yml through ``bot.yamlsource`` and map dotted paths (``store.sqlite.path``) to lines.

Error messages about config.yml name the line of the offending key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, DataError
from bot.yamlsource import Located, parse_yaml

__all__ = ["LineMap", "read_mapping"]


@dataclass(frozen=True, slots=True)
class LineMap:
    """1-based line of each dotted path in one document, and the keys written twice."""

    lines: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # (path, line, earlier line)

    @classmethod
    def from_located(cls, located: Located) -> LineMap:
        """The dotted-path view of a parsed document."""
        lines = {".".join(str(p) for p in path): line for path, line in located.lines.items()}
        duplicates = [(".".join(str(p) for p in path), line, earlier) for path, line, earlier in located.duplicates]
        return cls(lines, duplicates)

    def line_of(self, path: str) -> int:
        """Line of ``path``, or of its nearest written ancestor (line 1 if none is written)."""
        parts = path.split(".") if path else []
        while parts:
            line = self.lines.get(".".join(parts))
            if line is not None:
                return line
            parts.pop()
        return self.lines.get("", 1)


def read_mapping(file: Path, label: str, sections: list[str]) -> tuple[dict[str, Any], LineMap]:
    """Read ``file`` (named ``label`` in errors) whose top level must map ``sections``; empty is ``{}``."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{label}: no such file; fix the path or BOT_CONFIG"], source=label) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{label}: cannot be read: {exc}"], source=label) from None
    try:
        located = parse_yaml(text, label)
    except DataError as exc:
        raise ConfigError([str(exc)], source=label) from None
    lines = LineMap.from_located(located)
    data = located.data
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the value {data!r}"
        problem = f"the top level must be a mapping of sections ({', '.join(sections)}), not {kind}"
        raise ConfigError([f"{label}:{lines.line_of('')}: {problem}"], source=label)
    return data, lines
