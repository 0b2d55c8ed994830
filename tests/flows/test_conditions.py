"""Conditions: every operator, literal and precedence rule, templates, and errors with their columns."""

from __future__ import annotations

import logging
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BotError
from bot.flows.conditions import (
    UNDEFINED,
    Condition,
    ConditionError,
    MissingTemplateValue,
    parse_condition,
    render_template,
)

SLOTS: dict[str, Any] = {
    "order_id": "A-12345",
    "amount": "150",
    "count": 3,
    "ratio": 1.5,
    "zero": 0,
    "confirm": True,
    "declined": False,
    "nothing": None,
    "name": "",
    "items": ["shoes", "bag", 3],
    "no_items": [],
    "profile": {"city": "Riyadh", "zip": None},
    "phone": "+966501234567",
    "consecutive_silence_timeouts": 2.0,
    "return_value": "success",
    "pattern": "(",
    "quote": 'say "hi"',
    "huge": "9" * 5000,  # more digits than int() converts
}
CONTEXT: dict[str, Any] = {"collect": "order_id", "reason": "cannot_handle_chitchat", "is_reset_only": False, "flag": True}
DOCUMENT = {"slots": SLOTS, "context": CONTEXT}


def holds(condition: str, document: dict[str, Any] = DOCUMENT) -> bool:
    return parse_condition(condition).evaluate(document)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # equality: = == is, and their negations
        ('slots.order_id = "A-12345"', True),
        ('slots.order_id == "A-12345"', True),
        ('slots.order_id is "A-12345"', True),
        ('slots.order_id != "A-12345"', False),
        ('slots.order_id is not "A-12345"', False),
        ('slots.order_id is not "B-1"', True),
        ("slots.count = 3.0", True),
        ("slots.ratio = 1.5", True),
        ("slots.items = slots.items", True),
        ('slots.profile = slots.profile', True),
        # ordering
        ("slots.count > 2", True),
        ("slots.count >= 3", True),
        ("slots.count < 3", False),
        ("slots.count <= 3", True),
        ("slots.ratio < 2", True),
        ("-1 < 0", True),
        ("-1.5 < -1", True),
        ('"abc" < "abd"', True),
        # contains
        ('slots.items contains "shoes"', True),
        ("slots.items contains 3", True),
        ('slots.items contains "socks"', False),
        ('slots.order_id contains "123"', True),
        ("slots.order_id contains 123", False),
        ('slots.profile contains "city"', True),
        ("slots.count contains 3", False),
        ('slots.missing contains "a"', False),
        ('slots.quote contains "\\"hi\\""', True),
        # matches
        ('slots.order_id matches "^[A-Z]-[0-9]{5}$"', True),
        (r'slots.phone matches "^\+966"', True),
        (r'slots.phone matches "^\+971"', False),
        ('slots.count matches "3"', False),
        ('slots.order_id matches slots.order_id', True),
        # literals and escapes
        ("'it\\'s' = \"it's\"", True),
        ('"back\\\\slash" = \'back\\\\slash\'', True),
        (r'"a\d" = "a\d"', True),
        ("3 = 3", True),
        ("2.50 = 2.5", True),
        # null, undefined, empty
        ("slots.nothing = null", True),
        ("slots.nothing is null", True),
        ("slots.nothing is undefined", False),
        ("slots.missing is undefined", True),
        ("slots.missing = null", False),
        ("slots.missing is not null", True),
        ("slots.missing.deeper is undefined", True),
        ("slots.order_id.deeper is undefined", True),
        ("slots.nothing is empty", True),
        ("slots.missing is empty", True),
        ("slots.name = empty", True),
        ("slots.no_items = empty", True),
        ("slots.items = empty", False),
        ("slots.zero = empty", False),
        ("slots.declined = empty", False),
        ("slots.order_id != empty", True),
        ("undefined = empty", True),
        ("empty = empty", True),
        ("null = undefined", False),
        ("null = empty", True),
        ("slots.missing > 1", False),
        ("slots.missing <= slots.missing", False),
        ("slots.nothing < 1", False),
        ("slots.nothing >= slots.nothing", False),
        ("empty < 1", False),
        # an unquoted word is a name (here undefined), never the string it spells
        ("slots.return_value = success", False),
        ("slots.status = shipped", True),
        # booleans never equal numbers
        ("true = 1", False),
        ("false = 0", False),
        ("slots.confirm = 1", False),
        ("slots.zero = false", False),
        ("slots.confirm = true", True),
        ("slots.confirm > slots.zero", False),
        ("true > false", True),
        # a string spelling a number compares as that number against a number
        ("slots.amount > 100", True),
        ("slots.amount < 20", False),
        ("slots.amount = 150", True),
        ("slots.amount = 150.0", True),
        ('slots.amount = "150"', True),
        ('slots.amount = "150.0"', False),
        ('slots.amount > "1000"', True),
        ('slots.count = "3"', True),
        ('slots.items contains "3"', True),
        ('"7 dwarfs" > 5', False),
        ("slots.huge > 1", True),
        # values that are not ordered with each other
        ("slots.items > 3", False),
        ('slots.order_id < 3', False),
        ("slots.profile < slots.profile", False),
        ("slots.items < slots.order_id", False),
        # set literals
        ('{"a" "b" 3} contains 3', True),
        ('{"a", "b"} contains "a"', True),
        ('{"a" "b"} contains slots.order_id', False),
        ('{"A-12345" "B-00001"} contains slots.order_id', True),
        ("{true null} contains slots.nothing", True),
        ('{"shoes" "bag" 3} = slots.items', True),
        ('{"shoes"} = slots.items', False),
        ("{} = empty", True),
        ("{}", False),
        ('{"a"}', True),
        # bare operands are their truthiness
        ("slots.confirm", True),
        ("slots.declined", False),
        ("slots.nothing", False),
        ("slots.missing", False),
        ("slots.name", False),
        ("slots.zero", False),
        ("slots.items", True),
        ("slots.no_items", False),
        ("context.collect", True),
        ("not context.is_reset_only", True),
        ("undefined", False),
        ("empty", False),
        ("null", False),
        ("0", False),
        ('"x"', True),
        ("(slots.count > 1) = true", True),
        # keywords are case-insensitive, names are not
        ("slots.confirm = TRUE", True),
        ("slots.declined is False", True),
        ("slots.nothing IS NULL", True),
        ("slots.missing Is Not Null", True),
        ("slots.missing = UNDEFINED", True),
        ("slots.name = Empty", True),
        ('slots.items CONTAINS "bag"', True),
        ('slots.order_id MATCHES "^A"', True),
        ("slots.confirm AND NOT slots.declined", True),
        ("slots.declined OR slots.confirm", True),
        ("Slots.confirm", False),
        # examples of the reference (sections 1.6 and 1.8)
        ('not (slots.order_id matches "^[A-Z]-[0-9]{5}$")', False),
        ('context.reason is "cannot_handle_chitchat"', True),
        ("'{{context.reason}}' = 'cannot_handle_chitchat'", True),
        ("slots.{{context.collect}} is not null", True),
        ("slots.consecutive_silence_timeouts > 1.0", True),
        ("slots.return_value == 'success'", True),
        ("slots.is_verified", False),
    ],
)
def test_semantics(condition: str, expected: bool) -> None:
    assert holds(condition) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # and binds tighter than or (pypred's right-associative equal precedence would give False)
        ("true or false and false", True),
        ("false and false or true", True),
        ("false and true or true", True),
        ("(true or false) and false", False),
        # not binds tighter than and, looser than a comparison
        ("not false and false", False),
        ("not (false and false)", True),
        ("not slots.count = 3", False),
        ("not not slots.confirm", True),
        ("not slots.declined or slots.declined and slots.declined", True),
        ("slots.count > 1 and slots.count < 5 and not slots.declined", True),
        ("((slots.confirm))", True),
    ],
)
def test_precedence(condition: str, expected: bool) -> None:
    assert holds(condition) is expected


def test_reference_rejection_and_silence_examples() -> None:
    rejection = parse_condition('not (slots.order_id matches "^[A-Z]-[0-9]{5}$")')
    assert rejection.evaluate({"slots": {"order_id": "12345"}})
    assert not rejection.evaluate({"slots": {"order_id": "B-54321"}})
    silence = parse_condition("slots.consecutive_silence_timeouts > 1.0")
    assert not silence.evaluate({"slots": {"consecutive_silence_timeouts": 1}})
    assert silence.evaluate({"slots": {"consecutive_silence_timeouts": "2"}})


def test_templates_render_with_the_context_argument_first() -> None:
    condition = parse_condition("slots.{{context.collect}} is not null")
    assert condition.evaluate({"slots": {"order_id": "A-1"}}, {"collect": "order_id"})
    assert not condition.evaluate({"slots": {"order_id": None}}, {"collect": "order_id"})
    document = {"slots": {"order_id": None, "other": "A-1"}, "context": {"collect": "order_id"}}
    assert not condition.evaluate(document)
    assert condition.evaluate(document, {"collect": "other"})
    bare = parse_condition("slots.{{ collect }} = 'A-1' and {{context.flag}}")
    assert bare.evaluate({"slots": {"order_id": "A-1"}, "context": {"collect": "order_id", "flag": True}})


def test_render_template() -> None:
    assert render_template("slots.{{ context.collect }} is null", {"collect": "x"}) == "slots.x is null"
    assert render_template("{{collect}}-{{context.n}}", {"collect": "a", "n": 2}) == "a-2"
    assert render_template("no templates", {}) == "no templates"
    with pytest.raises(MissingTemplateValue, match=r"\{\{context.nope\}\}"):
        render_template("slots.{{context.nope}}", {"collect": "x"})
    with pytest.raises(ConditionError) as caught:
        render_template("slots.{{ context.collect | upper }}", {"collect": "x"})
    assert caught.value.column == 26


def test_names_include_template_names_but_not_templated_names() -> None:
    condition = parse_condition("slots.{{context.collect}} is not null and slots.count > context.limit or {{ utter }}")
    assert condition.names() == {("context", "collect"), ("slots", "count"), ("context", "limit"), ("context", "utter")}
    assert parse_condition('slots.a = "slots.b" and not slots.c contains true').names() == {("slots", "a"), ("slots", "c")}
    assert parse_condition(True).names() == frozenset()


@pytest.mark.parametrize(
    ("raw", "source", "value"),
    [(True, "true", True), (False, "false", False), (1, "1", True), (0, "0", False), (2.5, "2.5", True), (1e300, "true", True)],
)
def test_yaml_scalars_are_constant_conditions(raw: bool | float, source: str, value: bool) -> None:
    condition = parse_condition(raw)
    assert condition.source == source
    assert condition.evaluate({}) is value


def test_condition_is_a_value() -> None:
    assert Condition("slots.a") == parse_condition("slots.a")
    assert hash(Condition("slots.a")) == hash(parse_condition("slots.a"))
    assert repr(Condition("slots.a")) == "Condition(source='slots.a')"
    assert not UNDEFINED


@pytest.mark.parametrize(
    ("condition", "document"),
    [
        ("slots.order_id matches slots.pattern", DOCUMENT),  # a regex held by a slot that does not compile
        ("not (slots.order_id matches slots.pattern)", DOCUMENT),  # the whole condition is false, as in Rasa
        ("slots.{{context.missing}} is null", DOCUMENT),  # a template naming a missing value
        ("slots.{{context.collect}} is null", {"slots": {}}),  # no context at all
        ("slots.{{context.collect}} is not null", {"slots": {}, "context": {"collect": "a b"}}),  # renders to a syntax error
        ("{{context.collect}} = 1", {"slots": {}, "context": {"collect": "("}}),
        ("slots.{{context.collect}} = 1", {"slots": {}, "context": "not a mapping"}),
        ("'{{context.reason}}' = 'x'", {"slots": {}, "context": {"reason": "it's"}}),  # the quote ends the string
    ],
)
def test_runtime_errors_are_false_and_logged(condition: str, document: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.flows.conditions"):
        assert parse_condition(condition).evaluate(document) is False
    assert any(condition in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("condition", "column", "reason"),
    [
        ("slots.foo and", 14, 'expected a value after "and", found end of condition'),
        ("slots.x => 3", 9, 'unknown operator "=>"; allowed: = == != > >= < <= is, is not, contains, matches'),
        ("slots.x equals 3", 9, 'unknown operator "equals"; allowed:'),
        ("a && b", 3, 'unknown operator "&&"'),
        ('slots.x = "abc', 11, "unterminated string: add the closing \""),
        ("slots.x = 'it\\'s", 11, "unterminated string: add the closing '"),
        ("(slots.a and slots.b", 21, 'expected "and", "or" or ")" to close "(" at column 1, found end of condition'),
        ("((slots.a) slots.b)", 12, 'expected "and", "or" or ")" to close "(" at column 1, found "slots.b"'),
        ("slots.a)", 8, 'unbalanced ")": there is no "(" before it'),
        ("", 1, "empty condition"),
        ("   ", 1, "empty condition"),
        ("slots.a slots.b", 9, 'expected "and", "or" or end of condition, found "slots.b"'),
        ('slots.a "b"', 9, 'found string "b"'),
        ("1 < slots.x < 5", 13, 'found "<"; join comparisons with and / or'),
        ('slots.x matches "("', 17, 'invalid regular expression "("'),
        ("slots.x matches 5", 17, '"matches" needs a quoted regular expression, found "5"'),
        ("slots.x = and", 11, 'expected a value after "=", found "and"'),
        ("slots.x is not not", 16, 'expected a value after "not", found "not"'),
        ("not", 4, 'expected a value after "not", found end of condition'),
        (") or true", 1, 'expected a value, found ")"'),
        ('{"a" slots.b}', 6, 'a set holds strings, numbers and constants, found "slots.b"'),
        ('{"a" "b"', 9, 'expected "}" to close "{" at column 1, found end of condition'),
        ("slots.", 6, 'a name cannot end with ".": "slots."'),
        ("slots.x = 3abc", 11, 'invalid number "3abc"'),
        ("slots.x = 1.2.3", 11, 'invalid number "1.2.3"'),
        ("slots.x = @", 11, 'unexpected character "@"'),
        ("slots.x = .5", 11, 'unexpected character "."'),
        ("{{ x | upper }}", 6, 'a template may only name a value, like {{ context.collect }}; found "x | upper"'),
        ("slots.{{ 1 + 2 }} is null", 10, 'found "1 + 2"'),
        ("slots.{{x", 7, 'unclosed template "{{"'),
        ("slots.{{context.collect}} => 1", 27, 'unknown operator "=>"'),
        ("slots.{{context.collect}} {{context.utter}}", 27, 'found "{{context.utter}}"'),
        ("(" * 65 + "true" + ")" * 65, 65, "nested more than 64 levels deep"),
        ("not " * 65 + "true", 257, "nested more than 64 levels deep"),
    ],
)
def test_syntax_errors_name_their_column(condition: str, column: int, reason: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(condition)
    error = caught.value
    assert (error.source, error.column) == (condition, column)
    assert reason in error.reason
    assert str(error) == f"column {column}: {error.reason}"


def test_condition_error_is_a_bot_error_and_pickles() -> None:
    with pytest.raises(ConditionError) as caught:
        Condition("slots.a =")
    assert isinstance(caught.value, BotError)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.source, copy.column, copy.reason) == ("slots.a =", 10, caught.value.reason)
    with pytest.raises(ConditionError, match="column 1: empty condition"):
        parse_condition(None)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
PROPERTY_CONDITIONS = [
    Condition(text)
    for text in [
        "slots.a = slots.b",
        "slots.a != slots.b",
        "slots.a > slots.b or slots.a >= 1 or slots.a < slots.b or slots.a <= -2.5",
        "slots.a contains slots.b",
        'slots.a contains "x" or {"x" 1 null} contains slots.a',
        "slots.a matches slots.b",
        'slots.a matches "^a+$"',
        "slots.a is empty and slots.b is not null or slots.a is undefined",
        "not slots.a and slots.b",
        "slots.a.b.c = slots.b.a",
        "slots.{{context.collect}} is not null",
        "'{{context.collect}}' = slots.a",
    ]
]


@settings(max_examples=100)
@given(a=JSON, b=JSON, collect=st.text(max_size=6))
def test_evaluate_never_raises(a: object, b: object, collect: str) -> None:
    document = {"slots": {"a": a, "b": b}, "context": {"collect": collect}}
    for condition in PROPERTY_CONDITIONS:
        assert isinstance(condition.evaluate(document), bool)
    equal, unequal = PROPERTY_CONDITIONS[0].evaluate(document), PROPERTY_CONDITIONS[1].evaluate(document)
    assert equal is not unequal


@settings(max_examples=300)
@given(text=st.text(alphabet=st.sampled_from(list('slots.ab =!<>()"\'{},-1.5 andornotis{}_|\\')), max_size=24))
def test_parsing_raises_only_condition_errors(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ConditionError as error:
        assert 1 <= error.column <= len(text) + 1
    else:
        assert isinstance(condition.evaluate({"slots": {"a": 1}}), bool)
