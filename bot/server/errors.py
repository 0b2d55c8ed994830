"""One JSON error shape for every failure, in Rasa's style; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


def error_response(status: int, message: str, details: Any = None, headers: Mapping[str, str] | None = None) -> Response:
    """``{"status": "failure", "code", "reason", "message"[, "details"]}`` with ``status``."""
    body: dict[str, Any] = {
        "status": "failure",
        "code": status,
        "reason": HTTPStatus(status).phrase.replace(" ", ""),
        "message": message,
    }
    if details is not None:
        body["details"] = details
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=dict(headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    """Make 404, 405, validation errors and crashes answer with the JSON error shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"no route {request.url.path}; see GET /openapi.json for the routes"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
            allow = (exc.headers or {}).get("allow") or (exc.headers or {}).get("Allow")
            if allow:
                message += f"; allowed: {allow}"
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return error_response(422, "; ".join(problems))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; the server log has the details")
