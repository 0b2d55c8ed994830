"""The flows engine, turn by turn: stack, commands, patterns, slots, actions and sessions."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from bot.actions.base import ActionResult
from bot.actions.errors import ActionTimeout
from bot.core import events as ev
from bot.core.conversation import Conversation, Owner
from bot.core.events import IntentScore, Parse
from bot.core.messages import InboundMessage, OutButtons, Text
from bot.flows.defaults import load_project
from bot.flows.executor import FlowEngine, FlowSettings
from bot.nlu.commands import CommandUnderstanding
from bot.processor import Processor
from tests.flows import chatting

FLOWS = """
flows:
  order_pizza:
    name: ordering a pizza
    description: order
    nlu_trigger: [{intent: order_pizza}]
    steps:
      - collect: size
      - collect: quantity
        rejections:
          - if: slots.quantity > 10
            utter: utter_too_many
      - collect: confirm
        ask_before_filling: true
        next:
          - if: slots.confirm
            then:
              - action: utter_done
                next: END
          - else: END
  hours:
    name: opening hours
    description: hours
    run_pattern_completed: false
    nlu_trigger: [{intent: hours}]
    steps: [{action: utter_hours}]
  register:
    name: registering
    description: reg
    nlu_trigger: [{intent: register}]
    steps:
      - call: ask_name
      - action: utter_registered
      - link: hours
  ask_name:
    if: false
    name: asking the name
    description: sub
    steps:
      - collect: name
        reset_after_flow_ends: false
  lookup:
    name: looking up
    description: custom action
    nlu_trigger: [{intent: lookup}]
    steps:
      - action: action_lookup
      - action: utter_status
actions: [action_lookup]
slots:
  size: {type: categorical, values: [small, medium, large]}
  quantity: {type: float}
  confirm: {type: bool}
  name: {type: text}
  status: {type: text}
responses:
  utter_ask_size: [{text: "Which size?"}]
  utter_ask_quantity: [{text: "How many?"}]
  utter_ask_confirm: [{text: "Order {quantity} {size}?"}, {language: ar, text: "أطلب {quantity} {size}؟"}]
  utter_ask_name: [{text: "Your name?"}]
  utter_too_many: [{text: "At most 10."}]
  utter_done: [{text: "Done!"}]
  utter_hours: [{text: "We open 9-5."}]
  utter_registered: [{text: "Registered {name}."}]
  utter_status: [{text: "Status: {status}."}]
  utter_greet: [{text: "Hi!"}]
"""


class Actions:
    """A strict action runner: knows one action; records its calls."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[dict[str, Any]] = []

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        assert name == "action_lookup", f"unexpected action {name}"
        self.calls.append(tracker)
        if self.fail:
            raise ActionTimeout(name, "action_lookup timed out after 1s")
        return ActionResult(events=[{"event": "slot", "name": "status", "value": "shipped"}], responses=[{"text": "Looking..."}])

    def names(self) -> frozenset[str]:
        return frozenset({"action_lookup"})


class Chat(chatting.Chat):
    """The pizza bot above, with ``extra`` flows, an action runner and engine settings."""

    def __init__(self, folder: Path, *, extra: str = "", actions: Actions | None = None, **settings: Any) -> None:
        super().__init__(folder, FLOWS.replace("actions:", extra.strip("\n") + "\nactions:", 1), actions=actions, **settings)


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return Chat(tmp_path)


async def test_a_flow_runs_until_a_question_and_ends_with_completed(chat: Chat) -> None:
    assert await chat.say("/order_pizza") == ["Which size?"]
    assert chat.stack == ["order_pizza", "pattern_collect_information"]
    assert await chat.say("medium") == ["How many?"]
    assert await chat.say("3") == ["Order 3 medium?"]
    assert await chat.say("yes") == ["Done!", "Is there anything else I can help you with?"]
    assert chat.stack == ["pattern_completed"] or chat.stack == []
    assert chat.slot("size") is None and chat.slot("quantity") is None, "collected slots reset at the end"


async def test_entities_of_the_starting_message_prefill_its_slots(chat: Chat) -> None:
    assert await chat.say('/order_pizza{"size": "large", "quantity": 2}') == ["Order 2 large?"]


async def test_rejection_says_why_and_asks_again(chat: Chat) -> None:
    await chat.say("/order_pizza")
    await chat.say("small")
    assert await chat.say("20") == ["At most 10.", "How many?"]
    assert chat.slot("quantity") is None


async def test_an_unreadable_answer_gets_the_type_rejection(chat: Chat) -> None:
    await chat.say("/order_pizza")
    assert await chat.say("huge") == ["Sorry, that is not an option: please choose one of: small, medium, large.", "Which size?"]


async def test_too_many_invalid_answers_go_to_cannot_handle(chat: Chat) -> None:
    await chat.say("/order_pizza")
    await chat.say("huge")
    await chat.say("enormous")
    replies = await chat.say("gigantic")
    assert "Sorry, I still couldn't understand the answer. Let's try another way." in replies
    assert replies[-1] == "Which size?"


async def test_too_many_invalid_answers_can_go_to_a_human(tmp_path: Path) -> None:
    chat = Chat(tmp_path, max_invalid_answers=2, on_too_many_invalid="human_handoff")
    await chat.say("/order_pizza")
    await chat.say("huge")
    replies = await chat.say("enormous")
    assert replies[-1].startswith("I'm passing you to a person")
    assert chat.conversation.owner is Owner.AGENT
    assert any(isinstance(e, ev.HandoffStarted) and e.reason == "too_many_invalid_answers" for e in chat.events)
    assert await chat.say("hello?") == [], "the bot stays quiet while an agent has the conversation"


async def test_interruption_asks_to_resume_and_resumes(chat: Chat) -> None:
    await chat.say("/order_pizza")
    replies = await chat.say("/hours")
    assert replies == ["We open 9-5.", "Shall we go back to ordering a pizza?"]
    assert any(isinstance(e, ev.FlowInterrupted) and e.flow_id == "order_pizza" for e in chat.events)
    assert await chat.say("yes") == ["Let's continue with ordering a pizza.", "Which size?"]
    assert any(isinstance(e, ev.FlowResumed) for e in chat.events)
    assert chat.stack == ["order_pizza", "pattern_collect_information"]


async def test_declining_to_resume_cancels_the_interrupted_flow(chat: Chat) -> None:
    await chat.say("/order_pizza")
    await chat.say("small")
    await chat.say("/hours")
    assert await chat.say("no") == ["Okay, I've stopped ordering a pizza."]
    assert chat.stack == [] and chat.slot("size") is None


async def test_correction_rewinds_and_confirms(chat: Chat) -> None:
    await chat.say("/order_pizza")
    await chat.say("small")
    await chat.say("2")
    assert await chat.say('/inform{"size": "large"}') == ["Okay, I've updated that to large.", "Order 2 large?"]
    assert chat.slot("size") == "large"


async def test_cancel_stops_the_flow_and_resets_its_slots(chat: Chat) -> None:
    await chat.say("/order_pizza")
    await chat.say("small")
    assert await chat.say("/cancel") == ["Okay, I've stopped ordering a pizza."]
    assert chat.stack == [] and chat.slot("size") is None
    assert any(isinstance(e, ev.FlowCancelled) and e.flow_id == "order_pizza" for e in chat.events)


async def test_cancel_without_a_flow_cannot_be_handled(chat: Chat) -> None:
    assert await chat.say("/cancel") == ["Sorry, I didn't get that. Could you say it another way?"]


async def test_call_returns_to_the_caller_and_link_ends_it(chat: Chat) -> None:
    assert await chat.say("/register") == ["Your name?"]
    assert chat.stack == ["register", "ask_name", "pattern_collect_information"]
    assert [f.frame_type for f in chat.conversation.stack][:2] == ["regular", "call"]
    assert await chat.say("Sam") == ["Registered Sam.", "We open 9-5."]
    assert chat.stack == []
    assert chat.slot("name") == "Sam", "persisted_slots survive the end of the flow"


async def test_set_slots_payload_needs_no_nlu_and_unknown_slots_are_refused(chat: Chat) -> None:
    await chat.say("/order_pizza")
    assert await chat.say("/SetSlots(size=medium)") == ["How many?"]
    assert await chat.say("/SetSlots(colour=red)") == ["Sorry, I didn't get that. Could you say it another way?", "How many?"]


async def test_start_flow_payload(chat: Chat) -> None:
    assert await chat.say("/StartFlow(hours)") == ["We open 9-5."]


async def test_two_nearly_tied_flows_are_clarified_with_buttons(chat: Chat) -> None:
    message = InboundMessage(message_id="m", conversation_id="c1", channel="test", content=Text(body="pizza hours?"))
    parse = Parse(intent=IntentScore(name="order_pizza", confidence=0.48),
                  intent_ranking=(IntentScore(name="order_pizza", confidence=0.48), IntentScore(name="hours", confidence=0.45)))
    state = chat.conversation.apply(ev.UserMessage(message_id="m", channel="test", content=message.content, parse=parse))
    decision = await chat.engine.decide(state, message, parse)
    content = decision.utterances[-1].content
    assert isinstance(content, OutButtons)
    assert [b.payload for b in content.buttons] == ["/StartFlow(order_pizza)", "/StartFlow(hours)"]


async def test_chitchat_answers_with_the_intent_response_and_the_flow_goes_on(chat: Chat) -> None:
    await chat.say("/order_pizza")
    assert await chat.say("/greet") == ["Hi!", "Which size?"]


async def test_custom_action_events_are_applied(tmp_path: Path) -> None:
    actions = Actions()
    chat = Chat(tmp_path, actions=actions)
    assert await chat.say("/lookup") == ["Looking...", "Status: shipped.", "Is there anything else I can help you with?"]
    tracker = actions.calls[0]
    assert tracker["sender_id"] == "c1" and tracker["latest_message"]["intent"]["name"] == "lookup"
    assert [f["flow_id"] for f in tracker["stack"]] == ["lookup"]


async def test_a_failing_action_leads_to_internal_error_and_the_conversation_goes_on(tmp_path: Path) -> None:
    chat = Chat(tmp_path, actions=Actions(fail=True))
    replies = await chat.say("/lookup")
    assert replies[0] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert await chat.say("/hours") == ["We open 9-5."]


async def test_replies_follow_the_conversation_language(chat: Chat) -> None:
    await chat.say('/order_pizza{"size": "small", "quantity": 2}')
    chat.conversation = chat.conversation.apply(ev.LanguageSet(language="ar", source="customer"))
    assert await chat.say("/SetSlots(quantity=3)") == ["تمام، عدّلتها إلى 3.", "أطلب 3 small؟"], (
        "a correction, said in Arabic; the question's Arabic variation, English fallback elsewhere")
    assert chat.conversation.bot_turn == ("utter_corrected_previous_input", "utter_ask_confirm")


async def test_repeat_says_the_previous_turn_again_custom_action_texts_included(tmp_path: Path) -> None:
    chat = Chat(tmp_path, actions=Actions())
    first = await chat.say("/lookup")
    assert first == ["Looking...", "Status: shipped.", "Is there anything else I can help you with?"]
    assert await chat.say("/repeat") == first


async def test_session_expiry_clears_the_stack_and_runs_session_start(tmp_path: Path) -> None:
    extra = """
      pattern_session_start:
        description: greet
        steps: [{action: utter_greet}]
    """
    chat = Chat(tmp_path, extra=textwrap.indent(textwrap.dedent(extra), "  "))
    assert (await chat.say("/order_pizza"))[0] == "Hi!"
    await chat.say("small")
    replies = await chat.say("/hours", wait=4000)
    assert replies == ["Hi!", "We open 9-5."]
    assert any(isinstance(e, ev.SessionStarted) for e in chat.events)
    assert chat.slot("size") is None, "carry_over_slots is off here"


async def test_a_designer_overrides_a_pattern(tmp_path: Path) -> None:
    extra = """
  pattern_cancel_flow:
    description: mine
    nlu_trigger: [{intent: stop}]
    steps:
      - action: action_cancel_flow
      - action: utter_stopped
"""
    text = FLOWS.replace("actions:", extra.strip("\n") + "\nactions:", 1)
    text += '  utter_stopped: [{text: "Stopped {context.canceled_name}, as you wish."}]\n'
    (tmp_path / "flows.yml").write_text(text)
    loaded = load_project([tmp_path], languages=["en"], default_language="en")
    engine = FlowEngine(loaded.definition, loaded.responses, default_language="en")
    chat = Chat.__new__(Chat)
    chat.engine, chat.conversation, chat.clock = engine, Conversation(conversation_id="c1"), 0.0
    chat.processor = Processor(None, CommandUnderstanding(["en"]), engine, languages=["en"], default_language="en")  # type: ignore[arg-type]
    await chat.say("/order_pizza")
    assert await chat.say("/stop") == ["Stopped ordering a pizza, as you wish."]


async def test_a_loop_without_a_question_is_stopped(tmp_path: Path) -> None:
    extra = """
  spin:
    description: loops
    nlu_trigger: [{intent: spin}]
    steps:
      - id: a
        action: utter_hours
        next: a
"""
    text = FLOWS.replace("actions:", extra.strip("\n") + "\nactions:", 1)
    (tmp_path / "flows.yml").write_text(text)
    loaded = load_project([tmp_path], languages=["en"], default_language="en")
    engine = FlowEngine(loaded.definition, loaded.responses, default_language="en", settings=FlowSettings(max_steps=20))
    chat = Chat.__new__(Chat)
    chat.engine, chat.conversation, chat.clock = engine, Conversation(conversation_id="c1"), 0.0
    chat.processor = Processor(None, CommandUnderstanding(["en"]), engine, languages=["en"], default_language="en")  # type: ignore[arg-type]
    replies = await chat.say("/spin")
    assert replies[-1] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert chat.stack == []
