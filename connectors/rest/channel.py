"""``POST /webhooks/rest/webhook``: Rasa's REST channel, answering with what the bot says.

Request: ``{"sender": "<conversation id>", "message": "<text>", "metadata": {...}?,
"message_id": "<id>"?}``. Response: the list of ``{"recipient_id", "text", "buttons"?,
"image"?, "custom"?}`` the bot said. A ``message_id`` makes the request idempotent: a
repeated one is not processed again and answers ``[]``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.channels import Channel
from bot.core import codec
from bot.core.messages import (
    InboundMessage,
    OutboundMessage,
    OutButtons,
    OutMedia,
    OutText,
    Text,
    new_message_id,
)
from bot.engine import Engine
from bot.errors import ReplyTimeout
from bot.server.errors import error_response

MAX_SENDER = 256
MAX_TEXT = 16_384


class RestMessage(BaseModel):
    """The body of a REST message."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    sender: str = Field(min_length=1, max_length=MAX_SENDER)
    message: str = Field(max_length=MAX_TEXT)
    metadata: dict[str, Any] = Field(default_factory=dict)
    message_id: str | None = Field(default=None, min_length=1, max_length=256)

    @field_validator("sender", mode="before")
    @classmethod
    def _sender_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def read_body(body: bytes) -> RestMessage | Response:
    """The parsed body, or a 4xx response saying exactly what is wrong."""
    if not body.strip():
        return error_response(400, 'empty body; send JSON like {"sender": "user-1", "message": "/greet"}')
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return error_response(400, f"body is not valid JSON: {exc}")
    if not isinstance(raw, dict):
        return error_response(400, f'body must be a JSON object like {{"sender": "user-1", "message": "hi"}}, got {type(raw).__name__}')
    try:
        return RestMessage.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "body"
            if error["type"] == "missing":
                problems.append(f"field {field!r} is required")
            else:
                problems.append(f"field {field!r}: {error['msg']}")
        return error_response(422, "; ".join(problems), details={"expected": {"sender": "string", "message": "string", "metadata": "object (optional)"}})


def to_rest(recipient_id: str, message: OutboundMessage) -> list[dict[str, Any]]:
    """One outbound message as Rasa's collecting channel would return it."""
    content = message.content
    if isinstance(content, OutText):
        return [{"recipient_id": recipient_id, "text": part} for part in content.text.strip().split("\n\n")]
    if isinstance(content, OutButtons):
        buttons = [{"title": b.title, "payload": b.payload} for b in content.buttons]
        return [{"recipient_id": recipient_id, "text": content.text, "buttons": buttons}]
    if isinstance(content, OutMedia) and content.link and content.media_kind == "image":
        item: dict[str, Any] = {"recipient_id": recipient_id, "image": content.link}
        if content.caption:
            item["text"] = content.caption
        return [item]
    custom = codec.outbound_to_dict(message)["content"]
    return [{"recipient_id": recipient_id, "custom": custom, **({"text": custom["text"]} if custom.get("text") else {})}]


class RestChannel(Channel):
    """Rasa's REST channel: the answer comes back in the HTTP response."""

    name = "rest"
    pushes = False

    def router(self, engine: Engine) -> APIRouter:
        """``POST /webhooks/rest/webhook`` and the channel's health route."""
        router = APIRouter(tags=["rest"])

        @router.get("/webhooks/rest/")
        async def rest_health() -> dict[str, str]:
            """Rasa's channel health check."""
            return {"status": "ok"}

        @router.post("/webhooks/rest/webhook", response_model=None)
        async def webhook(request: Request) -> Response:
            """Take a message and answer with what the bot says."""
            parsed = read_body(await request.body())
            if isinstance(parsed, Response):
                return parsed
            message = InboundMessage(
                message_id=parsed.message_id or new_message_id(),
                conversation_id=parsed.sender,
                channel=self.name,
                content=Text(body=parsed.message),
                metadata=parsed.metadata,
            )
            try:
                outbound = await engine.ask(message, dedupe=parsed.message_id is not None)
            except ReplyTimeout as exc:
                return error_response(504, str(exc))
            items = [item for m in outbound or [] for item in to_rest(parsed.sender, m)]
            return Response(orjson.dumps(items), media_type="application/json")

        return router
