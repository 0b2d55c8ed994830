"""The HTTP app over real loopback HTTP, on both store backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings, load_settings
from bot.engine import Engine
from bot.errors import StoreUnavailable
from bot.server.app import create_app
from bot.state.base import ConversationStore
from tests.conftest import ROOT, make_store
from tests.redis_server import redis_server
from tests.server.serve import serve


def settings_for(tmp_path: Path, **env: str) -> Settings:
    return load_settings(ROOT / "config.yml", {"BOT__STORE__SQLITE__PATH": str(tmp_path / "bot.db"), **env})


@pytest.fixture
async def stack(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[tuple[httpx.AsyncClient, ConversationStore]]:
    """A running app on ``backend`` and an HTTP client pointed at it."""
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    store = make_store(backend, tmp_path, url)
    engine = Engine(settings_for(tmp_path), store=store)
    async with serve(create_app(engine.settings, engine=engine)) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        yield client, store


async def say(client: httpx.AsyncClient, sender: str, message: str, **extra: object) -> list[dict[str, object]]:
    response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_greet_is_answered_and_recorded(stack: tuple[httpx.AsyncClient, ConversationStore]) -> None:
    client, _ = stack
    reply = await say(client, "sara", '/greet{"name": "Sara"}')
    assert reply == [{"recipient_id": "sara", "text": "Hello Sara! How can I help you today?"}]
    tracker = (await client.get("/conversations/sara/tracker")).json()
    assert tracker["sender_id"] == "sara"
    assert "name" not in tracker["slots"], "an entity fills only slots that a flow collects (Rasa's rule)"
    assert tracker["latest_message"]["intent"] == {"name": "greet", "confidence": 1.0}
    assert [e["event"] for e in tracker["events"]] == [
        "session_started", "user",
        "flow_started", "flow_stepped", "action", "flow_completed",  # pattern_session_start
        "flow_started", "flow_stepped", "action", "flow_completed",  # pattern_chitchat says utter_greet
        "bot",
    ]
    assert tracker["events"][-1]["text"] == "Hello Sara! How can I help you today?"
    assert tracker["latest_action_name"] == "action_trigger_chitchat"


async def test_reply_follows_the_customers_language(stack: tuple[httpx.AsyncClient, ConversationStore]) -> None:
    client, _ = stack
    await say(client, "ali", "مرحبا")
    reply = await say(client, "ali", "/greet")
    assert reply[0]["text"] == "أهلاً وسهلاً! كيف أقدر أساعدك اليوم؟"
    assert [b["payload"] for b in reply[0]["buttons"]] == ["/browse_catalogue", "/track_order", "/human_handoff"]  # type: ignore[index]
    reply = await say(client, "li", "/greet", metadata={"language": "zh"})
    assert reply[0]["text"].startswith("您好")  # type: ignore[union-attr]
    assert (await client.get("/conversations/ali/tracker")).json()["language"] == "ar"


async def test_unknown_intent_gets_the_default_response(stack: tuple[httpx.AsyncClient, ConversationStore]) -> None:
    client, _ = stack
    reply = await say(client, "x", "/no_such_intent")
    assert reply[0]["text"] == "Sorry, I didn't get that. Could you say it another way?"  # pattern_cannot_handle


async def test_message_id_makes_a_request_idempotent(stack: tuple[httpx.AsyncClient, ConversationStore]) -> None:
    client, store = stack
    assert len(await say(client, "x", "/greet", message_id="m-1")) == 1
    assert await say(client, "x", "/greet", message_id="m-1") == []
    assert [e.event for e in await store.events("x")].count("user") == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "words"),
    [
        ("POST", "/webhooks/rest/webhook", b"not json", {}, 400, "not valid JSON"),
        ("POST", "/webhooks/rest/webhook", b"", {}, 400, "empty body"),
        ("POST", "/webhooks/rest/webhook", b"[1, 2]", {}, 400, "must be a JSON object"),
        ("POST", "/webhooks/rest/webhook", b'{"message": "hi"}', {}, 422, "field 'sender' is required"),
        ("POST", "/webhooks/rest/webhook", b'{"sender": "a"}', {}, 422, "field 'message' is required"),
        ("POST", "/webhooks/rest/webhook", b'{"sender": "", "message": "hi"}', {}, 422, "field 'sender'"),
        ("POST", "/webhooks/rest/webhook", b'{"sender": {"a": 1}, "message": "hi"}', {}, 422, "field 'sender'"),
        ("POST", "/webhooks/rest/webhook", b'{"sender": "a", "message": "x"}' + b" " * (10 * 1024 * 1024), {}, 413, "larger than"),
        ("GET", "/webhooks/rest/webhook", b"", {}, 405, "allowed: POST"),
        ("PUT", "/webhooks/rest/webhook", b'{"sender": "a", "message": "hi"}', {}, 405, "not allowed"),
        ("POST", "/no/such/route", b"{}", {}, 404, "no route /no/such/route"),
        ("GET", "/conversations/a/tracker?include_events=SOME", b"", {}, 422, "include_events"),
    ],
    ids=["non-json", "empty", "array", "no-sender", "no-message", "empty-sender", "object-sender", "10MB",
         "GET", "PUT", "unknown-route", "bad-query"],
)
async def test_bad_input_gets_a_clear_4xx_and_stores_nothing(
    stack: tuple[httpx.AsyncClient, ConversationStore],
    method: str, path: str, body: bytes, headers: dict[str, str], status: int, words: str,
) -> None:
    client, store = stack
    response = await client.request(method, path, content=body, headers={"content-type": "application/json", **headers})
    assert response.status_code == status, response.text
    error = response.json()
    assert error["status"] == "failure" and error["code"] == status
    assert words in error["message"]
    assert "Traceback" not in response.text
    assert await store.conversation_count() == 0
    assert await store.inbox_size() == 0


async def test_streamed_body_over_the_limit_is_refused(stack: tuple[httpx.AsyncClient, ConversationStore]) -> None:
    client, store = stack

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * (256 * 1024)

    response = await client.post("/webhooks/rest/webhook", content=chunks())
    assert response.status_code == 413
    assert await store.inbox_size() == 0


async def test_health_and_ready(stack: tuple[httpx.AsyncClient, ConversationStore]) -> None:
    client, store = stack
    health = (await client.get("/health")).json()
    assert health["status"] == "ok" and health["role"] == "all"
    assert (await client.get("/ready")).json() == {"status": "ready", "store": store.name}


async def test_health_is_503_once_background_work_stopped(tmp_path: Path) -> None:
    engine = Engine(settings_for(tmp_path))

    async def broken() -> None:
        raise RuntimeError("disk on fire")

    engine.dispatcher.run = broken  # type: ignore[method-assign]
    async with serve(create_app(engine.settings, engine=engine)) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.get("/health")
        assert response.status_code == 503
        assert "the dispatcher stopped (RuntimeError: disk on fire)" in response.json()["message"]
        assert (await client.get("/ready")).status_code == 200, "the store still answers: ready, but not healthy"


async def test_unreachable_store_stops_the_start(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        pass  # the server is stopped again: nothing listens at url any more
    engine = Engine(settings_for(tmp_path, REDIS_URL=url))
    with pytest.raises(StoreUnavailable, match="cannot reach the Redis store"):
        await engine.start()


async def test_ready_is_503_while_the_store_is_down(tmp_path: Path) -> None:
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    context = redis_server(redis_dir)
    url = context.__enter__()
    try:
        app = create_app(settings_for(tmp_path, REDIS_URL=url))
        async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
            assert (await client.get("/ready")).status_code == 200
            context.__exit__(None, None, None)
            context = None  # type: ignore[assignment]
            response = await client.get("/ready")
            assert response.status_code == 503
            assert "not reachable" in response.json()["message"]
    finally:
        if context is not None:
            context.__exit__(None, None, None)


class SlowDialogue:
    """Takes longer than the REST channel is willing to wait."""

    async def decide(self, conversation: object, message: object, parse: object) -> object:
        import asyncio

        from bot.core.messages import OutText
        from bot.dialogue.base import Decision, Utterance

        await asyncio.sleep(0.5)
        return Decision(utterances=(Utterance(OutText(text="late but here")),))


async def test_slow_answer_is_a_504_and_the_message_is_still_processed(tmp_path: Path) -> None:
    import asyncio

    settings = settings_for(tmp_path, BOT__SERVER__REPLY_TIMEOUT_SECONDS="0.1")
    engine = Engine(settings, dialogue=SlowDialogue())  # type: ignore[arg-type]
    async with serve(create_app(settings, engine=engine)) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.post("/webhooks/rest/webhook", json={"sender": "slow", "message": "hi"})
        assert response.status_code == 504
        assert "stays queued and will be processed" in response.json()["message"]
        for _ in range(50):
            tracker = (await client.get("/conversations/slow/tracker")).json()
            if tracker["events"] and tracker["events"][-1]["event"] == "bot":
                break
            await asyncio.sleep(0.05)
        assert tracker["events"][-1]["text"] == "late but here"
