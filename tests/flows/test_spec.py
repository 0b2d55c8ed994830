"""Rasa's CALM format, construct by construct (rasa-formats §1.3–1.6): each one loads and runs.

One test (or a few) per row of the format's tables: flow properties (§1.3), step kinds and their
keys (§1.4), ``next`` and branching (§1.5), and conditions as flows use them (§1.6; the grammar
itself is in test_conditions.py, the broken files in test_validate.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.actions.base import ActionResult
from bot.core import events as ev
from bot.core.conversation import Owner
from bot.core.messages import OutButtons
from bot.flows.executor import FlowEngine
from bot.flows.model import CallStep, CollectStep, NoopStep, SetSlotsStep
from tests.flows.chatting import Chat

SPEC = """
version: "3.1"
flows:
  pay_bill:
    description: Pay a bill.
    nlu_trigger:
      - intent: pay_bill
    persisted_slots: [email]
    always_include_in_prompt: true
    file_path: flows/pay_bill.yml
    translation:
      ar: {name: دفع الفاتورة}
    steps:
      - collect: email
        description: where the receipt goes
        utter: utter_which_email
      - collect: amount
        force_slot_filling: true
        rejections:
          - if: slots.amount <= 0
            utter: utter_positive
      - set_slots:
          - paid: true
          - note: null
      - noop: true
        next:
          - if: slots.amount > 100 and not slots.vip
            then:
              - action: utter_big
                metadata: {reason: review}
                next: review
          - if: slots.email matches "@shop\\\\.com$"
            then: staff
          - if: slots.amount > 0
            then: thanks
          - else: thanks
      - id: review
        call: approve
        next: thanks
      - id: staff
        action: utter_staff
        next: END
      - id: thanks
        action: utter_thanks
  approve:
    if: false
    description: A manager approves a big payment (called only).
    steps:
      - collect: approved
        ask_before_filling: true
        next:
          - if: slots.approved
            then:
              - action: utter_approved
                next: END
          - else:
              - action: utter_not_approved
                next: END
  vip_refund:
    name: a VIP refund
    description: Only VIPs may start it.
    if: slots.vip
    nlu_trigger:
      - intent:
          name: refund
          confidence_threshold: 0.8
    steps:
      - action: utter_refunding
      - link: pattern_human_handoff
  say-hello:
    description: A hyphenated id (Rasa's runtime allows it).
    nlu_trigger: [{intent: hello}]
    steps: [{action: utter_pong}]
  ping:
    description: Ends quietly.
    run_pattern_completed: false
    nlu_trigger: [{intent: ping}]
    steps: [{action: utter_pong}]
  broken_guard:
    description: Its guard cannot be evaluated, so it never starts.
    if: slots.vip = {{context.nothing}}
    nlu_trigger: [{intent: broken}]
    steps: [{action: utter_thanks}]
  survey:
    name: our survey
    description: Questions in a loop until the customer is happy.
    nlu_trigger: [{intent: survey}]
    steps:
      - id: ask
        collect: happy
        ask_before_filling: true
        reset_after_flow_ends: false
        next:
          - if: slots.happy
            then:
              - link: goodbye
          - else: ask
  goodbye:
    if: false
    description: Linked to from the survey.
    steps:
      - action: utter_bye
  newsletter:
    description: A question with an initial value is skipped; one answered by an action is asked by it.
    nlu_trigger: [{intent: newsletter}]
    steps:
      - collect: topic
      - collect: frequency
      - action: utter_subscribed
  spin:
    description: A loop that never asks anything.
    nlu_trigger: [{intent: spin}]
    steps:
      - id: round
        noop: true
        next:
          - if: slots.vip = "never"
            then: END
          - else: round
  no_question:
    description: Collects a slot no response or action can ask for.
    nlu_trigger: [{intent: no_question}]
    steps:
      - collect: unaskable
  tip:
    description: A rejection that cannot be decided.
    nlu_trigger: [{intent: tip}]
    steps:
      - collect: tip_amount
        rejections:
          - if: slots.tip_amount > {{context.limit}}
            utter: utter_never
  pattern_cannot_handle:
    description: A designer's override that says the reason through a templated action name.
    steps:
      - action: "utter_{{context.reason}}"
slots:
  email: {type: text}
  amount: {type: float}
  paid: {type: bool}
  note: {type: text, initial_value: none yet}
  vip: {type: any}
  approved: {type: bool}
  happy: {type: bool}
  topic: {type: text, initial_value: news}
  frequency: {type: text}
  unaskable: {type: text}
  tip_amount: {type: float}
actions: [action_ask_frequency]
responses:
  utter_which_email: [{text: "Which email?"}]
  utter_ask_amount: [{text: "How much?"}]
  utter_positive: [{text: "More than zero, please."}]
  utter_never: [{text: "Never seen."}]
  utter_ask_tip_amount: [{text: "Tip?"}]
  utter_big: [{text: "That is a big one."}]
  utter_staff: [{text: "Staff discount applied."}]
  utter_thanks: [{text: "Thanks, {email}."}]
  utter_ask_approved: [{text: "Approved?"}]
  utter_approved: [{text: "Approved."}]
  utter_not_approved: [{text: "Not approved."}]
  utter_refunding: [{text: "Refunding."}]
  utter_ask_happy: [{text: "Happy?"}]
  utter_bye: [{text: "Bye!"}]
  utter_pong: [{text: "Pong."}]
  utter_subscribed: [{text: "Subscribed to {topic}, {frequency}."}]
  utter_cannot_handle_default: [{text: "Cannot handle (default)."}]
  utter_cannot_handle_not_supported: [{text: "Please just answer the question."}]
  utter_hours: [{text: "9 to 5."}]
  utter_ask_unaskable: [{text: "Unaskable?"}]
"""


class Frequency:
    """An action server that knows ``action_ask_frequency`` (asks with buttons)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        assert name == "action_ask_frequency", f"unexpected action {name}"
        self.calls.append(name)
        return ActionResult(events=[], responses=[{"text": "How often? (asked by an action)"}])

    def names(self) -> frozenset[str]:
        return frozenset({"action_ask_frequency"})


def spec(responses: str = "") -> str:
    """The flows above, with more ``responses`` (YAML lines indented by two)."""
    return SPEC.replace("\nresponses:\n", "\nresponses:\n" + responses, 1)


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return Chat(tmp_path, spec(), actions=Frequency())


# ---------------------------------------------------------------------------------------- §1.3


def test_every_flow_property_loads(chat: Chat) -> None:
    flows = chat.engine.definition.flows
    pay = flows["pay_bill"]
    assert pay.description == "Pay a bill."
    assert pay.name == "pay bill", "the default name is the id with spaces"
    assert pay.readable_name("ar") == "دفع الفاتورة" and pay.readable_name("zh") == "pay bill"
    assert pay.persisted_slots == ("email",)
    assert [(t.intent, t.confidence_threshold) for t in pay.nlu_triggers] == [("pay_bill", 0.0)]
    refund = flows["vip_refund"]
    assert refund.name == "a VIP refund" and flows["ping"].run_pattern_completed is False and pay.run_pattern_completed
    assert [(t.intent, t.confidence_threshold) for t in refund.nlu_triggers] == [("refund", 0.8)]
    assert refund.guard is not None and refund.guard.source == "slots.vip"
    assert flows["approve"].link_or_call_only and not flows["survey"].link_or_call_only
    assert not chat.problems.errors, "always_include_in_prompt and file_path are accepted"
    assert {p.code for p in chat.problems.warnings} == {"hyphenated-flow-id", "deprecated", "missing-language"}


async def test_a_hyphenated_flow_starts_by_trigger_and_by_button(chat: Chat) -> None:
    assert await chat.say("/hello") == ["Pong.", "Is there anything else I can help you with?"]
    assert (await chat.say("/StartFlow(say-hello)"))[0] == "Pong."


async def test_the_default_name_is_used_in_pattern_texts(chat: Chat) -> None:
    await chat.say("/pay_bill")
    assert await chat.say("/survey") == ["Happy?"]
    assert await chat.say("yes") == ["Bye!", "Shall we go back to pay bill?"]


async def test_translation_names_the_flow_in_the_customers_language(chat: Chat) -> None:
    await chat.say("مرحبا")
    assert chat.conversation.language == "ar"
    await chat.say("/pay_bill")
    await chat.say("/survey")
    replies = await chat.say("نعم")
    assert replies[-1] == "هل نرجع إلى دفع الفاتورة؟"


async def test_a_guard_decides_whether_a_flow_may_start(chat: Chat) -> None:
    assert await chat.say("/refund") == ["Cannot handle (default)."], "slots.vip is not set"
    assert await chat.say("/StartFlow(vip_refund)") == ["Cannot handle (default)."], "a button cannot skip the guard"
    await chat.say("/SetSlots(vip=true)")
    assert await chat.say("/refund") == ["Refunding.", "I'm passing you to a person from our team. They'll reply here shortly."]


async def test_a_guard_that_cannot_be_evaluated_keeps_the_flow_from_starting(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert await chat.say("/broken") == ["Cannot handle (default)."]
    assert "cannot be decided" in caplog.text


async def test_a_flow_guarded_by_false_starts_only_by_call_or_link(chat: Chat) -> None:
    assert await chat.say("/StartFlow(approve)") == ["Cannot handle (default)."]
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    assert await chat.say("500") == ["That is a big one.", "Approved?"], "called from pay_bill"
    assert chat.stack[-2] == "approve"


async def test_the_nlu_trigger_threshold_is_respected(chat: Chat) -> None:
    await chat.say("/SetSlots(vip=true)")
    assert await chat.say("/refund@0.79") == ["Cannot handle (default)."]
    assert (await chat.say("/refund@0.8"))[0] == "Refunding."


async def test_persisted_slots_outlive_the_flow_and_the_others_are_reset(chat: Chat) -> None:
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    replies = await chat.say("20")
    assert replies[0] == "Thanks, a@b.c."
    assert chat.slot("email") == "a@b.c", "persisted"
    assert chat.slot("amount") is None and chat.slot("paid") is None, "collected and set slots are reset"
    assert chat.slot("note") == "none yet", "a reset slot goes back to its initial value"


async def test_run_pattern_completed_false_says_nothing_more(chat: Chat) -> None:
    assert await chat.say("/ping") == ["Pong."]
    assert await chat.say("/survey") == ["Happy?"]
    assert await chat.say("yes") == ["Bye!", "Is there anything else I can help you with?"], "the default is true"


# ---------------------------------------------------------------------------------------- §1.4


async def test_collect_asks_with_its_utter_and_reads_the_answer(chat: Chat) -> None:
    assert await chat.say("/pay_bill") == ["Which email?"]
    step = chat.engine.definition.flows["pay_bill"].steps["pay_bill_0_collect_email"]
    assert isinstance(step, CollectStep) and step.description == "where the receipt goes"
    assert await chat.say("a@b.c") == ["How much?"]


async def test_rejections_say_their_message_and_ask_again(chat: Chat) -> None:
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    assert await chat.say("0") == ["More than zero, please.", "How much?"]
    assert chat.slot("amount") is None


async def test_a_rejection_that_cannot_be_decided_rejects_with_the_internal_error(chat: Chat) -> None:
    await chat.say("/tip")
    replies = await chat.say("7")  # {{context.limit}} is not in the frame's context
    assert replies == ["Sorry, something went wrong on our side. Please try again in a moment.", "Tip?"]


async def test_force_slot_filling_takes_only_the_answer(chat: Chat) -> None:
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    assert await chat.say("/survey") == ["Please just answer the question.", "How much?"], "no digression"
    assert await chat.say("/cancel") == ["Please just answer the question.", "How much?"], "no cancel either"
    assert chat.stack == ["pay_bill", "pattern_collect_information"]
    assert await chat.say("/SetSlots(amount=20)") == ["Thanks, a@b.c.", "Is there anything else I can help you with?"]


async def test_without_force_slot_filling_the_customer_may_digress(chat: Chat) -> None:
    await chat.say("/pay_bill")
    assert await chat.say("/survey") == ["Happy?"]


async def test_ask_before_filling_asks_even_when_the_slot_is_filled(chat: Chat) -> None:
    await chat.say("/SetSlots(happy=true)")
    assert await chat.say("/survey") == ["Happy?"]


async def test_reset_after_flow_ends_false_keeps_the_slot(chat: Chat) -> None:
    await chat.say("/survey")
    await chat.say("yes")
    assert chat.slot("happy") is True


async def test_a_slot_with_an_initial_value_is_not_asked_and_action_ask_asks(chat: Chat) -> None:
    assert await chat.say("/newsletter") == ["How often? (asked by an action)"]
    assert await chat.say("weekly") == ["Subscribed to news, weekly.", "Is there anything else I can help you with?"]


async def test_a_collect_nothing_can_ask_for_goes_to_internal_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    chat = Chat(tmp_path, spec().replace('  utter_ask_unaskable: [{text: "Unaskable?"}]\n', ""), actions=Frequency(), check=False)
    assert [p.code for p in chat.problems.errors] == ["unknown-response"], "the validator says so first"
    with caplog.at_level(logging.ERROR):
        replies = await chat.say("/no_question")
    assert replies == ["Sorry, something went wrong on our side. Please try again in a moment."]
    assert "cannot ask for slot 'unaskable'" in caplog.text
    assert chat.stack == []


async def test_set_slots_sets_every_pair_including_null(chat: Chat) -> None:
    await chat.say("/SetSlots(note=hello)")
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    await chat.say("20")
    set_events = [(e.name, e.value) for e in chat.events if isinstance(e, ev.SlotSet)]
    assert ("paid", True) in set_events and ("note", None) in set_events
    step = next(s for s in chat.engine.definition.flows["pay_bill"].steps.values() if isinstance(s, SetSlotsStep))
    assert step.slots == (("paid", True), ("note", None))


async def test_an_action_step_with_metadata_runs(chat: Chat) -> None:
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    replies = await chat.say("500")
    assert replies[0] == "That is a big one."
    step = chat.engine.definition.flows["pay_bill"].steps["pay_bill_4_utter_big"]
    assert step.metadata == {"reason": "review"}


async def test_an_action_name_is_rendered_with_the_frame_context(chat: Chat) -> None:
    assert await chat.say("/nothing_known") == ["Cannot handle (default)."], "utter_{{context.reason}}"


async def test_an_unknown_action_at_run_time_is_skipped_with_a_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    flows = spec().replace('      - action: "utter_{{context.reason}}"', '      - action: "action_{{context.reason}}"\n      - action: utter_thanks')
    chat = Chat(tmp_path, flows, actions=Frequency())
    with caplog.at_level(logging.ERROR):
        assert await chat.say("/nothing_known") == ["Thanks, {email}."]
    assert "action 'action_cannot_handle_default' is not known" in caplog.text


async def test_call_runs_the_flow_and_returns_to_the_next_step(chat: Chat) -> None:
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    await chat.say("500")
    started = next(e for e in chat.events if isinstance(e, ev.FlowStarted) and e.flow_id == "approve")
    assert started.frame_type == "call"
    assert await chat.say("yes") == ["Approved.", "Thanks, a@b.c.", "Is there anything else I can help you with?"]
    assert chat.slot("approved") is None, "the caller resets what the called flow collected"
    assert isinstance(chat.engine.definition.flows["pay_bill"].steps["review"], CallStep)


async def test_link_ends_the_flow_and_starts_the_next(chat: Chat) -> None:
    await chat.say("/survey")
    assert await chat.say("no") == ["Happy?"], "loops back to the question"
    assert await chat.say("yes") == ["Bye!", "Is there anything else I can help you with?"]
    started = next(e for e in chat.events if isinstance(e, ev.FlowStarted) and e.flow_id == "goodbye")
    assert started.frame_type == "link"
    assert not any(isinstance(e, ev.FlowStarted) and e.flow_id == "pattern_continue_interrupted" for e in chat.events)


async def test_link_to_pattern_human_handoff_hands_over(chat: Chat) -> None:
    await chat.say("/SetSlots(vip=true)")
    await chat.say("/refund")
    assert chat.conversation.owner is Owner.AGENT


def test_noop_is_a_branching_point(chat: Chat) -> None:
    steps = chat.engine.definition.flows["pay_bill"].steps
    noop = next(s for s in steps.values() if isinstance(s, NoopStep))
    assert noop.id == "pay_bill_3_noop" and [b.target for b in noop.next] == [  # type: ignore[union-attr]
        "pay_bill_4_utter_big", "staff", "thanks", "thanks"]


# ---------------------------------------------------------------------------------------- §1.5


async def test_the_first_true_branch_wins(chat: Chat) -> None:
    await chat.say("/pay_bill")
    await chat.say("boss@shop.com")
    assert await chat.say("50") == ["Staff discount applied.", "Is there anything else I can help you with?"], (
        "matches beats the later amount > 0 branch; next: END skips utter_thanks")


async def test_vip_skips_review_by_the_and_not_branch(chat: Chat) -> None:
    await chat.say("/SetSlots(vip=true)")
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    assert (await chat.say("500"))[0] == "Thanks, a@b.c."


async def test_a_loop_without_a_question_is_stopped_by_the_step_limit(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        replies = await chat.say("/spin")
    assert replies == ["Sorry, something went wrong on our side. Please try again in a moment."]
    assert "more than 250 steps" in caplog.text
    assert chat.stack == [], "the stack is cleared"


def test_every_construct_runs_on_the_engine_it_loaded_into(chat: Chat) -> None:
    assert isinstance(chat.engine, FlowEngine)


# ---------------------------------------------------------------------------------------- responses (§4.2 in flows)


async def test_a_jinja_response_reads_the_pattern_context(tmp_path: Path) -> None:
    jinja = """  utter_flow_cancelled_rasa:
    - text: "Stopped {{ context.canceled_name | upper }}."
      metadata: {rephrase: true, template: jinja}
"""
    chat = Chat(tmp_path, spec(jinja), actions=Frequency())
    await chat.say("/survey")
    assert await chat.say("/cancel") == ["Stopped OUR SURVEY."]


async def test_jinja_buttons_and_rasa_corrected_slots_keys(tmp_path: Path) -> None:
    jinja = """  utter_corrected_previous_input:
    - text: "Updated {{ context.corrected_slots.keys()|join(', ') }}."
      buttons:
        - {title: "Keep {{ context.corrected_values }}", payload: /affirm}
      metadata: {template: jinja}
"""
    chat = Chat(tmp_path, spec(jinja), actions=Frequency())
    await chat.say("/pay_bill")
    await chat.say("a@b.c")
    await chat.say("500")
    assert await chat.say("/SetSlots(amount=600)") == ["Updated amount.", "That is a big one.", "Approved?"], (
        "a button setting a filled slot is a correction, as in Rasa")
    content = chat.outbound[0].content
    assert isinstance(content, OutButtons) and content.buttons[0].title == "Keep 600"
