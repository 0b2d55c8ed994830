"""The first dialogue manager: answer intent ``x`` with the response ``utter_x``.

Flows (next issue) replace it. Entities become slots of the same name, like Rasa's
``store_entities_as_slots``, so responses can say ``{name}``.
"""

from __future__ import annotations

from bot.core.conversation import Conversation
from bot.core.events import ActionRun, Event, Parse, SlotSet
from bot.core.messages import InboundMessage, OutText
from bot.dialogue.base import Decision, Utterance
from bot.responses.render import ResponseRenderer

FALLBACK_RESPONSE = "utter_default"
BUILTIN_FALLBACK = "Sorry, I didn't understand that."


class IntentResponder:
    """Says ``utter_<intent>``, or ``utter_default`` when there is none."""

    def __init__(self, renderer: ResponseRenderer) -> None:
        self.renderer = renderer

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        """Set slots from entities and say the intent's response."""
        events: list[Event] = []
        slots = dict(conversation.slots)
        for entity in parse.entities:
            if slots.get(entity.entity) != entity.value:
                events.append(SlotSet(name=entity.entity, value=entity.value))
                slots[entity.entity] = entity.value
        name = f"utter_{parse.intent.name}" if parse.intent else FALLBACK_RESPONSE
        if not self.renderer.has(name):
            name = FALLBACK_RESPONSE
        content = self.renderer.render(name, language=conversation.language, channel=message.channel, values=slots)
        if content is None:
            content = OutText(text=BUILTIN_FALLBACK)
        events.append(ActionRun(name=name))
        return Decision(events=tuple(events), utterances=(Utterance(content, name),))
