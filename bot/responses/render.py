"""Choose a response variation for a conversation and fill in its ``{slot}`` variables."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from typing import Any

from bot.core.messages import OutboundContent, OutButtons, OutText
from bot.responses.catalog import Responses, Variation
from bot.responses.jinja import JINJA, JinjaTemplates
from bot.responses.rich import fill_rich

_FORMATTER = string.Formatter()


class ResponseRenderer:
    """Renders named responses in a language, for a channel, with slot values."""

    def __init__(self, responses: Responses, *, default_language: str, rng: random.Random | None = None) -> None:
        self.responses = responses
        self.default_language = default_language
        self._rng = rng or random.Random()
        self._jinja = JinjaTemplates()

    def has(self, name: str) -> bool:
        """Whether a response of that name exists."""
        return name in self.responses

    def render(
        self, name: str, *, language: str | None, channel: str, values: Mapping[str, Any]
    ) -> OutboundContent | None:
        """The rendered response, or None if it has no variation usable here."""
        variations = self.responses.by_name.get(name, ())
        chosen = self._choose(variations, language or self.default_language, channel, values)
        if chosen is None:
            return None
        if chosen.template == JINJA:
            def filled(text: str) -> str:
                return self._jinja.render(text, values) if "{" in text else text
        else:
            def filled(text: str) -> str:
                return fill(text, values)
        text = filled(chosen.text or "")
        if chosen.rich is not None:
            return fill_rich(chosen.rich, text, filled)
        if chosen.buttons:
            buttons = tuple(type(b)(title=filled(b.title), payload=b.payload) for b in chosen.buttons)
            return OutButtons(text=text, buttons=buttons)
        return OutText(text=text)

    def _choose(
        self, variations: tuple[Variation, ...], language: str, channel: str, values: Mapping[str, Any]
    ) -> Variation | None:
        in_language = [v for v in variations if (v.language or self.default_language) == language]
        if not in_language and language != self.default_language:
            in_language = [v for v in variations if (v.language or self.default_language) == self.default_language]
        usable = [
            v for v in in_language
            if (v.channel is None or v.channel == channel) and all(c.holds(values) for c in v.conditions)
        ]
        if not usable:
            return None
        # Rasa's order: conditional for this channel, then any for this channel, then the rest.
        groups = (
            [v for v in usable if v.conditions and v.channel == channel],
            [v for v in usable if v.channel == channel],
            [v for v in usable if v.conditions],
            usable,
        )
        group = next(g for g in groups if g)
        # Our addition: prefer variations whose {placeholders} can all be filled, and among
        # those the ones that say the most of what is known.
        complete = [v for v in group if v.template == JINJA or not missing(v.text or "", values)]
        if complete:
            def known(v: Variation) -> int:
                return 0 if v.template == JINJA else len(placeholders(v.text or ""))
            most = max(map(known, complete))
            group = [v for v in complete if known(v) == most]
        return self._rng.choice(group)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a template."""
    return {field for _, field, _, _ in _FORMATTER.parse(text) if field}


def missing(text: str, values: Mapping[str, Any]) -> set[str]:
    """Placeholders with no value (None counts as missing)."""
    return {name for name in placeholders(text) if values.get(name) is None}


def fill(text: str, values: Mapping[str, Any]) -> str:
    """Replace ``{name}`` with values; unknown names stay as written (as in Rasa)."""
    out: list[str] = []
    for literal, field, spec, conversion in _FORMATTER.parse(text):
        out.append(literal)
        if field is None:
            continue
        value = values.get(field)
        if value is None:
            out.append("{" + field + (("!" + conversion) if conversion else "") + ((":" + spec) if spec else "") + "}")
        else:
            out.append(format(value, spec or ""))
    return "".join(out)
