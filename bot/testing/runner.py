"""Replay test cases through the engine's processor, turn by turn, on a fake clock.

Each test case is a fresh conversation. A ``user`` step becomes an ``InboundMessage`` whose
``received_at`` is the fake clock (it starts at ``EPOCH`` and moves 1 s per message, plus every
``wait``); ``processor.turn`` gives the turn's events, which are applied in memory only. Then
the step's assertions and the classic steps after it are checked against that turn.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.actions.base import ActionRunner
from bot.config import Settings
from bot.core import events as ev
from bot.core.conversation import Conversation
from bot.core.messages import InboundMessage, Text
from bot.dialogue.base import DialogueManager
from bot.engine import Engine
from bot.state.base import InboxEntry
from bot.state.sqlite import SQLiteStore
from bot.testing.checks import Failure, Turn, check_turn
from bot.testing.model import (
    Assertion,
    BotStep,
    Check,
    TestCase,
    TestFile,
    UserStep,
    UtterStep,
    WaitStep,
)
from bot.testing.stubs import StubActions

EPOCH = 1_704_067_200.0  # 2024-01-01T00:00:00Z: tests see the same times on every run
EngineFactory = Callable[[ActionRunner | None], Engine]


def build_engine(settings: Settings, *, actions: ActionRunner | None = None,
                 dialogue: DialogueManager | None = None) -> Engine:
    """An engine for replaying tests: the bot of ``settings`` with a throw-away SQLite store.

    ``actions`` (a test file's ``StubActions``, or None for the bot's own custom actions) is
    handed to the engine, which gives it to the dialogue manager in place of the runner that
    config.yml describes, so stubs really replace the actions. It is also kept as
    ``engine.actions_override``, for code that holds only the engine. A dialogue manager that
    runs no custom actions (the ``IntentResponder``) never uses it. The store is never opened:
    ``Processor.turn`` writes nothing, and the runner keeps each conversation in memory.
    """
    store = SQLiteStore(Path(tempfile.gettempdir()) / f"bot-test-{uuid.uuid4().hex}.db")
    engine = Engine(settings, store=store, dialogue=dialogue, actions=actions)
    engine.actions_override = actions  # type: ignore[attr-defined]
    return engine


async def close_engine(engine: Engine) -> None:
    """Release what an unstarted engine holds (its HTTP client)."""
    await engine.http.aclose()


class FakeClock:
    """Seconds since the epoch, moved only by the test."""

    def __init__(self, start: float = EPOCH) -> None:
        self.now = start

    def advance(self, seconds: float) -> float:
        """Move on ``seconds`` and return the new time."""
        self.now += seconds
        return self.now


@dataclass(frozen=True, slots=True)
class TurnResult:
    """A turn and the expectations on it that failed."""

    turn: Turn
    failures: tuple[Failure, ...]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How one test case went: every turn, and an error if the run itself broke."""

    case: TestCase
    file: str
    turns: tuple[TurnResult, ...]
    seconds: float
    error: str | None = None

    @property
    def passed(self) -> bool:
        """No failure in any turn, and no error."""
        return self.error is None and not any(t.failures for t in self.turns)


@dataclass
class _Pending:
    """The turn being checked and what the steps so far expect of it."""

    turn: Turn
    assertions: tuple[Assertion, ...] = ()
    ordered: bool = False
    utterances: tuple[UtterStep | BotStep, ...] = ()
    checks: tuple[Check, ...] = ()

    def result(self) -> TurnResult:
        failures = check_turn(self.turn, self.assertions, ordered=self.ordered, utterances=self.utterances, checks=self.checks)
        return TurnResult(self.turn, tuple(failures))


async def run_case(case: TestCase, engine: Engine, *, file: str = "", conversation_id: str | None = None) -> CaseResult:
    """Replay ``case`` on ``engine`` as a new conversation."""
    started = time.perf_counter()
    conversation_id = conversation_id or f"test-{uuid.uuid4().hex[:12]}"
    channel = next(iter(engine.channels), "rest")
    clock = FakeClock()
    opening = _opening(case, clock.now)
    empty = Conversation(conversation_id=conversation_id)
    conversation = empty.apply_all(opening)
    pending = _Pending(Turn(0, None, case.where, tuple(opening), empty, conversation))
    turns: list[TurnResult] = []
    number = 0
    for step in case.steps:
        match step:
            case UserStep():
                turns.append(pending.result())
                number += 1
                message = InboundMessage(
                    message_id=f"{conversation_id}-{number}", conversation_id=conversation_id, channel=channel,
                    content=Text(body=step.text), received_at=clock.advance(1.0),
                    metadata={**case.metadata, **step.metadata},
                )
                try:
                    events, _ = await engine.processor.turn(conversation, InboxEntry(entry_id=message.message_id, message=message))
                except Exception as exc:  # noqa: BLE001 - a crash fails this case; the others still run
                    error = f"{step.where}: the turn raised {type(exc).__name__}: {exc}"
                    return CaseResult(case, file, _shown(turns), time.perf_counter() - started, error)
                after = conversation.apply_all(events)
                pending = _Pending(Turn(number, step.text, step.where, tuple(events), conversation, after),
                                   assertions=step.assertions, ordered=step.ordered)
                conversation = after
            case WaitStep():
                clock.advance(step.seconds)
            case UtterStep() | BotStep():
                pending.utterances += (step,)
            case _:
                pending.checks += (step,)
    turns.append(pending.result())
    return CaseResult(case, file, _shown(turns), time.perf_counter() - started)


async def run_files(
    files: Iterable[TestFile], engine_for: EngineFactory, *, select: str | None = None, fail_fast: bool = False,
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Run every case (whose name contains ``select``, ignoring case); stop at a failure if ``fail_fast``.

    ``engine_for(actions)`` builds an engine; one is built for the bot's own actions and one per
    distinct set of stubs, and reused by the cases that share it.
    """
    engines: dict[tuple[tuple[str, int], ...] | None, Engine] = {}
    results: list[CaseResult] = []
    try:
        for test_file in files:
            for case in test_file.cases:
                if select is not None and select.lower() not in case.name.lower():
                    continue
                key = None if case.stubs is None else tuple((name, id(result)) for name, result in case.stubs)
                if key not in engines:
                    engines[key] = engine_for(None if case.stubs is None else StubActions(dict(case.stubs)))
                result = await run_case(case, engines[key], file=test_file.path)
                results.append(result)
                if on_result is not None:
                    on_result(result)
                if fail_fast and not result.passed:
                    return results
        return results
    finally:
        for engine in engines.values():
            await close_engine(engine)


def _shown(turns: list[TurnResult]) -> tuple[TurnResult, ...]:
    """The turns worth showing: every message's, and the opening only if it did or failed something."""
    return tuple(t for t in turns if t.turn.number or t.failures or t.turn.events)


def _opening(case: TestCase, now: float) -> list[ev.Event]:
    """Events that set up the conversation before the first message: fixtures' slots, language."""
    if not case.slots and case.language is None:
        return []
    events: list[ev.Event] = [ev.SessionStarted(timestamp=now)]
    events += [ev.SlotSet(name=name, value=value, timestamp=now) for name, value in case.slots]
    if case.language is not None:
        events.append(ev.LanguageSet(language=case.language, source="customer", timestamp=now))
    return events
