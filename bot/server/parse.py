"""``POST /model/parse``: what the bot understands in a text, in Rasa's shape plus ``language``."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from bot.nlu.base import Understanding
from bot.server.errors import error_response
from bot.server.tracker import parse_data


def parse_router(understanding: Understanding) -> APIRouter:
    """The parse route."""
    router = APIRouter(tags=["model"])

    @router.post("/model/parse", response_model=None)
    async def parse(request: Request) -> Response:
        """Intent, ranking, entities and language of ``{"text": ...}``."""
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error_response(400, f"body is not valid JSON: {exc}")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return error_response(422, 'send {"text": "..."}: field \'text\' is required and must be a string')
        if len(text) > 16_384:
            return error_response(422, "field 'text' is longer than 16384 characters")
        result = parse_data(understanding.parse_text(text), text)
        if body.get("message_id") is not None:
            result["message_id"] = body["message_id"]
        return Response(orjson.dumps(result), media_type="application/json")

    return router
