"""Send one outbox message through the Graph API, within WhatsApp's rules.

- **The 24-hour window**: a free-form message is sent only while the customer wrote in the last
  ``window_hours`` and WhatsApp has not said the window is closed (131047). Outside it the
  configured ``window_template`` goes instead (with the message's text as its body parameter),
  or, with no template, nothing is sent and the failure is logged in the conversation.
- **Limits** are checked before sending (``outbound.to_requests``); a message that breaks them is
  not sent and its failure, with every broken limit, is logged.
- **Failures** that retrying can fix (the Graph API unreachable, 429, 5xx after the sender's own
  retries) raise ``DeliveryDeferred``: the message stays on the outbox. Others are final and
  recorded as a ``failed`` delivery status, queued like a message so the conversation's one
  writer logs it.
- **The customer's standing**: to a customer WhatsApp could not reach (131026: not on WhatsApp,
  terms not accepted, an old app) nothing is sent until they write again; the failure is logged.
  131026 flags them, 131049 holds marketing to them for ``marketing_hold_hours``, 131056 (too
  many messages to one customer) defers the message at least ``pair_retry_seconds``, and a
  ``Retry-After`` the sender could not wait for is passed on: the outbox never tries sooner.
- Every request carries our message id in ``biz_opaque_callback_data`` (WhatsApp echoes it in
  its status webhooks) and ``<message id>:<part>`` as its idempotency key.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.messages import (
    DeliveryStatus,
    InboundMessage,
    OutboundContent,
    OutboundMessage,
    OutButtons,
    OutList,
    OutTemplate,
    OutText,
    TemplateComponent,
    TemplateParameter,
)
from bot.errors import DeliveryDeferred
from connectors.whatsapp.errors import (
    GraphError,
    GraphUnreachable,
    LimitError,
    MarketingCapped,
    PairRateLimited,
    Undeliverable,
    WindowClosed,
)
from connectors.whatsapp.outbound import to_requests
from connectors.whatsapp.parse import CHANNEL, recipient_of
from connectors.whatsapp.sender import GraphSender, mask_recipient
from connectors.whatsapp.settings import TemplateRef, WhatsAppOptions

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one outbox message (for logs and tests)."""

    status: str  # sent, template, failed
    provider_message_ids: tuple[str, ...] = ()
    error: str | None = None


class Delivery:
    """Delivers outbox messages for the configured business numbers."""

    def __init__(self, options: WhatsAppOptions, senders: dict[str, GraphSender], *, clock: Any = time.time) -> None:
        self.options = options
        self.senders = senders
        self.catalogs = {n.phone_number_id: n.catalog_id for n in options.phone_numbers}
        self._clock = clock

    async def deliver(self, engine: Engine, message: OutboundMessage) -> Outcome:
        """Send ``message``; record final failures; raise ``DeliveryDeferred`` for ones worth retrying later."""
        phone_number_id, user = recipient_of(message.conversation_id)
        sender = self.senders.get(phone_number_id)
        if sender is None:
            known = ", ".join(sorted(self.senders)) or "none"
            return await self._failed(engine, message, None, f"business number {phone_number_id} is not configured "
                                      f"(channels.whatsapp.phone_numbers has: {known})")
        content = message.content
        conversation = await engine.store.load(message.conversation_id)
        user = conversation.reply_address or user  # the customer changed number since the conversation began
        if conversation.unreachable:
            return await self._failed(engine, message, None, "not sent: WhatsApp could not deliver to this customer before "
                                      "(131026: not on WhatsApp, terms not accepted, or an old app); nothing is sent "
                                      "until they write again")
        if not isinstance(content, OutTemplate):
            last = conversation.last_inbound_at
            if conversation.window_closed or last is None or self._clock() - last > self.options.window_hours * 3600:
                return await self._outside_window(engine, message, sender, user)
        return await self._send(engine, message, sender, user, content)

    async def _send(self, engine: Engine, message: OutboundMessage, sender: GraphSender, user: str,
                    content: OutboundContent, *, fallback: bool = True) -> Outcome:
        try:
            bodies = to_requests(content, to=user, catalog_id=self.catalogs.get(sender.phone_number_id))
        except LimitError as exc:
            return await self._failed(engine, message, None, f"not sent, it breaks WhatsApp's limits: {'; '.join(exc.problems)}")
        wamids: list[str] = []
        for part, body in enumerate(bodies):
            body["biz_opaque_callback_data"] = message.message_id
            try:
                wamids.append(await sender.send(body, idempotency_key=f"{message.message_id}:{part}"))
            except WindowClosed as exc:
                await self._record(engine, message, "failed", code=exc.code, title=exc.title, closes_window=True)
                if fallback and not isinstance(content, OutTemplate) and not wamids:
                    return await self._outside_window(engine, message, sender, user, recorded=True)
                return Outcome("failed", tuple(wamids), str(exc))
            except GraphUnreachable as exc:
                raise DeliveryDeferred(f"message {message.message_id}: {exc}") from exc
            except PairRateLimited as exc:
                wait = max(self.options.pair_retry_seconds, exc.retry_after or 0.0)
                raise DeliveryDeferred(f"message {message.message_id}: {exc}", retry_after=wait) from exc
            except GraphError as exc:
                if exc.retryable:
                    raise DeliveryDeferred(f"message {message.message_id}: {exc}", retry_after=exc.retry_after) from exc
                held = self._clock() + self.options.marketing_hold_hours * 3600 if isinstance(exc, MarketingCapped) else None
                return await self._failed(engine, message, exc.code, str(exc), title=exc.title, wamids=wamids,
                                          unreachable=isinstance(exc, Undeliverable), holds_marketing_until=held)
        return Outcome("sent" if not isinstance(content, OutTemplate) or not fallback else "template", tuple(wamids))

    async def _outside_window(self, engine: Engine, message: OutboundMessage, sender: GraphSender, user: str, *,
                              recorded: bool = False) -> Outcome:
        template = self.options.window_template
        if template is None:
            why = ("the 24-hour window is closed (the customer last wrote more than "
                   f"{self.options.window_hours:g} h ago) and channels.whatsapp.window_template is not set")
            if recorded:
                log.error("message %s to %s not sent: %s", message.message_id, mask_recipient(user), why)
                return Outcome("failed", error=why)
            return await self._failed(engine, message, None, why, closes_window=True)
        outcome = await self._send(engine, message, sender, user, window_template(template, message.content), fallback=False)
        return Outcome("template", outcome.provider_message_ids, outcome.error) if outcome.status != "failed" else outcome

    async def _failed(self, engine: Engine, message: OutboundMessage, code: int | None, why: str, *, title: str | None = None,
                      closes_window: bool = False, wamids: list[str] | None = None, unreachable: bool = False,
                      holds_marketing_until: float | None = None) -> Outcome:
        log.error("WhatsApp message %s to %s failed: %s", message.message_id, mask_recipient(message.conversation_id), why)
        await self._record(engine, message, "failed", code=code, title=title or why, closes_window=closes_window,
                           unreachable=unreachable, holds_marketing_until=holds_marketing_until)
        return Outcome("failed", tuple(wamids or ()), why)

    async def _record(self, engine: Engine, message: OutboundMessage, status: str, *, code: int | None, title: str | None,
                      closes_window: bool = False, unreachable: bool = False,
                      holds_marketing_until: float | None = None) -> None:
        report = DeliveryStatus(status=status, message_id=message.message_id, error_code=code, error_title=title,
                                closes_window=closes_window, unreachable=unreachable,
                                holds_marketing_until=holds_marketing_until)
        # A report made now is about now: never older than the customer's last message, whose time is
        # WhatsApp's clock, not ours (a late report of an older message does not count; this one must).
        last = (await engine.store.load(message.conversation_id)).last_inbound_at or 0.0
        await engine.accept(InboundMessage(message_id=f"{message.message_id}:{status}:local", conversation_id=message.conversation_id,
                                           channel=CHANNEL, content=report, received_at=max(self._clock(), last)))


def text_of(content: OutboundContent) -> str:
    """The words of a message, to carry in a template when the window is closed."""
    if isinstance(content, OutText | OutButtons | OutList):
        return content.text
    return str(getattr(content, "text", None) or getattr(content, "caption", None) or "")


def window_template(template: TemplateRef, content: OutboundContent) -> OutTemplate:
    """The configured re-engagement template, carrying the refused message's text when it takes one."""
    components: tuple[TemplateComponent, ...] = ()
    text = text_of(content)
    if template.body_text and text:
        components = (TemplateComponent(type="body", parameters=(TemplateParameter(type="text", value=text[:1024]),)),)
    return OutTemplate(name=template.name, language=template.language, components=components)
