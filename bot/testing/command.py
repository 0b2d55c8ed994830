"""``bot test [PATHS...]``: load the conversation tests, run them, print and return 0 or 1."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.actions.base import ActionRunner
from bot.config import Settings
from bot.engine import Engine
from bot.testing.loader import load_tests
from bot.testing.report import format_case, summary, write_junit
from bot.testing.runner import CaseResult, EngineFactory, build_engine, run_files

DEFAULT_FOLDER = Path("tests/conversations")


def run_conversation_tests(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    select: str | None = None,
    fail_fast: bool = False,
    verbose: bool = False,
    junit: Path | None = None,
    engine_for: EngineFactory | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the tests under ``paths`` (default ``tests/conversations`` beside config.yml): 0 if all pass, else 1.

    A broken test file raises ``TestFileError`` (every problem, file:line) before anything runs.
    """
    out = out or sys.stdout
    targets = list(paths) or [settings.root / DEFAULT_FOLDER]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 1
    files = load_tests(targets, languages=settings.languages.supported, root=Path.cwd())
    engine_for = engine_for or _engines_of(settings)

    def show(result: CaseResult) -> None:
        print(format_case(result, verbose=verbose), file=out, flush=True)

    results = asyncio.run(run_files(files, engine_for, select=select, fail_fast=fail_fast, on_result=show))
    if junit is not None:
        write_junit(results, junit)
    if not results:
        chosen = f" matching -k {select!r}" if select else ""
        print(f"no test cases{chosen} in {', '.join(map(str, targets))}", file=out)
        return 1
    print(summary(results), file=out)
    return 0 if all(r.passed for r in results) else 1


def _engines_of(settings: Settings) -> EngineFactory:
    def build(actions: ActionRunner | None) -> Engine:
        return build_engine(settings, actions=actions)

    return build
