"""Check loaded flows against each other, the slots, responses, actions and NLU intents.

Run by ``bot validate``, at startup and before ``bot train``. Every problem is reported with
file:line:column, the bad value and what is allowed; errors stop the bot, warnings do not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from bot.flows.conditions import Condition
from bot.flows.loader import Loaded
from bot.flows.model import (
    END,
    ActionStep,
    CallStep,
    CollectStep,
    Flow,
    LinkStep,
    SetSlotsStep,
    Step,
)
from bot.flows.problems import Problems, known
from bot.responses.jinja import JINJA

_JINJA_LOOKING = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}|\{%")

PATTERNS = (
    "pattern_cancel_flow", "pattern_correction", "pattern_continue_interrupted", "pattern_completed", "pattern_chitchat",
    "pattern_cannot_handle", "pattern_clarification", "pattern_human_handoff", "pattern_internal_error",
    "pattern_session_start", "pattern_collect_information", "pattern_skip_question", "pattern_repeat_bot_messages",
    "pattern_restart", "pattern_search", "pattern_code_change", "pattern_validate_slot", "pattern_user_silence",
)
BUILTIN_ACTIONS = frozenset({
    "action_listen", "action_restart", "action_session_start", "action_cancel_flow", "action_correct_flow_slot",
    "action_clarify_flows", "action_run_slot_rejections", "action_clean_stack", "action_trigger_search",
    "action_trigger_chitchat", "action_hangup", "action_repeat_bot_messages", "action_send_text", "action_human_handoff",
    "action_continue_interrupted_flow", "action_cancel_interrupted_flows", "action_default_fallback",
    "action_deactivate_loop", "action_extract_slots", "action_two_stage_fallback", "action_back", "action_handoff_metric",
    "action_reset_routing",
})
# Responses the engine's default patterns say, so a designer's override may use them too.
BUILTIN_RESPONSES = frozenset({
    "utter_ask_rephrase", "utter_boolean_slot_rejection", "utter_can_do_something_else", "utter_cannot_handle",
    "utter_categorical_slot_rejection", "utter_clarification_options_rasa", "utter_corrected_previous_input",
    "utter_float_slot_rejection", "utter_flow_cancelled_rasa", "utter_flow_continue_interrupted",
    "utter_free_chitchat_response", "utter_human_handoff_not_available", "utter_internal_error_rasa",
    "utter_no_knowledge_base", "utter_skip_question_answer", "utter_user_input_empty_error_rasa",
    "utter_user_input_too_long_error_rasa", "utter_inform_code_change", "utter_no_relevant_answer_found",
    "utter_ask_continue_interrupted", "utter_too_many_invalid_answers", "utter_human_handoff", "utter_restarted",
    "utter_date_slot_rejection", "utter_time_slot_rejection", "utter_phone_slot_rejection",
})


def validate(loaded: Loaded, *, languages: Iterable[str] = (), default_language: str | None = None,
             nlu_intents: Iterable[str] | None = None, custom_actions: Iterable[str] = ()) -> Problems:
    """Add every cross-reference problem to ``loaded.problems`` and return it."""
    checker = _Checker(loaded, list(languages), default_language, set(nlu_intents) if nlu_intents is not None else None,
                       set(custom_actions))
    checker.run()
    return loaded.problems


class _Checker:
    def __init__(self, loaded: Loaded, languages: list[str], default: str | None, nlu_intents: set[str] | None,
                 custom_actions: set[str]) -> None:
        self.loaded = loaded
        self.definition = loaded.definition
        self.problems = loaded.problems
        self.languages = languages
        self.default = default or (languages[0] if languages else None)
        self.nlu_intents = nlu_intents
        self.actions = set(self.definition.actions) | custom_actions | BUILTIN_ACTIONS
        self.flow_ids = set(self.definition.flows) | set(PATTERNS)
        self.used_responses: dict[str, str] = {}

    def run(self) -> None:
        triggers: dict[str, Flow] = {}
        for flow in self.definition.flows.values():
            self._flow(flow)
            for trigger in flow.nlu_triggers:
                if trigger.intent in triggers:
                    self.problems.error("duplicate-trigger", trigger.where,
                                        f"intent {trigger.intent!r} already starts flow {triggers[trigger.intent].id!r} "
                                        f"({triggers[trigger.intent].where}); one intent may start only one flow")
                triggers.setdefault(trigger.intent, flow)
                if self.nlu_intents is not None and trigger.intent not in self.nlu_intents:
                    self.problems.error("unknown-intent", trigger.where,
                                        f"intent {trigger.intent!r} has no NLU examples, so it can never start {flow.id!r}"
                                        f"{known(self.nlu_intents, trigger.intent)}")
        self._languages()
        self._templates()

    def _flow(self, flow: Flow) -> None:
        steps = flow.steps
        for step in steps.values():
            for target in step.targets:
                if target != END and target not in steps:
                    self.problems.error("unknown-step", step.where, f"'next' goes to {target!r}, which is no step of flow {flow.id!r}"
                                        f"{known([*steps, END], target)}")
            if not isinstance(step.next, str):
                for branch in step.next:
                    if branch.condition is not None:
                        self._condition(branch.condition, branch.where)
            self._step(flow, step)
        self._reachability(flow)
        if flow.guard is not None:
            self._condition(flow.guard, flow.where)
        touched = {s.collect for s in steps.values() if isinstance(s, CollectStep)}
        touched |= {name for s in steps.values() if isinstance(s, SetSlotsStep) for name, _ in s.slots}
        for slot in flow.persisted_slots:
            if slot not in touched:
                self.problems.error("bad-persisted-slot", flow.where,
                                    f"persisted slot {slot!r} is neither collected nor set in flow {flow.id!r}; only those can be persisted")
            for step in steps.values():
                if isinstance(step, CollectStep) and step.collect == slot and not step.reset_after_flow_ends:
                    self.problems.error("duplicate-persist", step.where,
                                        f"slot {slot!r} is persisted twice: drop 'reset_after_flow_ends: false' and keep 'persisted_slots'")

    def _step(self, flow: Flow, step: Step) -> None:
        slots = self.definition.slots
        if isinstance(step, CollectStep):
            if step.collect not in slots:
                self.problems.error("unknown-slot", step.where, f"collect {step.collect!r}: no such slot{known(slots, step.collect)}")
                return
            has_question = (step.utter in self.loaded.responses or f"action_ask_{step.collect}" in self.actions
                            or (step.collect in slots and slots[step.collect].initial_value is not None))
            if not has_question:
                self.problems.error("unknown-response", step.where,
                                    f"collect {step.collect!r} asks with response {step.utter!r}, which does not exist; "
                                    f"add it to responses or set 'utter:'{known(self.loaded.responses.names(), step.utter)}")
            else:
                self.used_responses.setdefault(step.utter, str(step.where))
            for rejection in step.rejections:
                self._condition(rejection.condition, rejection.where)
                self._response(rejection.utter, str(rejection.where))
        elif isinstance(step, ActionStep):
            if "{{" in step.action:
                return
            if step.action.startswith("utter_"):
                self._response(step.action, str(step.where))
            elif step.action not in self.actions:
                self.problems.error("unknown-action", step.where,
                                    f"action {step.action!r} is not declared under 'actions:' nor found among the custom actions"
                                    f"{known(self.actions - BUILTIN_ACTIONS, step.action)}")
        elif isinstance(step, SetSlotsStep):
            for name, _ in step.slots:
                if name not in slots:
                    self.problems.error("unknown-slot", step.where, f"set_slots {name!r}: no such slot{known(slots, name)}")
        elif isinstance(step, LinkStep | CallStep):
            target = step.link if isinstance(step, LinkStep) else step.call
            kind = "link" if isinstance(step, LinkStep) else "call"
            if target not in self.flow_ids:
                self.problems.error("unknown-flow", step.where, f"{kind} {target!r}: no such flow{known(self.definition.flows, target)}")
            elif target.startswith("pattern_") and not (kind == "link" and (target == "pattern_human_handoff" or (
                    flow.is_pattern and target == "pattern_chitchat"))):
                self.problems.error("bad-target", step.where, f"{kind} {target!r}: patterns cannot be {kind}ed "
                                    "(only 'link: pattern_human_handoff', and 'link: pattern_chitchat' from a pattern)")
            elif kind == "call" and any(isinstance(s, LinkStep) for s in self.definition.flows[target].steps.values()):
                self.problems.error("link-in-called-flow", step.where, f"call {target!r}: a called flow may not contain 'link' steps")

    def _condition(self, condition: Condition, where: object) -> None:
        slots = self.definition.slots
        for name in condition.names():
            if len(name) >= 2 and name[0] == "slots" and "{{" not in name[1] and name[1] not in slots:
                self.problems.error("unknown-slot", where, f"condition {condition.source!r} reads slots.{name[1]}: no such slot"
                                    f"{known(slots, name[1])}")
            elif name[0] not in ("slots", "context"):
                self.problems.warning("bare-name", where, f"condition {condition.source!r}: {'.'.join(name)!r} is neither slots.x nor "
                                      "context.x, so it is always undefined; quote it if you meant a string")

    def _response(self, name: str, where: str) -> None:
        if name in BUILTIN_RESPONSES and name not in self.loaded.responses:
            return
        if name not in self.loaded.responses:
            self.problems.error("unknown-response", where, f"response {name!r} does not exist{known(self.loaded.responses.names(), name)}")
        else:
            self.used_responses.setdefault(name, where)

    def _reachability(self, flow: Flow) -> None:
        steps = flow.steps
        seen = {flow.first}
        todo = [flow.first]
        while todo:
            step = steps.get(todo.pop())
            for target in step.targets if step else ():
                if target in steps and target not in seen:
                    seen.add(target)
                    todo.append(target)
        for step_id, step in steps.items():
            if step_id not in seen:
                self.problems.error("unreachable-step", step.where, f"step {step_id!r} of flow {flow.id!r} is never reached: "
                                    "no step goes to it with 'next'")
        incoming: dict[str, set[str]] = defaultdict(set)
        exits = set()
        for step_id, step in steps.items():
            if isinstance(step, LinkStep) or any(t == END or t not in steps for t in step.targets):  # unknown: reported already
                exits.add(step_id)
            for target in step.targets:
                incoming[target].add(step_id)
        can_exit = set(exits)
        todo = list(exits)
        while todo:
            for source in incoming[todo.pop()]:
                if source not in can_exit:
                    can_exit.add(source)
                    todo.append(source)
        trapped = [s for s in steps if s in seen and s not in can_exit]
        if trapped:
            self.problems.error("endless-loop", steps[trapped[0]].where,
                                f"flow {flow.id!r} loops with no way out: from {', '.join(repr(s) for s in trapped[:5])} no path reaches END or a link")

    def _templates(self) -> None:
        for name, variations in sorted(self.loaded.responses.by_name.items()):
            for variation in variations:
                found = _JINJA_LOOKING.search(variation.text or "") if variation.template != JINJA else None
                if found is not None:
                    self.problems.warning("literal-braces", self.loaded.response_where.get(name, name),
                                          f"response {name!r} writes {found[0]!r}, which is shown as written; add "
                                          "'metadata: {template: jinja}' to the variation for Rasa's Jinja, or write {slot}")
                    break

    def _languages(self) -> None:
        if len(self.languages) < 2:
            return
        for name, where in sorted(self.used_responses.items()):
            variations = self.loaded.responses.by_name.get(name, ())
            have = {v.language or self.default for v in variations}
            missing = [lang for lang in self.languages if lang not in have]
            if missing:
                self.problems.warning("missing-language", self.loaded.response_where.get(name, where),
                                      f"response {name!r} has no variation in {', '.join(missing)}; "
                                      f"customers writing in it get the {self.default} text")
