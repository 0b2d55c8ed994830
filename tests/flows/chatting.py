"""A conversation driven through the real processor and flows engine, for flow tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.actions.base import ActionRunner
from bot.core import events as ev
from bot.core.conversation import Conversation
from bot.core.messages import InboundMessage, OutboundMessage, Text
from bot.flows.defaults import load_project
from bot.flows.executor import FlowEngine, FlowSettings
from bot.nlu.commands import CommandUnderstanding
from bot.processor import Processor
from bot.state.base import InboxEntry


class Chat:
    """One customer talking to a bot made of ``flows`` (YAML text); payloads stand in for NLU."""

    def __init__(self, folder: Path, flows: str, *, actions: ActionRunner | None = None,
                 languages: Sequence[str] = ("en", "ar"), check: bool = True, **settings: Any) -> None:
        (folder / "flows.yml").write_text(flows, encoding="utf-8")
        loaded = load_project([folder], languages=languages, default_language=languages[0],
                              custom_actions=actions.names() or () if actions is not None else ())
        if check:
            loaded.problems.raise_if_errors()
        self.problems = loaded.problems
        self.engine = FlowEngine(loaded.definition, loaded.responses, default_language=languages[0], actions=actions,
                                 settings=FlowSettings(**settings))
        self.processor = Processor(None, CommandUnderstanding(list(languages)), self.engine,  # type: ignore[arg-type]
                                   languages=list(languages), default_language=languages[0],
                                   session_expiry_seconds=3600, carry_over_slots=False)
        self.conversation = Conversation(conversation_id="c1")
        self.clock = 1_000_000.0
        self.events: list[ev.Event] = []
        self.outbound: list[OutboundMessage] = []

    async def say(self, text: str, wait: float = 1.0) -> list[str]:
        """Send ``text``; the texts of the bot's replies."""
        self.clock += wait
        message = InboundMessage(message_id=str(self.clock), conversation_id="c1", channel="test", content=Text(body=text),
                                 received_at=self.clock)
        events, outbound = await self.processor.turn(self.conversation, InboxEntry(entry_id="e", message=message))
        self.events, self.outbound = events, outbound
        self.conversation = self.conversation.apply_all(events)
        return [getattr(m.content, "text", "") for m in outbound]

    @property
    def stack(self) -> list[str]:
        return [f.flow_id for f in self.conversation.stack]

    def slot(self, name: str) -> Any:
        return self.conversation.slots.get(name)
