"""The WhatsApp channel end to end: real HTTP on loopback into the bot's webhook, the real engine and
store, and the strict fake Graph API (also on loopback) standing in for Meta."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bot.config import load_settings
from bot.core import events as ev
from bot.core.messages import OutboundMessage, OutText
from bot.engine import Engine
from bot.server.app import create_app
from connectors.whatsapp.channel import WhatsAppChannel
from connectors.whatsapp.fake_graph import FakeGraph, create_fake_graph
from tests.server.serve import serve

TOKEN = "EAAtesttoken0000000000000000"
SECRET = "app-secret-for-tests"
VERIFY = "verify-me"
API_TOKEN = "notify-token"
PNID = "106540352242922"
USER = "201005551234"
CID = f"whatsapp:{PNID}:{USER}"

FLOWS = """
flows:
  order:
    description: order
    nlu_trigger: [{intent: order}]
    steps:
      - collect: size
      - action: utter_done
slots:
  size: {type: categorical, values: [small, large]}
responses:
  utter_ask_size:
    - text: "Which size?"
      buttons:
        - {title: Small, payload: "/SetSlots(size=small)"}
        - {title: Large, payload: "/SetSlots(size=large)"}
    - language: ar
      text: "أي مقاس؟"
      buttons:
        - {title: صغير, payload: "/SetSlots(size=small)"}
        - {title: كبير, payload: "/SetSlots(size=large)"}
  utter_done: [{text: "Done: {size}."}]
  utter_greet: [{text: "Hello!"}]
"""


def message(text: str | None = None, *, mid: str, sender: str = USER, at: float | None = None,
            button: tuple[str, str] | None = None, kind: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"from": sender, "id": mid, "timestamp": str(int(at or time.time()))}
    if button is not None:
        item |= {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": button[0], "title": button[1]}}}
    elif kind is not None:
        item |= {"type": kind, kind: {}}
    else:
        item |= {"type": "text", "text": {"body": text}}
    return item


def envelope(*items: dict[str, Any], statuses: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001", "phone_number_id": PNID},
                             "contacts": [{"profile": {"name": "Sara"}, "wa_id": USER}]}
    if items:
        value["messages"] = list(items)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}


def status(wamid: str, state: str, *, ours: str | None = None, code: int | None = None,
           title: str = "Re-engagement message", at: float | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(int(at or time.time())), "recipient_id": USER}
    if ours:
        item["biz_opaque_callback_data"] = ours
    if code is not None:
        item["errors"] = [{"code": code, "title": title}]
    return item


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Bot:
    client: httpx.AsyncClient
    fake: FakeGraph
    engine: Engine

    async def post(self, payload: Any, *, secret: str | None = SECRET, body: bytes | None = None) -> httpx.Response:
        raw = body if body is not None else orjson.dumps(payload)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Hub-Signature-256"] = signature(orjson.dumps(payload) if body is not None else raw, secret)
        return await self.client.post("/webhooks/whatsapp/webhook", content=raw, headers=headers)

    async def until(self, check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the fake got {[r.body for r in self.fake.sent]}")
            await asyncio.sleep(0.02)

    def sent(self) -> list[dict[str, Any]]:
        return [r.body for r in self.fake.sent_to(USER)]

    async def events(self) -> list[ev.Event]:
        return await self.engine.store.events(CID)

    async def settle(self) -> None:
        """Wait until the inbox and the outbox are empty."""
        store = self.engine.store
        for _ in range(750):
            if await store.inbox_size() == 0 and await store.outbox_size() == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the inbox or the outbox did not drain")


async def make_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, options: str = "") -> AsyncIterator[Bot]:
    fake = FakeGraph(TOKEN, [PNID], "v25.0")
    async with serve(create_fake_graph(fake)) as graph:
        for name, value in {"WHATSAPP_ACCESS_TOKEN": TOKEN, "WHATSAPP_APP_SECRET": SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY,
                            "WHATSAPP_API_BASE_URL": graph, "BOT_API_TOKEN": API_TOKEN}.items():
            monkeypatch.setenv(name, value)
        (tmp_path / "flows").mkdir()
        (tmp_path / "flows" / "flows.yml").write_text(FLOWS, encoding="utf-8")
        config = tmp_path / "config.yml"
        config.write_text(f"""
store: {{sqlite: {{path: bot.db}}}}
languages: {{default: en, supported: [en, ar]}}
paths: {{flows: flows, nlu_data: nlu_data, models: models}}
channels:
  whatsapp:
    phone_numbers: [{{phone_number_id: "{PNID}", display_number: "+1 555 0001"}}]
    send_timeout_seconds: 1
{options}""", encoding="utf-8")
        settings = load_settings(config, {})
        engine = Engine(settings)
        async with serve(create_app(settings, engine=engine)) as base, httpx.AsyncClient(base_url=base) as client:
            yield Bot(client, fake, engine)


@pytest.fixture
async def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    async for made in make_bot(tmp_path, monkeypatch, options="    window_template: {name: reopen, language: en}\n"):
        yield made


# ------------------------------------------------------------------ verification and signatures


async def test_the_subscription_handshake(bot: Bot) -> None:
    ok = await bot.client.get("/webhooks/whatsapp/webhook", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                                                    "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await bot.client.get("/webhooks/whatsapp/webhook", params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                                                       "hub.challenge": "1"})
    assert wrong.status_code == 403 and "WHATSAPP_VERIFY_TOKEN" in wrong.json()["message"]
    mode = await bot.client.get("/webhooks/whatsapp/webhook", params={"hub.mode": "unsubscribe", "hub.verify_token": VERIFY})
    assert mode.status_code == 403


async def test_signatures_valid_wrong_missing_and_reserialized(bot: Bot) -> None:
    payload = envelope(message("/greet", mid="wamid.sig1"))
    assert (await bot.post(payload)).status_code == 200
    wrong = await bot.post(envelope(message("/greet", mid="wamid.sig2")), secret="not-the-secret")
    assert wrong.status_code == 403 and "does not match" in wrong.json()["message"]
    missing = await bot.post(envelope(message("/greet", mid="wamid.sig3")), secret=None)
    assert missing.status_code == 401 and "X-Hub-Signature-256" in missing.json()["message"]
    # the same JSON, serialized differently: the signature of the original bytes no longer matches
    other = envelope(message("/greet", mid="wamid.sig4"))
    reserialized = json.dumps(other, indent=1).encode()
    assert (await bot.post(other, body=reserialized)).status_code == 403
    await bot.settle()
    users = [e for e in await bot.events() if isinstance(e, ev.UserMessage)]
    assert [e.message_id for e in users] == ["wamid.sig1"], "only the validly signed message was queued"


async def test_malformed_and_oversized_bodies(bot: Bot) -> None:
    bad = b'{"object": "whatsapp_business_account", "entry": ['
    response = await bot.client.post("/webhooks/whatsapp/webhook", content=bad, headers={"X-Hub-Signature-256": signature(bad)})
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]
    odd = orjson.dumps({"object": "page", "entry": []})
    response = await bot.client.post("/webhooks/whatsapp/webhook", content=odd, headers={"X-Hub-Signature-256": signature(odd)})
    assert response.status_code == 400 and "whatsapp_business_account" in response.json()["message"]
    big = b" " * 2_000_000
    response = await bot.client.post("/webhooks/whatsapp/webhook", content=big, headers={"X-Hub-Signature-256": signature(big)})
    assert response.status_code == 413


async def test_the_same_payload_twice_is_processed_once(bot: Bot) -> None:
    payload = envelope(message("/greet", mid="wamid.dup"))
    first, second = await bot.post(payload), await bot.post(payload)
    assert first.json()["accepted"] == 1 and second.json() == {"accepted": 0, "duplicates": 1, "statuses": 0}
    await bot.until(lambda: len(bot.sent()) >= 1, "the greeting")
    await bot.settle()
    assert [b["text"]["body"] for b in bot.sent()] == ["Hello!"]


# ------------------------------------------------------------------ a conversation


async def test_a_batch_is_read_whole_and_buttons_continue_the_conversation(bot: Bot) -> None:
    other = "201009998888"
    payload = envelope(message("/greet", mid="wamid.b1"), message("/order", mid="wamid.b2"),
                       message("/greet", mid="wamid.b3", sender=other))
    assert (await bot.post(payload)).json()["accepted"] == 3
    await bot.until(lambda: len(bot.sent()) >= 2 and len(bot.fake.sent_to(other)) >= 1, "three answers")
    hello, question = bot.sent()
    assert hello["text"]["body"] == "Hello!"
    assert question["type"] == "interactive" and question["interactive"]["type"] == "button"
    buttons = question["interactive"]["action"]["buttons"]
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [("/SetSlots(size=small)", "Small"), ("/SetSlots(size=large)", "Large")]
    assert question["biz_opaque_callback_data"], "our message id rides along for the statuses"
    await bot.post(envelope(message(mid="wamid.b4", button=("/SetSlots(size=large)", "Large"))))
    await bot.until(lambda: len(bot.sent()) >= 4, "the answer to the button")
    assert [b["text"]["body"] for b in bot.sent()[2:]] == ["Done: large.", "Is there anything else I can help you with?"]
    # read receipts with the typing indicator go out as the worker takes each message (coalesced per
    # conversation: marking the newest read marks the earlier ones too), never for statuses
    await bot.until(lambda: {"wamid.b3", "wamid.b4"} <= {r.message_id for r in bot.fake.reads}, "read receipts")
    reads = [r.message_id for r in bot.fake.reads]
    assert len(reads) == len(set(reads)) and set(reads) <= {"wamid.b1", "wamid.b2", "wamid.b3", "wamid.b4"}
    assert all(r.typing for r in bot.fake.reads)


async def test_statuses_are_logged_once_and_a_131047_failure_closes_the_window(bot: Bot) -> None:
    await bot.post(envelope(message("/greet", mid="wamid.s1")))
    await bot.until(lambda: len(bot.fake.sent) >= 1, "the greeting")
    record = bot.fake.sent[0]
    ours = record.body["biz_opaque_callback_data"]
    batch = envelope(statuses=(status(record.wamid, "sent", ours=ours), status(record.wamid, "delivered", ours=ours)))
    assert (await bot.post(batch)).json()["statuses"] == 2
    await bot.post(batch)  # Meta delivers it again
    await bot.post(envelope(statuses=(status(record.wamid, "failed", ours=ours, code=131047),)))
    await bot.settle()
    reports = [e for e in await bot.events() if isinstance(e, ev.MessageStatus)]
    assert [(r.status, r.message_id, r.provider_message_id) for r in reports[:2]] == [
        ("sent", ours, record.wamid), ("delivered", ours, record.wamid)]
    assert [(r.status, r.error_code, r.closes_window) for r in reports[2:]] == [("failed", 131047, True)]
    conversation = await bot.engine.store.load(CID)
    assert conversation.window_closed
    # the statistics' counters: the resent batch counted once
    assert await bot.engine.store.counters() == {
        "whatsapp.messages_in": 1, "whatsapp.messages_out": 1, "whatsapp.status.sent": 1,
        "whatsapp.status.delivered": 1, "whatsapp.status.failed": 1, "whatsapp.failed.131047": 1}


# ------------------------------------------------------------------ one customer, one conversation

BSUID = "EG.Sara0123456789"


def from_bsuid(item: dict[str, Any], *, phone: bool) -> dict[str, Any]:
    """``envelope(item)`` as WhatsApp sends it to a customer with a username: the BSUID, the phone only if ``phone``."""
    payload = envelope({**item, "from_user_id": BSUID} if phone else {k: v for k, v in item.items() if k != "from"} | {"from_user_id": BSUID})
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Sara", "username": "@sara"}, "user_id": BSUID, **({"wa_id": USER} if phone else {})}]
    return payload


async def test_a_customer_with_a_username_keeps_one_conversation_whichever_id_comes(bot: Bot) -> None:
    await bot.post(from_bsuid(message("/order", mid="wamid.u1"), phone=True))
    await bot.until(lambda: len(bot.sent()) >= 1, "the size question")
    # the phone number withheld now: only the BSUID comes; the flow goes on in the same conversation
    await bot.post(from_bsuid(message(mid="wamid.u2", button=("/SetSlots(size=small)", "Small")), phone=False))
    await bot.until(lambda: len(bot.sent()) >= 2, "the answer to the button")
    assert bot.sent()[1]["text"]["body"] == "Done: small."  # sent to the phone number the conversation began with
    ours = bot.fake.sent[1].body["biz_opaque_callback_data"]
    delivered = {"id": bot.fake.sent[1].wamid, "status": "delivered", "timestamp": str(int(time.time())),
                 "recipient_user_id": BSUID, "biz_opaque_callback_data": ours}
    await bot.post(envelope(statuses=(delivered,)))
    await bot.settle()
    events = await bot.events()
    assert [e.message_id for e in events if isinstance(e, ev.UserMessage)] == ["wamid.u1", "wamid.u2"]
    assert [(e.status, e.message_id) for e in events if isinstance(e, ev.MessageStatus)] == [("delivered", ours)]
    assert (await bot.engine.store.load(f"whatsapp:{PNID}:{BSUID}")).version == 0  # no second conversation


async def test_a_changed_number_keeps_the_conversation_and_replies_go_to_the_new_one(bot: Bot) -> None:
    new = "201112223333"
    await bot.post(envelope(message("/order", mid="wamid.n1")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the size question")
    changed = {"from": USER, "id": "wamid.n2", "timestamp": str(int(time.time())), "type": "system",
               "system": {"body": f"Sara changed from {USER} to {new}", "type": "user_changed_number", "wa_id": new}}
    await bot.post(envelope(changed))
    await bot.post(envelope(message(mid="wamid.n3", sender=new, button=("/SetSlots(size=large)", "Large"))))
    await bot.until(lambda: len(bot.fake.sent_to(new)) >= 1, "the answer at the new number")
    assert bot.fake.texts_to(new)[0] == "Done: large."  # the flow went on: the slot question was this conversation's
    assert len(bot.sent()) == 1  # nothing more to the old number
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    note = {"to": f"+{new}", "template": {"name": "order_shipped", "language": "en"}}
    answer = await bot.client.post("/notifications", json=note, headers=auth)
    assert answer.status_code == 202 and answer.json()["conversation_id"] == CID
    await bot.until(lambda: any(r.type == "template" for r in bot.fake.sent_to(new)), "the notification at the new number")
    await bot.settle()
    assert (await bot.engine.store.load(f"whatsapp:{PNID}:{new}")).version == 0


async def test_a_changed_user_id_without_a_phone_number_keeps_the_conversation(bot: Bot) -> None:
    new = "EG.Sara9876543210"

    def sent_by(user: str, item: dict[str, Any], *, contacts: bool = True) -> dict[str, Any]:
        payload = envelope({k: v for k, v in item.items() if k != "from"} | {"from_user_id": user})
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"] = [{"profile": {"name": "Sara"}, "user_id": user}]
        if not contacts:  # system messages come without contacts
            del value["contacts"]
        return payload

    await bot.post(sent_by(BSUID, message("/order", mid="wamid.i1")))
    await bot.until(lambda: len(bot.fake.sent_to(BSUID)) >= 1, "the size question, sent to the user id")
    # Meta's user_changed_user_id system message (changelog of 2026-08-11): the new and the previous user id
    changed = {"id": "wamid.i2", "timestamp": str(int(time.time())), "type": "system",
               "system": {"body": "Sara's user id changed", "type": "user_changed_user_id", "user_id": new, "previous_user_id": BSUID}}
    await bot.post(sent_by(new, changed, contacts=False))
    await bot.post(sent_by(new, message(mid="wamid.i3", button=("/SetSlots(size=small)", "Small"))))
    await bot.until(lambda: len(bot.fake.sent_to(new)) >= 1, "the answer at the new user id")
    assert bot.fake.texts_to(new)[0] == "Done: small."  # the flow went on
    assert bot.fake.sent_to(new)[0].body["recipient"] == new
    await bot.settle()
    users = [e.message_id for e in await bot.engine.store.events(f"whatsapp:{PNID}:{BSUID}") if isinstance(e, ev.UserMessage)]
    assert users == ["wamid.i1", "wamid.i2", "wamid.i3"]


# ------------------------------------------------------------------ faults against the fake Graph API


async def test_429_with_retry_after_and_a_burst_of_500s_deliver_each_message_once(bot: Bot) -> None:
    bot.fake.fail_next(1, status=429, code=130429, retry_after=1)
    await bot.post(envelope(message("/greet", mid="wamid.f1")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the greeting after a 429")
    bot.fake.fail_next(3, status=500)
    await bot.post(envelope(message("/greet", mid="wamid.f2")))
    await bot.until(lambda: len(bot.sent()) >= 2, "the greeting after 500s")
    await bot.settle()
    assert len(bot.sent()) == 2 and len({r.idempotency_key for r in bot.fake.sent}) == 2


async def test_a_timeout_is_retried_with_the_same_key_and_delivered_once(bot: Bot) -> None:
    bot.fake.delay_next(1, 2.0)  # longer than send_timeout_seconds: the answer is lost, the message accepted
    await bot.post(envelope(message("/greet", mid="wamid.t1")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the greeting")
    await asyncio.sleep(2.5)
    await bot.settle()
    assert len(bot.sent()) == 1


async def test_131047_from_meta_sends_the_window_template_instead(bot: Bot) -> None:
    bot.fake.reject(to=USER, code=131047)
    await bot.post(envelope(message("/greet", mid="wamid.w1")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the template")
    await bot.settle()
    (sent,) = bot.sent()
    assert sent["type"] == "template" and sent["template"]["name"] == "reopen"
    assert sent["template"]["components"][0]["parameters"][0]["text"] == "Hello!", "the refused text rides in the template"
    statuses = [e for e in await bot.events() if isinstance(e, ev.MessageStatus)]
    assert [(s.status, s.error_code, s.closes_window) for s in statuses] == [("failed", 131047, True)]


async def test_outside_the_24_hour_window_no_free_form_message_is_attempted(bot: Bot) -> None:
    await bot.post(envelope(message("/greet", mid="wamid.old", at=time.time() - 25 * 3600)))
    await bot.until(lambda: len(bot.sent()) >= 1, "the template")
    assert [b["type"] for b in bot.sent()] == ["template"]
    assert not any(r.to.endswith(USER) and r.type != "template" for r in bot.fake.sent)


async def test_without_a_window_template_the_failure_is_logged_not_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async for bot in make_bot(tmp_path, monkeypatch):
        await bot.post(envelope(message("/greet", mid="wamid.old2", at=time.time() - 25 * 3600)))
        await bot.settle()
        assert bot.sent() == []
        (failed,) = [e for e in await bot.events() if isinstance(e, ev.MessageStatus)]
        assert failed.status == "failed" and "window_template" in (failed.error_title or "")
        assert any(isinstance(e, ev.BotMessage) for e in await bot.events()), "what the bot meant to say is in the log"


# ------------------------------------------------------------------ odd kinds, opt-out and notifications


async def test_an_unknown_kind_gets_a_polite_answer(bot: Bot) -> None:
    await bot.post(envelope(message(mid="wamid.u1", kind="hologram")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the polite answer")
    assert bot.sent()[0]["text"]["body"].startswith("Sorry, I can't read this kind of message yet")


async def test_stop_is_honoured_at_once_and_notifications_respect_it(bot: Bot) -> None:
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    note = {"to": f"+{USER}", "template": {"name": "order_shipped", "language": "ar", "parameters": ["A-12345"]}}
    assert (await bot.client.post("/notifications", json=note)).status_code == 401
    assert (await bot.client.post("/notifications", json=note, headers={"Authorization": "Bearer x"})).status_code == 403
    sent = await bot.client.post("/notifications", json=note, headers=auth)
    assert sent.status_code == 202, sent.text
    await bot.until(lambda: len(bot.sent()) >= 1, "the notification")
    assert bot.sent()[0]["template"] == {"name": "order_shipped", "language": {"code": "ar"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "A-12345"}]}]}
    await bot.post(envelope(message("توقف", mid="wamid.stop")))
    await bot.until(lambda: len(bot.sent()) >= 2, "the confirmation")
    await bot.settle()
    assert "لن تصلك" in bot.sent()[1]["text"]["body"], "confirmed in the customer's language"
    refused = await bot.client.post("/notifications", json=note, headers=auth)
    assert refused.status_code == 409 and "opted out" in refused.json()["message"]
    await bot.post(envelope(message("START", mid="wamid.start")))
    await bot.until(lambda: len(bot.sent()) >= 3, "the welcome back")
    await bot.settle()
    assert (await bot.client.post("/notifications", json=note | {"id": "ship-1"}, headers=auth)).status_code == 202
    assert (await bot.client.post("/notifications", json=note | {"id": "ship-1"}, headers=auth)).json()["queued"] is False
    await bot.until(lambda: len(bot.sent()) >= 4, "the second notification")
    await bot.settle()
    assert len(bot.sent()) == 4
    consent = [e.opted_out for e in await bot.events() if isinstance(e, ev.ConsentChanged)]
    assert consent == [True, False]


# ------------------------------------------------------------------ 131026, 131049, 131056: the customer's standing


async def test_131026_flags_the_customer_until_they_write_again(bot: Bot) -> None:
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    note = {"to": f"+{USER}", "template": {"name": "order_shipped", "language": "en", "parameters": ["A-1"]}}
    await bot.post(envelope(message("/greet", mid="wamid.r1")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the greeting")
    record = bot.fake.sent[0]
    # WhatsApp accepted the send, then reports it undeliverable (as it does, asynchronously)
    await bot.post(envelope(statuses=(status(record.wamid, "failed", ours=record.body["biz_opaque_callback_data"],
                                             code=131026, title="Message undeliverable"),)))
    await bot.settle()
    assert (await bot.engine.store.load(CID)).unreachable
    refused = await bot.client.post("/notifications", json=note, headers=auth)
    assert refused.status_code == 409 and "131026" in refused.json()["message"]
    # whatever else is queued for them (an agent's reply, a reminder) is not sent to Meta, and is logged
    channel = bot.engine.channels["whatsapp"]
    assert isinstance(channel, WhatsAppChannel) and channel.delivery is not None
    outcome = await channel.delivery.deliver(bot.engine, OutboundMessage(
        message_id="agent-1", conversation_id=CID, channel="whatsapp", content=OutText(text="Your order left the shop.")))
    assert outcome.status == "failed" and "131026" in (outcome.error or "")
    await bot.settle()
    assert len(bot.sent()) == 1
    # writing again shows they can be reached: the flag is lifted and notifications flow again
    await bot.post(envelope(message("/greet", mid="wamid.r2")))
    await bot.until(lambda: len(bot.sent()) >= 2, "the second greeting")
    await bot.settle()
    assert not (await bot.engine.store.load(CID)).unreachable
    assert (await bot.client.post("/notifications", json=note, headers=auth)).status_code == 202
    await bot.until(lambda: len(bot.sent()) >= 3, "the notification")


async def test_131026_answered_at_once_flags_the_customer_and_is_not_retried(bot: Bot) -> None:
    bot.fake.reject(to=USER, code=131026)
    await bot.post(envelope(message("/greet", mid="wamid.r3")))
    await bot.settle()
    assert bot.sent() == [] and bot.fake.statuses.count(400) == 1, "one try, no retry (the 200 is the read receipt)"
    (failed,) = [e for e in await bot.events() if isinstance(e, ev.MessageStatus)]
    assert (failed.status, failed.error_code, failed.unreachable) == ("failed", 131026, True)
    assert (await bot.engine.store.load(CID)).unreachable


async def test_131049_holds_marketing_for_a_day_but_not_utility(bot: Bot) -> None:
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    offer = {"to": f"+{USER}", "template": {"name": "spring_sale", "language": "en", "category": "marketing"}}
    shipped = {"to": f"+{USER}", "template": {"name": "order_shipped", "language": "en", "category": "utility",
                                              "parameters": ["A-2"]}}
    assert (await bot.client.post("/notifications", json=offer, headers=auth)).status_code == 202
    await bot.until(lambda: len(bot.sent()) >= 1, "the offer")
    record = bot.fake.sent[0]
    at = time.time()
    await bot.post(envelope(statuses=(status(record.wamid, "failed", ours=record.body["biz_opaque_callback_data"],
                                             code=131049, title="Not delivered for healthy ecosystem engagement", at=at),)))
    await bot.settle()
    held = (await bot.engine.store.load(CID)).marketing_held_until
    assert held == int(at) + 24 * 3600
    refused = await bot.client.post("/notifications", json=offer, headers=auth)
    assert refused.status_code == 409 and "131049" in refused.json()["message"]
    assert (await bot.client.post("/notifications", json=shipped, headers=auth)).status_code == 202
    await bot.until(lambda: len(bot.sent()) >= 2, "the shipping update")
    assert [b["template"]["name"] for b in bot.sent()] == ["spring_sale", "order_shipped"]


async def test_131056_spaces_the_next_try_to_that_customer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = "    pair_retry_seconds: 1.5\n    mark_read: false\n"  # no read receipt to take the fault
    async for bot in make_bot(tmp_path, monkeypatch, options=options):
        bot.fake.fail_next(1, status=400, code=131056)
        posted = time.time()
        await bot.post(envelope(message("/greet", mid="wamid.p1")))
        await bot.settle()  # the deferred message stays on the outbox until it is sent
        assert bot.fake.statuses.count(400) == 1 and len(bot.sent()) == 1
        assert bot.fake.sent[0].at - posted >= 1.5, "the second try waited pair_retry_seconds, not the 0.5 s backoff"
        assert not [e for e in await bot.events() if isinstance(e, ev.MessageStatus)], "deferred, never failed"


async def test_131056_reported_late_sends_the_message_again_three_times_at_most(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    await bot.post(envelope(message("/greet", mid="wamid.r1")))
    await bot.until(lambda: len(bot.sent()) >= 1, "the greeting")
    for attempt in range(1, 5):  # Meta took each one, then reported the pair rate limit
        record = bot.fake.sent[-1]
        failed = status(record.wamid, "failed", ours=record.body["biz_opaque_callback_data"], code=131056,
                        title="(Business Account, Consumer Account) pair rate limit hit")
        await bot.post(envelope(statuses=(failed,)))
        await bot.settle()
        assert [b["text"]["body"] for b in bot.sent()] == ["Hello!"] * min(attempt + 1, 4)
    said = [e for e in await bot.events() if isinstance(e, ev.BotMessage)]
    first = said[0].message_id
    assert [e.resend_of for e in said] == [None, first, first, first]
    assert "after 3 resends; giving up on it" in caplog.text
