"""Lexing of flow conditions: the ``{{ name }}`` template spans, then tokens with their columns.

Kept apart from :mod:`bot.flows.conditions` (the parser and the evaluator) so each stays small.
Template spans are found first, on the raw text, as Jinja does before pypred sees anything; for
the load-time syntax check each span is masked with underscores of the same length, so it reads
as a name and every column still points into the text the designer wrote.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import DataError

__all__ = ["ALLOWED_OPERATORS", "KEYWORDS", "OPERATORS", "ConditionError", "Kind", "Template", "Token", "find_templates", "tokenize"]

OPERATORS = frozenset({"=", "==", "!=", ">", ">=", "<", "<="})
ALLOWED_OPERATORS = "= == != > >= < <= is, is not, contains, matches"
KEYWORDS = frozenset({"and", "or", "not", "is", "contains", "matches", "true", "false", "null", "undefined", "empty"})

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?![\w.\-:;])")
_NAME = re.compile(r"[A-Za-z_][\w\-:;]*(?:\.[\w\-:;]+)*")
_WORD_RUN = re.compile(r"-?[\w.\-:;]+")
_OPERATOR_RUN = re.compile(r"[=!<>~&|]+")
_TEMPLATE_NAME = re.compile(r"\s*([A-Za-z_]\w*(?:\.\w+)*)\s*\Z")
_TEMPLATE_PREFIX = re.compile(r"\s*(?:[A-Za-z_]\w*(?:\.\w+)*\s*)?")  # always matches: the part before the fault
_SINGLE = {"(": "LPAREN", ")": "RPAREN", "{": "LBRACE", "}": "RBRACE", ",": "COMMA"}


class ConditionError(DataError):
    """A condition that does not parse; ``column`` is 1-based in ``source``, ``reason`` says what is wrong."""

    def __init__(self, source: str, column: int, reason: str) -> None:
        self.source = source
        self.column = column
        self.reason = reason
        super().__init__(f"column {column}: {reason}")

    def __reduce__(self) -> tuple[type[ConditionError], tuple[str, int, str]]:
        return (type(self), (self.source, self.column, self.reason))


@dataclass(frozen=True, slots=True)
class Template:
    """A ``{{ name }}`` span: ``start``/``end`` are 0-based offsets of ``{{`` and just after ``}}``."""

    start: int
    end: int
    path: tuple[str, ...]


class Kind(enum.Enum):
    """What a token is."""

    NAME = "name"
    NUMBER = "number"
    STRING = "string"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    LPAREN = "("
    RPAREN = ")"
    LBRACE = "{"
    RBRACE = "}"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token; ``text`` is as written, ``value`` is decoded (str, int/float, path tuple, lowercase keyword)."""

    kind: Kind
    text: str
    column: int
    value: object = None
    templated: bool = False

    def describe(self) -> str:
        """The token as an error message names it."""
        if self.kind is Kind.END:
            return "end of condition"
        if self.kind is Kind.STRING:
            return f"string {self.text}"
        return f'"{self.text}"'


def find_templates(source: str) -> tuple[Template, ...]:
    """The ``{{ dotted.name }}`` spans of ``source``; anything else inside ``{{ }}`` is a ConditionError."""
    templates: list[Template] = []
    pos = 0
    while (start := source.find("{{", pos)) != -1:
        close = source.find("}}", start + 2)
        if close == -1:
            raise ConditionError(source, start + 1, 'unclosed template "{{": close it with "}}"')
        inner = source[start + 2 : close]
        match = _TEMPLATE_NAME.match(inner)
        if match is None:
            prefix = _TEMPLATE_PREFIX.match(inner)
            column = start + 3 + (prefix.end() if prefix else 0)
            found = f'found "{inner.strip()}"' if inner.strip() else "found nothing"
            raise ConditionError(
                source, column, f"a template may only name a value, like {{{{ context.collect }}}}; {found} (filters and expressions are not supported)"
            )
        templates.append(Template(start, close + 2, tuple(match.group(1).split("."))))
        pos = close + 2
    return tuple(templates)


def tokenize(source: str, templates: Sequence[Template] = ()) -> list[Token]:
    """The tokens of ``source`` (with ``templates`` masked as names), ending with an END token."""
    text = source
    for template in templates:
        text = text[: template.start] + "_" * (template.end - template.start) + text[template.end :]
    spans = [(t.start, t.end) for t in templates]
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if space := _SPACE.match(text, pos):
            pos = space.end()
            continue
        token, end = _read_token(source, text, pos)
        templated = any(start < end and pos < stop for start, stop in spans)
        tokens.append(Token(token.kind, token.text, token.column, token.value, templated))
        pos = end
    tokens.append(Token(Kind.END, "", len(source) + 1))
    return tokens


def _read_token(source: str, text: str, pos: int) -> tuple[Token, int]:
    """The token starting at ``pos`` of the masked ``text`` and the offset just after it."""
    char, column = text[pos], pos + 1
    if char in _SINGLE:
        return Token(Kind[_SINGLE[char]], char, column), pos + 1
    if char in "\"'":
        value, end = _read_string(source, text, pos)
        return Token(Kind.STRING, source[pos:end], column, value), end
    if char.isdigit() or (char == "-" and text[pos + 1 : pos + 2].isdigit()):
        if number := _NUMBER.match(text, pos):
            raw = number.group()
            return Token(Kind.NUMBER, source[pos : number.end()], column, float(raw) if "." in raw else int(raw)), number.end()
        run = _WORD_RUN.match(text, pos)
        end = run.end() if run else pos + 1
        raise ConditionError(source, column, f'invalid number "{source[pos:end]}"; numbers look like 3, -2 or 1.5')
    if name := _NAME.match(text, pos):
        end = name.end()
        if text[end : end + 1] == ".":
            raise ConditionError(source, end + 1, f'a name cannot end with ".": "{source[pos : end + 1]}"')
        word = name.group()
        if word.lower() in KEYWORDS:
            return Token(Kind.KEYWORD, source[pos:end], column, word.lower()), end
        return Token(Kind.NAME, source[pos:end], column, tuple(word.split("."))), end
    if operator := _OPERATOR_RUN.match(text, pos):
        raw = operator.group()
        if raw in OPERATORS:
            return Token(Kind.OPERATOR, raw, column, "=" if raw == "==" else raw), operator.end()
        hint = "; for logic use and, or, not" if set(raw) <= set("&|") else ""
        raise ConditionError(source, column, f'unknown operator "{raw}"; allowed: {ALLOWED_OPERATORS}{hint}')
    raise ConditionError(source, column, f'unexpected character "{char}"')


def _read_string(source: str, text: str, pos: int) -> tuple[str, int]:
    """The decoded string opening at ``pos`` and the offset after its closing quote.

    Only the quote and the backslash are escapes, so regexes such as ``"^\\+966"`` keep theirs.
    """
    quote = text[pos]
    chars: list[str] = []
    i = pos + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and text[i + 1 : i + 2] in (quote, "\\"):
            chars.append(text[i + 1])
            i += 2
        elif char == quote:
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise ConditionError(source, pos + 1, f"unterminated string: add the closing {quote}")
