"""A throw-away bot project (config.yml, responses, conversation tests) and fake dialogues."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.actions.base import ActionRunner
from bot.actions.tracker import tracker_state
from bot.config import Settings, load_settings
from bot.core import events as ev
from bot.core.conversation import Conversation
from bot.core.messages import InboundMessage, OutText
from bot.dialogue.base import Decision, Utterance
from bot.engine import Engine
from bot.testing import build_engine

RESPONSES = """\
version: "3.1"
responses:
  utter_greet:
    - text: "Hello! How can I help?"
      buttons:
        - {title: "Track my order", payload: /track_order}
        - {title: "Talk to a person", payload: /human_handoff}
  utter_goodbye:
    - text: "Goodbye {name}!"
  utter_default:
    - text: "Sorry, I didn't understand that."
  utter_ask_order_id:
    - text: "What is your order number?"
    - language: ar
      text: "ما رقم طلبك؟"
"""


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A bot with responses only (so its dialogue is the IntentResponder) and an empty test folder."""
    write(tmp_path / "config.yml", """\
        version: "1"
        languages: {default: en, supported: [en, ar]}
        """)
    write(tmp_path / "flows" / "responses.yml", RESPONSES)
    (tmp_path / "tests" / "conversations").mkdir(parents=True)
    return tmp_path


@pytest.fixture
def settings(project: Path) -> Settings:
    """The settings of ``project``."""
    return load_settings(project / "config.yml", environ={})


Script = Mapping[str, tuple[Sequence[ev.Event], Sequence[tuple[str, str]]]]


class ScriptedDialogue:
    """Answers intent ``x`` with scripted events and (response, text) utterances; records messages."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.messages: list[InboundMessage] = []

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: ev.Parse) -> Decision:
        self.messages.append(message)
        name = parse.intent.name if parse.intent else ""
        events, said = self.script.get(name, ((), (("utter_default", "Sorry?"),)))
        return Decision(events=tuple(events), utterances=tuple(Utterance(OutText(text=t), r) for r, t in said))


class ActingDialogue:
    """Runs the custom action named by the intent through ``actions``; slot events become slots."""

    def __init__(self, actions: ActionRunner) -> None:
        self.actions = actions

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: ev.Parse) -> Decision:
        name = parse.intent.name if parse.intent else "action_none"
        result = await self.actions.run(name, tracker_state(conversation.conversation_id, dict(conversation.slots)), {})
        events: list[ev.Event] = [ev.ActionRun(name=name)]
        events += [ev.SlotSet(name=e["name"], value=e.get("value")) for e in result.events if e["event"] == "slot"]
        said = tuple(Utterance(OutText(text=r["text"]), r.get("response")) for r in result.responses)
        return Decision(events=tuple(events), utterances=said)


def engines(settings: Settings, dialogue: Any = None) -> Callable[[ActionRunner | None], Engine]:
    """An engine factory for ``run_files``: the project's bot, or ``dialogue`` in its place."""
    def build(actions: ActionRunner | None) -> Engine:
        return build_engine(settings, actions=actions, dialogue=dialogue)

    return build
