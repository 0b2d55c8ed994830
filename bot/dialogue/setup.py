"""Choose and build the dialogue manager from the settings: flows when there are any.

A bot whose ``flows/`` folder defines flows gets the flows engine, with its custom actions
(in-process ``rasa_sdk`` actions from ``actions.module``, an action server at
``actions.endpoint``, or both); a bot with only responses gets the intent responder.
Broken flows stop the start with every problem listed (``FlowsError``).
"""

from __future__ import annotations

import logging

import httpx

from bot.actions.base import ActionRunner
from bot.actions.chained import ChainedActions
from bot.actions.inprocess import InProcessActions
from bot.actions.remote import RemoteActions
from bot.config import Settings
from bot.dialogue.base import DialogueManager
from bot.dialogue.responder import IntentResponder
from bot.flows.defaults import load_project
from bot.flows.executor import FlowEngine, FlowSettings
from bot.responses.catalog import load_responses
from bot.responses.render import ResponseRenderer

log = logging.getLogger(__name__)


def action_runner(settings: Settings, http: httpx.AsyncClient) -> ActionRunner | None:
    """The custom-action runner the settings ask for, or None."""
    options = settings.actions
    runners: list[ActionRunner] = []
    if options.module:
        target = settings.root / options.module
        runners.append(InProcessActions.discover(str(target) if target.exists() else options.module,
                                                 timeout=options.timeout_seconds))
    if options.endpoint:
        runners.append(RemoteActions(options.endpoint, http, timeout=options.timeout_seconds))
    if not runners:
        return None
    return runners[0] if len(runners) == 1 else ChainedActions(*runners)


def build_dialogue(settings: Settings, http: httpx.AsyncClient, *, actions: ActionRunner | None = None) -> DialogueManager:
    """The flows engine if ``paths.flows`` defines flows, else the intent responder."""
    languages = list(settings.languages.supported)
    default = settings.languages.default
    folder = settings.paths.flows
    if folder.exists():
        runner = actions if actions is not None else action_runner(settings, http)
        known = runner.names() if runner is not None else None
        loaded = load_project([folder], languages=languages, default_language=default, custom_actions=known or (),
                              root=settings.root)
        loaded.problems.raise_if_errors()
        if any(not flow.builtin for flow in loaded.definition.flows.values()):
            for problem in loaded.problems.warnings:
                log.warning("%s", problem)
            options = settings.flows
            flow_settings = FlowSettings(max_invalid_answers=options.max_invalid_answers,
                                         on_too_many_invalid=options.on_too_many_invalid,
                                         clarify_margin=options.clarify_margin)
            log.info("flows engine: %d flows from %s", sum(not f.builtin for f in loaded.definition.flows.values()), folder)
            return FlowEngine(loaded.definition, loaded.responses, default_language=default, actions=runner,
                              settings=flow_settings)
    if not settings.paths.responses.exists():
        log.warning("no responses file at %s: the bot can only give its built-in fallback reply", settings.paths.responses)
    responses = load_responses(settings.paths.responses, languages=languages)
    return IntentResponder(ResponseRenderer(responses, default_language=default))
