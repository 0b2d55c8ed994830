"""Inbound items that skip understanding and dialogue: delivery reports, notifications, consent, odd kinds.

The processor asks ``notice(conversation, message)`` first. Delivery reports and notification
requests are not customer messages: they leave no ``user`` event (no session, no 24-hour
window). Opt-out and opt-in words (marked by the channel in ``metadata["consent"]``) are
honoured at once and confirmed; reactions, deletions, edits and provider notices are only
logged; a kind the bot cannot read gets a polite answer in the customer's language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.core.conversation import Conversation
from bot.core.events import ConsentChanged, Event, MessageStatus
from bot.core.messages import (
    DeliveryStatus,
    Edit,
    InboundMessage,
    Notify,
    OutTemplate,
    OutText,
    Reaction,
    Revoke,
    System,
    Unknown,
)
from bot.dialogue.base import Utterance

TEXTS = {
    "unreadable": {
        "en": "Sorry, I can't read this kind of message yet. Could you write it as text?",
        "ar": "عذراً، لا أستطيع قراءة هذا النوع من الرسائل بعد. هل يمكنك كتابتها نصاً؟",
        "zh": "抱歉，我暂时还看不懂这类消息。可以用文字再说一遍吗？",
    },
    "opted_out": {
        "en": "Done: you won't get notifications from us any more. Send START to get them again.",
        "ar": "تم: لن تصلك منا إشعارات بعد الآن. أرسل START لتعود إليك.",
        "zh": "好的，我们不会再给您发送通知。发送 START 可重新订阅。",
    },
    "opted_in": {
        "en": "Welcome back: you will get our notifications again. Send STOP to stop them.",
        "ar": "أهلاً بعودتك: ستصلك إشعاراتنا من جديد. أرسل STOP لإيقافها.",
        "zh": "欢迎回来，您将重新收到我们的通知。发送 STOP 可停止。",
    },
}
QUIET_KINDS = (Reaction, Revoke, Edit, System)


@dataclass(slots=True)
class Notice:
    """What to log and say instead of a dialogue turn."""

    events: list[Event] = field(default_factory=list)
    utterances: list[Utterance] = field(default_factory=list)
    customer: bool = True  # whether it came from the customer (a ``user`` event is logged first)


def text_in(key: str, language: str | None) -> OutText:
    """One of the built-in texts above, in ``language`` (English when it has none)."""
    texts = TEXTS[key]
    return OutText(text=texts.get(language or "en", texts["en"]))


def why_not_notify(conversation: Conversation, template: OutTemplate, now: float) -> str | None:
    """Why a notification (a business-initiated template) must not go to this customer now; None when it may."""
    if conversation.opted_out:
        return "the customer opted out of notifications (they wrote STOP); nothing was sent"
    if conversation.unreachable:
        return ("the channel could not deliver to this customer (WhatsApp 131026: not on WhatsApp, terms not accepted "
                "or an old app); nothing is sent until they write again")
    held = conversation.marketing_held_until
    if template.category == "marketing" and held is not None and now < held:
        return (f"the channel held back marketing to this customer (WhatsApp 131049); send marketing again after "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(held))}")
    return None


def notice(conversation: Conversation, message: InboundMessage, *, language: str | None = None) -> Notice | None:
    """What to do with ``message`` outside the dialogue, or None when it is for the dialogue.

    ``language`` is the one to answer in (the conversation's, unless the message shows another).
    """
    content = message.content
    language = language or conversation.language
    if isinstance(content, DeliveryStatus):
        return Notice(events=[MessageStatus(
            message_id=content.message_id, provider_message_id=content.provider_message_id, status=content.status,
            error_code=content.error_code, error_title=content.error_title, closes_window=content.closes_window,
            unreachable=content.unreachable, holds_marketing_until=content.holds_marketing_until,
            timestamp=message.received_at)], customer=False)
    if isinstance(content, Notify):
        refused = why_not_notify(conversation, content.template, message.received_at)
        if refused:
            return Notice(events=[MessageStatus(message_id=message.message_id, status="not_sent", error_title=refused,
                                                timestamp=message.received_at)], customer=False)
        return Notice(utterances=[Utterance(content.template, None)], customer=False)
    consent = message.metadata.get("consent")
    if consent in ("opt_out", "opt_in"):
        opted_out = consent == "opt_out"
        events: list[Event] = []
        if conversation.opted_out != opted_out:
            events.append(ConsentChanged(opted_out=opted_out, reason=f"the customer wrote {message.text!r}",
                                         timestamp=message.received_at))
        return Notice(events=events, utterances=[Utterance(text_in("opted_out" if opted_out else "opted_in", language), None)])
    if isinstance(content, Unknown):
        return Notice(utterances=[Utterance(text_in("unreadable", language), None)])
    if isinstance(content, QUIET_KINDS):
        return Notice()
    return None

