"""The patterns and responses that ship with the engine, merged under a designer's flows.

A designer's flow with a pattern's id replaces the pattern; a designer's response or slot of
the same name replaces ours. ``load_project`` is what the engine, ``bot validate`` and
``bot test`` use: the designer's files plus these defaults, validated together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from bot.flows.loader import Loaded, load_flows
from bot.flows.validate import validate
from bot.responses.catalog import Responses

PATTERNS_FILE = Path(__file__).with_name("patterns.yml")
SHIPPED_LANGUAGES = frozenset({"en", "ar", "zh"})  # the languages patterns.yml speaks


@cache
def _builtin(languages: tuple[str, ...]) -> Loaded:
    loaded = load_flows([PATTERNS_FILE], languages=languages)
    loaded.problems.raise_if_errors()
    return loaded


def builtin_patterns(languages: Iterable[str]) -> Loaded:
    """The shipped patterns file, loaded (cached per language set)."""
    return _builtin(tuple(sorted(set(languages) | SHIPPED_LANGUAGES)))


def with_patterns(loaded: Loaded, languages: Iterable[str]) -> Loaded:
    """``loaded`` with the shipped patterns, slots and responses it does not override."""
    builtin = builtin_patterns(languages)
    flows = {fid: dataclasses.replace(flow, builtin=True) for fid, flow in builtin.definition.flows.items()}
    flows.update(loaded.definition.flows)
    slots = dict(builtin.definition.slots)
    slots.update(loaded.definition.slots)
    responses = dict(builtin.responses.by_name)
    responses.update(loaded.responses.by_name)
    definition = dataclasses.replace(loaded.definition, flows=flows, slots=slots)
    return Loaded(definition, Responses(responses), loaded.problems, loaded.files, loaded.response_where)


def load_project(folders: Sequence[Path], *, languages: Sequence[str], default_language: str,
                 nlu_intents: Iterable[str] | None = None, custom_actions: Iterable[str] = (),
                 root: Path | None = None) -> Loaded:
    """The designer's flows with the defaults, validated; problems are in ``.problems``."""
    loaded = load_flows(folders, languages=languages, root=root)
    validate(loaded, languages=languages, default_language=default_language, nlu_intents=nlu_intents,
             custom_actions=custom_actions)
    return with_patterns(loaded, languages)

