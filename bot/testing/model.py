"""What a conversation test file says, parsed once into frozen dataclasses.

A test case is a list of steps as written. ``UserStep`` runs a turn; the checks (Rasa's
classic steps and our ``flow``/``owner``) look at the turn before them; ``WaitStep`` moves the
fake clock. A user step's ``assertions`` are the same checks, run on its own turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.actions.base import ActionResult
from bot.core.conversation import Owner

Operator = Literal["all", "any"]


@dataclass(frozen=True, slots=True)
class SlotCheck:
    """A slot by name, and the value it must have when ``has_value``."""

    name: str
    value: Any = None
    has_value: bool = False


@dataclass(frozen=True, slots=True)
class FlowStartedCheck:
    """``flow_started``: the flows that started this turn (all or any of them)."""

    flow_ids: tuple[str, ...]
    operator: Operator
    where: str


@dataclass(frozen=True, slots=True)
class FlowEndedCheck:
    """``flow_completed`` / ``flow_cancelled``: a flow ended this turn, at a step if given."""

    ended: Literal["completed", "cancelled"]
    flow_id: str
    step_id: str | None
    where: str


@dataclass(frozen=True, slots=True)
class ActionExecutedCheck:
    """``action_executed``: an action (custom, or a response) ran this turn."""

    name: str
    where: str


@dataclass(frozen=True, slots=True)
class SlotsCheck:
    """``slot_was_set`` / ``slot_was_not_set``: slots set (or not) this turn."""

    slots: tuple[SlotCheck, ...]
    was_set: bool
    where: str
    classic: bool = False  # written as a step rather than as an assertion


@dataclass(frozen=True, slots=True)
class ButtonCheck:
    """A button as ``bot_uttered`` expects it."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class UtteredCheck:
    """``bot_uttered`` / ``bot_did_not_utter``: a bot message matching every given field."""

    utter_name: str | None
    buttons: tuple[ButtonCheck, ...] | None
    text_matches: re.Pattern[str] | None
    uttered: bool
    where: str


@dataclass(frozen=True, slots=True)
class ClarificationCheck:
    """``pattern_clarification_contains``: the clarification offered these flows."""

    flow_ids: tuple[str, ...]
    operator: Operator
    where: str


@dataclass(frozen=True, slots=True)
class FlowCheck:
    """``flow`` (ours): the active flow after the turn; None means no flow."""

    flow_id: str | None
    where: str


@dataclass(frozen=True, slots=True)
class OwnerCheck:
    """``owner`` (ours): who answers the customer after the turn."""

    owner: Owner
    where: str


Assertion = (
    FlowStartedCheck | FlowEndedCheck | ActionExecutedCheck | SlotsCheck | UtteredCheck | ClarificationCheck
)
Check = Assertion | FlowCheck | OwnerCheck


@dataclass(frozen=True, slots=True)
class UtterStep:
    """``utter``: the next bot message came from this response."""

    name: str
    where: str


@dataclass(frozen=True, slots=True)
class BotStep:
    """``bot``: the next bot message has exactly this text."""

    text: str
    where: str


@dataclass(frozen=True, slots=True)
class UserStep:
    """``user``: the customer sends ``text``; its assertions check this turn."""

    text: str
    where: str
    metadata: dict[str, Any] = field(default_factory=dict)
    assertions: tuple[Assertion, ...] = ()
    ordered: bool = False  # Rasa's assertion_order_enabled


@dataclass(frozen=True, slots=True)
class WaitStep:
    """``wait`` (ours): the clock moves on ``seconds`` before the next message."""

    seconds: float
    where: str


Step = UserStep | UtterStep | BotStep | WaitStep | Check


@dataclass(frozen=True, slots=True)
class TestCase:
    """One conversation to replay, with its starting slots, language and stubbed actions."""

    name: str
    where: str
    steps: tuple[Step, ...]
    slots: tuple[tuple[str, Any], ...] = ()  # from fixtures, in order
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stubs: tuple[tuple[str, ActionResult], ...] | None = None  # None: the bot's own actions

    __test__ = False  # not a pytest class


@dataclass(frozen=True, slots=True)
class TestFile:
    """The test cases of one file."""

    path: str
    cases: tuple[TestCase, ...]

    __test__ = False
