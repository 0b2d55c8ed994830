"""GraphSender against the strict fake Graph API over real loopback HTTP: retries, faults, pacing, logs."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.core.messages import (
    Button,
    ListRow,
    ListSection,
    MediaKind,
    OutboundContent,
    OutButtons,
    OutList,
    OutMedia,
    OutTemplate,
    OutText,
)
from connectors.whatsapp.errors import (
    AuthError,
    GraphError,
    GraphUnreachable,
    InvalidRequest,
    PairRateLimited,
    RateLimited,
    ServerError,
    TemplateError,
    Undeliverable,
    WindowClosed,
    error_from_response,
)
from connectors.whatsapp.fake_graph import FakeGraph, create_fake_graph
from connectors.whatsapp.outbound import to_requests
from connectors.whatsapp.sender import GraphSender, TokenBucket
from tests.redis_server import free_port
from tests.server.serve import serve

TOKEN = "EAAGm0PX4ZCpsBAtesttoken1234567890"
PHONE_ID = "106540352242922"
VERSION = "v25.0"
CUSTOMER = "201005551234"


class Clock:
    """A clock that moves only when the sender sleeps (``frozen``: not even then)."""

    def __init__(self, *, frozen: bool = False) -> None:
        self.now = 1000.0
        self.frozen = frozen
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if not self.frozen:
            self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
async def graph() -> AsyncIterator[tuple[FakeGraph, str]]:
    state = FakeGraph(TOKEN, [PHONE_ID], VERSION)
    async with serve(create_fake_graph(state)) as base:
        yield state, base


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def make(http: httpx.AsyncClient, base: str, clock: Clock, **options: Any) -> GraphSender:
    settings: dict[str, Any] = {"api_version": VERSION, "access_token": TOKEN, "phone_number_id": PHONE_ID,
                                "messages_per_second": 1e9, "random": random.Random(7), **options}
    return GraphSender(http, base_url=base, sleep=clock.sleep, clock=clock.time, **settings)


def text(body: str = "Your order is on its way.") -> dict[str, Any]:
    (request,) = to_requests(OutText(text=body), to=CUSTOMER)
    return request


def key() -> str:
    return uuid.uuid4().hex


async def test_a_send_returns_the_wamid_and_is_recorded(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    wamid = await make(http, base, Clock()).send(text(), idempotency_key="m-1")
    (record,) = state.sent
    assert (record.wamid, record.to, record.type, record.idempotency_key) == (wamid, "+" + CUSTOMER, "text", "m-1")
    assert state.texts_to(CUSTOMER) == ["Your order is on its way."]


CONTENTS: list[OutboundContent] = [
    OutText(text="Hello https://shop.example"),
    OutButtons(text="Size?", buttons=(Button(title="S", payload="/s"), Button(title="M", payload="/m"))),
    OutButtons(text="Size?", buttons=tuple(Button(title=f"Size {i}", payload=f"/s{i}") for i in range(7))),
    OutList(text="Pick", button="Menu", header="H", footer="F", sections=(
        ListSection(title="A", rows=(ListRow(row_id="a", title="A", description="first"),)),
        ListSection(title="B", rows=(ListRow(row_id="b", title="B"),)))),
    OutTemplate(name="order_update", language="en"),
    OutMedia(media_kind=MediaKind.DOCUMENT, link="https://shop.example/i.pdf", caption="Invoice", filename="i.pdf"),
]


@pytest.mark.parametrize("content", CONTENTS, ids=[c.kind for c in CONTENTS])
async def test_what_outbound_builds_the_strict_fake_accepts(content: OutboundContent, graph: tuple[FakeGraph, str],
                                                            http: httpx.AsyncClient) -> None:
    state, base = graph
    for request in to_requests(content, to=CUSTOMER, reply_to="wamid.IN"):
        await make(http, base, Clock()).send(request, idempotency_key=key())
    assert state.statuses == [200] and len(state.sent_to("+" + CUSTOMER)) == 1


async def test_429_waits_retry_after_and_records_once(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    state.fail_next(1, status=429, retry_after=2)
    clock = Clock()
    wamid = await make(http, base, clock).send(text(), idempotency_key="m-1")
    assert clock.sleeps == [2.0]
    assert state.statuses == [429, 200]
    assert [r.wamid for r in state.sent] == [wamid]


async def test_a_burst_of_500s_backs_off_with_full_jitter(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    state.fail_next(3, status=500)
    clock = Clock()
    await make(http, base, clock, base_delay=0.5).send(text(), idempotency_key="m-1")
    jitter = random.Random(7)
    assert clock.sleeps == [jitter.uniform(0, 0.5), jitter.uniform(0, 1.0), jitter.uniform(0, 2.0)]
    assert state.statuses == [500, 500, 500, 200] and len(state.sent) == 1


async def test_the_backoff_is_capped_and_the_last_error_raised(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    state.fail_next(5, status=503)
    clock = Clock()
    with pytest.raises(ServerError) as caught:
        await make(http, base, clock, max_attempts=5, base_delay=1, max_delay=3).send(text(), idempotency_key="m-1")
    assert (caught.value.code, caught.value.status, caught.value.retryable) == (131016, 503, True)
    assert len(clock.sleeps) == 4 and max(clock.sleeps) <= 3
    assert state.statuses == [503] * 5 and state.sent == []


async def test_a_timeout_is_retried_and_the_key_keeps_it_single(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    state.delay_next(1, 1.0)  # accepted, but the answer comes after the client gave up
    clock = Clock()
    wamid = await make(http, base, clock, timeout=0.25).send(text(), idempotency_key="m-1")
    # one retry (more only if a slow machine also timed out the retry): same key, same message
    assert set(state.statuses) == {200} and len(state.statuses) >= 2 and len(clock.sleeps) == len(state.statuses) - 1
    assert [r.wamid for r in state.sent] == [wamid]


@pytest.mark.parametrize(("code", "error"), [(131047, WindowClosed), (131026, Undeliverable)])
async def test_business_errors_are_raised_at_once(code: int, error: type[GraphError], graph: tuple[FakeGraph, str],
                                                 http: httpx.AsyncClient) -> None:
    state, base = graph
    state.reject(to=CUSTOMER, code=code)
    clock = Clock()
    sender = make(http, base, clock)
    with pytest.raises(error) as caught:
        await sender.send(text(), idempotency_key="m-1")
    assert (caught.value.code, caught.value.retryable, caught.value.status) == (code, False, 400)
    assert caught.value.raw["error"]["code"] == code
    assert state.statuses == [400] and clock.sleeps == [] and state.sent == []
    template = to_requests(OutTemplate(name="reopen", language="en"), to=CUSTOMER)[0]
    if code == 131047:
        assert "send an approved template" in str(caught.value)
        await sender.send(template, idempotency_key="m-2")  # templates open a closed window
        assert [r.type for r in state.sent] == ["template"]


async def test_a_limit_error_from_the_fake_is_not_retried(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    reply = {"type": "reply", "reply": {"id": "x", "title": "Extra large size option"}}
    body = {**text(), "type": "interactive", "interactive": {"type": "button", "body": {"text": "Size?"},
                                                             "action": {"buttons": [reply] * 4}}}
    del body["text"]
    clock = Clock()
    with pytest.raises(InvalidRequest) as caught:
        await make(http, base, clock).send(body, idempotency_key="m-1")
    assert caught.value.code == 131009
    assert "interactive.action.buttons has 4 items; 1 to 3 allowed" in str(caught.value.details)
    assert "interactive.action.buttons[0].reply.title is 23 characters; 1 to 20 allowed" in str(caught.value.details)
    assert state.statuses == [400] and clock.sleeps == []


@pytest.mark.parametrize(("options", "error", "code", "status"), [
    ({"access_token": "EAAwrongtoken0000000000"}, AuthError, 190, 401),
    ({"phone_number_id": "999"}, InvalidRequest, 100, 400),
    ({"api_version": "v99.0"}, GraphError, 2500, 400),
])
async def test_wrong_credentials_or_addresses_fail_without_retry(options: dict[str, Any], error: type[GraphError], code: int,
                                                                status: int, graph: tuple[FakeGraph, str],
                                                                http: httpx.AsyncClient) -> None:
    state, base = graph
    clock = Clock()
    with pytest.raises(error) as caught:
        await make(http, base, clock, **options).send(text(), idempotency_key="m-1")
    assert type(caught.value) is error and (caught.value.code, caught.value.status) == (code, status)
    assert state.statuses == [status] and clock.sleeps == [] and TOKEN not in str(caught.value)


async def test_short_lived_codes_are_retried_others_only_flagged(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    clock = Clock()
    sender = make(http, base, clock)
    state.fail_next(1, status=400, code=130429)
    await sender.send(text(), idempotency_key="m-1")
    assert state.statuses == [400, 200] and len(clock.sleeps) == 1
    state.fail_next(1, status=400, code=131056)
    with pytest.raises(PairRateLimited) as caught:
        await sender.send(text(), idempotency_key="m-2")
    assert caught.value.retryable and state.statuses == [400, 200, 400]
    assert len([s for s in clock.sleeps if s > 1e-6]) == 1  # the only other sleeps are the bucket's (1e-9 s)


async def test_a_retry_after_beyond_max_delay_is_left_to_the_caller(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    state.fail_next(1, status=429, retry_after=120)
    clock = Clock()
    with pytest.raises(RateLimited) as caught:
        await make(http, base, clock, max_delay=30).send(text(), idempotency_key="m-1")
    assert caught.value.retry_after == 120 and clock.sleeps == []


async def test_an_unreachable_api_is_retried_then_raised(http: httpx.AsyncClient) -> None:
    clock = Clock()
    sender = make(http, f"http://127.0.0.1:{free_port()}", clock, max_attempts=3)
    with pytest.raises(GraphUnreachable) as caught:
        await sender.send(text(), idempotency_key="m-1")
    assert caught.value.retryable and not caught.value.maybe_sent
    assert isinstance(caught.value.__cause__, httpx.ConnectError) and len(clock.sleeps) == 2


async def test_the_same_key_is_one_message_and_a_reused_key_is_refused(graph: tuple[FakeGraph, str],
                                                                       http: httpx.AsyncClient) -> None:
    state, base = graph
    sender = make(http, base, Clock())
    first = await sender.send(text(), idempotency_key="m-1")
    assert await sender.send(text(), idempotency_key="m-1") == first
    with pytest.raises(InvalidRequest, match="already used for a different message"):
        await sender.send(text("Something else"), idempotency_key="m-1")
    assert len(state.sent) == 1 and state.statuses == [200, 200, 400]


async def test_mark_read_with_and_without_typing(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    sender = make(http, base, Clock())
    await sender.mark_read("wamid.IN1")
    await sender.mark_read("wamid.IN2", typing=False)
    assert [(r.message_id, r.typing) for r in state.reads] == [("wamid.IN1", True), ("wamid.IN2", False)]
    assert state.sent == []


async def test_sequential_sends_are_paced_to_the_rate(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    clock = Clock()
    sender = make(http, base, clock, messages_per_second=10)
    for i in range(20):
        await sender.send(text(), idempotency_key=f"m-{i}")
    assert len(state.sent) == 20
    assert sum(clock.sleeps) == pytest.approx(19 / 10)


async def test_concurrent_sends_each_wait_for_their_own_slot(graph: tuple[FakeGraph, str], http: httpx.AsyncClient) -> None:
    state, base = graph
    clock = Clock(frozen=True)
    sender = make(http, base, clock, messages_per_second=10)
    wamids = await asyncio.gather(*(sender.send(text(), idempotency_key=f"m-{i}") for i in range(20)))
    assert len(set(wamids)) == 20 and len(state.sent) == 20
    assert sorted(clock.sleeps) == pytest.approx([i / 10 for i in range(1, 20)])


def test_the_bucket_refills_while_idle_but_never_beyond_its_burst() -> None:
    clock = Clock(frozen=True)
    bucket = TokenBucket(4, burst=2, clock=clock.time, sleep=clock.sleep)
    assert [bucket.reserve() for _ in range(4)] == [0, 0, 0.25, 0.5]
    clock.now += 60
    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0.25]
    with pytest.raises(ValueError, match="rate > 0"):
        TokenBucket(0)


async def test_logs_show_neither_the_token_nor_the_phone_number(graph: tuple[FakeGraph, str], http: httpx.AsyncClient,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    state, base = graph
    caplog.set_level(logging.DEBUG)
    state.fail_next(2, status=500)
    sender = make(http, base, Clock())
    await sender.send(text(), idempotency_key="m-1")
    with pytest.raises(AuthError):
        await make(http, base, Clock(), access_token=TOKEN + "x").send(text(), idempotency_key="m-2")
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "retrying" in logged and "***1234" in logged
    assert TOKEN not in logged and CUSTOMER not in logged and TOKEN not in repr(sender)


def test_the_sender_refuses_bad_settings() -> None:
    with pytest.raises(ValueError) as caught:
        GraphSender(httpx.AsyncClient(), api_version="25", access_token="", phone_number_id="", max_attempts=0)
    assert all(word in str(caught.value) for word in ("v25.0", "WHATSAPP_ACCESS_TOKEN", "phone_number_id", "max_attempts"))


async def test_send_needs_an_idempotency_key(http: httpx.AsyncClient) -> None:
    sender = GraphSender(http, api_version=VERSION, access_token=TOKEN, phone_number_id=PHONE_ID)
    with pytest.raises(ValueError, match="idempotency_key"):
        await sender.send(text(), idempotency_key="")


META_131047 = {"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
                         "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because more "
                                        "than 24 hours have passed since the customer last replied to this number."},
                         "fbtrace_id": "AbCdEf123"}}


@pytest.mark.parametrize(("status", "body", "error", "retryable"), [
    (400, META_131047, WindowClosed, False),
    (400, {"error": {"message": "(#470) Message failed", "code": 470}}, WindowClosed, False),
    (400, {"error": {"message": "(#132001) Template name does not exist in the translation", "code": 132001}}, TemplateError, False),
    (400, {"error": {"message": "(#4) Application request limit reached", "code": 4}}, RateLimited, True),
    (502, "<html>Bad gateway</html>", ServerError, True),
    (401, {"error": {"message": "Malformed access token", "code": 190}}, AuthError, False),
    (400, {"error": {"message": "(#131999) Something new", "code": 131999}}, GraphError, False),
])
def test_meta_error_bodies_map_to_the_tree(status: int, body: Any, error: type[GraphError], retryable: bool) -> None:
    mapped = error_from_response(status, body)
    assert type(mapped) is error and mapped.retryable is retryable and mapped.raw is body and mapped.status == status


def test_a_mapped_error_keeps_what_meta_said() -> None:
    error = error_from_response(400, META_131047, retry_after=None)
    assert (error.code, error.title, error.fbtrace_id) == (131047, "Re-engagement message", "AbCdEf123")
    assert error.details is not None and error.details.startswith("Message failed to send")
    assert str(error).startswith("the Graph API answered HTTP 400 with error 131047 (Re-engagement message): Message failed")
