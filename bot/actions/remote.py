"""Run custom actions on an action server (rasa_sdk's, or any that speaks Rasa's protocol).

One ``POST <url>`` per action with ``{"next_action", "sender_id", "tracker", "domain",
"domain_digest", "version"}``; the answer is ``{"events": [...], "responses": [...]}``.

==========================  ========================================================
server answer               what ``run`` raises
==========================  ========================================================
200, Rasa's shape           nothing: the ``ActionResult``
200, not JSON / not shape   ``ActionFailed`` (with a short piece of the body)
400 ``{action_name,error}`` ``ActionRejected`` (ActionExecutionRejection in the action)
400 otherwise               ``ActionFailed`` (the server refused the request itself)
404                         ``ActionNotFound`` (says whether the URL itself looks wrong)
449 (domain missing)        resend once with the domain, when it was left out
                            (``omit_known_domain``); else ``ActionFailed``
500 "Requested URL … not    ``ActionNotFound``: rasa_sdk's catch-all handler answers a
found"                      wrong URL path with this 500, not a 404
500 / any other status      ``ActionFailed`` with the server's ``error`` (never the
                            echoed ``request_body``, which holds the whole tracker)
connect error / timeout     ``ActionServerUnreachable`` (nothing ran)
read/write/pool timeout     ``ActionTimeout`` (the action may have run)
broken connection           ``ActionFailed``
==========================  ========================================================

Nothing is retried here. To retry failed connection attempts (safe: nothing was sent), give
the injected client a transport that does: ``httpx.AsyncHTTPTransport(retries=1)``. The
timeout applies per phase as httpx defines it (connect, write, read, pool); rasa_sdk answers
only when the action is done, so the read timeout bounds the action's run time.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from bot.actions.base import ActionResult, checked_result, sender_id_of, short, to_json
from bot.actions.errors import (
    ActionError,
    ActionFailed,
    ActionNotFound,
    ActionRejected,
    ActionServerUnreachable,
    ActionTimeout,
)

__all__ = ["RASA_VERSION", "RemoteActions", "domain_digest", "public_url"]

#: The Rasa version sent as ``version``; rasa_sdk only warns when major.minor differ from its own.
RASA_VERSION = "3.6.21"

DEFAULT_TIMEOUT = 10.0

# rasa_sdk's catch-all exception handler turns Sanic's "no such route" into a 500 with this error
_SANIC_NO_ROUTE = re.compile(r"Requested URL \S* not found")

logger = logging.getLogger(__name__)


def public_url(url: str) -> str:
    """``url`` without user info and query string, fit for messages and logs."""
    return str(httpx.URL(url).copy_with(username=None, password=None, query=None, fragment=None))


def domain_digest(domain: Mapping[str, Any]) -> str:
    """A fingerprint of ``domain`` that changes whenever the domain does."""
    return hashlib.sha256(to_json(domain, sort_keys=True)).hexdigest()


class RemoteActions:
    """An ``ActionRunner`` that calls an action server over HTTP with one injected client."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        version: str = RASA_VERSION,
        omit_known_domain: bool = False,
    ) -> None:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"action server URL is not a URL ({exc}); use e.g. http://127.0.0.1:5055/webhook") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"action server URL {public_url(url)!r} must be http(s)://host[:port]/path, "
                             "e.g. http://127.0.0.1:5055/webhook")
        if timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.url = url
        self.public_url = public_url(url)
        self.client = client
        self.timeout = timeout
        self.headers = httpx.Headers({"Content-Type": "application/json"})
        self.headers.update(headers or {})
        self.version = version
        #: Leave the domain out while the server holds its digest (Rasa Pro's selective domain);
        #: a 449 answer resends it.
        self.omit_known_domain = omit_known_domain
        self._server_digest: str | None = None

    def names(self) -> frozenset[str] | None:
        """Unknown: the server decides (``None``)."""
        return None

    async def run(self, name: str, tracker: dict[str, Any], domain: dict[str, Any]) -> ActionResult:
        """POST action ``name`` to the server and check its answer."""
        sender_id = sender_id_of(name, tracker)
        try:
            digest = domain_digest(domain)
        except TypeError as exc:
            raise TypeError(f"the domain for custom action {name!r} is not JSON-serialisable: {exc}") from exc
        with_domain = not (self.omit_known_domain and self._server_digest == digest)
        response = await self._post(name, sender_id, tracker, domain if with_domain else None, digest)
        if response.status_code == 449 and not with_domain:
            logger.info("action server %s lost the domain; sending it again for %s", self.public_url, name)
            with_domain = True
            response = await self._post(name, sender_id, tracker, domain, digest)
        result = self._result(name, response)
        if with_domain:
            self._server_digest = digest
        return result

    async def _post(
        self, name: str, sender_id: str, tracker: dict[str, Any], domain: dict[str, Any] | None, digest: str
    ) -> httpx.Response:
        body: dict[str, Any] = {"next_action": name, "sender_id": sender_id, "tracker": tracker}
        if domain is not None:
            body["domain"] = domain
        body["domain_digest"] = digest
        body["version"] = self.version
        try:
            content = to_json(body)
        except TypeError as exc:
            raise TypeError(f"the tracker or domain for custom action {name!r} is not JSON-serialisable: {exc}") from exc
        logger.debug("POST %s to %s (%d bytes, domain %s)", name, self.public_url, len(content),
                     "sent" if domain is not None else "omitted")
        try:
            return await self.client.post(self.url, content=content, headers=self.headers, timeout=self.timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ActionServerUnreachable(
                name, f"cannot reach the action server at {self.public_url} to run {name!r} "
                f"({type(exc).__name__}: {exc or 'no detail'}); start it (python -m rasa_sdk --actions actions) "
                "or fix the URL.", self.public_url
            ) from None
        except httpx.TimeoutException as exc:
            raise ActionTimeout(
                name, f"custom action {name!r} on {self.public_url} gave no answer within {self.timeout:g} s "
                f"({type(exc).__name__}); it may still have run. Make the action faster or raise the actions timeout.",
                self.timeout,
            ) from None
        except httpx.TransportError as exc:
            raise ActionFailed(
                name, f"the connection to the action server at {self.public_url} broke while running {name!r} "
                f"({type(exc).__name__}: {exc}); it may have run. See the action server's log."
            ) from exc

    def _result(self, name: str, response: httpx.Response) -> ActionResult:
        status = response.status_code
        payload = _json(response)
        error = payload.get("error") if isinstance(payload, dict) else None
        detail = short(error) if isinstance(error, str) else _snippet(response)
        names_action = isinstance(payload, dict) and "action_name" in payload
        where = f"the action server at {self.public_url}"
        if status == 200:
            if not isinstance(payload, dict):
                raise ActionFailed(name, f"{where} answered {name!r} with something other than a JSON object: "
                                   f"{_snippet(response)}; is the URL an action server's /webhook?", status)
            return checked_result(name, payload.get("events", []), payload.get("responses", []),
                                  source=f"the answer of {where}", status=status)
        failure: ActionError
        if status == 400 and names_action:
            failure = ActionRejected(name, f"custom action {name!r} rejected execution on {where}: {detail}", detail)
        elif status == 404 and names_action:
            failure = ActionNotFound(name, f"{where} has no custom action {name!r} (HTTP 404: {detail}); check the "
                                     "name, or start the server with the module that defines it (GET /actions lists them).")
        elif status == 404 or (status == 500 and _SANIC_NO_ROUTE.fullmatch(detail)):
            failure = ActionNotFound(name, f"{where} answered {status} for {name!r} without naming the action "
                                     f"({detail}); check the URL path (rasa_sdk serves /webhook).")
        elif status == 449:
            failure = ActionFailed(name, f"{where} answered 449 (domain missing) for {name!r} although the domain was "
                                   f"sent ({detail}); check that the server speaks Rasa's action protocol.", status)
        elif status == 400:
            failure = ActionFailed(name, f"{where} refused the request for {name!r} as malformed (HTTP 400: "
                                   f"{detail}); check that the URL is an action server's /webhook.", status)
        elif status == 500:
            failure = ActionFailed(name, f"custom action {name!r} failed on {where} (HTTP 500): {detail}; the "
                                   "traceback is in the action server's log.", status)
        else:
            failure = ActionFailed(name, f"{where} answered HTTP {status} for {name!r}: {detail}; expected 200 "
                                   "with events and responses.", status)
        raise failure


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip()
    return short(text, 160) if text else "(empty body)"
