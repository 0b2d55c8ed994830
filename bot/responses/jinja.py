"""Responses written as Jinja templates (``metadata: {template: jinja}``, as in Rasa).

Rasa's default patterns write ``{{ context.canceled_name }}`` or
``{{ context.corrected_slots.keys()|join(', ') }}``; such a variation is rendered by Jinja in a
sandbox (no attribute access to Python internals), with the slots as names and the dialogue
frame's context as ``context``. Syntax errors are found when the responses are loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

log = logging.getLogger(__name__)

JINJA = "jinja"


class JinjaTemplates:
    """Compiles each template once and renders it; an error renders the text as written (logged)."""

    def __init__(self) -> None:
        self._environment = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
        self._compiled: dict[str, Template] = {}

    def check(self, text: str) -> str | None:
        """What is wrong with ``text`` as a template (with the line), or None."""
        try:
            self._environment.parse(text)
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            return f"{exc}" + (f" (line {line} of the text)" if line and "\n" in text else "")
        return None

    def render(self, text: str, values: Mapping[str, Any]) -> str:
        """``text`` rendered with ``values``; flat ``context.x`` keys become ``context`` mappings."""
        template = self._compiled.get(text)
        try:
            if template is None:
                template = self._compiled[text] = self._environment.from_string(text)
            return template.render(nested(values))
        except TemplateError as exc:
            log.error("response template %r cannot be rendered: %s", text, exc)
            return text


def nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a": 1, "context.b": 2}`` as ``{"a": 1, "context": {"b": 2}}``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        head, dot, rest = key.partition(".")
        if dot and head == "context":
            out.setdefault("context", {})[rest] = value
        elif not dot:
            out[key] = value
    return out
