"""Process one inbound message: load, understand, decide, commit — the turn of a conversation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence

from bot.core.conversation import Conversation, Owner
from bot.core.events import (
    BotMessage,
    Event,
    LanguageSet,
    Parse,
    SessionStarted,
    UserMessage,
)
from bot.core.messages import DeliveryStatus, OutboundMessage, OutText, new_message_id
from bot.dialogue.base import Decision, DialogueManager, Utterance
from bot.errors import ConflictError, StoreError
from bot.nlu.base import Understanding
from bot.nlu.language import detect_language
from bot.notices import notice
from bot.state.base import ConversationStore, InboxEntry, Lease, Turn
from bot.stats import turn_counters

log = logging.getLogger(__name__)

INTERNAL_ERROR_TEXT = {
    "en": "Sorry, something went wrong on our side. Please try again in a moment.",
    "ar": "عذراً، حدث خطأ من جهتنا. حاول مرة أخرى بعد قليل.",
    "zh": "抱歉，我们这边出了点问题，请稍后再试。",
}
_MAX_CONFLICTS = 10
# A detected language replaces the conversation's only when the detector is at least this sure:
# "ok", "hi" or "order رقم 123" from an Arabic customer must not turn the replies to English.
SWITCH_CONFIDENCE = 0.7
MAX_RESENDS = 3  # times a message is sent again after passing failures the channel reports late


class Processor:
    """Runs one turn per inbound message and commits it with the consumed inbox entry."""

    def __init__(
        self,
        store: ConversationStore,
        understanding: Understanding,
        dialogue: DialogueManager,
        *,
        languages: Sequence[str],
        default_language: str,
        push_channels: Collection[str] = (),
        session_expiry_seconds: float | None = None,
        carry_over_slots: bool = True,
    ) -> None:
        self.store = store
        self.understanding = understanding
        self.dialogue = dialogue
        self.languages = tuple(languages)
        self.default_language = default_language
        self.push_channels = frozenset(push_channels)
        self.session_expiry_seconds = session_expiry_seconds
        self.carry_over_slots = carry_over_slots

    async def process(self, lease: Lease, entry: InboxEntry) -> list[OutboundMessage]:
        """Handle ``entry`` under ``lease``; return what the bot says (already committed)."""
        for _ in range(_MAX_CONFLICTS):
            conversation = await self.store.load(entry.message.conversation_id)
            events, outbound = await self.turn(conversation, entry)
            outbox = tuple(m for m in outbound if m.channel in self.push_channels)
            try:
                await self.store.commit(
                    Turn(lease=lease, entry=entry, conversation=conversation, events=tuple(events), outbox=outbox,
                         counters=tuple(turn_counters(entry.message.channel, events, outbox).items()))
                )
            except ConflictError:
                log.info("conversation changed while processing %s; running the turn again", entry.message.message_id)
                await asyncio.sleep(0)
                continue
            return outbound
        msg = f"conversation {entry.message.conversation_id!r} kept changing under the processor"
        raise StoreError(msg)

    async def turn(self, conversation: Conversation, entry: InboxEntry) -> tuple[list[Event], list[OutboundMessage]]:
        """The events and outbound messages of one turn (nothing is written here)."""
        message = entry.message
        events: list[Event] = []
        special = notice(conversation, message)
        if special is not None and not special.customer:
            events.extend(special.events)
            return events, self._say(conversation, entry, special.utterances, events) + await self._resend(conversation, entry, events)
        if conversation.version == 0:
            events.append(SessionStarted(timestamp=message.received_at))
        elif self._expired(conversation, message.received_at):
            events.append(SessionStarted(carry_over_slots=self.carry_over_slots, timestamp=message.received_at))
        chosen = message.metadata.get("language")
        if isinstance(chosen, str) and chosen in self.languages and chosen != conversation.language:
            events.append(LanguageSet(language=chosen, source="customer"))
        state = conversation.apply_all(events)
        if special is not None:
            guess = detect_language(message.text or "", self.languages)
            if guess.language and _switches(state, guess.language, guess.confidence):
                events.append(LanguageSet(language=guess.language, source="detected"))
                special = notice(state, message, language=guess.language) or special
            events.append(self._user_event(entry, None))
            events.extend(special.events)
            return events, self._say(state, entry, special.utterances, events)
        if state.owner is Owner.AGENT:
            events.append(self._user_event(entry, None))
            return events, []
        try:
            parse = await self.understanding.parse(message, state)
        except Exception:
            log.exception("understanding failed on message %s", message.message_id)
            events.append(self._user_event(entry, None))
            return events, self._say(conversation.apply_all(events), entry, _internal_error(state.language), events)
        user = self._user_event(entry, parse)
        events.append(user)
        if parse.language and _switches(state, parse.language, parse.language_confidence):
            events.append(LanguageSet(language=parse.language, source="detected"))
        state = conversation.apply_all(events)
        try:
            decision = await self.dialogue.decide(state, message, parse)
        except Exception:
            log.exception("the dialogue failed on message %s", message.message_id)
            decision = Decision(utterances=(_internal_error(state.language or self.default_language),))
        events.extend(decision.events)
        # _say reads only the conversation id: no need to fold the decision's events again
        return events, self._say(state, entry, decision.utterances, events)

    def _expired(self, conversation: Conversation, now: float) -> bool:
        """Whether the customer was idle longer than the session expiry (never while an agent talks)."""
        if not self.session_expiry_seconds or conversation.last_inbound_at is None or conversation.owner is Owner.AGENT:
            return False
        return now - conversation.last_inbound_at > self.session_expiry_seconds

    def _user_event(self, entry: InboxEntry, parse: Parse | None) -> UserMessage:
        message = entry.message
        return UserMessage(
            message_id=message.message_id,
            channel=message.channel,
            content=message.content,
            text=message.text,
            parse=parse,
            metadata=dict(message.metadata),
            timestamp=message.received_at,
        )

    async def _resend(self, state: Conversation, entry: InboxEntry, events: list[Event]) -> list[OutboundMessage]:
        """The message a delivery report asks to send again (``DeliveryStatus.resend``), at most ``MAX_RESENDS`` times."""
        report = entry.message.content
        if not isinstance(report, DeliveryStatus) or not report.resend or not report.message_id:
            return []
        said = {e.message_id: e for e in await self.store.events(state.conversation_id) if isinstance(e, BotMessage)}
        failed = said.get(report.message_id)
        if failed is None:
            log.warning("delivery report %s asks to resend message %s, which this conversation never sent; nothing resent",
                        entry.message.message_id, report.message_id)
            return []
        first = failed.resend_of or failed.message_id
        if sum(e.resend_of == first for e in said.values()) >= MAX_RESENDS:
            log.error("message %s failed again (%s %s) after %d resends; giving up on it", first, report.error_code,
                      report.error_title, MAX_RESENDS)
            return []
        message_id = new_message_id()
        events.append(BotMessage(message_id=message_id, content=failed.content, response=failed.response,
                                 reply_to=failed.reply_to, resend_of=first))
        return [OutboundMessage(message_id=message_id, conversation_id=state.conversation_id, channel=entry.message.channel,
                                content=failed.content, reply_to=failed.reply_to, response=failed.response)]

    def _say(
        self, state: Conversation, entry: InboxEntry, utterances: Sequence[Utterance] | Utterance, events: list[Event]
    ) -> list[OutboundMessage]:
        if isinstance(utterances, Utterance):
            utterances = (utterances,)
        outbound: list[OutboundMessage] = []
        for utterance in utterances:
            message_id = new_message_id()
            events.append(
                BotMessage(message_id=message_id, content=utterance.content, response=utterance.response, reply_to=entry.message.message_id)
            )
            outbound.append(
                OutboundMessage(
                    message_id=message_id,
                    conversation_id=state.conversation_id,
                    channel=entry.message.channel,
                    content=utterance.content,
                    reply_to=entry.message.message_id,
                    response=utterance.response,
                )
            )
        return outbound


def _switches(state: Conversation, language: str | None, confidence: float | None) -> bool:
    """Whether a detected ``language`` becomes the conversation's reply language.

    Never over the customer's own choice; always for a conversation with no language yet; else
    only when the detector was sure (``confidence`` None means it was).
    """
    if not language or language == state.language or state.language_source == "customer":
        return False
    return state.language is None or confidence is None or confidence >= SWITCH_CONFIDENCE


def _internal_error(language: str | None) -> Utterance:
    text = INTERNAL_ERROR_TEXT.get(language or "en", INTERNAL_ERROR_TEXT["en"])
    return Utterance(OutText(text=text), "utter_internal_error")
