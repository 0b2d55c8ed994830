"""Build an action runner by kind name: ``inprocess`` (import the actions) or ``remote`` (a server).

Combine them with ``ChainedActions(inprocess, remote)`` to run some actions in this process and
the rest on an action server.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from bot.actions.base import ActionRunner
from bot.actions.inprocess import DEFAULT_TIMEOUT, InProcessActions
from bot.actions.remote import RASA_VERSION, RemoteActions
from bot.errors import ConfigError, RegistryError

__all__ = ["RUNNERS", "get_runner"]


def _inprocess(*, actions: str | Path | Sequence[str | Path], timeout: float = DEFAULT_TIMEOUT) -> ActionRunner:
    targets = [actions] if isinstance(actions, str | Path) else list(actions)
    return InProcessActions.discover(*targets, timeout=timeout)


def _remote(
    *,
    url: str,
    client: httpx.AsyncClient,
    timeout: float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
    version: str = RASA_VERSION,
    omit_known_domain: bool = False,
) -> ActionRunner:
    return RemoteActions(url, client, timeout=timeout, headers=headers, version=version,
                         omit_known_domain=omit_known_domain)


RUNNERS: dict[str, Callable[..., ActionRunner]] = {"inprocess": _inprocess, "remote": _remote}


def get_runner(kind: str, **options: Any) -> ActionRunner:
    """The runner of ``kind`` built from ``options``; unknown kinds and bad options say what is allowed."""
    try:
        factory = RUNNERS[kind]
    except KeyError:
        raise RegistryError("action runner", kind, list(RUNNERS)) from None
    parameters = inspect.signature(factory).parameters
    problems = [f"unknown option {key!r}" for key in options if key not in parameters]
    problems += [
        f"missing option {key!r}"
        for key, parameter in parameters.items()
        if parameter.default is inspect.Parameter.empty and key not in options
    ]
    if problems:
        allowed = ", ".join(parameters)
        raise ConfigError([f"{problem} (options of the {kind!r} action runner: {allowed})" for problem in problems],
                          source=f"{kind} action runner")
    return factory(**options)
