"""Each check passes on the turn it describes and fails, saying why, on another."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from bot.core import events as ev
from bot.core.conversation import Conversation, Owner
from bot.core.messages import Button, OutButtons, OutText
from bot.testing.checks import Failure, Turn, check_turn, check_utterances, evaluate
from bot.testing.model import (
    ActionExecutedCheck,
    BotStep,
    ButtonCheck,
    Check,
    ClarificationCheck,
    FlowCheck,
    FlowEndedCheck,
    FlowStartedCheck,
    OwnerCheck,
    SlotCheck,
    SlotsCheck,
    UtteredCheck,
    UtterStep,
)

W = "t.yml:9"


def turn(*events: ev.Event, before: Sequence[ev.Event] = ()) -> Turn:
    start = Conversation(conversation_id="c").apply_all(before)
    return Turn(1, "hi", "t.yml:3", tuple(events), start, start.apply_all(events))


def said(response: str | None, text: str, *buttons: tuple[str, str]) -> ev.BotMessage:
    content = OutButtons(text=text, buttons=tuple(Button(title=t, payload=p) for t, p in buttons)) if buttons else OutText(text=text)
    return ev.BotMessage(message_id=f"m-{text}", content=content, response=response)


ORDER = turn(
    ev.FlowStarted(flow_id="track_order", frame_id="f1", step_id="ask"),
    ev.SlotSet(name="order_id", value="A-1234"),
    ev.SlotSet(name="count", value=2),
    ev.FlowStepped(frame_id="f1", step_id="tell"),
    ev.ActionRun(name="action_check_order"),
    said("utter_status", "Your order has shipped.", ("OK", "/affirm")),
    ev.FlowCompleted(flow_id="track_order", frame_id="f1"),
    ev.FlowCancelled(flow_id="survey", frame_id="f0"),
    ev.FlowStarted(flow_id="pattern_clarification", frame_id="f2", context={"names": ["track_order", "cancel_order"]}),
    before=[ev.FlowStarted(flow_id="survey", frame_id="f0", step_id="q1")],
)


def uttered(name: str | None = None, buttons: Sequence[tuple[str, str]] | None = None, text: str | None = None,
            *, negate: bool = False) -> UtteredCheck:
    return UtteredCheck(name, None if buttons is None else tuple(ButtonCheck(*b) for b in buttons),
                        None if text is None else re.compile(text), not negate, W)


@pytest.mark.parametrize("check", [
    FlowStartedCheck(("track_order",), "all", W),
    FlowStartedCheck(("track_order", "pattern_clarification"), "all", W),
    FlowStartedCheck(("nope", "track_order"), "any", W),
    FlowEndedCheck("completed", "track_order", None, W),
    FlowEndedCheck("completed", "track_order", "tell", W),
    FlowEndedCheck("cancelled", "survey", "q1", W),
    ActionExecutedCheck("action_check_order", W),
    ActionExecutedCheck("utter_status", W),  # a response said counts as its action, as in Rasa
    SlotsCheck((SlotCheck("order_id", "A-1234", True), SlotCheck("count")), True, W),
    SlotsCheck((SlotCheck("count", 2.0, True),), True, W),
    SlotsCheck((SlotCheck("email"), SlotCheck("order_id", "B-1", True)), False, W),
    uttered("utter_status"),
    uttered(buttons=[("OK", "/affirm")]),
    uttered("utter_status", [("OK", "/affirm")], r"has ship+ed"),
    uttered("utter_default", negate=True),
    uttered("utter_status", text="cancelled", negate=True),
    ClarificationCheck(("track_order", "cancel_order"), "all", W),
    ClarificationCheck(("refund", "cancel_order"), "any", W),
    FlowCheck("pattern_clarification", W),
    OwnerCheck(Owner.BOT, W),
])
def test_a_check_holds_on_the_turn_it_describes(check: Check) -> None:
    index, why = evaluate(check, ORDER, 0)
    assert (index is not None, why) == (True, "")


@pytest.mark.parametrize(("check", "why"), [
    (FlowStartedCheck(("refund",), "all", W), "flows started this turn: track_order, pattern_clarification"),
    (FlowStartedCheck(("track_order", "refund"), "all", W), "flows started this turn: track_order, pattern_clarification"),
    (FlowStartedCheck(("refund", "returns"), "any", W), "flows started this turn: track_order, pattern_clarification"),
    (FlowEndedCheck("completed", "survey", None, W), "flows completed this turn: track_order (at step tell)"),
    (FlowEndedCheck("completed", "track_order", "ask", W), "flows completed this turn: track_order (at step tell)"),
    (FlowEndedCheck("cancelled", "track_order", None, W), "flows cancelled this turn: survey (at step q1)"),
    (ActionExecutedCheck("action_refund", W), "actions run this turn: action_check_order, utter_status"),
    (SlotsCheck((SlotCheck("order_id", "A-9", True),), True, W), 'order_id was set to "A-1234"'),
    (SlotsCheck((SlotCheck("count", "2", True),), True, W), "count was set to 2"),
    (SlotsCheck((SlotCheck("email"), SlotCheck("phone")), True, W), "email was not set; phone was not set"),
    (SlotsCheck((SlotCheck("order_id"),), False, W), 'order_id was set to "A-1234"'),
    (SlotsCheck((SlotCheck("count", 2, True),), False, W), "count was set to 2"),
    (uttered("utter_greet"), 'the bot said: utter_status "Your order has shipped." [OK -> /affirm]'),
    (uttered(buttons=[("OK", "/deny")]), 'the bot said: utter_status "Your order has shipped." [OK -> /affirm]'),
    (uttered(buttons=[]), 'the bot said: utter_status "Your order has shipped." [OK -> /affirm]'),
    (uttered("utter_status", text="^shipped"), 'the bot said: utter_status "Your order has shipped." [OK -> /affirm]'),
    (uttered(text="shipped", negate=True), 'the bot said it: utter_status "Your order has shipped." [OK -> /affirm]'),
    (ClarificationCheck(("refund", "cancel_order"), "all", W), "the clarification offered: track_order, cancel_order"),
    (FlowCheck("track_order", W), "the active flow is pattern_clarification"),
    (FlowCheck(None, W), "the active flow is pattern_clarification"),
    (OwnerCheck(Owner.AGENT, W), "the conversation is answered by the bot"),
])
def test_a_check_fails_for_the_right_reason(check: Check, why: str) -> None:
    assert evaluate(check, ORDER, 0) == (None, why)


def test_clarification_needs_the_pattern_to_start() -> None:
    assert evaluate(ClarificationCheck(("a",), "all", W), turn(), 0) == (None, "pattern_clarification did not start this turn")


def test_owner_and_no_flow_after_a_handoff() -> None:
    handed = turn(ev.HandoffStarted(reason="asked"))
    assert evaluate(OwnerCheck(Owner.AGENT, W), handed, 0)[0] is not None
    assert evaluate(FlowCheck(None, W), handed, 0)[0] is not None


def test_ordered_assertions_must_match_in_event_order() -> None:
    in_order: list[Check] = [FlowStartedCheck(("track_order",), "all", W), ActionExecutedCheck("action_check_order", W), uttered("utter_status")]
    assert check_turn(ORDER, in_order, ordered=True) == []
    backwards = list(reversed(in_order))
    failures = check_turn(ORDER, backwards, ordered=True)
    assert [f.expected for f in failures] == ["action_executed: action_check_order", "flow_started: track_order"]
    assert all(f.why.endswith("(after the event the assertion before matched; assertion_order_enabled)") for f in failures)
    assert check_turn(ORDER, backwards, ordered=False) == []


def test_classic_steps_check_the_messages_in_order_and_no_more() -> None:
    two = turn(said("utter_greet", "Hello!"), said("utter_ask", "Order number?"))
    assert check_utterances(two, [UtterStep("utter_greet", "t.yml:4"), BotStep("Order number?", "t.yml:5")]) == []
    assert check_utterances(two, [UtterStep("utter_ask", "t.yml:4"), BotStep("Hello!", "t.yml:5")]) == [
        Failure("utter: utter_ask", "t.yml:4", 'message 1 is utter_greet "Hello!"'),
        Failure('bot: "Hello!"', "t.yml:5", 'message 2 is utter_ask "Order number?"'),
    ]
    assert check_utterances(two, [UtterStep("utter_greet", "t.yml:4")]) == [
        Failure("(no more bot messages)", "t.yml:4", 'the bot also said: utter_ask "Order number?"'),
    ]
    assert check_utterances(turn(said("utter_greet", "Hello!")), [UtterStep("utter_greet", "t.yml:4"), UtterStep("utter_ask", "t.yml:5")]) == [
        Failure("utter: utter_ask", "t.yml:5", "the bot said only 1 message(s)"),
    ]
    assert check_utterances(turn(), [BotStep("Hi", "t.yml:4")]) == [Failure('bot: "Hi"', "t.yml:4", "the bot said nothing")]


def test_without_classic_steps_any_messages_are_fine() -> None:
    assert check_turn(ORDER, [], utterances=[], checks=[FlowCheck("pattern_clarification", W)]) == []
