"""The flows engine: a dialogue manager that runs CALM flows on a dialogue stack.

Each turn: the message becomes commands (``bot.flows.commands``), the commands change the stack
and the slots, then the top frame runs step after step until a step waits for the customer
(``action_listen`` inside ``pattern_collect_information``) or the stack is empty. Every change
is an event, so the conversation state is always the fold of its log. Built-in actions live in
``bot.flows.builtins``; custom actions go to an ``ActionRunner`` (``bot.flows.custom``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.actions.base import ActionRunner
from bot.actions.errors import ActionError
from bot.core import events as ev
from bot.core.conversation import Conversation, Frame, Owner
from bot.core.messages import InboundMessage, OutboundContent
from bot.dialogue.base import Decision, Utterance
from bot.flows import builtins
from bot.flows.commands import (
    Command,
    CommandReader,
    CorrectSlots,
    InvalidAnswer,
    PatternCommand,
    SetSlot,
    StartFlow,
    active_user_frame,
    asked,
)
from bot.flows.conditions import render_template
from bot.flows.custom import domain_for, read_result, tracker_for
from bot.flows.model import (
    CONTINUE_PREFIX,
    END,
    START,
    ActionStep,
    CallStep,
    CollectStep,
    Flow,
    FlowsDefinition,
    LinkStep,
    SetSlotsStep,
    Step,
)
from bot.flows.values import ResponseValues
from bot.responses.catalog import Responses
from bot.responses.render import ResponseRenderer

log = logging.getLogger(__name__)

LISTEN = "action_listen"


class FlowLoopError(RuntimeError):
    """The flows ran more steps in one turn than allowed (a loop with no question in it)."""


@dataclass(slots=True)
class Run:
    """The working state of one turn: the conversation so far, new events, what to say."""

    state: Conversation
    message: InboundMessage
    user: ev.UserMessage | None
    events: list[ev.Event] = field(default_factory=list)
    utterances: list[Utterance] = field(default_factory=list)
    answer_frame: str | None = None
    invalid: InvalidAnswer | None = None
    flow_started: bool = False
    steps: int = 0

    def emit(self, *events: ev.Event) -> None:
        """Record events and fold them into the state."""
        for event in events:
            self.events.append(event)
            self.state = self.state.apply(event)


@dataclass(frozen=True, slots=True)
class FlowSettings:
    """How the engine behaves where the flows do not say."""

    max_invalid_answers: int = 3
    on_too_many_invalid: str = "cannot_handle"  # or "human_handoff"
    clarify_margin: float = 0.1
    max_steps: int = 250


class FlowEngine:
    """Runs flows for each message (a ``DialogueManager``)."""

    def __init__(self, definition: FlowsDefinition, responses: Responses, *, default_language: str,
                 actions: ActionRunner | None = None, settings: FlowSettings | None = None,
                 renderer: ResponseRenderer | None = None) -> None:
        self.definition = definition
        self.responses = responses
        self.renderer = renderer or ResponseRenderer(responses, default_language=default_language)
        self.actions = actions
        self.settings = settings or FlowSettings()
        self.reader = CommandReader(definition, self.settings.clarify_margin, frozenset(responses.by_name))
        self.slot_names = sorted(definition.slots)
        self.slot_names_set = frozenset(definition.slots)
        self.domain = domain_for(definition, responses)
        known = actions.names() if actions is not None else None
        self.custom_actions = frozenset(known or ()) | definition.actions
        self.remote_unknown = actions is not None and known is None

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: ev.Parse) -> Decision:
        """The events and utterances of this turn."""
        run = Run(conversation, message, _user_event(message, parse))
        try:
            if conversation.session_turns == 1:
                self.initial_values(run)
            if conversation.session_turns == 1 and "pattern_session_start" in self.definition.flows:
                self.start(run, "pattern_session_start")
                await self.advance(run)
            now = datetime.fromtimestamp(message.received_at, UTC)
            commands = self.reader.read(run.state, message.text, parse, now=now, language=run.state.language)
            log.debug("commands: %s", ", ".join(map(repr, commands)) or "none")
            self.apply(run, commands)
            await self.advance(run)
        except FlowLoopError as exc:
            log.error("%s in conversation %s; the stack is cleared", exc, conversation.conversation_id)
            for frame in reversed(run.state.stack):
                run.emit(ev.FlowCancelled(flow_id=frame.flow_id, frame_id=frame.frame_id))
            self.start(run, "pattern_internal_error", {"error_type": "flow_loop", "info": str(exc)})
            run.steps = 0
            await self.advance(run)
        return Decision(events=tuple(run.events), utterances=tuple(run.utterances))

    def initial_values(self, run: Run) -> None:
        """Give unset slots their ``initial_value`` (a new conversation, session or restart)."""
        for name, slot in self.definition.slots.items():
            if slot.initial_value is not None and run.state.slots.get(name) is None:
                run.emit(ev.SlotSet(name=name, value=slot.initial_value))

    # ------------------------------------------------------------------ commands

    def apply(self, run: Run, commands: list[Command]) -> None:
        """Change the stack and slots as the commands say (flows first, then slots, then patterns)."""
        frame = asked(run.state)
        if frame is not None and frame.step_id not in (None, START):
            run.answer_frame = frame.frame_id
        for command in commands:
            if isinstance(command, StartFlow):
                self.start(run, command.flow)
        for command in commands:
            if isinstance(command, SetSlot):
                run.emit(ev.SlotSet(name=command.name, value=command.value))
            elif isinstance(command, InvalidAnswer):
                run.invalid = command
        for command in commands:
            if isinstance(command, CorrectSlots):
                self.start(run, "pattern_correction", {"corrected_slots": dict(command.values)})
            elif isinstance(command, PatternCommand):
                self.start(run, command.pattern, dict(command.context))

    def start(self, run: Run, flow_id: str, context: Mapping[str, Any] | None = None, *, frame_type: str | None = None) -> None:
        """Push ``flow_id`` on the stack (``interrupt`` when a designer's flow is already running)."""
        flow = self.definition.flows.get(flow_id)
        if flow is None:
            log.error("flow %r does not exist; known flows: %s", flow_id, ", ".join(sorted(self.definition.flows)))
            return
        if frame_type is None:
            user = active_user_frame(run.state.stack)
            if flow.is_pattern:
                frame_type = "pattern"
            elif user is not None:
                frame_type = "interrupt"
                run.emit(ev.FlowInterrupted(flow_id=user.flow_id, step_id=user.step_id))
            else:
                frame_type = "regular"
        if not flow.is_pattern:
            run.flow_started = True
        run.emit(ev.FlowStarted(flow_id=flow_id, frame_id=os.urandom(4).hex(), step_id=START, frame_type=frame_type,
                                context=dict(context or {})))

    # ------------------------------------------------------------------ running steps

    async def advance(self, run: Run) -> None:
        """Run the top frame's steps until one waits for the customer or the stack is empty."""
        while run.state.stack and run.state.owner is Owner.BOT:
            run.steps += 1
            if run.steps > self.settings.max_steps:
                raise FlowLoopError(f"more than {self.settings.max_steps} steps in one turn (last flow: {run.state.stack[-1].flow_id})")
            frame = run.state.stack[-1]
            flow = self.definition.flows[frame.flow_id]
            target = self._target(run, frame, flow)
            if target == END:
                self.end(run, frame, flow)
                continue
            step = flow.steps[target]
            run.emit(ev.FlowStepped(frame_id=frame.frame_id, step_id=target))
            if await self._run_step(run, run.state.stack[-1], flow, step):
                return

    def _target(self, run: Run, frame: Frame, flow: Flow) -> str:
        if frame.step_id in (None, START):
            return flow.first
        if frame.step_id.startswith(CONTINUE_PREFIX):
            return frame.step_id[len(CONTINUE_PREFIX):]
        return self.next_of(run, frame, flow.steps[frame.step_id])

    def next_of(self, run: Run, frame: Frame, step: Step) -> str:
        """Where ``step`` goes now: its ``next`` id, or the first branch whose condition holds."""
        if isinstance(step.next, str):
            return step.next
        document = self.document(run.state, frame)
        for branch in step.next:
            if branch.condition is None or branch.condition.evaluate(document):
                return branch.target
        return END

    def document(self, state: Conversation, frame: Frame | None) -> dict[str, Any]:
        """What conditions read: every declared slot and the frame's context."""
        return {"slots": self.reader.slot_document(state.slots), "context": dict(frame.context) if frame else {}}

    async def _run_step(self, run: Run, frame: Frame, flow: Flow, step: Step) -> bool:
        """Run one step; True when the turn must wait for the customer."""
        if isinstance(step, ActionStep):
            name = render_template(step.action, frame.context) if "{{" in step.action else step.action
            if name == LISTEN:
                return True
            await self.run_action(run, frame, name)
            return run.state.owner is not Owner.BOT
        if isinstance(step, CollectStep):
            if not self._can_ask(step):
                # Rasa: no utter_ask_<slot>, no action_ask_<slot> and no initial value: the flow cannot go on
                log.error("flow %s cannot ask for slot %r: define the response %s or the action action_ask_%s",
                          flow.id, step.collect, step.utter, step.collect)
                run.emit(ev.FlowCancelled(flow_id=flow.id, frame_id=frame.frame_id))
                self.reset_slots(run, flow)
                self.start(run, "pattern_internal_error", {"error_type": "cannot_ask", "info": step.collect})
                return False
            if step.ask_before_filling and run.state.slots.get(step.collect) is not None:
                run.emit(ev.SlotSet(name=step.collect, value=None))
            self.start(run, "pattern_collect_information", {
                "collect": step.collect, "utter": step.utter, "collect_action": f"action_ask_{step.collect}",
                "flow_id": flow.id, "step_id": step.id, "attempts": 0,
            })
        elif isinstance(step, SetSlotsStep):
            run.emit(*(ev.SlotSet(name=name, value=value) for name, value in step.slots))
        elif isinstance(step, LinkStep):
            self.end(run, frame, flow, linking=True)
            self.start(run, step.link, frame_type=None if step.link.startswith("pattern_") else "link")
        elif isinstance(step, CallStep):
            self.start(run, step.call, frame_type="call")
        return False

    def _can_ask(self, step: CollectStep) -> bool:
        slot = self.definition.slots.get(step.collect)
        return (step.utter in self.responses or f"action_ask_{step.collect}" in self.custom_actions
                or (slot is not None and slot.initial_value is not None))

    def end(self, run: Run, frame: Frame, flow: Flow, *, linking: bool = False) -> None:
        """Pop a finished frame, reset its slots, and start what comes after (resume or completed)."""
        run.emit(ev.FlowCompleted(flow_id=flow.id, frame_id=frame.frame_id))
        if frame.frame_type != "call":
            self.reset_slots(run, flow)
        if flow.is_pattern or frame.frame_type == "call" or linking:
            return
        below = active_user_frame(run.state.stack)
        index = run.state.stack.index(below) if below is not None else -1
        if any(f.flow_id == "pattern_continue_interrupted" for f in run.state.stack[index + 1:]):
            return  # already asking whether to go back
        if below is not None:
            name = self.definition.flows[below.flow_id].readable_name(run.state.language)
            self.start(run, "pattern_continue_interrupted", {"previous_flow_name": name, "previous_flow_id": below.flow_id})
        elif not run.state.stack and flow.run_pattern_completed and "pattern_completed" in self.definition.flows:
            self.start(run, "pattern_completed", {"previous_flow_name": flow.readable_name(run.state.language)})

    def reset_slots(self, run: Run, flow: Flow) -> None:
        """Reset the slots a flow (and the flows it calls) filled, unless persisted."""
        for name in sorted(self.scoped_slots(flow, set())):
            slot = self.definition.slots.get(name)
            initial = slot.initial_value if slot is not None else None
            if run.state.slots.get(name) != initial and name not in flow.persisted_slots:
                run.emit(ev.SlotSet(name=name, value=initial))

    def scoped_slots(self, flow: Flow, seen: set[str]) -> set[str]:
        """Slots reset at the end of ``flow``: collected (unless kept) and set, also in called flows."""
        seen.add(flow.id)
        names: set[str] = set()
        for step in flow.steps.values():
            if isinstance(step, CollectStep) and step.reset_after_flow_ends:
                names.add(step.collect)
            elif isinstance(step, SetSlotsStep):
                names.update(name for name, _ in step.slots)
            elif isinstance(step, CallStep) and step.call in self.definition.flows and step.call not in seen:
                names |= self.scoped_slots(self.definition.flows[step.call], seen)
        return names - set(flow.persisted_slots)

    # ------------------------------------------------------------------ actions and responses

    async def run_action(self, run: Run, frame: Frame, name: str) -> None:
        """Run a response, a built-in action or a custom action; failures go to pattern_internal_error."""
        if not name or name == "None":
            return
        if name.startswith("utter_"):
            run.emit(ev.ActionRun(name=name))
            self.say(run, name, frame)
            return
        builtin = builtins.BUILTINS.get(name)
        if builtin is not None:
            run.emit(ev.ActionRun(name=name))
            await builtin(self, run, frame)
            return
        optional = name.startswith(("validate_", "action_ask_"))  # run only when declared or known
        if self.actions is None or (name not in self.custom_actions and (optional or not self.remote_unknown)):
            if not optional and self.actions is None:
                log.error("custom action %r cannot run: no action runner is configured (set actions.module or "
                          "actions.endpoint in config.yml)", name)
            elif not optional:
                log.error("action %r is not known; known custom actions: %s", name, ", ".join(sorted(self.custom_actions)) or "none")
            return
        await self.run_custom(run, frame, name)

    async def run_custom(self, run: Run, frame: Frame, name: str) -> None:
        """Call a rasa_sdk action and apply its events; an error starts pattern_internal_error."""
        assert self.actions is not None
        for _ in range(10):  # follow-up actions, bounded
            tracker = tracker_for(run.state, run.user, self.slot_names)
            try:
                result = await self.actions.run(name, tracker, self.domain)
            except ActionError as exc:
                log.error("custom action %s failed in conversation %s: %s", name, run.state.conversation_id, exc.message)
                self.start(run, "pattern_internal_error", {"error_type": "action_failed", "info": name})
                return
            run.emit(ev.ActionRun(name=name))
            outcome = read_result(name, result, set(self.slot_names))
            run.emit(*outcome.events)
            for content, values in zip(outcome.say, outcome.values, strict=True):
                if isinstance(content, str):
                    self.say(run, content, frame, values)
                else:
                    run.utterances.append(Utterance(content, None))
            if outcome.followup is None or outcome.followup == LISTEN:
                return
            name = outcome.followup
            if name.startswith("utter_") or name in builtins.BUILTINS:
                await self.run_action(run, frame, name)
                return

    def say(self, run: Run, name: str, frame: Frame | None, extra: Mapping[str, Any] | None = None) -> None:
        """Render response ``name`` in the conversation's language and add it to the turn."""
        # every frame's context, the top one winning: a question asked inside a pattern may
        # mention the pattern's context (e.g. the flow that was interrupted)
        frames = (*run.state.stack, frame) if frame is not None else run.state.stack
        values = ResponseValues(run.state.slots, self.slot_names_set, frames, extra)
        content: OutboundContent | None = self.renderer.render(
            name, language=run.state.language, channel=run.message.channel, values=values)
        if content is None:
            log.error("response %r has no variation usable here (language %s, channel %s)", name, run.state.language, run.message.channel)
            return
        run.utterances.append(Utterance(content, name))


def _user_event(message: InboundMessage, parse: ev.Parse | None) -> ev.UserMessage:
    return ev.UserMessage(message_id=message.message_id, channel=message.channel, content=message.content,
                          text=message.text, parse=parse, metadata=dict(message.metadata), timestamp=message.received_at)
