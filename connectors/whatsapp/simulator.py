"""The local WhatsApp simulator: try and test the bot with no Meta account.

``GET /simulator`` is a page that looks like a WhatsApp chat (``simulator/page.html``). What the
customer types goes to ``POST /simulator/messages``, which writes the webhook payload Meta would
send, signs it with the channel's (generated) app secret and POSTs it over HTTP to the bot's own
``/webhooks/whatsapp/webhook``: the real path, signature check included. What the bot sends goes
through the real sender to the fake Graph API (``fake_graph.py``) in this process; the page
reads it back from ``GET /simulator/messages?to=<phone>&after=<n>``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.server.errors import error_response
from connectors.whatsapp.fake_graph import FakeGraph
from connectors.whatsapp.signature import SIGNATURE_HEADER, sign

if TYPE_CHECKING:
    from bot.engine import Engine
    from connectors.whatsapp.channel import WhatsAppChannel

PAGE = Path(__file__).with_name("simulator") / "page.html"


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=256)
    title: str = Field(max_length=72)
    description: str | None = None


class CustomerMessage(BaseModel):
    """What the page sends: text, or a tapped button or list row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: str = Field(alias="from", pattern=r"^[0-9]{6,20}$")
    name: str = "Simulated customer"
    text: str | None = Field(default=None, max_length=4096)
    button_reply: Reply | None = None
    list_reply: Reply | None = None


def webhook_payload(message: CustomerMessage, *, phone_number_id: str, display_number: str, message_id: str,
                    timestamp: float) -> dict[str, Any]:
    """The body Meta would POST for this customer message."""
    item: dict[str, Any] = {"from": message.sender, "id": message_id, "timestamp": str(int(timestamp))}
    if message.button_reply is not None:
        item |= {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {
            "id": message.button_reply.id, "title": message.button_reply.title}}}
    elif message.list_reply is not None:
        row = {"id": message.list_reply.id, "title": message.list_reply.title}
        if message.list_reply.description:
            row["description"] = message.list_reply.description
        item |= {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": row}}
    else:
        item |= {"type": "text", "text": {"body": message.text or ""}}
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": display_number, "phone_number_id": phone_number_id},
             "contacts": [{"profile": {"name": message.name}, "wa_id": message.sender}], "messages": [item]}
    return {"object": "whatsapp_business_account", "entry": [{"id": "SIMULATED-WABA", "changes": [{"field": "messages", "value": value}]}]}


def simulator_router(channel: WhatsAppChannel, engine: Engine, fake: FakeGraph) -> APIRouter:
    """The page and its two routes."""
    router = APIRouter(tags=["simulator"])
    number = channel.settings.phone_numbers[0]

    @router.get("/simulator", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        """The chat page."""
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    @router.post("/simulator/messages")
    async def send(request: Request) -> Response:
        """Sign the customer's message like Meta and post it to the bot's webhook."""
        try:
            message = CustomerMessage.model_validate(orjson.loads(await request.body() or b"null"))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            return error_response(422, f"bad simulator message: {exc}")
        if message.text is None and message.button_reply is None and message.list_reply is None:
            return error_response(422, "send 'text', 'button_reply' or 'list_reply'")
        message_id = "wamid.SIM" + os.urandom(12).hex()
        body = orjson.dumps(webhook_payload(message, phone_number_id=number.phone_number_id,
                                            display_number=number.display_number or "", message_id=message_id, timestamp=time.time()))
        url = f"{str(request.base_url).rstrip('/')}/webhooks/whatsapp/webhook"
        answer = await engine.http.post(url, content=body, headers={
            SIGNATURE_HEADER: sign(body, channel.secrets.app_secret or ""), "Content-Type": "application/json"})
        return Response(orjson.dumps({"message_id": message_id, "webhook_status": answer.status_code}),
                        status_code=200 if answer.is_success else 502, media_type="application/json")

    @router.get("/simulator/messages")
    async def received(to: str, after: int = 0) -> Response:
        """What the bot sent to ``to`` (the fake Graph API's records), from position ``after``."""
        sent = fake.sent_to("+" + to.lstrip("+"))
        items = [{"wamid": r.wamid, "body": r.body} for r in sent[after:]]
        return Response(orjson.dumps({"messages": items, "next": len(sent)}), media_type="application/json")

    return router
