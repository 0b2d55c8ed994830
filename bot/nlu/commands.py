"""Rasa-style command payloads: ``/intent``, ``/intent{"entity": "value"}``, ``/intent@0.8``.

Buttons send these payloads, and until a trained model is configured they are the only way
the bot understands; any other text gets no intent (and the language ``detect_language`` finds).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from bot.core.conversation import Conversation
from bot.core.events import Entity, IntentScore, Parse
from bot.core.messages import InboundMessage
from bot.nlu.language import detect_language

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/(?P<intent>[^{@\s/][^{@\s]*)(?:@(?P<confidence>[0-9.]+))?(?P<entities>\{.*\})?\s*$", re.DOTALL)
EXTRACTOR = "CommandPayload"


def parse_command(text: str) -> Parse | None:
    """The parse of a command payload, or None if ``text`` is not one."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    confidence = 1.0
    if match["confidence"]:
        try:
            confidence = max(0.0, min(1.0, float(match["confidence"])))
        except ValueError:
            confidence = 1.0
    entities: list[Entity] = []
    if match["entities"]:
        try:
            raw = json.loads(match["entities"])
        except json.JSONDecodeError as exc:
            log.warning("command %r: entities are not valid JSON (%s); ignoring them", text[:80], exc.msg)
            raw = {}
        if isinstance(raw, dict):
            start = match.start("entities")
            for name, value in raw.items():
                values = value if isinstance(value, list) else [value]
                entities += [Entity(entity=str(name), value=v, extractor=EXTRACTOR, start=start, end=len(text)) for v in values]
        else:
            log.warning("command %r: entities must be a JSON object; ignoring them", text[:80])
    intent = IntentScore(name=match["intent"], confidence=confidence)
    return Parse(intent=intent, entities=tuple(entities), intent_ranking=(intent,))


class CommandUnderstanding:
    """Understands command payloads only; the trained NLU replaces it (see docs)."""

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = tuple(languages)

    async def parse(self, message: InboundMessage, conversation: Conversation) -> Parse:
        """Parse a command, else return no intent with the script's language."""
        return self.parse_text(message.text or "")

    def parse_text(self, text: str) -> Parse:
        """The parse of a text."""
        command = parse_command(text)
        if command is not None:
            return command
        guess = detect_language(text, self.languages)
        return Parse(intent=None, language=guess.language,
                     language_confidence=round(guess.confidence, 3) if guess.language else None)
