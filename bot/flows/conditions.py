"""Conditions of flows (``if:`` of guards, branches, rejections): Rasa's pypred language, parsed by us.

A condition is parsed once, at load time (syntax errors name their column), and evaluated against
``{"slots": {...}, "context": {...}}``. Evaluation never raises: whatever cannot be decided at run
time (a template naming a missing value, a rendered text that does not parse, a bad regex held by a
slot) makes the whole condition false, ``not`` around it included, as in Rasa, and is logged
(``decide`` says None instead, for rejections, which Rasa treats as violated then).

Grammar (a recursive-descent parser; pypred gives ``and``/``or`` equal precedence, we do not)::

    condition  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison          # not > and > or, like Python
    comparison := operand [operator operand]           # no chains: join comparisons with and
    operator   := = | == | != | > | >= | < | <= | is | is not | contains | matches
    operand    := number | string | true | false | null | undefined | empty
                | name | "{" literals "}" | "(" or_expr ")"

Keywords are case-insensitive. A name (``slots.order_id``) walks the document's dicts along its
dots; a path that is not there is ``undefined`` (never the text of the name). ``{{ name }}``
templates are rendered first with the frame context (``context.x`` and ``x`` both read ``x``).

Values (documented choices where pypred is loose):

* ``=``/``is`` and ``!=``/``is not``: ``null`` equals only None and ``undefined`` only an undefined
  path, so a slot missing from the document ``is not null``. ``x = empty`` holds for undefined,
  None and zero-length strings and collections. Booleans never equal numbers (``true = 1`` is
  false). Numbers compare numerically across int and float, and a string holding a number
  (``"150"``, as slots filled from text do) compares as that number against a number, for ``=``
  and for ordering; two strings always compare as strings.
* ``> >= < <=`` are false when either side is undefined, empty or null, or the two are not ordered
  with each other (a string and a list, a boolean and a number).
* ``a contains b``: substring when both are strings, member of a list or set, key of a dict (with
  the equality above, so ``["3"] contains 3``); otherwise false. ``a matches "re"``: ``re.search``
  when both are strings; a literal regex that does not compile is a syntax error.
* Set literals ``{"a" "b" 3}`` (spaces or commas) hold strings, numbers and constants; a set equals
  a list or set with the same members.
* A bare operand is its truthiness; undefined, empty and null are false.
"""

from __future__ import annotations

import enum
import functools
import logging
import operator
import re
from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.flows.condition_tokens import (
    ALLOWED_OPERATORS,
    ConditionError,
    Kind,
    Token,
    find_templates,
    tokenize,
)

__all__ = ["EMPTY", "UNDEFINED", "Condition", "ConditionError", "MissingTemplateValue", "Sentinel", "parse_condition", "render_template"]

log = logging.getLogger(__name__)

MAX_NESTING = 64
_NUMERIC_TEXT = re.compile(r"\s*-?\d+(?:\.\d+)?\s*\Z")
_ORDER: dict[str, Callable[[Any, Any], Any]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


class Sentinel(enum.Enum):
    """Values of the language that Python has no word for; both are falsy."""

    UNDEFINED = "undefined"
    EMPTY = "empty"

    def __bool__(self) -> bool:
        return False


UNDEFINED = Sentinel.UNDEFINED
EMPTY = Sentinel.EMPTY
_CONSTANTS: dict[object, object] = {"true": True, "false": False, "null": None, "undefined": UNDEFINED, "empty": EMPTY}


class MissingTemplateValue(KeyError):
    """A ``{{ name }}`` template names a value the context does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class Value:
    value: object


@dataclass(frozen=True, slots=True)
class Name:
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class Logic:
    word: Literal["and", "or"]
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node


Node = Value | Name | Not | Logic | Compare


@dataclass(frozen=True, slots=True)
class _Parsed:
    tree: Node
    names: frozenset[tuple[str, ...]]
    templated: bool


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition; ``Condition(text)`` raises ConditionError when ``text`` does not parse."""

    source: str
    _parsed: _Parsed = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_parsed", _parse(self.source, templates=True))

    def evaluate(self, document: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
        """Whether the condition holds for ``document``; false (never an exception) when it cannot be decided."""
        return self.decide(document, context) is True

    def decide(self, document: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool | None:
        """Whether the condition holds for ``document``, or None (logged) when it cannot be decided."""
        tree = self._parsed.tree
        try:
            if self._parsed.templated:
                values = document.get("context") if context is None else context
                rendered = render_template(self.source, values if isinstance(values, Mapping) else {})
                tree = _parse(rendered, templates=False).tree
            return _truth(tree, document)
        except (ConditionError, MissingTemplateValue, re.error, TypeError) as exc:
            log.warning("condition %r cannot be decided: %s", self.source, exc)
            return None

    def names(self) -> frozenset[tuple[str, ...]]:
        """The dotted names the condition reads, split on dots, templates' names included."""
        return self._parsed.names


def parse_condition(source: str | bool | float | None) -> Condition:
    """A Condition from an ``if:`` value as YAML gives it (text, a boolean or a number)."""
    if isinstance(source, bool):
        return Condition("true" if source else "false")
    if isinstance(source, int | float):
        text = repr(source)
        return Condition(text if _NUMERIC_TEXT.match(text) else "true" if source else "false")
    if source is None:
        raise ConditionError("", 1, "empty condition; write one such as slots.confirm, slots.count > 1 or true")
    return Condition(source)


def render_template(text: str, context: Mapping[str, Any]) -> str:
    """``text`` with each ``{{ name }}`` replaced by ``str()`` of its value in ``context``."""
    parts: list[str] = []
    pos = 0
    for template in find_templates(text):
        path = template.path[1:] if template.path[0] == "context" else template.path
        value = _lookup(context, path)
        if value is UNDEFINED:
            raise MissingTemplateValue(f"template {text[template.start : template.end]} names a value the context does not have")
        parts += [text[pos : template.start], str(value)]
        pos = template.end
    return "".join(parts) + text[pos:]


@functools.lru_cache(maxsize=1024)
def _parse(source: str, *, templates: bool) -> _Parsed:
    spans = find_templates(source) if templates else ()
    tokens = tokenize(source, spans)
    tree = _Parser(source, tokens).parse()
    names = {tok.value for tok in tokens if tok.kind is Kind.NAME and not tok.templated and isinstance(tok.value, tuple)}
    names |= {t.path if t.path[0] == "context" else ("context", *t.path) for t in spans}
    return _Parsed(tree, frozenset(names), bool(spans))


class _Parser:
    """Recursive descent over the tokens of one condition."""

    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def parse(self) -> Node:
        if self.peek().kind is Kind.END:
            raise ConditionError(self.source, 1, "empty condition; write one such as slots.confirm, slots.count > 1 or true")
        tree = self.logic("or")
        token = self.peek()
        if token.kind is Kind.RPAREN:
            raise self.error(token, 'unbalanced ")": there is no "(" before it')
        if token.kind is not Kind.END:
            raise self.error(token, self.expected_after_comparison(token, "end of condition"))
        return tree

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at_keyword(self, word: str) -> bool:
        return self.peek().kind is Kind.KEYWORD and self.peek().value == word

    def error(self, token: Token, reason: str) -> ConditionError:
        return ConditionError(self.source, token.column, reason)

    def expected_after_comparison(self, token: Token, closing: str) -> str:
        hint = "; join comparisons with and / or" if token.kind is Kind.OPERATOR else ""
        return f'expected "and", "or" or {closing}, found {token.describe()}{hint}'

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(token, f"condition nested more than {MAX_NESTING} levels deep")

    def logic(self, word: Literal["and", "or"]) -> Node:
        operands = [self.negation() if word == "and" else self.logic("and")]
        while self.at_keyword(word):
            self.advance()
            operands.append(self.negation() if word == "and" else self.logic("and"))
        return operands[0] if len(operands) == 1 else Logic(word, tuple(operands))

    def negation(self) -> Node:
        if not self.at_keyword("not"):
            return self.comparison()
        self.nest(self.advance())
        tree = Not(self.negation())
        self.depth -= 1
        return tree

    def comparison(self) -> Node:
        left = self.operand()
        token = self.peek()
        if token.kind is Kind.OPERATOR or (token.kind is Kind.KEYWORD and token.value in ("contains", "matches")):
            op = str(self.advance().value)
        elif token.kind is Kind.KEYWORD and token.value == "is":
            self.advance()
            op = "!=" if self.at_keyword("not") else "="
            if op == "!=":
                self.advance()
        elif token.kind is Kind.NAME and "." not in token.text:
            raise self.error(token, f'unknown operator "{token.text}"; allowed: {ALLOWED_OPERATORS}')
        else:
            return left
        right_token = self.peek()
        right = self.operand()
        if op == "matches" and isinstance(right, Value):
            if not isinstance(right.value, str):
                raise self.error(right_token, f'"matches" needs a quoted regular expression, found {right_token.describe()}')
            try:
                re.compile(right.value)
            except re.error as exc:
                raise self.error(right_token, f"invalid regular expression {right_token.text}: {exc}") from None
        return Compare(op, left, right)

    def operand(self) -> Node:
        token = self.advance()
        if token.kind in (Kind.NUMBER, Kind.STRING):
            return Value(token.value)
        if token.kind is Kind.NAME and isinstance(token.value, tuple):
            return Name(token.value)
        if token.kind is Kind.KEYWORD and token.value in _CONSTANTS:
            return Value(_CONSTANTS[token.value])
        if token.kind is Kind.LPAREN:
            self.nest(token)
            tree = self.logic("or")
            closing = self.advance()
            if closing.kind is not Kind.RPAREN:
                raise self.error(closing, self.expected_after_comparison(closing, f'")" to close "(" at column {token.column}'))
            self.depth -= 1
            return tree
        if token.kind is Kind.LBRACE:
            return self.set_literal(token)
        previous = self.tokens[self.pos - 2] if self.pos >= 2 else None
        after = f' after "{previous.text}"' if previous else ""
        raise self.error(token, f"expected a value{after}, found {token.describe()}")

    def set_literal(self, opening: Token) -> Node:
        items: list[object] = []
        while (token := self.advance()).kind is not Kind.RBRACE:
            if token.kind in (Kind.NUMBER, Kind.STRING):
                items.append(token.value)
            elif token.kind is Kind.KEYWORD and token.value in _CONSTANTS:
                items.append(_CONSTANTS[token.value])
            elif token.kind is Kind.END:
                raise self.error(token, f'expected "}}" to close "{{" at column {opening.column}, found end of condition')
            elif token.kind is not Kind.COMMA:
                raise self.error(token, f"a set holds strings, numbers and constants, found {token.describe()}")
        return Value(frozenset(items))


def _lookup(document: Mapping[str, Any], path: tuple[str, ...]) -> object:
    value: object = document
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return UNDEFINED
        value = value[part]
    return value


def _truth(tree: Node, document: Mapping[str, Any]) -> bool:
    match tree:
        case Not(operand):
            return not _truth(operand, document)
        case Logic("and", operands):
            return all(_truth(item, document) for item in operands)
        case Logic(_, operands):
            return any(_truth(item, document) for item in operands)
        case Compare(op, left, right):
            return _compare(op, _value(left, document), _value(right, document))
        case _:
            return bool(_value(tree, document))


def _value(tree: Node, document: Mapping[str, Any]) -> object:
    match tree:
        case Value(value):
            return value
        case Name(path):
            return _lookup(document, path)
        case _:
            return _truth(tree, document)


def _compare(op: str, left: object, right: object) -> bool:
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op == "contains":
        return _contains(left, right)
    if op == "matches":
        return isinstance(left, str) and isinstance(right, str) and re.search(right, left) is not None
    return _order(op, left, right)


def _number(value: object) -> int | float | None:
    """``value`` as a number when it is one or a string spelling one; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC_TEXT.match(value):
        text = value.strip()
        try:
            return float(text) if "." in text else int(text)
        except ValueError:  # more digits than int() converts: as large a float
            return float(text)
    return None


def _numbers(left: object, right: object) -> tuple[int | float, int | float] | None:
    """Both sides as numbers, when at least one is a real number and the other is or spells one."""
    if isinstance(left, str) and isinstance(right, str):
        return None
    a, b = _number(left), _number(right)
    return None if a is None or b is None else (a, b)


def _is_empty(value: object) -> bool:
    return value is None or isinstance(value, Sentinel) or (isinstance(value, Sized) and len(value) == 0)


def _equal(left: object, right: object) -> bool:
    if left is EMPTY or right is EMPTY:
        return _is_empty(right if left is EMPTY else left)
    if left is UNDEFINED or right is UNDEFINED or left is None or right is None:
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if (numbers := _numbers(left, right)) is not None:
        return numbers[0] == numbers[1]
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, set | frozenset) or isinstance(right, set | frozenset):
        if not isinstance(left, list | tuple | set | frozenset) or not isinstance(right, list | tuple | set | frozenset):
            return False
        return all(_contains(right, a) for a in left) and all(_contains(left, b) for b in right)
    return bool(left == right)


def _contains(container: object, item: object) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, Mapping | list | tuple | set | frozenset):
        return any(_equal(member, item) for member in container)
    return False


def _order(op: str, left: object, right: object) -> bool:
    if any(value is None or isinstance(value, Sentinel) for value in (left, right)):
        return False
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if (numbers := _numbers(left, right)) is not None:
        return bool(_ORDER[op](*numbers))
    try:
        return bool(_ORDER[op](left, right))
    except TypeError:  # not ordered with each other (str and list, dict and dict): the comparison is false
        return False
