"""Send request bodies to the WhatsApp Cloud API for one business number, paced and retried.

``GraphSender.send`` POSTs one body to ``{base_url}/{version}/{phone_number_id}/messages`` and
returns the wamid. What happens on failure:

=======================================  ===================================================
answer                                   what ``send`` does
=======================================  ===================================================
2xx with ``messages[0].id``              returns the wamid
429, 5xx, codes 130429 131000 131016     retries with exponential backoff and full jitter,
133004; network errors and timeouts      or exactly ``Retry-After`` seconds when given; after
                                         ``max_attempts`` raises the last error
``Retry-After`` longer than max_delay    raises at once (``error.retry_after`` says when), so
                                         a queue reschedules instead of a request hanging
any other error (business, parameter,    raises the GraphError subclass at once (see
template, auth, 131056, 131049...)       ``errors.py``; ``retryable`` tells a queue what to do)
=======================================  ===================================================

Every attempt of one message carries the same ``Idempotency-Key`` header. Meta documents no
such key and ignores the header; a proxy in front of Meta, or the fake Graph API, uses it to
accept a retried message once. Against Meta itself a timeout after Meta accepted the message
can still send it twice: that is the price of at-least-once sending.

Every attempt first takes a token from the number's bucket (``messages_per_second``, bursts of
one), so concurrent senders are spaced out without polling: each waits once, for its own slot.
Logs never show the access token, and show recipients by their last four characters only.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from connectors.whatsapp.errors import (
    GraphError,
    GraphUnreachable,
    RateLimited,
    ServerError,
    WhatsAppError,
    error_from_response,
)
from connectors.whatsapp.outbound import mark_read_request

__all__ = ["META_BASE_URL", "RETRY_CODES", "GraphSender", "TokenBucket", "mask_recipient", "should_retry"]

META_BASE_URL = "https://graph.facebook.com"
#: Graph error codes retried at once, whatever the HTTP status: throughput and Meta's own failures.
RETRY_CODES = frozenset({130429, 131000, 131016, 133004})

Sleep = Callable[[float], Awaitable[object]]
Clock = Callable[[], float]

log = logging.getLogger(__name__)
_VERSION = re.compile(r"v\d+\.\d+")
# Failures before the request could reach the server: nothing was sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRIED_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class TokenBucket:
    """Paces callers to ``rate`` per second, ``burst`` at once; each caller sleeps once, for its slot."""

    def __init__(self, rate: float, *, burst: float = 1.0, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, got rate={rate!r}, burst={burst!r}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._updated = clock()

    @property
    def tokens(self) -> float:
        """Tokens left at the last reservation (negative: slots promised to callers still waiting)."""
        return self._tokens

    def reserve(self) -> float:
        """Take a token now; the seconds to wait before using it (0 when one was there)."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + max(0.0, now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1
        # Tokens may go negative: that is the queue of callers, each holding its own future slot.
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> float:
        """Wait for a token; the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            await self._sleep(wait)
        return wait


def mask_recipient(to: str) -> str:
    """A recipient fit for logs: its last four characters only."""
    return "***" + to[-4:] if len(to) > 4 else "***"


def should_retry(error: GraphError) -> bool:
    """True for errors that the same request can overcome within seconds."""
    if error.code in RETRY_CODES:
        return True
    return (error.status == 429 or error.status >= 500) and isinstance(error, RateLimited | ServerError)


class GraphSender:
    """Sends messages from one business phone number through one injected ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str = META_BASE_URL,
        api_version: str,
        access_token: str,
        phone_number_id: str,
        messages_per_second: float = 80.0,
        max_attempts: int = 6,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        random: _random.Random | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        problems = []
        if not _VERSION.fullmatch(api_version):
            problems.append(f"api_version {api_version!r} is not like v25.0")
        if not access_token:
            problems.append("access_token is empty (set WHATSAPP_ACCESS_TOKEN)")
        if not phone_number_id or "/" in phone_number_id:
            problems.append(f"phone_number_id {phone_number_id!r} is not a Graph id like 1234567890")
        if max_attempts < 1:
            problems.append(f"max_attempts must be at least 1, got {max_attempts!r}")
        if min(messages_per_second, timeout) <= 0 or base_delay < 0 or max_delay < base_delay:
            problems.append("messages_per_second and timeout must be > 0, and 0 <= base_delay <= max_delay")
        if problems:
            raise ValueError("GraphSender: " + "; ".join(problems))
        self.http = http
        self.url = f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}/messages"
        self.phone_number_id = phone_number_id
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.bucket = TokenBucket(messages_per_second, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._random = random or _random.Random()
        self._headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}

    def __repr__(self) -> str:
        return f"GraphSender(url={self.url!r}, access_token='***')"

    async def send(self, body: dict[str, Any], *, idempotency_key: str) -> str:
        """POST one message body (retrying what can be retried); the wamid Meta gave it."""
        if not idempotency_key:
            raise ValueError("send() needs an idempotency_key, the same on every retry of one message (e.g. its message_id)")
        who = mask_recipient(str(body.get("to") or body.get("recipient") or ""))
        answer = await self._post(body, {"Idempotency-Key": idempotency_key}, f"{body.get('type', 'message')} to {who}", pace=True)
        messages = answer.get("messages")
        wamid = messages[0].get("id") if isinstance(messages, list) and messages and isinstance(messages[0], dict) else None
        if not isinstance(wamid, str) or not wamid:
            raise GraphError(None, "no message id", "", f"the answer has no messages[0].id: {_snippet(answer)}", 200,
                             raw=answer)
        log.debug("sent %s as %s", f"{body.get('type', 'message')} to {who}", wamid)
        return wamid

    async def mark_read(self, message_id: str, *, typing: bool = True) -> None:
        """Mark an inbound message (and the ones before it) read; with ``typing``, show the typing indicator."""
        answer = await self._post(mark_read_request(message_id, typing=typing), {}, f"read receipt for {message_id}", pace=False)
        if answer.get("success") is not True:
            raise GraphError(None, "read receipt not confirmed", "", f'expected {{"success": true}}, got {_snippet(answer)}',
                             200, raw=answer)

    async def _post(self, body: dict[str, Any], extra: dict[str, str], what: str, *, pace: bool) -> dict[str, Any]:
        content = orjson.dumps(body)
        headers = {**self._headers, **extra}
        attempt = 0
        while True:
            attempt += 1
            if pace:
                await self.bucket.acquire()
            error: WhatsAppError
            try:
                response = await self.http.post(self.url, content=content, headers=headers, timeout=self.timeout)
            except httpx.TransportError as exc:
                error = GraphUnreachable(f"no answer from the Graph API at {self.url} for {what} "
                                         f"({type(exc).__name__}: {exc or 'no detail'}); check the network or base_url",
                                         maybe_sent=not isinstance(exc, _NOT_SENT))
                error.__cause__ = exc
                if not isinstance(exc, _RETRIED_TRANSPORT):
                    error.retryable = False
                    raise error from exc
            else:
                answer = _json(response)
                if response.is_success:
                    if isinstance(answer, dict):
                        return answer
                    raise GraphError(None, "unexpected answer", "", f"HTTP {response.status_code} with a body that is "
                                     f"not a JSON object: {response.text[:200]!r}", response.status_code, raw=response.text)
                error = error_from_response(response.status_code, response.text if answer is None else answer,
                                            retry_after=_retry_after(response))
                if not should_retry(error):
                    raise error
                if error.retry_after is not None and error.retry_after > self.max_delay:
                    raise error
            if attempt >= self.max_attempts:
                raise error
            delay = self._delay(attempt, error)
            log.warning("WhatsApp %s failed on attempt %d of %d (%s); retrying in %.2f s",
                        what, attempt, self.max_attempts, _short(error), delay)
            await self._sleep(delay)

    def _delay(self, attempt: int, error: WhatsAppError) -> float:
        if isinstance(error, GraphError) and error.retry_after is not None:
            return error.retry_after
        return self._random.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # absent, or an HTTP date: back off exponentially instead
    return seconds if 0 <= seconds < float("inf") else None


def _short(error: WhatsAppError) -> str:
    if isinstance(error, GraphError):
        return f"HTTP {error.status}, code {error.code}: {error.title}"
    return str(error.__cause__.__class__.__name__ if error.__cause__ else error)


def _snippet(value: Any) -> str:
    text = orjson.dumps(value).decode() if isinstance(value, dict | list) else repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
