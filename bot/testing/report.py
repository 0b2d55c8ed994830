"""Show test results: PASS/FAIL per case, a diff per failing turn, a summary, JUnit XML.

A failing turn prints the user message, then ``- expected`` lines (each with where it is
written and why it does not hold), then ``+ actual`` lines: what the bot said (response names
and texts), the slots it set, the flows that started or ended, and the active flow after it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from bot.testing.checks import Turn
from bot.testing.runner import CaseResult, TurnResult
from bot.testing.text import actual_lines


def format_case(result: CaseResult, *, verbose: bool = False) -> str:
    """``PASS name (file:line)``, and for a failure (or with ``verbose``) its turns."""
    status = "PASS" if result.passed else "FAIL"
    lines = [f"{status}  {result.case.name}  ({result.case.where})"]
    if result.error is not None:
        lines.append(f"  error: {result.error}")
    for turn_result in result.turns:
        if turn_result.failures:
            lines += format_turn(turn_result)
        elif verbose:
            lines += format_turn(turn_result, indent_actual="      ")
    return "\n".join(lines)


def format_turn(result: TurnResult, *, indent_actual: str = "    + ") -> list[str]:
    """A turn's header, its failed expectations (``-``) and what it did (``+``)."""
    turn = result.turn
    lines = [f"  {_title(turn)}"]
    for failure in result.failures:
        lines.append(f"    - {failure.expected}    ({failure.where}: {failure.why})")
    lines += [indent_actual + line for line in actual_lines(turn.events, turn.before, turn.after)]
    return lines


def summary(results: Sequence[CaseResult]) -> str:
    """``N passed, M failed``."""
    passed = sum(1 for r in results if r.passed)
    return f"{passed} passed, {len(results) - passed} failed"


def write_junit(results: Sequence[CaseResult], path: Path) -> None:
    """Write the results as JUnit XML (one testsuite per file), for CI."""
    root = ET.Element("testsuites", name="bot test", tests=str(len(results)),
                      failures=str(sum(1 for r in results if not r.passed and r.error is None)),
                      errors=str(sum(1 for r in results if r.error is not None)))
    suites: dict[str, ET.Element] = {}
    for result in results:
        suite = suites.get(result.file)
        if suite is None:
            suite = suites[result.file] = ET.SubElement(root, "testsuite", name=result.file)
        case = ET.SubElement(suite, "testcase", classname=result.file, name=result.case.name, time=f"{result.seconds:.3f}")
        if result.error is not None:
            ET.SubElement(case, "error", message=result.error).text = format_case(result)
        elif not result.passed:
            count = sum(len(t.failures) for t in result.turns)
            ET.SubElement(case, "failure", message=f"{count} expectation(s) failed").text = format_case(result)
    for name, suite in suites.items():
        mine = [r for r in results if r.file == name]
        suite.set("tests", str(len(mine)))
        suite.set("failures", str(sum(1 for r in mine if not r.passed and r.error is None)))
        suite.set("errors", str(sum(1 for r in mine if r.error is not None)))
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _title(turn: Turn) -> str:
    if turn.user is None:
        return "before the first message"
    return f"turn {turn.number}  ({turn.where})  user: {turn.user}"
