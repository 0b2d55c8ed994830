"""The engine's built-in actions, which the default patterns (``patterns.yml``) run.

Each is ``async (engine, run, frame) -> None``: it reads the pattern frame's context, emits
events through ``run`` and says responses through ``engine.say``. Their names and meaning follow
Rasa CALM's (``action_cancel_flow``, ``action_correct_flow_slot``, ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.core import events as ev
from bot.core.conversation import Frame
from bot.core.messages import Button, OutButtons, OutText
from bot.dialogue.base import Utterance
from bot.flows.model import CONTINUE_PREFIX, CollectStep
from bot.flows.values import shown

if TYPE_CHECKING:
    from bot.flows.executor import FlowEngine, Run

Builtin = Callable[["FlowEngine", "Run", Frame], Awaitable[None]]
TYPE_REJECTIONS = {
    "bool": "utter_boolean_slot_rejection", "float": "utter_float_slot_rejection",
    "categorical": "utter_categorical_slot_rejection", "date": "utter_date_slot_rejection",
    "time": "utter_time_slot_rejection", "phone": "utter_phone_slot_rejection",
}


def _set_context(run: Run, frame: Frame, **changes: Any) -> Frame:
    current = next(f for f in run.state.stack if f.frame_id == frame.frame_id)
    run.emit(ev.FlowStepped(frame_id=frame.frame_id, step_id=current.step_id or "START", context={**current.context, **changes}))
    return next(f for f in run.state.stack if f.frame_id == frame.frame_id)


def count_failure(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """One more invalid answer to the question of ``frame``; too many hand over or give up."""
    attempts = int(frame.context.get("attempts", 0)) + 1
    if attempts < engine.settings.max_invalid_answers:
        _set_context(run, frame, attempts=attempts)
        return
    _set_context(run, frame, attempts=0)
    if engine.settings.on_too_many_invalid == "human_handoff":
        engine.start(run, "pattern_human_handoff", {"reason": "too_many_invalid_answers", "slot": frame.context.get("collect")})
    else:
        engine.start(run, "pattern_cannot_handle", {"reason": "too_many_invalid_answers", "slot": frame.context.get("collect")})


async def run_slot_rejections(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Check the collected value against the step's rejections; count unusable answers."""
    name = str(frame.context.get("collect"))
    flow = engine.definition.flows.get(str(frame.context.get("flow_id")))
    step = flow.steps.get(str(frame.context.get("step_id"))) if flow else None
    value = run.state.slots.get(name)
    answered = run.answer_frame == frame.frame_id and not run.flow_started
    if run.answer_frame == frame.frame_id:
        run.answer_frame = None
    if value is not None and isinstance(step, CollectStep):
        document = engine.document(run.state, frame)
        for rejection in step.rejections:
            verdict = rejection.condition.decide(document)
            if verdict is not False:  # as in Rasa, a rejection that cannot be decided rejects the value
                engine.say(run, rejection.utter if verdict else "utter_internal_error_rasa", frame)
                run.emit(ev.SlotSet(name=name, value=None))
                count_failure(engine, run, frame)
                return
    if value is None and answered:
        if run.invalid is not None and run.invalid.slot == name:
            slot = engine.definition.slots.get(name)
            response = TYPE_REJECTIONS.get(str(slot.type)) if slot else None
            if response is not None:
                engine.say(run, response, frame, {"context.expected": run.invalid.expected})
        count_failure(engine, run, frame)


def _cancel_from(run: Run, index: int, keep: str) -> list[Frame]:
    """Cancel every frame from stack position ``index`` up, except frame ``keep``; the cancelled frames."""
    cancelled = [f for f in run.state.stack[index:] if f.frame_id != keep]
    for frame in reversed(cancelled):
        run.emit(ev.FlowCancelled(flow_id=frame.flow_id, frame_id=frame.frame_id))
    return cancelled


def _user_index(run: Run, below: str) -> int | None:
    stack = run.state.stack
    top = next(i for i, f in enumerate(stack) if f.frame_id == below)
    return next((i for i in range(top - 1, -1, -1) if not stack[i].flow_id.startswith("pattern_")), None)


async def cancel_flow(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Cancel the designer's flow below this pattern, with everything above it."""
    index = _user_index(run, frame.frame_id)
    if index is None:
        return
    # a called flow is cancelled with its caller
    while index > 0 and run.state.stack[index].frame_type == "call":
        index -= 1
    cancelled = _cancel_from(run, index, frame.frame_id)
    for flow_frame in cancelled:
        flow = engine.definition.flows.get(flow_frame.flow_id)
        if flow is not None and not flow.is_pattern:
            engine.reset_slots(run, flow)
    names = [engine.definition.flows[f.flow_id].readable_name(run.state.language) for f in cancelled if not f.flow_id.startswith("pattern_")]
    _set_context(run, frame, canceled_name=names[0] if names else "", canceled_frames=[f.frame_id for f in cancelled])


async def cancel_interrupted_flows(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """The customer does not want to go back: cancel every flow below."""
    below = [f for f in run.state.stack if f.frame_id != frame.frame_id]
    for flow_frame in reversed(below):
        run.emit(ev.FlowCancelled(flow_id=flow_frame.flow_id, frame_id=flow_frame.frame_id))
        flow = engine.definition.flows.get(flow_frame.flow_id)
        if flow is not None and not flow.is_pattern:
            engine.reset_slots(run, flow)
    names = [engine.definition.flows[f.flow_id].readable_name(run.state.language) for f in below if not f.flow_id.startswith("pattern_")]
    frame = _set_context(run, frame, canceled_name=", ".join(names))
    engine.say(run, "utter_flow_cancelled_rasa", frame)


async def continue_interrupted_flow(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Go back to the interrupted flow."""
    below = next((f for f in reversed(run.state.stack) if not f.flow_id.startswith("pattern_")), None)
    if below is not None:
        run.emit(ev.FlowResumed(flow_id=below.flow_id, step_id=below.step_id))
    engine.say(run, "utter_flow_continue_interrupted", frame)


async def correct_flow_slot(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Set the corrected slots and rewind their flow to the first question about them."""
    corrected: dict[str, Any] = dict(frame.context.get("corrected_slots") or {})
    stack = run.state.stack
    target: Frame | None = None
    first_step: str | None = None
    for candidate in reversed(stack):
        flow = engine.definition.flows.get(candidate.flow_id)
        if flow is None or flow.is_pattern:
            continue
        steps = [s.id for s in flow.steps.values() if isinstance(s, CollectStep) and s.collect in corrected]
        if steps:
            target, first_step = candidate, steps[0]
            break
    run.emit(*(ev.SlotSet(name=name, value=value) for name, value in corrected.items()))
    reset_only = False
    if target is not None and first_step is not None:
        index = next(i for i, f in enumerate(run.state.stack) if f.frame_id == target.frame_id)
        _cancel_from(run, index + 1, frame.frame_id)
        run.emit(ev.FlowStepped(frame_id=target.frame_id, step_id=CONTINUE_PREFIX + first_step))
        flow = engine.definition.flows[target.flow_id]
        reset_only = all(s.ask_before_filling for s in flow.steps.values()
                         if isinstance(s, CollectStep) and s.collect in corrected)
    _set_context(run, frame, is_reset_only=reset_only, corrected_values=", ".join(str(shown(v)) for v in corrected.values()),
                 reset_flow_id=target.flow_id if target else None, reset_step_id=first_step)


async def clarify_flows(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Ask which of several flows the customer meant, one button each."""
    names = [n for n in frame.context.get("names", []) if n in engine.definition.flows]
    buttons = tuple(Button(title=engine.definition.flows[n].readable_name(run.state.language), payload=f"/StartFlow({n})") for n in names)
    frame = _set_context(run, frame, clarification_options=", ".join(b.title for b in buttons))
    engine.say(run, "utter_clarification_options_rasa", frame)
    if run.utterances and run.utterances[-1].response == "utter_clarification_options_rasa":
        last = run.utterances.pop()
        text = last.content.text if isinstance(last.content, OutText | OutButtons) else ""
        run.utterances.append(Utterance(OutButtons(text=text, buttons=buttons), last.response))


async def trigger_chitchat(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Answer small talk with the intent's own response (``utter_<intent>``), if it has one."""
    response = frame.context.get("response")
    values = frame.context.get("values") or {}
    engine.say(run, str(response) if response and response in engine.responses else "utter_cannot_handle", frame,
               {k: v for k, v in values.items() if v is not None})


async def human_handoff(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Give the conversation to a person; the bot stays quiet until it is handed back."""
    run.emit(ev.HandoffStarted(reason=str(frame.context.get("reason") or "customer asked for a person")))


async def session_start(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Nothing to do: the processor already started the session (override the pattern to greet)."""


async def restart(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Forget every slot and flow (slots go back to their initial values)."""
    run.emit(ev.Restarted())
    engine.initial_values(run)


async def repeat_bot_messages(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Say again what the bot said in its previous turn (named responses in today's language)."""
    for said in run.state.previous_bot_turn:
        if isinstance(said, str):
            engine.say(run, said, frame)
        else:
            run.utterances.append(Utterance(said, None))


async def nothing(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Rasa Pro actions with no meaning here (routing, metrics, voice): accepted and ignored."""


async def clean_stack(engine: FlowEngine, run: Run, frame: Frame) -> None:
    """Cancel every other frame on the stack."""
    for other in reversed([f for f in run.state.stack if f.frame_id != frame.frame_id]):
        run.emit(ev.FlowCancelled(flow_id=other.flow_id, frame_id=other.frame_id))


BUILTINS: dict[str, Builtin] = {
    "action_run_slot_rejections": run_slot_rejections,
    "action_cancel_flow": cancel_flow,
    "action_cancel_interrupted_flows": cancel_interrupted_flows,
    "action_continue_interrupted_flow": continue_interrupted_flow,
    "action_correct_flow_slot": correct_flow_slot,
    "action_clarify_flows": clarify_flows,
    "action_trigger_chitchat": trigger_chitchat,
    "action_human_handoff": human_handoff,
    "action_session_start": session_start,
    "action_restart": restart,
    "action_repeat_bot_messages": repeat_bot_messages,
    "action_clean_stack": clean_stack,
    "action_reset_routing": nothing,
    "action_handoff_metric": nothing,
    "action_hangup": nothing,
}
