"""Check one turn of a conversation against what a test expects.

A ``Turn`` is what one user message did: its events and the conversation before and after.
``check_turn`` runs a user step's assertions and the classic steps written after it, and
returns a ``Failure`` for each expectation that does not hold, saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.core import events as ev
from bot.core.conversation import Conversation
from bot.core.messages import OutButtons
from bot.testing.model import (
    ActionExecutedCheck,
    BotStep,
    Check,
    ClarificationCheck,
    FlowCheck,
    FlowEndedCheck,
    FlowStartedCheck,
    OwnerCheck,
    SlotsCheck,
    UtteredCheck,
    UtterStep,
)
from bot.testing.text import describe, message_line, show, text_of

CLARIFICATION_FLOW = "pattern_clarification"
_E = TypeVar("_E")


@dataclass(frozen=True, slots=True)
class Turn:
    """One user message (None before the first) and what it did."""

    number: int
    user: str | None
    where: str
    events: tuple[ev.Event, ...]
    before: Conversation
    after: Conversation

    @property
    def messages(self) -> list[ev.BotMessage]:
        """What the bot said, in order."""
        return [e for e in self.events if isinstance(e, ev.BotMessage)]

    def ended_at(self, index: int) -> str | None:
        """The step a flow completed or was cancelled at (the event at ``index``)."""
        state = self.before.apply_all(self.events[:index])
        event = self.events[index]
        frame_id = getattr(event, "frame_id", None)
        return next((f.step_id for f in state.stack if f.frame_id == frame_id), None)


@dataclass(frozen=True, slots=True)
class Failure:
    """An expectation that did not hold: what was expected, where it is written, why not."""

    expected: str
    where: str
    why: str


def check_turn(turn: Turn, assertions: Sequence[Check], *, ordered: bool = False,
               utterances: Sequence[UtterStep | BotStep] = (), checks: Sequence[Check] = ()) -> list[Failure]:
    """Every failure of ``assertions`` (in event order when ``ordered``), ``utterances`` and ``checks``."""
    failures: list[Failure] = []
    start = 0
    for assertion in assertions:
        index, why = evaluate(assertion, turn, start if ordered else 0)
        if index is None:
            if ordered and start:
                why += " (after the event the assertion before matched; assertion_order_enabled)"
            failures.append(Failure(describe(assertion), assertion.where, why))
        elif ordered:
            start = index
    failures += check_utterances(turn, utterances)
    for check in checks:
        index, why = evaluate(check, turn, 0)
        if index is None:
            failures.append(Failure(describe(check), check.where, why))
    return failures


def evaluate(check: Check, turn: Turn, start: int) -> tuple[int | None, str]:
    """The index of the first event from ``start`` that satisfies ``check``, or None and why not."""
    events = turn.events
    match check:
        case FlowStartedCheck():
            found = {e.flow_id: i for i, e in _each(events, start, ev.FlowStarted)}
            return _all_or_any(check.flow_ids, check.operator, found, "flows started this turn", _names(found))
        case FlowEndedCheck():
            kind: type[ev.FlowCompleted | ev.FlowCancelled] = (
                ev.FlowCompleted if check.ended == "completed" else ev.FlowCancelled
            )
            ended = [(i, e.flow_id, turn.ended_at(i)) for i, e in _each(events, start, kind)]
            for i, flow_id, step_id in ended:
                if flow_id == check.flow_id and (check.step_id is None or step_id == check.step_id):
                    return i, ""
            seen = ", ".join(f"{f} (at step {s})" if s else f for _, f, s in ended) or "none"
            return None, f"flows {check.ended} this turn: {seen}"
        case ActionExecutedCheck():
            names: list[str] = []
            for i, e in enumerate(events[start:], start):
                name = e.name if isinstance(e, ev.ActionRun) else e.response if isinstance(e, ev.BotMessage) else None
                if name == check.name:
                    return i, ""
                if name and name not in names:
                    names.append(name)
            return None, f"actions run this turn: {', '.join(names) or 'none'}"
        case SlotsCheck():
            return _slots(check, events, start)
        case UtteredCheck():
            messages = list(_each(events, start, ev.BotMessage))
            index = next((i for i, m in messages if _utters(check, m)), None)
            if check.uttered:
                if index is not None:
                    return index, ""
                said = "; ".join(message_line(m) for _, m in messages) or "nothing"
                return None, f"the bot said: {said}"
            if index is None:
                return start, ""
            return None, f"the bot said it: {message_line(events[index])}"  # type: ignore[arg-type]
        case ClarificationCheck():
            for i, e in _each(events, start, ev.FlowStarted):
                if e.flow_id == CLARIFICATION_FLOW:
                    offered = [str(n) for n in e.context.get("names", ())]
                    found = {name: i for name in offered}
                    return _all_or_any(check.flow_ids, check.operator, found, "the clarification offered", ", ".join(offered) or "none")
            return None, f"{CLARIFICATION_FLOW} did not start this turn"
        case FlowCheck():
            active = turn.after.active_flow
            if active == check.flow_id:
                return start, ""
            return None, f"the active flow is {active or 'none'}"
        case OwnerCheck():
            if turn.after.owner is check.owner:
                return start, ""
            return None, f"the conversation is answered by the {turn.after.owner.value}"


def check_utterances(turn: Turn, expected: Sequence[UtterStep | BotStep]) -> list[Failure]:
    """Classic ``utter``/``bot`` steps: the bot's messages, one each, in order, and no more."""
    if not expected:
        return []
    messages = turn.messages
    failures: list[Failure] = []
    for position, step in enumerate(expected):
        if position >= len(messages):
            said = f"the bot said only {len(messages)} message(s)" if messages else "the bot said nothing"
            failures.append(Failure(describe(step), step.where, said))
            continue
        message = messages[position]
        if isinstance(step, UtterStep) and message.response != step.name or isinstance(step, BotStep) and text_of(message.content) != step.text:
            failures.append(Failure(describe(step), step.where, f"message {position + 1} is {message_line(message)}"))
    extra = messages[len(expected):]
    if extra:
        said = "; ".join(message_line(m) for m in extra)
        failures.append(Failure("(no more bot messages)", expected[-1].where, f"the bot also said: {said}"))
    return failures


def _each(events: Sequence[ev.Event], start: int, kind: type[_E]) -> list[tuple[int, _E]]:
    return [(i, e) for i, e in enumerate(events) if i >= start and isinstance(e, kind)]


def _names(found: dict[str, int]) -> str:
    return ", ".join(found) or "none"


def _all_or_any(wanted: Sequence[str], operator: str, found: dict[str, int], what: str, seen: str) -> tuple[int | None, str]:
    hits = [found[name] for name in wanted if name in found]
    if operator == "any" and hits:
        return min(hits), ""
    if operator == "all" and len(hits) == len(wanted):
        return max(hits), ""
    return None, f"{what}: {seen}"


def _slots(check: SlotsCheck, events: Sequence[ev.Event], start: int) -> tuple[int | None, str]:
    sets = _each(events, start, ev.SlotSet)
    problems: list[str] = []
    last = start
    for slot in check.slots:
        matches = [i for i, e in sets if e.name == slot.name and (not slot.has_value or _same(e.value, slot.value))]
        values = [e.value for _, e in sets if e.name == slot.name]
        if check.was_set and not matches:
            problems.append(f"{slot.name} was set to {', '.join(map(show, values))}" if values else f"{slot.name} was not set")
        elif not check.was_set and matches:
            problems.append(f"{slot.name} was set to {show(events[matches[0]].value)}")  # type: ignore[union-attr]
        elif matches:
            last = max(last, matches[0])
    if problems:
        return None, "; ".join(problems)
    return last, ""


def _same(actual: object, expected: object) -> bool:
    # YAML's 1 and True are different values to a slot, as in Rasa's comparison of typed values
    return type(actual) is type(expected) and actual == expected or (
        isinstance(actual, int | float) and isinstance(expected, int | float)
        and not isinstance(actual, bool) and not isinstance(expected, bool) and actual == expected
    )


def _utters(check: UtteredCheck, message: ev.BotMessage) -> bool:
    if check.utter_name is not None and message.response != check.utter_name:
        return False
    if check.buttons is not None:
        content = message.content
        buttons = [(b.title, b.payload) for b in content.buttons] if isinstance(content, OutButtons) else []
        if buttons != [(b.title, b.payload) for b in check.buttons]:
            return False
    if check.text_matches is not None:
        text = text_of(message.content)
        if text is None or check.text_matches.search(text) is None:
            return False
    return True
