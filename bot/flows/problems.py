"""Problems found in flows and domain files: every one at once, each with file:line:column.

A problem has a ``code`` (stable, for tests and for silencing a warning later), a place, and a
message that names the bad value and what is allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.errors import DataError


class Severity(StrEnum):
    """Errors stop the bot from starting; warnings are legal but suspicious."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or suspicious) in the data."""

    severity: Severity
    code: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message} [{self.code}]"


@dataclass
class Problems:
    """Collects problems while loading and validating."""

    items: list[Problem] = field(default_factory=list)

    def error(self, code: str, where: object, message: str) -> None:
        """Record an error."""
        self.items.append(Problem(Severity.ERROR, code, str(where), message))

    def warning(self, code: str, where: object, message: str) -> None:
        """Record a warning."""
        self.items.append(Problem(Severity.WARNING, code, str(where), message))

    @property
    def errors(self) -> list[Problem]:
        """The errors, in the order found."""
        return [p for p in self.items if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """The warnings, in the order found."""
        return [p for p in self.items if p.severity is Severity.WARNING]

    def raise_if_errors(self) -> None:
        """Raise ``FlowsError`` listing every error (and warning) if there is any error."""
        if self.errors:
            raise FlowsError(self.items)


class FlowsError(DataError):
    """Flows or domain files have errors; ``problems`` has them all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(errors)} error(s) in flows:\n{lines}")


def known(names: Iterable[str], bad: str, *, limit: int = 12) -> str:
    """``; did you mean 'x'? known: a, b, c`` for a message about the unknown name ``bad``."""
    ordered = sorted(set(names))
    close = difflib.get_close_matches(bad, ordered, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    if not ordered:
        return f"{hint}; none are declared"
    shown = ", ".join(ordered[:limit]) + (f", ... ({len(ordered)} in all)" if len(ordered) > limit else "")
    return f"{hint}; known: {shown}"
