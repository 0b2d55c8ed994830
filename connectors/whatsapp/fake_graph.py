"""A strict fake of Meta's Graph API messages endpoint: for tests, the load benchmark, the simulator.

``create_fake_graph(state)`` serves ``POST /{version}/{phone_number_id}/messages`` and records
what it accepts in ``state`` (``sent``, ``reads``). It fails loudly, in Meta's error shape,
where Meta would: a wrong or missing bearer token (401, code 190), another API version (400,
code 2500), an unknown phone number id (400, code 100), a body outside the documented shapes
(100: unknown type or field, wrong JSON type; 131008: missing field) or beyond a limit (131009:
too many buttons or rows, titles too long, text over 4096...). ``error_data.details`` lists
every problem with its path. Shapes the fake does not model are refused as well.

Meta documents no idempotency key. The fake does what a well-behaved API (or a proxy in front
of Meta) does: a request whose ``Idempotency-Key`` it already accepted is not recorded again
and answers the same wamid; the same key with another body is refused (code 100).

Faults for tests: ``fail_next`` queues error answers; ``delay_next`` holds answers (the message
is accepted first, as when Meta's answer is lost on the way); ``reject`` fails every send to one
recipient with a business error (131047 lets templates through, as Meta does).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

__all__ = ["FakeGraph", "ReadRecord", "SentRecord", "create_fake_graph"]

Answer = tuple[int, dict[str, Any], dict[str, str]]
_TITLES = {
    100: ("Invalid parameter", None), 131008: ("Required parameter is missing", None),
    131009: ("Parameter value is not valid", None), 190: ("Invalid OAuth access token - Cannot parse access token", None),
    2500: ("Unknown path components", None), 130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    131016: ("Service unavailable", "A service is temporarily unavailable."),
    131047: ("Re-engagement message", "More than 24 hours have passed since the customer last replied to this number."),
    131056: ("(Business Account, Consumer Account) pair rate limit hit", None),
    131026: ("Message undeliverable", "The number is not on WhatsApp, or has not accepted the Terms of Service."),
    131049: ("This message was not delivered to maintain healthy ecosystem engagement.",
             "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
}
_DEFAULT_CODE = {400: 100, 401: 190, 429: 130429, 500: 131000, 503: 131016}


@dataclass(frozen=True, slots=True)
class SentRecord:
    """One accepted message: its wamid, the business number, the recipient and the whole body."""

    wamid: str
    phone_number_id: str
    to: str
    type: str
    body: dict[str, Any]
    idempotency_key: str | None
    at: float


@dataclass(frozen=True, slots=True)
class ReadRecord:
    """One accepted mark-as-read request."""

    message_id: str
    phone_number_id: str
    typing: bool
    at: float


@dataclass(frozen=True, slots=True)
class _Fault:
    status: int
    code: int | None
    retry_after: float | None


class FakeGraph:
    """The fake's state: the credentials it accepts, what it recorded, the faults it will answer with."""

    def __init__(self, access_token: str, phone_number_ids: Iterable[str], api_version: str = "v25.0", *,
                 clock: Callable[[], float] = time.time) -> None:
        self.access_token = access_token
        self.phone_number_ids = frozenset(phone_number_ids)
        self.api_version = api_version
        self.clock = clock
        self.sent: list[SentRecord] = []
        self.reads: list[ReadRecord] = []
        #: The HTTP status of every answer, in order: retries show here, never twice in ``sent``.
        self.statuses: list[int] = []
        self.rejected: dict[str, int] = {}
        self._faults: deque[_Fault] = deque()
        self._delays: deque[float] = deque()
        self._by_key: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}

    def fail_next(self, count: int, *, status: int = 500, code: int | None = None, retry_after: float | None = None) -> None:
        """Answer the next ``count`` requests with this error (code by status: 429→130429, 500→131000, 503→131016)."""
        self._faults.extend([_Fault(status, code if code is not None else _DEFAULT_CODE.get(status), retry_after)] * count)

    def delay_next(self, count: int, seconds: float) -> None:
        """Hold the answers to the next ``count`` requests for ``seconds``, after accepting them."""
        self._delays.extend([seconds] * count)

    def reject(self, *, to: str, code: int) -> None:
        """Fail every send to ``to`` with business error ``code`` (131047 lets templates through)."""
        self.rejected[_plain(to)] = code

    def sent_to(self, to: str) -> list[SentRecord]:
        """The messages accepted for ``to`` (with or without its ``+``)."""
        return [record for record in self.sent if _plain(record.to) == _plain(to)]

    def texts_to(self, to: str) -> list[str]:
        """The text, or the interactive body text, of each message accepted for ``to``."""
        payloads = [(r.type, r.body.get(r.type, {})) for r in self.sent_to(to)]
        return [p.get("body", "") if kind == "text" else p.get("body", {}).get("text", "") for kind, p in payloads]

    async def handle(self, version: str, phone_number_id: str, authorization: str | None, key: str | None,
                     raw: bytes) -> Answer:
        """Status, body and headers of the answer to one messages request."""
        delay = self._delays.popleft() if self._delays else 0.0
        status, body, headers = self._answer(version, phone_number_id, authorization, key, raw)
        self.statuses.append(status)
        if delay:
            await asyncio.sleep(delay)
        return status, body, headers

    def _answer(self, version: str, phone_id: str, authorization: str | None, key: str | None, raw: bytes) -> Answer:
        if version != self.api_version:
            return _error(400, 2500, f"API version {version!r} is not served here; this fake serves {self.api_version}")
        if authorization != f"Bearer {self.access_token}":
            return _error(401, 190, "the bearer token is not the one this app was given" if authorization
                          else "no Authorization: Bearer header")
        if phone_id not in self.phone_number_ids:
            return _error(400, 100, f"Unsupported post request. Object with ID '{phone_id}' does not exist; "
                          f"known phone number ids: {', '.join(sorted(self.phone_number_ids))}")
        if self._faults:
            fault = self._faults.popleft()
            status, body, headers = _error(fault.status, fault.code, "a fault queued with fail_next")
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            return status, body, headers
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return _error(400, 100, f"the body is not JSON: {exc}")
        problems: list[tuple[int, str]] = []
        (_READ if isinstance(body, dict) and "status" in body else _MESSAGE)(body, "", problems)
        if problems:
            return _error(400, problems[0][0], "; ".join(text for _, text in problems))
        if "status" in body:
            self.reads.append(ReadRecord(body["message_id"], phone_id, "typing_indicator" in body, self.clock()))
            return 200, {"success": True}, {}
        if key is not None and key in self._by_key:
            first, answer = self._by_key[key]
            if first != body:
                return _error(400, 100, f"Idempotency-Key {key!r} was already used for a different message")
            return 200, answer, {}
        to, kind = body.get("to") or body["recipient"], body.get("type", "text")
        code = self.rejected.get(_plain(to))
        if code is not None and not (code == 131047 and kind == "template"):
            return _error(400, code, None)
        wamid = f"wamid.{uuid.uuid4().hex}"
        contact = {"input": to, "wa_id": _plain(to)} if "to" in body else {"input": to, "user_id": to}
        answer = {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
        self.sent.append(SentRecord(wamid, phone_id, to, kind, body, key, self.clock()))
        if key is not None:
            self._by_key[key] = (body, answer)
        return 200, answer, {}


def create_fake_graph(state: FakeGraph) -> FastAPI:
    """The fake Graph API app serving ``state``."""
    app = FastAPI(title="Fake Graph API", openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/{version}/{phone_number_id}/messages")
    async def messages(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        status, body, headers = await state.handle(version, phone_number_id, request.headers.get("authorization"),
                                                   request.headers.get("idempotency-key"), await request.body())
        return JSONResponse(body, status_code=status, headers=headers)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def other(path: str, request: Request) -> JSONResponse:
        status, body, _ = _error(400, 100, f"Unsupported {request.method} request to /{path}; the fake serves only "
                                 f"POST /{state.api_version}/{{phone_number_id}}/messages")
        return JSONResponse(body, status_code=status)

    return app


def _plain(to: str) -> str:
    return to.strip().removeprefix("+")


def _error(status: int, code: int | None, details: str | None) -> Answer:
    title, default_details = _TITLES.get(code or 0, ("Error", None))
    error: dict[str, Any] = {"message": f"(#{code}) {title}" if code is not None else title, "type": "OAuthException",
                             "code": code, "fbtrace_id": uuid.uuid4().hex[:23]}
    if details or default_details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details or default_details}
    return status, {"error": error}, {}


# ---------------------------------------------------------------- the documented shapes, as checks

Problems = list[tuple[int, str]]
Check = Callable[[Any, str, Problems], None]
Rule = Callable[[dict[str, Any]], str | None]


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _text(limit: int, pattern: str | None = None) -> Check:
    shape = re.compile(pattern) if pattern else None

    def check(value: Any, path: str, problems: Problems) -> None:
        if not isinstance(value, str):
            problems.append((100, f"{path} must be a string, got {type(value).__name__}"))
        elif not value.strip() or len(value) > limit:
            problems.append((131009, f"{path} is {len(value)} characters; 1 to {limit} allowed"))
        elif shape and not shape.fullmatch(value):
            problems.append((131009, f"{path} {value!r} does not match {pattern}"))
    return check


def _const(*allowed: Any) -> Check:
    def check(value: Any, path: str, problems: Problems) -> None:
        if not any(value == a and type(value) is type(a) for a in allowed):
            problems.append((100, f"{path} is {value!r}; expected {' or '.join(map(repr, allowed))}"))
    return check


def _any(value: Any, path: str, problems: Problems) -> None:
    """Parameter values (currency, date_time, media...) are not modelled further."""


def _obj(required: dict[str, Check], optional: dict[str, Check] | None = None, rule: Rule | None = None) -> Check:
    known = {**required, **(optional or {})}

    def check(value: Any, path: str, problems: Problems) -> None:
        if not isinstance(value, dict):
            problems.append((100, f"{path or 'the body'} must be an object, got {type(value).__name__}"))
            return
        before = len(problems)
        problems.extend((100, f"{_at(path, k)} is not a known field here; known: {', '.join(known)}")
                        for k in value if k not in known)
        problems.extend((131008, f"{_at(path, k)} is required") for k in required if k not in value)
        for key, sub in known.items():
            if key in value:
                sub(value[key], _at(path, key), problems)
        if rule and len(problems) == before and (broken := rule(value)):
            problems.append((131009, f"{path or 'the body'}: {broken}"))
    return check


def _items(item: Check, low: int, high: int) -> Check:
    def check(value: Any, path: str, problems: Problems) -> None:
        if not isinstance(value, list):
            problems.append((100, f"{path} must be a list, got {type(value).__name__}"))
            return
        if not low <= len(value) <= high:
            problems.append((131009, f"{path} has {len(value)} items; {low} to {high} allowed"))
        for i, each in enumerate(value):
            item(each, f"{path}[{i}]", problems)
    return check


def _tagged(variants: dict[str, Check]) -> Check:
    def check(value: Any, path: str, problems: Problems) -> None:
        tag = value.get("type") if isinstance(value, dict) else None
        if not isinstance(tag, str) or tag not in variants:
            problems.append((100, f"{path}.type is {tag!r}; the fake models {', '.join(variants)}"))
        else:
            variants[tag](value, path, problems)
    return check


def _unique(values: list[Any], what: str) -> str | None:
    return f"{what} must be unique, got {values}" if len(set(values)) != len(values) else None


def _buttons_rule(action: dict[str, Any]) -> str | None:
    replies = [button["reply"] for button in action["buttons"]]
    return _unique([r["id"] for r in replies], "button ids") or _unique([r["title"] for r in replies], "button titles")


def _list_rule(action: dict[str, Any]) -> str | None:
    sections = action["sections"]
    rows = [row for section in sections for row in section["rows"]]
    if len(rows) > 10:
        return f"a list may have 10 rows in total, got {len(rows)}"
    if len(sections) > 1 and not all("title" in s for s in sections):
        return "every section needs a title when a list has more than one"
    return _unique([row["id"] for row in rows], "row ids")


def _products_rule(value: dict[str, Any]) -> str | None:
    total = sum(len(s["product_items"]) for s in value["sections"])
    return f"a product list may have 30 products, got {total}" if total > 30 else None


def _media(kind: str) -> Check:
    optional = {"id": _text(256), "link": _text(2048, r"https?://\S+")}
    optional |= {"caption": _text(1024)} if kind in ("image", "video", "document") else {}
    optional |= {"filename": _text(240)} if kind == "document" else {}
    return _obj({}, optional, lambda m: None if ("id" in m) != ("link" in m) else "give exactly one of id or link")


def _message_rule(body: dict[str, Any]) -> str | None:
    if ("to" in body) == ("recipient" in body):
        return "give the recipient as either 'to' (a phone number) or 'recipient' (a business-scoped user id)"
    present = [key for key in _PAYLOADS if key in body]
    kind = body.get("type", "text")
    return None if present == [kind] else f"type {kind!r} needs exactly the object {kind!r}, got {present or 'none'}"


_HEADER, _FOOTER = _obj({"type": _const("text"), "text": _text(60)}), _obj({"text": _text(60)})
_BODY_1024, _BODY_4096 = _obj({"text": _text(1024)}), _obj({"text": _text(4096)})
_DECOR = {"header": _HEADER, "footer": _FOOTER}
_REPLY = _obj({"type": _const("reply"), "reply": _obj({"id": _text(256), "title": _text(20)})})
_ROW = _obj({"id": _text(200), "title": _text(24)}, {"description": _text(72)})
_SECTION = _obj({"rows": _items(_ROW, 1, 10)}, {"title": _text(24)})
_PRODUCT_SECTION = _obj({"title": _text(24), "product_items": _items(_obj({"product_retailer_id": _text(100)}), 1, 30)})
_INTERACTIVE = _tagged({
    "button": _obj({"type": _any, "body": _BODY_1024, "action": _obj(
        {"buttons": _items(_REPLY, 1, 3)}, rule=_buttons_rule)}, _DECOR),
    "list": _obj({"type": _any, "body": _BODY_4096, "action": _obj(
        {"button": _text(20), "sections": _items(_SECTION, 1, 10)}, rule=_list_rule)}, _DECOR),
    "product": _obj({"type": _any, "action": _obj({"catalog_id": _text(100), "product_retailer_id": _text(100)})},
                    {"body": _BODY_1024, "footer": _FOOTER}),
    "product_list": _obj({"type": _any, "header": _HEADER, "body": _BODY_1024, "action": _obj(
        {"catalog_id": _text(100), "sections": _items(_PRODUCT_SECTION, 1, 10)}, rule=_products_rule)}, {"footer": _FOOTER}),
})
_PARAMETER_TYPES = ("text", "currency", "date_time", "image", "document", "video", "location", "payload", "action", "coupon_code")
_PARAMETER = _obj({"type": _const(*_PARAMETER_TYPES)}, {"parameter_name": _text(100)} | dict.fromkeys(_PARAMETER_TYPES, _any),
                  lambda p: None if p.keys() - {"parameter_name"} == {"type", p["type"]} else f"give exactly {p['type']!r}")
_TEMPLATE = _obj({"name": _text(512), "language": _obj({"code": _text(15)}, {"policy": _const("deterministic")})},
                 {"components": _items(_obj({"type": _const("header", "body", "button")}, {
                     "sub_type": _const("quick_reply", "url", "copy_code", "flow", "catalog", "mpm"),
                     "index": _const(*map(str, range(10)), *range(10)), "parameters": _items(_PARAMETER, 0, 100)}), 0, 20)})
_PAYLOADS: dict[str, Check] = {"text": _obj({"body": _text(4096)}, {"preview_url": _const(True, False)}),
                               "interactive": _INTERACTIVE, "template": _TEMPLATE,
                               **{kind: _media(kind) for kind in ("image", "video", "audio", "document", "sticker")}}
_MESSAGE = _obj({"messaging_product": _const("whatsapp")}, {
    "recipient_type": _const("individual"), "to": _text(16, r"\+?\d{6,15}"),
    "recipient": _text(131, r"[A-Z]{2}\.[A-Za-z0-9]{1,128}"), "type": _const(*_PAYLOADS),
    "context": _obj({"message_id": _text(256)}), "biz_opaque_callback_data": _text(512), **_PAYLOADS}, _message_rule)
_READ = _obj({"messaging_product": _const("whatsapp"), "status": _const("read"), "message_id": _text(256)},
             {"typing_indicator": _obj({"type": _const("text")})})
