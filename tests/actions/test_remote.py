"""RemoteActions against the real rasa_sdk server where it can show a case, and a strict fake
action server on loopback for the answers a healthy rasa_sdk never gives."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request, Response

from bot.actions import (
    RASA_VERSION,
    ActionFailed,
    ActionNotFound,
    ActionServerUnreachable,
    RemoteActions,
)
from bot.actions.remote import domain_digest
from tests.actions.conftest import DOMAIN, form_tracker, order_tracker
from tests.redis_server import free_port
from tests.server.serve import serve

OK = {"events": [{"event": "slot", "timestamp": None, "name": "greeted", "value": True}], "responses": []}


@dataclass
class Reply:
    status: int
    body: Any = None
    content_type: str = "application/json"


@dataclass
class FakeActionServer:
    """Answers the scripted replies in order and records each request; anything else is a failure."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhook")
        async def webhook(request: Request) -> Response:
            self.requests.append(orjson.loads(await request.body()))
            self.headers.append(dict(request.headers))
            if not self.replies:
                self.unexpected.append(f"request #{len(self.requests)} after the script ran out")
                return Response(status_code=418)
            reply = self.replies.pop(0)
            content = reply.body if isinstance(reply.body, bytes) else orjson.dumps(reply.body)
            return Response(content, status_code=reply.status, media_type=reply.content_type)

        return app


@pytest.fixture
async def fake() -> AsyncIterator[FakeActionServer]:
    server = FakeActionServer()
    async with serve(server.app()) as base:
        server.url = f"{base}/webhook"
        yield server
    assert not server.unexpected, server.unexpected
    assert not server.replies, f"replies never asked for: {server.replies}"


async def test_the_request_carries_what_rasa_sends(fake: FakeActionServer, client: httpx.AsyncClient) -> None:
    fake.replies.append(Reply(200, OK))
    tracker = order_tracker()
    runner = RemoteActions(fake.url, client, headers={"Authorization": "Bearer s3cret-token"})
    result = await runner.run("action_greet", tracker, DOMAIN)
    assert result.events == OK["events"]
    assert result.responses == []
    assert fake.requests == [{
        "next_action": "action_greet", "sender_id": "966500000001", "tracker": tracker, "domain": DOMAIN,
        "domain_digest": domain_digest(DOMAIN), "version": RASA_VERSION,
    }]
    assert fake.headers[0]["content-type"] == "application/json"
    assert fake.headers[0]["authorization"] == "Bearer s3cret-token"


async def test_a_known_domain_is_left_out_and_a_449_resends_it(fake: FakeActionServer, client: httpx.AsyncClient) -> None:
    fake.replies += [Reply(200, OK), Reply(200, OK),
                     Reply(449, {"error": "Missing domain context", "action_name": "action_greet"}), Reply(200, OK),
                     Reply(200, OK)]
    runner = RemoteActions(fake.url, client, omit_known_domain=True)
    changed = {**DOMAIN, "intents": [*DOMAIN["intents"], "bye"]}
    for domain in (DOMAIN, DOMAIN, DOMAIN, changed):
        assert (await runner.run("action_greet", order_tracker(), domain)).events == OK["events"]
    assert ["domain" in request for request in fake.requests] == [True, False, False, True, True]
    assert {request["domain_digest"] for request in fake.requests[:4]} == {domain_digest(DOMAIN)}
    assert fake.requests[3]["domain"] == DOMAIN, "resent after the 449"
    assert fake.requests[4]["domain"] == changed, "a changed domain is always sent"


async def test_a_449_although_the_domain_was_sent_fails(fake: FakeActionServer, client: httpx.AsyncClient) -> None:
    fake.replies += [Reply(449, {"error": "Missing domain context", "action_name": "action_greet"})]
    with pytest.raises(ActionFailed, match=r"answered 449 \(domain missing\) for 'action_greet' although the domain was sent"):
        await RemoteActions(fake.url, client).run("action_greet", order_tracker(), DOMAIN)


@pytest.mark.parametrize(("reply", "expected"), [
    (Reply(200, b"<html>Gateway</html>", "text/html"), r"something other than a JSON object: <html>Gateway</html>"),
    (Reply(200, {"events": {"event": "slot"}, "responses": ["hi"]}),
     r"not in Rasa's shape:\n  - events must be a list .*\n  - responses\[0\] is a str, not a message dict: 'hi'"),
    (Reply(200, {"events": [{"name": "x"}]}), r"events\[0\] has no 'event' name"),
    (Reply(400, {"error": "Invalid body request"}), r"refused the request for 'action_greet' as malformed \(HTTP 400: Invalid body request\)"),
    (Reply(503, b"upstream down", "text/plain"), r"answered HTTP 503 for 'action_greet': upstream down"),
    (Reply(500, b"", "text/plain"), r"failed on .* \(HTTP 500\): \(empty body\)"),
])
async def test_unusable_answers_fail_with_a_piece_of_the_body(
    fake: FakeActionServer, client: httpx.AsyncClient, reply: Reply, expected: str
) -> None:
    fake.replies.append(reply)
    with pytest.raises(ActionFailed, match=expected) as caught:
        await RemoteActions(fake.url, client).run("action_greet", order_tracker(), DOMAIN)
    assert caught.value.status == reply.status


async def test_a_500_never_repeats_the_echoed_tracker(fake: FakeActionServer, client: httpx.AsyncClient) -> None:
    tracker = order_tracker()
    fake.replies.append(Reply(500, {"error": "KeyError: 'sku'", "request_body": {"tracker": tracker}}))
    with pytest.raises(ActionFailed) as caught:
        await RemoteActions(fake.url, client).run("action_greet", tracker, DOMAIN)
    assert "KeyError: 'sku'" in str(caught.value)
    assert "966500000001" not in str(caught.value)


async def test_a_404_that_names_no_action_points_at_the_url(fake: FakeActionServer, client: httpx.AsyncClient) -> None:
    fake.replies.append(Reply(404, b"Not Found", "text/plain"))
    with pytest.raises(ActionNotFound, match=r"answered 404 for 'action_greet' without naming the action \(Not Found\)"):
        await RemoteActions(fake.url, client).run("action_greet", order_tracker(), DOMAIN)


async def test_an_empty_200_body_is_not_a_result(fake: FakeActionServer, client: httpx.AsyncClient) -> None:
    fake.replies.append(Reply(200, None))
    with pytest.raises(ActionFailed, match="something other than a JSON object: null"):
        await RemoteActions(fake.url, client).run("action_greet", order_tracker(), DOMAIN)


async def test_an_unreachable_server_names_the_url_without_credentials(client: httpx.AsyncClient) -> None:
    port = free_port()  # nobody listens there
    runner = RemoteActions(f"http://bot:hunter2@127.0.0.1:{port}/webhook?token=abc123", client)
    with pytest.raises(ActionServerUnreachable) as caught:
        await runner.run("action_greet", order_tracker(), DOMAIN)
    message = str(caught.value)
    assert f"cannot reach the action server at http://127.0.0.1:{port}/webhook to run 'action_greet'" in message
    assert "hunter2" not in message and "abc123" not in message
    assert caught.value.url == f"http://127.0.0.1:{port}/webhook"


async def test_a_wrong_path_on_a_real_server_is_not_found_and_says_so(action_server: str, client: httpx.AsyncClient) -> None:
    # rasa_sdk answers an unknown path with a 500 "Requested URL /hook not found"
    runner = RemoteActions(action_server.replace("/webhook", "/hook"), client)
    with pytest.raises(ActionNotFound, match=r"answered 500 for 'action_greet' without naming the action "
                       r"\(Requested URL /hook not found\); check the URL path \(rasa_sdk serves /webhook\)"):
        await runner.run("action_greet", order_tracker(), DOMAIN)


async def test_rasa_sdk_drops_events_without_a_name_where_in_process_fails(action_server: str, client: httpx.AsyncClient) -> None:
    # the one documented difference: rasa_sdk's executor logs and drops them; InProcessActions raises
    result = await RemoteActions(action_server, client).run("action_bad_events", order_tracker(), DOMAIN)
    assert result.events == []


async def test_a_real_server_that_lost_the_domain_gets_it_again(action_server: str) -> None:
    sent: list[bool] = []
    statuses: list[int] = []

    async def on_request(request: httpx.Request) -> None:
        sent.append("domain" in orjson.loads(request.content))

    async def on_response(response: httpx.Response) -> None:
        statuses.append(response.status_code)

    only_street = copy.deepcopy(DOMAIN)
    only_street["forms"]["address_form"]["required_slots"] = ["street"]
    hooks = {"request": [on_request], "response": [on_response]}
    async with httpx.AsyncClient(event_hooks=hooks) as client:  # type: ignore[arg-type]
        first = RemoteActions(action_server, client, omit_known_domain=True)
        other = RemoteActions(action_server, client, omit_known_domain=True)
        validated = [{"event": "slot", "timestamp": None, "name": "city", "value": "Riyadh"}]
        assert (await first.run("validate_address_form", form_tracker("riyadh"), DOMAIN)).events == validated
        assert (await first.run("validate_address_form", form_tracker("riyadh"), DOMAIN)).events == validated
        # another bot with another domain: the server now holds that one
        assert (await other.run("validate_address_form", form_tracker("riyadh"), only_street)).events == []
        assert (await first.run("validate_address_form", form_tracker("riyadh"), DOMAIN)).events == validated
    assert sent == [True, False, True, False, True]
    assert statuses == [200, 200, 200, 449, 200]


def test_a_url_that_is_not_http_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match=r"must be http\(s\)://host\[:port\]/path"):
        RemoteActions("127.0.0.1:5055/webhook", httpx.AsyncClient())
