"""The WhatsApp Cloud API channel: the webhook Meta calls, and delivery of what the bot says.

``GET /webhooks/whatsapp/webhook`` answers Meta's subscription check. ``POST`` checks the
signature on the raw bytes, parses every message and status of the batch, puts each on the
durable inbox (duplicates dropped: messages by wamid, statuses by wamid and status) and answers
200: no understanding or dialogue work happens in the request. A store that cannot take the
batch gets a 503, so Meta delivers it again. The outbox worker calls ``deliver`` for each
message the bot decided to send (``bot.outbox``).

With no credentials in the environment the channel is the local simulator: a fake Graph API
in this process takes what the bot sends, and ``/simulator`` is a chat page that talks to the
bot through this same signed webhook (``connectors/whatsapp/simulator.py``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from bot.channels import Channel
from bot.core.messages import (
    DeliveryStatus,
    InboundMessage,
    Notify,
    OutboundContent,
    OutboundMessage,
    System,
    Text,
    Unknown,
)
from bot.nlu.normalize import fold
from bot.server.errors import error_response
from connectors.whatsapp.delivery import Delivery
from connectors.whatsapp.fake_graph import FakeGraph, create_fake_graph
from connectors.whatsapp.identity import resolve as resolve_identities
from connectors.whatsapp.outbound import check_limits
from connectors.whatsapp.parse import CHANNEL, PayloadError, StatusUpdate, parse_webhook
from connectors.whatsapp.receipts import ReadReceipts
from connectors.whatsapp.sender import GraphSender
from connectors.whatsapp.settings import (
    PhoneNumber,
    Secrets,
    read_options,
    read_secrets,
)
from connectors.whatsapp.signature import (
    SIGNATURE_HEADER,
    SignatureInvalid,
    SignatureMissing,
    check_signature,
    handshake,
)

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)

WINDOW_CLOSED_CODES = frozenset({131047, 470})
UNDELIVERABLE_CODE = 131026  # not on WhatsApp, terms not accepted, an old app: flag the contact
MARKETING_CAPPED_CODE = 131049  # marketing held back: none to this customer for marketing_hold_hours
PAIR_RATE_CODE = 131056  # too many messages to this customer at once: reported late, the message is sent again
NOT_FROM_THE_CUSTOMER = (DeliveryStatus, Notify, System)  # nothing to mark read
SIMULATED_NUMBER = PhoneNumber(phone_number_id="100000000000001", display_number="+1 555 000 0001")


class WhatsAppChannel(Channel):
    """Meta's WhatsApp Cloud API (or its local simulator)."""

    name = CHANNEL
    pushes = True

    def __init__(self, options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> None:
        super().__init__(options)
        environ = os.environ if environ is None else environ
        self.settings = read_options(options)
        self.secrets = read_secrets(environ, self.settings)
        self.api_token = environ.get("BOT_API_TOKEN") or None  # for POST /notifications
        self.fake: FakeGraph | None = None
        if self.secrets.simulated:
            if not self.settings.phone_numbers:
                self.settings = self.settings.model_copy(update={"phone_numbers": [SIMULATED_NUMBER]})
            self.secrets = Secrets(secrets.token_hex(16), secrets.token_hex(16), secrets.token_hex(8), "http://simulated-graph")
            self.fake = FakeGraph(self.secrets.access_token or "", [n.phone_number_id for n in self.settings.phone_numbers],
                                  self.settings.api_version)
        self.opt_out = frozenset(_words(self.settings.opt_out_words))
        self.opt_in = frozenset(_words(self.settings.opt_in_words))
        self.delivery: Delivery | None = None
        self._own_http: httpx.AsyncClient | None = None
        self.receipts: ReadReceipts | None = None

    def check(self, content: OutboundContent) -> list[str]:
        """WhatsApp's limits that ``content`` breaks (button titles, list rows, lengths...)."""
        return check_limits(content)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, engine: Engine) -> None:
        """Build one sender per business number on the channel's own HTTP client (the fake's, simulated).

        The client keeps at most ``max_connections`` connections to the Graph API: httpcore scans
        every pooled connection for each request, so a few busy keep-alive connections cost far
        less CPU than one per concurrent send (bench/whatsapp.py, Redis, one process, 100 msg/s:
        acknowledgement p99 27 ms with httpx's default pool of 100, 10-16 ms with 16).
        """
        if self.fake is not None:
            http = self._own_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_fake_graph(self.fake)))
            server = engine.settings.server
            host = "127.0.0.1" if server.host in ("0.0.0.0", "::") else server.host
            log.info("WhatsApp simulator: open http://%s:%d/simulator (no credentials set: nothing goes to Meta)", host, server.port)
            if engine.role != "all":
                log.warning("the WhatsApp simulator's fake Graph API lives in each process: with role %s the page "
                            "will not show the replies of other processes; run the simulator with role all", engine.role)
        else:
            pool = self.settings.max_connections
            http = self._own_http = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
                timeout=httpx.Timeout(self.settings.send_timeout_seconds))
        senders = {
            number.phone_number_id: GraphSender(
                http, base_url=self.secrets.api_base_url, api_version=self.settings.api_version,
                access_token=self.secrets.access_token or "", phone_number_id=number.phone_number_id,
                messages_per_second=self.settings.messages_per_second, timeout=self.settings.send_timeout_seconds)
            for number in self.settings.phone_numbers
        }
        self.delivery = Delivery(self.settings, senders)
        self.receipts = ReadReceipts(senders)

    async def stop(self) -> None:
        """Wait for read receipts under way; close the channel's HTTP client."""
        if self.receipts is not None:
            await self.receipts.drain()
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None

    async def deliver(self, engine: Engine, message: OutboundMessage) -> None:
        """Send one outbox message (``connectors.whatsapp.delivery``)."""
        if self.delivery is None:
            raise RuntimeError("the WhatsApp channel was not started")
        await self.delivery.deliver(engine, message)

    # ------------------------------------------------------------------ the webhook

    def router(self, engine: Engine) -> APIRouter:
        """The webhook, the notifications route, and the simulator's routes when simulated."""
        from connectors.whatsapp.notifications import notifications_router
        from connectors.whatsapp.simulator import simulator_router

        router = APIRouter(tags=["whatsapp"])

        @router.get("/webhooks/whatsapp/webhook")
        async def verify(request: Request) -> Response:
            """Meta's subscription check: echo ``hub.challenge`` if the verify token matches."""
            challenge = handshake(request.query_params, self.secrets.verify_token)
            if challenge is None:
                return error_response(403, "verification failed: hub.mode must be 'subscribe' and hub.verify_token "
                                           "must equal WHATSAPP_VERIFY_TOKEN")
            return PlainTextResponse(challenge)

        @router.post("/webhooks/whatsapp/webhook")
        async def receive(request: Request) -> Response:
            """Check, parse and queue a webhook batch; 200 once everything in it is on the inbox."""
            body = await request.body()
            if len(body) > self.settings.max_body_bytes:
                return error_response(413, f"body of {len(body)} bytes is over channels.whatsapp.max_body_bytes "
                                           f"({self.settings.max_body_bytes})")
            try:
                check_signature(body, request.headers.get(SIGNATURE_HEADER), self.secrets.app_secret or "")
            except SignatureMissing as exc:
                return error_response(401, str(exc))
            except SignatureInvalid as exc:
                return error_response(403, str(exc))
            return await self.accept_batch(engine, body)

        router.include_router(notifications_router(self, engine))
        if self.fake is not None:
            router.include_router(simulator_router(self, engine, self.fake))
        return router

    async def accept_batch(self, engine: Engine, body: bytes) -> Response:
        """Parse a verified body and queue everything in it."""
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return error_response(400, f"body is not valid JSON: {exc}")
        received = time.time()
        try:
            updates = parse_webhook(payload, received_at=received)
        except PayloadError as exc:
            return error_response(400, str(exc))
        for problem in updates.problems:
            log.error("WhatsApp webhook: %s", problem)
        messages = []
        for message in updates.messages:
            if isinstance(message.content, Unknown):
                log.warning("WhatsApp message %s is of a kind the bot cannot read (%s); the customer is told so",
                            message.message_id, message.content.provider_type)
            messages.append(self._with_consent(message))
        try:  # whose conversation each is (one store call), then the whole batch in one store call
            messages, statuses = await resolve_identities(engine.store, messages, updates.statuses)
            hold = self.settings.marketing_hold_hours * 3600
            added = await engine.accept_many([*messages, *(status_message(s, received, hold) for s in statuses)])
        except engine.store.transient_errors as exc:
            log.error("WhatsApp webhook: the store failed (%s); answering 503 so that Meta sends it again", exc)
            return error_response(503, "the bot cannot store this batch now; it will be delivered again")
        accepted = sum(added[:len(messages)])
        for other in updates.others:
            log.info("WhatsApp webhook: %s update for number %s (not used yet)", other.field, other.phone_number_id)
        return Response(orjson.dumps({"accepted": accepted, "duplicates": len(updates.messages) - accepted,
                                      "statuses": len(updates.statuses)}), media_type="application/json")

    def _with_consent(self, message: InboundMessage) -> InboundMessage:
        if not isinstance(message.content, Text):
            return message
        word = _word(message.content.body)
        consent = "opt_out" if word in self.opt_out else "opt_in" if word in self.opt_in else None
        return dataclasses.replace(message, metadata={**message.metadata, "consent": consent}) if consent else message

    def taking(self, engine: Engine, message: InboundMessage) -> None:
        """A worker starts on a customer's message: blue ticks and the typing indicator (``receipts``)."""
        if self.receipts is None or not self.settings.mark_read or isinstance(message.content, NOT_FROM_THE_CUSTOMER):
            return
        self.receipts.mark(message.conversation_id, str(message.metadata.get("phone_number_id")), message.message_id)


def status_message(status: StatusUpdate, received_at: float, marketing_hold_seconds: float = 24 * 3600) -> InboundMessage:
    """A delivery status as an inbox item, deduplicated by wamid and status.

    A failure says what it means for the conversation: 131047 closes the window, 131026 flags the
    customer unreachable, 131049 holds marketing to them for ``marketing_hold_seconds``, 131056
    (the pair rate limit, reported after Meta took the message) asks for the message to be sent again.
    """
    error = status.errors[0] if status.errors else None
    at = status.timestamp or received_at
    code = error.code if error is not None and status.status == "failed" else None
    report = DeliveryStatus(status=status.status, message_id=status.callback_data, provider_message_id=status.message_id,
                            error_code=error.code if error else None, error_title=error.title if error else None,
                            closes_window=code in WINDOW_CLOSED_CODES, unreachable=code == UNDELIVERABLE_CODE,
                            holds_marketing_until=at + marketing_hold_seconds if code == MARKETING_CAPPED_CODE else None,
                            resend=code == PAIR_RATE_CODE and status.callback_data is not None)
    return InboundMessage(message_id=f"{status.message_id}:{status.status}", conversation_id=status.conversation_id,
                          channel=CHANNEL, content=report, received_at=at)


def _word(text: str) -> str:
    return fold(text).strip(" .!؟?。！،,")


def _words(words: list[str]) -> list[str]:
    return [_word(w) for w in words]
