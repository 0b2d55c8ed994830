"""Custom actions written with ``rasa_sdk``, run in this process or on an action server.

``ActionRunner`` is the one interface (``base``); ``InProcessActions`` imports the user's
actions and runs them here (``inprocess``, ``discovery``), ``RemoteActions`` calls an action
server over HTTP (``remote``), ``ChainedActions`` mixes both (``chained``), and ``get_runner``
builds one by kind name (``registry``). Errors are ``ActionError`` subclasses (``errors``).
"""

from __future__ import annotations

from bot.actions.base import ActionResult, ActionRunner
from bot.actions.chained import ChainedActions
from bot.actions.errors import (
    ActionError,
    ActionFailed,
    ActionImportError,
    ActionNotFound,
    ActionRejected,
    ActionServerUnreachable,
    ActionTimeout,
    DuplicateAction,
)
from bot.actions.inprocess import InProcessActions
from bot.actions.registry import RUNNERS, get_runner
from bot.actions.remote import RASA_VERSION, RemoteActions
from bot.actions.tracker import latest_message, tracker_state

__all__ = [
    "RASA_VERSION",
    "RUNNERS",
    "ActionError",
    "ActionFailed",
    "ActionImportError",
    "ActionNotFound",
    "ActionRejected",
    "ActionResult",
    "ActionRunner",
    "ActionServerUnreachable",
    "ActionTimeout",
    "ChainedActions",
    "DuplicateAction",
    "InProcessActions",
    "RemoteActions",
    "get_runner",
    "latest_message",
    "tracker_state",
]
