"""What can go wrong when the WhatsApp channel sends, as one branch of the engine's error tree.

    BotError
     └── WhatsAppError                 the WhatsApp channel could not send
          ├── LimitError               content breaks WhatsApp's limits (found before sending; lists all)
          ├── GraphUnreachable         no answer from the Graph API (network error, timeout)   retryable
          └── GraphError               the Graph API answered with an error (keeps ``raw``)
               ├── WindowClosed        131047, 470: 24-hour window closed; send a template
               ├── Undeliverable       131026: not on WhatsApp, ToS not accepted, old client
               ├── RateLimited         130429, 4, 80007, HTTP 429: throughput; back off     retryable
               ├── PairRateLimited     131056: too many messages to this user; space out    retryable
               ├── MarketingCapped     131049: marketing held back; wait 24 h, not now
               ├── MarketingOptedOut   131050: the user stopped marketing; record opt-out
               ├── ServerError         131000, 131016, 133004, HTTP 5xx: Meta's side        retryable
               ├── InvalidRequest      100, 131008, 131009: a bug in the request; never retry
               ├── TemplateError       132xxx: template missing, paused, wrong parameters
               ├── AccountRestricted   131031, 131048, 368, 131042: stop sending and alert
               └── AuthError           190, HTTP 401: the access token is wrong or expired; alert

``retryable`` says whether sending the same message again can succeed at some point; the
sender retries at once only the short-lived ones (see ``sender.py``). Meta asks to branch on
``code`` and ``details``, not on titles, so the classes follow codes.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bot.errors import BotError

__all__ = [
    "AccountRestricted",
    "AuthError",
    "GraphError",
    "GraphUnreachable",
    "InvalidRequest",
    "LimitError",
    "MarketingCapped",
    "MarketingOptedOut",
    "PairRateLimited",
    "RateLimited",
    "ServerError",
    "TemplateError",
    "Undeliverable",
    "WhatsAppError",
    "WindowClosed",
    "error_class",
    "error_from_response",
]


class WhatsAppError(BotError):
    """The WhatsApp channel could not send."""

    retryable: bool = False


class LimitError(WhatsAppError):
    """Content breaks WhatsApp's limits; ``problems`` lists every violation, found before sending."""

    def __init__(self, problems: list[str], kind: str = "message") -> None:
        self.problems = list(problems)
        self.kind = kind
        count = len(self.problems)
        head = f"this {kind} does not fit WhatsApp's limits ({count} problem{'s' if count != 1 else ''}); shorten or split it"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class GraphUnreachable(WhatsAppError):
    """The Graph API gave no answer; ``maybe_sent`` is True when the request may have arrived."""

    retryable = True

    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        self.maybe_sent = maybe_sent
        super().__init__(message)


class GraphError(WhatsAppError):
    """The Graph API answered with an error; ``raw`` is its body as received."""

    default_retryable: ClassVar[bool] = False
    advice: ClassVar[str] = "see https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes"

    def __init__(
        self,
        code: int | None,
        title: str,
        message: str,
        details: str | None,
        status: int,
        retryable: bool | None = None,
        raw: Any = None,
        *,
        fbtrace_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.title = title
        self.message = message
        self.details = details
        self.status = status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.raw = raw
        self.fbtrace_id = fbtrace_id
        self.retry_after = retry_after
        what = f"error {code}" if code is not None else "an error"
        text = f"the Graph API answered HTTP {status} with {what} ({title})"
        if details and details != title:
            text += f": {details}"
        trace = f" [fbtrace_id {fbtrace_id}]" if fbtrace_id else ""
        super().__init__(f"{text}; {self.advice}{trace}")


class WindowClosed(GraphError):
    """131047 (470 on the old on-premises API): the 24-hour customer service window is closed."""

    advice = "more than 24 hours passed since the customer last wrote: send an approved template instead"


class Undeliverable(GraphError):
    """131026: the number is not on WhatsApp, has not accepted the terms, or its app is too old."""

    advice = "do not retry; flag the contact (not on WhatsApp, terms not accepted, or an old app)"


class RateLimited(GraphError):
    """130429 / 4 / 80007 / HTTP 429: the number's throughput or the app's call rate was exceeded."""

    default_retryable = True
    advice = "too many requests: back off and retry (a token bucket per phone number keeps this rare)"


class PairRateLimited(GraphError):
    """131056: too many messages to the same user in a short time."""

    default_retryable = True
    advice = "too many messages to this user in a short time: queue them and retry in a few seconds"


class MarketingCapped(GraphError):
    """131049: Meta held back a marketing message for ecosystem health."""

    advice = "do not retry now; Meta limits marketing messages per user, wait at least 24 hours"


class MarketingOptedOut(GraphError):
    """131050: the user stopped marketing messages."""

    advice = "the user stopped marketing messages: record the opt-out and do not send marketing"


class ServerError(GraphError):
    """131000 / 131016 / 133004 / HTTP 5xx: a temporary or unknown failure on Meta's side."""

    default_retryable = True
    advice = "a temporary failure on Meta's side: retry with backoff"


class InvalidRequest(GraphError):
    """100 / 131008 / 131009: a missing or invalid parameter; a bug, never retried."""

    advice = "the request is malformed (a bug in what was sent): fix the content, do not retry"


class TemplateError(GraphError):
    """132xxx: the template is missing, unapproved, paused, or its parameters do not match."""

    advice = "fix the template in WhatsApp Manager or its parameters in the bot, then send again"


class AccountRestricted(GraphError):
    """131031 / 131048 / 368 / 131042: the account is locked, blocked, flagged as spam or unpaid."""

    advice = "the business account is restricted: stop sending and alert the account owner"


class AuthError(GraphError):
    """190 or HTTP 401: the access token is invalid or expired."""

    advice = "the access token is invalid or expired: set a valid WHATSAPP_ACCESS_TOKEN and alert the operator"


_BY_CODE: dict[int, type[GraphError]] = {
    131047: WindowClosed, 470: WindowClosed,
    131026: Undeliverable,
    130429: RateLimited, 4: RateLimited, 80007: RateLimited,
    131056: PairRateLimited,
    131049: MarketingCapped,
    131050: MarketingOptedOut,
    131000: ServerError, 131016: ServerError, 133004: ServerError,
    100: InvalidRequest, 131008: InvalidRequest, 131009: InvalidRequest,
    131031: AccountRestricted, 131048: AccountRestricted, 368: AccountRestricted, 131042: AccountRestricted,
    190: AuthError,
}
_CODE_PREFIX = re.compile(r"^\(#\d+\)\s*")


def error_class(code: int | None, status: int) -> type[GraphError]:
    """The class for a Graph error ``code`` answered with HTTP ``status``."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if code is not None and 132000 <= code < 133000:
        return TemplateError
    if status == 401:
        return AuthError
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    return GraphError


def error_from_response(status: int, body: Any, *, retry_after: float | None = None) -> GraphError:
    """The GraphError for an error answer: Meta's ``{"error": {...}}`` or anything else (kept in ``raw``)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        snippet = body if isinstance(body, str) else repr(body)
        details = " ".join(snippet.split())[:200] or None
        cls = error_class(None, status)
        return cls(None, f"HTTP {status} without a Graph error body", "", details, status, raw=body, retry_after=retry_after)
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    message = str(error.get("message") or "")
    title = str(error.get("error_user_title") or error.get("title") or _CODE_PREFIX.sub("", message) or f"HTTP {status}")
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    if not isinstance(details, str):
        details = str(error["error_user_msg"]) if error.get("error_user_msg") else None
    trace = error.get("fbtrace_id")
    return error_class(code, status)(
        code, title, message, details, status, raw=body,
        fbtrace_id=trace if isinstance(trace, str) else None, retry_after=retry_after,
    )
