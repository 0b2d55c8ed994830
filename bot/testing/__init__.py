"""Conversation tests (``bot test``): replay conversations and check what the bot did.

Files are YAML under ``tests/conversations/`` (any files or folders may be given instead), in
Rasa Pro's end-to-end test format where it fits, plus a few additions of ours::

    fixtures:                       # Rasa's: named sets of slots to start with
      - premium: [{membership: gold}]
    metadata:                       # Rasa's: named message metadata
      - whatsapp_user: {wa_profile: Ali}
    stub_custom_actions:            # Rasa's: action (or "<test case>::<action>") -> result
      action_check_order: {events: [{event: slot, name: order_status, value: shipped}], responses: []}
    test_cases:
      - test_case: track an order
        fixtures: [premium]
        metadata: whatsapp_user     # metadata of every message of this case
        language: ar                # ours: the conversation's language before the first message
        steps:
          - user: "where is my order A-1234?"
            metadata: whatsapp_user # this message's metadata (over the case's)
            assertion_order_enabled: false
            assertions:             # checks on this turn (Rasa's)
              - flow_started: track_order           # or {flow_ids: [a, b], operator: any|all}
              - flow_completed: {flow_id: track_order, flow_step_id: tell_status}
              - flow_cancelled: {flow_id: other}
              - action_executed: action_check_order
              - slot_was_set: [{name: order_id, value: A-1234}]   # value optional
              - slot_was_not_set: [{name: email}]
              - bot_uttered: {utter_name: utter_order_status, text_matches: "shipped", buttons: [{title: OK, payload: /affirm}]}
              - bot_did_not_utter: {utter_name: utter_default}
              - pattern_clarification_contains: [track_order, cancel_order]
          - utter: utter_ask_anything_else  # classic steps check the preceding user turn:
          - bot: "Anything else?"           #   its bot messages in order (exactly these),
          - slot_was_set: [order_id]        #   slots set (name, or {name: value}),
          - slot_was_not_set: [email]       #   slots not set
          - flow: track_order               # ours: the active flow now (null: none)
          - owner: agent                    # ours: who answers now (bot or agent)
          - wait: 3600                      # ours: the clock moves on (session expiry)

Every turn runs through the engine's ``Processor.turn`` on a fake clock; nothing is stored.
Stubs replace the bot's custom actions through ``build_engine(settings, actions=...)``.

Entry points: ``run_conversation_tests`` (what ``bot test`` runs), ``load_tests``,
``run_files``/``run_case`` with an engine from ``build_engine``, ``StubActions``.
"""

from __future__ import annotations

from bot.testing.command import run_conversation_tests
from bot.testing.loader import TestFileError, load_tests, parse_tests
from bot.testing.model import TestCase, TestFile
from bot.testing.runner import (
    EPOCH,
    CaseResult,
    FakeClock,
    TurnResult,
    build_engine,
    run_case,
    run_files,
)
from bot.testing.stubs import StubActions

__all__ = [
    "EPOCH",
    "CaseResult",
    "FakeClock",
    "StubActions",
    "TestCase",
    "TestFile",
    "TestFileError",
    "TurnResult",
    "build_engine",
    "load_tests",
    "parse_tests",
    "run_case",
    "run_conversation_tests",
    "run_files",
]
