"""One turn: session start, language, agent ownership, failures that still answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.conversation import Conversation
from bot.core.events import BotMessage, HandoffStarted, LanguageSet, Parse, UserMessage
from bot.core.messages import InboundMessage, Text
from bot.dialogue.base import Decision
from bot.dialogue.responder import IntentResponder
from bot.nlu.commands import CommandUnderstanding
from bot.processor import INTERNAL_ERROR_TEXT, Processor
from bot.responses.catalog import load_responses
from bot.responses.render import ResponseRenderer
from bot.state.sqlite import SQLiteStore
from tests.conftest import ROOT

LANGS = ["en", "ar", "zh"]


class Broken:
    """A component that always fails."""

    async def parse(self, message: InboundMessage, conversation: Conversation) -> Parse:
        raise RuntimeError("model exploded")

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        raise RuntimeError("flow exploded")


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "bot.db")
    await store.open()
    yield store
    await store.close()


def processor(store: SQLiteStore, *, understanding: object = None, dialogue: object = None) -> Processor:
    responses = load_responses(ROOT / "flows" / "responses.yml", languages=LANGS)
    return Processor(
        store,
        understanding or CommandUnderstanding(LANGS),  # type: ignore[arg-type]
        dialogue or IntentResponder(ResponseRenderer(responses, default_language="en")),  # type: ignore[arg-type]
        languages=LANGS,
        default_language="en",
    )


async def handle(store: SQLiteStore, proc: Processor, text: str, **metadata: object) -> list[str]:
    message = InboundMessage(message_id=f"m-{text}", conversation_id="c", channel="rest", content=Text(body=text), metadata=metadata)
    await store.enqueue(message)
    entry = await store.head("c")
    assert entry is not None
    async with store.lock("c", ttl=5, timeout=1) as lease:
        outbound = await proc.process(lease, entry)
    return [m.content.text for m in outbound]  # type: ignore[union-attr]


async def test_first_message_starts_a_session(sqlite: SQLiteStore) -> None:
    await handle(sqlite, processor(sqlite), "/greet")
    await handle(sqlite, processor(sqlite), "/greet")
    kinds = [e.event for e in await sqlite.events("c")]
    assert kinds.count("session_started") == 1 and kinds[0] == "session_started"


async def test_detected_language_is_kept_until_the_customer_chooses(sqlite: SQLiteStore) -> None:
    proc = processor(sqlite)
    await handle(sqlite, proc, "مرحبا")
    assert (await sqlite.load("c")).language == "ar"
    await handle(sqlite, proc, "/greet", language="zh")
    await handle(sqlite, proc, "hello there")
    conversation = await sqlite.load("c")
    assert (conversation.language, conversation.language_source) == ("zh", "customer")
    sources = [(e.language, e.source) for e in await sqlite.events("c") if isinstance(e, LanguageSet)]
    assert sources == [("ar", "detected"), ("zh", "customer")]


async def test_agent_owned_conversation_gets_no_bot_reply(sqlite: SQLiteStore) -> None:
    await sqlite.save(await sqlite.load("c"), [HandoffStarted(reason="asked", agent="amira")])
    assert await handle(sqlite, processor(sqlite), "/greet") == []
    events = await sqlite.events("c")
    assert isinstance(events[-1], UserMessage)
    assert not any(isinstance(e, BotMessage) for e in events)


@pytest.mark.parametrize("part", ["understanding", "dialogue"])
async def test_a_failing_component_still_answers_and_consumes_the_message(
    sqlite: SQLiteStore, part: str, caplog: pytest.LogCaptureFixture
) -> None:
    proc = processor(sqlite, **{part: Broken()})
    assert await handle(sqlite, proc, "/greet") == [INTERNAL_ERROR_TEXT["en"]]
    assert await sqlite.inbox_size() == 0
    assert "exploded" in caplog.text
    assert [e.event for e in await sqlite.events("c")][-1] == "bot"


async def test_a_short_latin_word_does_not_turn_an_arabic_conversation_to_english(sqlite: SQLiteStore) -> None:
    proc = processor(sqlite)
    await handle(sqlite, proc, "مرحبا، عايز اطلب")
    for text in ("ok", "hi", "order رقم 123"):  # the detector is unsure of these (confidence under 0.7)
        await handle(sqlite, proc, text)
        assert (await sqlite.load("c")).language == "ar", text
    await handle(sqlite, proc, "I want to cancel my order please")
    assert (await sqlite.load("c")).language == "en"


async def test_an_unsure_guess_still_sets_the_first_language(sqlite: SQLiteStore) -> None:
    await handle(sqlite, processor(sqlite), "hi")
    conversation = await sqlite.load("c")
    assert (conversation.language, conversation.language_source) == ("en", "detected")


async def test_an_arabizi_opt_out_is_confirmed_in_arabic(sqlite: SQLiteStore) -> None:
    proc = processor(sqlite)
    await handle(sqlite, proc, "hello there, I have a question")
    replies = await handle(sqlite, proc, "mesh 3ayez rasayel tany", consent="opt_out")
    assert (await sqlite.load("c")).language == "ar"
    assert replies and all(any("\u0600" <= ch <= "\u06ff" for ch in reply) for reply in replies)
