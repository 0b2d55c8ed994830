"""Replaying cases through the real processor: the fake clock, fixtures, language, metadata, selection."""

from __future__ import annotations

import textwrap

from bot.actions.base import ActionRunner
from bot.config import Settings
from bot.core import events as ev
from bot.core.conversation import Conversation
from bot.engine import Engine
from bot.processor import Processor
from bot.state.base import InboxEntry
from bot.testing import EPOCH, FakeClock, TestFile, parse_tests, run_case, run_files
from bot.testing.runner import build_engine, close_engine
from bot.yamlsource import parse_yaml
from tests.testing.conftest import Script, ScriptedDialogue, engines

SCRIPT: Script = {
    "start_order": ([ev.FlowStarted(flow_id="track_order", frame_id="f1", step_id="ask_id")],
                    [("utter_ask_order_id", "What is your order number?")]),
    "give": ([ev.SlotSet(name="order_id", value="A-1"), ev.FlowStepped(frame_id="f1", step_id="tell"),
              ev.FlowCompleted(flow_id="track_order", frame_id="f1")], [("utter_status", "Shipped.")]),
    "agent": ([ev.HandoffStarted(reason="asked")], [("utter_handoff", "A person will answer.")]),
}


def parse(text: str) -> TestFile:
    return parse_tests(parse_yaml(textwrap.dedent(text), "t.yml"), languages=["en", "ar"])


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    assert (clock.now, clock.advance(1.0), clock.advance(3600)) == (EPOCH, EPOCH + 1, EPOCH + 3601)


async def test_a_flow_conversation_passes_and_fails_where_it_should(settings: Settings) -> None:
    test_file = parse("""\
        test_cases:
          - test_case: track
            steps:
              - user: /start_order
                assertions:
                  - flow_started: track_order
                  - bot_uttered: {utter_name: utter_ask_order_id}
              - flow: track_order
              - user: /give
                assertions:
                  - slot_was_set: [{name: order_id, value: A-1}]
                  - flow_completed: {flow_id: track_order, flow_step_id: tell}
              - utter: utter_status
              - flow: null
              - user: /agent
              - owner: agent
          - test_case: wrong
            steps:
              - user: /give
              - slot_was_set: [{order_id: B-2}]
              - bot: "Not shipped."
              - flow: track_order
        """)
    results = await run_files([test_file], engines(settings, ScriptedDialogue(SCRIPT)))
    passed, failed = results
    assert passed.passed and [t.turn.user for t in passed.turns] == ["/start_order", "/give", "/agent"]
    assert not failed.passed and failed.file == "t.yml"
    only, = failed.turns
    assert [(f.expected, f.where) for f in only.failures] == [
        ('bot: "Not shipped."', "t.yml:21"), ('slot_was_set: order_id = "B-2"', "t.yml:20"), ("flow: track_order", "t.yml:22"),
    ]


async def test_messages_carry_the_fake_clock_and_metadata(settings: Settings) -> None:
    dialogue = ScriptedDialogue(SCRIPT)
    test_file = parse("""\
        metadata:
          - wa: {wa_profile: Ali, tier: basic}
          - vip: {tier: gold}
        test_cases:
          - test_case: times
            metadata: wa
            steps:
              - user: /greet
              - wait: 3600
              - user: /greet
                metadata: vip
              - user: /greet
        """)
    await run_files([test_file], engines(settings, dialogue))
    assert [m.received_at for m in dialogue.messages] == [EPOCH + 1, EPOCH + 3602, EPOCH + 3603]
    assert [m.metadata for m in dialogue.messages] == [
        {"wa_profile": "Ali", "tier": "basic"}, {"wa_profile": "Ali", "tier": "gold"}, {"wa_profile": "Ali", "tier": "basic"},
    ]
    assert len({m.conversation_id for m in dialogue.messages}) == 1
    assert [m.message_id.rsplit("-", 1)[1] for m in dialogue.messages] == ["1", "2", "3"]


async def test_fixtures_and_language_are_set_before_the_first_message(settings: Settings) -> None:
    test_file = parse("""\
        fixtures:
          - known: [{name: Ali}]
        test_cases:
          - test_case: arabic
            fixtures: [known]
            language: ar
            steps:
              - flow: null
              - owner: bot
              - user: /ask_order_id
              - bot: "ما رقم طلبك؟"
              - user: /goodbye
              - bot: "Goodbye Ali!"
              - slot_was_not_set: [name]
        """)
    engine = build_engine(settings)
    try:
        result = await run_case(test_file.cases[0], engine)
    finally:
        await close_engine(engine)
    assert result.passed, result
    opening = result.turns[0].turn
    assert (opening.number, opening.user, result.turns[0].failures) == (0, None, ())
    assert [type(e) for e in opening.events] == [ev.SessionStarted, ev.SlotSet, ev.LanguageSet]
    assert opening.after.language_source == "customer"


async def test_checks_before_the_first_message_see_the_starting_conversation(settings: Settings) -> None:
    test_file = parse("test_cases: [{test_case: a, steps: [{owner: agent}, {user: /greet}]}]\n")
    result, = await run_files([test_file], engines(settings))
    opening = result.turns[0]
    assert (opening.turn.user, [f.why for f in opening.failures]) == (None, ["the conversation is answered by the bot"])


async def test_each_case_is_a_new_conversation(settings: Settings) -> None:
    dialogue = ScriptedDialogue(SCRIPT)
    test_file = parse("""\
        test_cases:
          - test_case: one
            steps: [{user: /start_order}, {flow: track_order}]
          - test_case: two
            steps: [{user: /greet}, {flow: null}]
        """)
    results = await run_files([test_file], engines(settings, dialogue))
    assert all(r.passed for r in results)
    assert len({m.conversation_id for m in dialogue.messages}) == 2


async def test_select_and_fail_fast(settings: Settings) -> None:
    test_file = parse("""\
        test_cases:
          - test_case: Greet first
            steps: [{user: /greet}, {utter: utter_nope}]
          - test_case: greet again
            steps: [{user: /greet}, {utter: utter_greet}]
          - test_case: other
            steps: [{user: /greet}]
        """)
    build = engines(settings)
    chosen = await run_files([test_file], build, select="GREET")
    assert [r.case.name for r in chosen] == ["Greet first", "greet again"]
    stopped = await run_files([test_file], build, fail_fast=True)
    assert [(r.case.name, r.passed) for r in stopped] == [("Greet first", False)]
    seen: list[str] = []
    await run_files([test_file], build, on_result=lambda r: seen.append(r.case.name))
    assert seen == ["Greet first", "greet again", "other"]


async def test_a_crashing_turn_fails_its_case_and_the_others_still_run(settings: Settings) -> None:
    class CrashOn:
        def __init__(self, processor: Processor) -> None:
            self.processor = processor

        async def turn(self, conversation: Conversation, entry: InboxEntry) -> object:
            if entry.message.text == "crash":
                raise RuntimeError("boom")
            return await self.processor.turn(conversation, entry)

    def build(actions: ActionRunner | None) -> Engine:
        engine = build_engine(settings)
        engine.processor = CrashOn(engine.processor)  # type: ignore[assignment]
        return engine

    test_file = parse("""\
        test_cases:
          - test_case: crashes
            steps: [{user: /greet}, {user: crash}, {utter: utter_greet}]
          - test_case: runs
            steps: [{user: /greet}, {utter: utter_greet}]
        """)
    crashed, ran = await run_files([test_file], build)
    assert crashed.error == "t.yml:3: the turn raised RuntimeError: boom" and not crashed.passed
    assert [t.turn.user for t in crashed.turns] == ["/greet"]
    assert ran.passed
