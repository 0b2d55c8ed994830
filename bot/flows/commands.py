"""What the customer's message asks the flows engine to do: Rasa CALM's commands, without an LLM.

``CommandReader`` turns a parse (intent, entities) and the message's text into commands: start
a flow (``nlu_trigger``), set a slot (slot mappings, the question being asked), correct a slot,
cancel, skip, hand over, chitchat, clarify, cannot handle, restart, repeat. Button payloads
``/SetSlots(slot=value)`` and ``/StartFlow(flow_id)`` become commands without any NLU.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.conversation import Conversation, Frame
from bot.core.events import Parse
from bot.flows.coerce import Coerced, coerce_text, coerce_value
from bot.flows.model import (
    CollectStep,
    Flow,
    FlowsDefinition,
    MappingType,
    Slot,
    SlotMapping,
    SlotType,
)

COLLECT = "pattern_collect_information"
FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
_SET_SLOTS = re.compile(r"^/SetSlots\((?P<body>.*)\)\s*$", re.DOTALL)
_PAIR = re.compile(r"(?P<name>[^(),=]+)=(?P<value>\[[^\]]*\]|[^(),]+)")
_START_FLOW = re.compile(r"^/StartFlow\((?P<flow>[A-Za-z0-9_][A-Za-z0-9_-]*)\)\s*$")


@dataclass(frozen=True, slots=True)
class StartFlow:
    """Start ``flow`` (on top of whatever runs)."""

    flow: str


@dataclass(frozen=True, slots=True)
class SetSlot:
    """Give ``name`` a value; ``source`` is ``nlu``, ``payload`` or ``answer`` (the asked slot)."""

    name: str
    value: Any
    source: str = "nlu"


@dataclass(frozen=True, slots=True)
class CorrectSlots:
    """New values for slots already filled in a flow on the stack."""

    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class PatternCommand:
    """Push a conversation pattern (cancel, handoff, chitchat, clarify, cannot handle, ...)."""

    pattern: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InvalidAnswer:
    """The answer to the asked slot could not be read as its type."""

    slot: str
    reason: str
    expected: str


Command = StartFlow | SetSlot | CorrectSlots | PatternCommand | InvalidAnswer

# Patterns that an ``nlu_trigger`` may start, as Rasa's NLUCommandAdapter maps them.
TRIGGERABLE_PATTERNS = frozenset({
    "pattern_cancel_flow", "pattern_human_handoff", "pattern_chitchat", "pattern_skip_question",
    "pattern_cannot_handle", "pattern_restart", "pattern_repeat_bot_messages", "pattern_session_start",
    "pattern_clarification", "pattern_search",
})


def asked(conversation: Conversation) -> Frame | None:
    """The collect pattern frame waiting for the customer's answer, if the top frame is one."""
    top = conversation.stack[-1] if conversation.stack else None
    return top if top is not None and top.flow_id == COLLECT else None


def active_user_frame(stack: Sequence[Frame]) -> Frame | None:
    """The top-most frame of a designer's flow (not a pattern)."""
    return next((f for f in reversed(stack) if not f.flow_id.startswith("pattern_")), None)


def parse_payload(text: str, slots: Mapping[str, Slot]) -> list[Command] | None:
    """Commands of a ``/SetSlots(...)`` or ``/StartFlow(...)`` payload, or None for other text."""
    match = _START_FLOW.match(text.strip())
    if match:
        return [StartFlow(match["flow"])]
    match = _SET_SLOTS.match(text.strip())
    if not match:
        return None
    commands: list[Command] = []
    for pair in _PAIR.finditer(match["body"]):
        name, raw = pair["name"].strip().strip(","), pair["value"].strip()
        if name not in slots:
            return [PatternCommand("pattern_cannot_handle", {"reason": "cannot_handle_unknown_slot", "slot": name})]
        value: Any
        if raw.startswith("["):
            value = [v.strip().strip("'\"") for v in raw[1:-1].split(",") if v.strip()]
        elif raw.lower() in ("none", "null", "undefined"):
            value = None
        else:
            value = raw.strip("'\"")
        commands.append(SetSlot(name, value, "payload"))
    return commands


@dataclass(slots=True)
class CommandReader:
    """Reads commands from a parsed message for one conversation."""

    definition: FlowsDefinition
    clarify_margin: float = 0.1
    responses: frozenset[str] = frozenset()

    def read(self, conversation: Conversation, text: str | None, parse: Parse | None, *, now: datetime | None = None,
             language: str | None = None) -> list[Command]:
        """The commands of this message, cleaned up (Rasa's ``clean_up_commands``)."""
        payload = parse_payload(text or "", self.definition.slots)
        if payload is not None:
            return self._clean(conversation, self._corrections(conversation, payload))
        commands: list[Command] = []
        answer = self._typed_answer(conversation, text or "", parse, now=now, language=language)
        # A typed answer to the pending question (a number, yes/no, a choice, a date...) is an
        # answer, whatever intent the classifier guessed for a message as short as "two please".
        starting = [] if answer or self.forced_slot(conversation) else self._starts(conversation, parse)
        if starting and not (text or "").lstrip().startswith("/") and self._free_text_pending(conversation) and isinstance(starting[0], StartFlow | PatternCommand) and (
                isinstance(starting[0], StartFlow) or starting[0].pattern == "pattern_clarification"):
            starting = []  # a pending free-text question takes the message as its answer
        commands += starting
        started_flows = [self.definition.flows[c.flow] for c in starting if isinstance(c, StartFlow)]
        commands += self._slots(conversation, text or "", parse, started_flows, now=now, language=language)
        if not commands and parse is not None and parse.intent is not None and parse.intent.name not in FALLBACK_INTENTS:
            name = f"utter_{parse.intent.name}"
            if name in self.responses:
                values = {e.entity: e.value for e in parse.entities}  # "hello, I'm {name}" without a slot
                commands.append(PatternCommand("pattern_chitchat", {"response": name, "intent": parse.intent.name, "values": values}))
        if not commands:
            commands.append(PatternCommand("pattern_cannot_handle", {"reason": "cannot_handle_default"}))
        return self._clean(conversation, commands)

    def _free_text_pending(self, conversation: Conversation) -> bool:
        frame = asked(conversation)
        slot = self.definition.slots.get(str(frame.context.get("collect"))) if frame is not None else None
        return slot is not None and slot.type in (SlotType.TEXT, SlotType.ANY) and self._answers_with_text(slot, None, [])

    def _typed_answer(self, conversation: Conversation, text: str, parse: Parse | None, *, now: datetime | None,
                      language: str | None) -> bool:
        """Whether the message answers the pending question with a value of the slot's (non-text) type."""
        frame = asked(conversation)
        if frame is None or text.lstrip().startswith("/"):
            return False
        slot = self.definition.slots.get(str(frame.context.get("collect")))
        if slot is None or slot.type in (SlotType.TEXT, SlotType.ANY, SlotType.PRODUCT):
            return False
        value = self._extract(slot, text, parse, asked=True, triggered=False, now=now, language=language)
        return value is not None and not isinstance(value, InvalidAnswer)

    def _starts(self, conversation: Conversation, parse: Parse | None) -> list[Command]:
        if parse is None or parse.intent is None:
            return []
        ranking = parse.intent_ranking or (parse.intent,)
        found: list[tuple[Flow, float]] = []
        for score in ranking[:3]:
            for flow in self.definition.flows.values():
                trigger = next((t for t in flow.nlu_triggers if t.intent == score.name), None)
                if trigger is None or score.confidence < trigger.confidence_threshold:
                    continue
                if flow.is_pattern and flow.id not in TRIGGERABLE_PATTERNS:
                    continue
                if not flow.is_pattern and not self._may_start(flow, conversation):
                    continue
                found.append((flow, score.confidence))
                break
        if not found or found[0][1] < parse.intent.confidence - 1e-9:
            return []
        first, best = found[0]
        close = [f for f, c in found[1:] if best - c < self.clarify_margin and not f.is_pattern and f.id != first.id]
        if close and not first.is_pattern:
            return [PatternCommand("pattern_clarification", {"names": [first.id, *(f.id for f in close)]})]
        if first.is_pattern:
            return [PatternCommand(first.id, {"intent": parse.intent.name})]
        return [StartFlow(first.id)]

    def _may_start(self, flow: Flow, conversation: Conversation) -> bool:
        if flow.link_or_call_only:
            return False
        if flow.guard is None:
            return True
        return flow.guard.evaluate({"slots": self.slot_document(conversation.slots), "context": {}})

    def slot_document(self, slots: Mapping[str, Any]) -> dict[str, Any]:
        """Every declared slot (None when unset) plus any other value set, for conditions."""
        document = {name: None for name in self.definition.slots}
        document.update(slots)
        return document

    def _slots(self, conversation: Conversation, text: str, parse: Parse | None, started: list[Flow], *,
               now: datetime | None, language: str | None) -> list[Command]:
        frame = asked(conversation)
        asked_slot = str(frame.context.get("collect")) if frame is not None and frame.step_id not in (None, "START") else None
        fillable = self._fillable(conversation, [])
        prefill = self._fillable(Conversation(conversation_id=""), started)
        commands: list[Command] = []
        corrections: list[tuple[str, Any]] = []
        if asked_slot is not None and asked_slot in self.definition.slots:
            slot = self.definition.slots[asked_slot]
            whole = self._extract(slot, "", parse, asked=False, triggered=False, now=now, language=language) is None
            typed = text.strip() and not text.lstrip().startswith("/")
            if typed and whole and slot.type in (SlotType.TEXT, SlotType.ANY) and self._answers_with_text(slot, parse, started):
                # the whole message is the answer (an address, a reason): it fills nothing else
                fillable, prefill = set(), set()
            elif started and slot.type in (SlotType.TEXT, SlotType.ANY, SlotType.PRODUCT):
                asked_slot = None  # a flow starts instead: the free text is not an answer
        for slot in self.definition.slots.values():
            if slot.name != asked_slot and slot.name not in fillable | prefill:
                continue
            value = self._extract(slot, text, parse, asked=slot.name == asked_slot, triggered=bool(started),
                                  now=now, language=language)
            if value is None:
                continue
            if isinstance(value, InvalidAnswer):
                commands.append(value)
                continue
            current = conversation.slots.get(slot.name)
            if current == value:
                continue
            if current is not None and slot.name != asked_slot and slot.name not in prefill:
                corrections.append((slot.name, value))
            else:
                commands.append(SetSlot(slot.name, value, "answer" if slot.name == asked_slot else "nlu"))
        if corrections:
            commands.append(CorrectSlots(tuple(corrections)))
        return commands

    def _answers_with_text(self, slot: Slot, parse: Parse | None, started: list[Flow]) -> bool:
        """Whether the asked slot takes the raw text and no flow starts instead."""
        takes_text = any(m.type in (MappingType.FROM_TEXT, MappingType.FROM_LLM) for m in slot.mappings) or not slot.mappings
        return takes_text and not started

    def _fillable(self, conversation: Conversation, started: list[Flow]) -> set[str]:
        flows = list(started)
        user = active_user_frame(conversation.stack)
        if user is not None and user.flow_id in self.definition.flows:
            flows.append(self.definition.flows[user.flow_id])
        names: set[str] = set()
        for flow in flows:
            names.update(s.collect for s in flow.steps.values() if isinstance(s, CollectStep) and not s.ask_before_filling)
        return names

    def _extract(self, slot: Slot, text: str, parse: Parse | None, *, asked: bool, triggered: bool,
                 now: datetime | None, language: str | None) -> Any:
        mappings = slot.mappings or (SlotMapping(type=MappingType.FROM_LLM, where=slot.where),)
        intent = parse.intent.name if parse is not None and parse.intent is not None else None
        for mapping in mappings:
            if mapping.intent and intent not in mapping.intent or intent in mapping.not_intent:
                continue
            if mapping.type in (MappingType.FROM_ENTITY, MappingType.FROM_LLM):
                entity_name = mapping.entity or slot.name
                for entity in parse.entities if parse is not None else ():
                    if entity.entity != entity_name or (mapping.role and entity.role != mapping.role) or (
                            mapping.group and entity.group != mapping.group):
                        continue
                    result = coerce_value(slot, entity.value, language=language, now=now)
                    if isinstance(result, Coerced):
                        return result.value
            if mapping.type is MappingType.FROM_INTENT and intent is not None and mapping.intent:
                return mapping.value
            if mapping.type is MappingType.FROM_TRIGGER_INTENT and triggered and intent in mapping.intent:
                return mapping.value
        if not asked or not text.strip() or text.lstrip().startswith("/"):
            return None  # a payload such as /greet is never the answer itself
        if any(m.type in (MappingType.FROM_TEXT, MappingType.FROM_LLM) for m in mappings):
            result = coerce_text(slot, text, language=language, now=now)
            if isinstance(result, Coerced):
                return result.value
            return InvalidAnswer(slot.name, result.reason, result.expected)
        return None

    def _corrections(self, conversation: Conversation, commands: list[Command]) -> list[Command]:
        """A button's new value for a slot already filled by a flow on the stack is a correction (as in Rasa)."""
        frame = asked(conversation)
        asked_slot = frame.context.get("collect") if frame is not None else None
        collected = {slot for f in conversation.stack if not f.flow_id.startswith("pattern_") and f.flow_id in self.definition.flows
                     for slot in self.definition.flows[f.flow_id].collected_slots()}
        corrected = [c for c in commands if isinstance(c, SetSlot) and c.name != asked_slot and c.name in collected
                     and conversation.slots.get(c.name) is not None and conversation.slots.get(c.name) != c.value]
        if not corrected:
            return commands
        rest = [c for c in commands if c not in corrected]
        return [*rest, CorrectSlots(tuple((c.name, c.value) for c in corrected))]

    def forced_slot(self, conversation: Conversation) -> str | None:
        """The slot asked by a collect step with ``force_slot_filling: true``, if that is the pending question."""
        frame = asked(conversation)
        if frame is None:
            return None
        flow = self.definition.flows.get(str(frame.context.get("flow_id")))
        step = flow.steps.get(str(frame.context.get("step_id"))) if flow is not None else None
        return step.collect if isinstance(step, CollectStep) and step.force_slot_filling else None

    def _clean(self, conversation: Conversation, commands: list[Command]) -> list[Command]:
        forced = self.forced_slot(conversation)
        if forced is not None:
            # Rasa's force_slot_filling: only the answer counts; anything else cannot be handled now
            commands = [c for c in commands if isinstance(c, SetSlot | InvalidAnswer) and (
                c.name if isinstance(c, SetSlot) else c.slot) == forced]
            return commands or [PatternCommand("pattern_cannot_handle", {"reason": "cannot_handle_not_supported"})]
        stack_flows = {f.flow_id for f in conversation.stack}
        user = active_user_frame(conversation.stack)
        cleaned: list[Command] = []
        refused = False
        for command in commands:
            if isinstance(command, StartFlow) and command.flow in stack_flows:
                continue  # already running: the pending question is asked again (as in Rasa)
            if isinstance(command, StartFlow) and (command.flow not in self.definition.flows
                                                   or not self._may_start(self.definition.flows[command.flow], conversation)):
                refused = True  # guards hold for buttons too: /StartFlow(refund) cannot skip ``if: slots.verified``
                continue
            if isinstance(command, PatternCommand):
                if command.pattern == "pattern_cancel_flow" and user is None:
                    command = PatternCommand("pattern_cannot_handle", {"reason": "cannot_handle_no_active_flow"})
                if command.pattern == "pattern_skip_question" and asked(conversation) is None:
                    command = PatternCommand("pattern_cannot_handle", {"reason": "cannot_handle_no_question"})
            cleaned.append(command)
        meaningful = [c for c in cleaned if not (isinstance(c, PatternCommand) and c.pattern == "pattern_cannot_handle")]
        if meaningful and len(meaningful) < len(cleaned):
            cleaned = meaningful
        if any(isinstance(c, SetSlot) and c.source == "answer" for c in cleaned):
            cleaned = [c for c in cleaned if not (isinstance(c, PatternCommand) and c.pattern == "pattern_chitchat")]
        if any(isinstance(c, StartFlow | PatternCommand | CorrectSlots | SetSlot) for c in cleaned):
            cleaned = [c for c in cleaned if not isinstance(c, InvalidAnswer)]
        if refused and not cleaned:
            cleaned = [PatternCommand("pattern_cannot_handle", {"reason": "cannot_handle_default"})]
        return cleaned
