"""``POST /notifications``: the business sends a template (order confirmed, shipped, appointment reminder).

Authenticated with ``Authorization: Bearer $BOT_API_TOKEN`` (without the variable the route is
closed: 503). The body::

    {"to": "+201001234567", "template": {"name": "order_shipped", "language": "ar",
     "parameters": ["A-12345"]}, "phone_number_id": "...", "id": "shipment-778"}

``parameters`` fills the body's placeholders in order; ``components`` (Graph API shape) may be
given instead. ``id`` makes the request idempotent. The template is queued in the customer's
conversation, so it is logged there and sent by the outbox within WhatsApp's limits.
``category`` (``marketing``, ``utility``, ``authentication``: as approved in WhatsApp Manager)
is optional. Nothing is sent, and the answer is 409 saying why, to a customer who opted out
(STOP), whom WhatsApp could not reach (131026, until they write again), or, for a marketing
template, within 24 hours of WhatsApp holding back marketing to them (131049).
"""

from __future__ import annotations

import hmac
import time
from typing import TYPE_CHECKING, Any, Literal

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.messages import (
    InboundMessage,
    Notify,
    OutTemplate,
    TemplateComponent,
    TemplateParameter,
    new_message_id,
)
from bot.notices import why_not_notify
from bot.server.errors import error_response
from connectors.whatsapp.parse import CHANNEL, conversation_id_for

if TYPE_CHECKING:
    from bot.engine import Engine
    from connectors.whatsapp.channel import WhatsAppChannel

TOKEN_VARIABLE = "BOT_API_TOKEN"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateRequest(_Body):
    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2, max_length=15)
    parameters: list[str] = Field(default_factory=list)
    components: list[dict[str, Any]] = Field(default_factory=list)
    category: Literal["marketing", "utility", "authentication"] | None = None


class NotificationRequest(_Body):
    to: str = Field(pattern=r"^\+?[0-9]{6,20}$|^[A-Z]{2}\.[A-Za-z0-9]+$")
    template: TemplateRequest
    phone_number_id: str | None = None
    id: str | None = Field(default=None, min_length=1, max_length=200)


def template_of(request: TemplateRequest) -> OutTemplate:
    """The template message of a request (``parameters`` become the body's text parameters)."""
    components = [TemplateComponent(type="body", parameters=tuple(TemplateParameter(type="text", value=p) for p in request.parameters))
                  ] if request.parameters else []
    for raw in request.components:
        parameters = tuple(TemplateParameter(type=str(p.get("type", "text")), value=p.get(str(p.get("type", "text"))))
                           for p in raw.get("parameters", []) if isinstance(p, dict))
        components.append(TemplateComponent(type=str(raw.get("type", "body")), parameters=parameters,
                                            sub_type=raw.get("sub_type"), index=raw.get("index")))
    return OutTemplate(name=request.name, language=request.language, components=tuple(components), category=request.category)


def notifications_router(channel: WhatsAppChannel, engine: Engine) -> APIRouter:
    """The route, bound to the channel's business numbers and the engine's inbox."""
    router = APIRouter(tags=["whatsapp"])

    @router.post("/notifications", status_code=202)
    async def notify(request: Request) -> Response:
        """Queue a template for a customer who has not opted out."""
        token = channel.api_token
        if not token:
            return error_response(503, f"notifications are off: set {TOKEN_VARIABLE} in the environment to enable them")
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer "):
            return error_response(401, f"send 'Authorization: Bearer <{TOKEN_VARIABLE}>'")
        if not hmac.compare_digest(given[7:].encode(), token.encode()):
            return error_response(403, f"the bearer token is not {TOKEN_VARIABLE}")
        try:
            body = NotificationRequest.model_validate(orjson.loads(await request.body() or b"null"))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            return error_response(422, f"bad notification: {exc}", details={"example": {
                "to": "+201001234567", "template": {"name": "order_shipped", "language": "en", "parameters": ["A-12345"]}}})
        numbers = [n.phone_number_id for n in channel.settings.phone_numbers]
        number = body.phone_number_id or numbers[0]
        if number not in numbers:
            return error_response(422, f"phone_number_id {number!r} is not configured; configured: {', '.join(numbers)}")
        # the customer's conversation, even if it began under their business-scoped id or an old number
        (conversation_id,) = await engine.store.identify([[conversation_id_for(number, body.to.lstrip("+"))]])
        conversation = await engine.store.load(conversation_id)
        template = template_of(body.template)
        refused = why_not_notify(conversation, template, time.time())
        if refused:
            return error_response(409, refused)
        message_id = f"notify:{body.id}" if body.id else new_message_id()
        queued = await engine.accept(InboundMessage(message_id=message_id, conversation_id=conversation_id, channel=CHANNEL,
                                                    content=Notify(template=template)))
        return Response(orjson.dumps({"message_id": message_id, "conversation_id": conversation_id, "queued": queued}),
                        status_code=202, media_type="application/json")

    return router
