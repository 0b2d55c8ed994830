"""Slot coercion: every slot type, from values and from answers, in English, Arabic, Arabizi and Chinese."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flows.coerce import (
    Coerced,
    Invalid,
    Reason,
    coerce_text,
    coerce_value,
    describe_expected,
)
from bot.flows.model import Slot, SlotType, Where

NOW = datetime(2026, 11, 17, 10, 0)  # a Tuesday
SIZES = ("Small", "Medium", "Large", "extra large")


def slot(kind: SlotType, values: tuple[Any, ...] = ()) -> Slot:
    return Slot(name="s", type=kind, values=values, where=Where("t"))


FLOAT = slot(SlotType.FLOAT)
BOOL = slot(SlotType.BOOL)
SIZE = slot(SlotType.CATEGORICAL, SIZES)
ARABIC_SIZE = slot(SlotType.CATEGORICAL, ("صغير", "وسط", "كبير"))
DATE = slot(SlotType.DATE)
TIME = slot(SlotType.TIME)
PHONE = slot(SlotType.PHONE)


def value(kind: Slot, raw: Any) -> Coerced | Invalid:
    return coerce_value(kind, raw, now=NOW)


def text(kind: Slot, raw: str) -> Coerced | Invalid:
    return coerce_text(kind, raw, now=NOW)


# --- float -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, 3.0),
        (2.5, 2.5),
        ("3", 3.0),
        (" 3.5 ", 3.5),
        ("-3", -3.0),
        ("1e3", 1000.0),
        ("1,250", 1250.0),
        ("٣", 3.0),  # Arabic-Indic
        ("۳", 3.0),  # Persian
        ("١٢٫٥", 12.5),  # Arabic decimal separator
        ("۱۲۵", 125.0),
        ("three", 3.0),
        ("twenty five", 25.0),
        ("تلاتة", 3.0),  # Egyptian
        ("ثلاثة", 3.0),  # MSA
        ("خمسة وعشرين", 25.0),
        ("مية وخمسين", 150.0),
        ("5k", 5000.0),
    ],
)
def test_float_values(raw: Any, expected: float) -> None:
    result = value(FLOAT, raw)
    assert result == Coerced(expected)
    assert isinstance(result, Coerced) and type(result.value) is float


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("I want 3 please", 3.0),
        ("عايز تلاتة", 3.0),
        ("أريد ٤ قطع", 4.0),
        ("ابغى خمسة", 5.0),
        ("بدي ۲", 2.0),
        ("two thousand five hundred", 2500.0),
        ("3 or 3", 3.0),  # the same number twice is one number
    ],
)
def test_float_in_an_answer(answer: str, expected: float) -> None:
    assert text(FLOAT, answer) == Coerced(expected)


@pytest.mark.parametrize(("answer", "expected"), [("三个", 3.0), ("要两份", 2.0), ("一百五", 150.0), ("3万", 30000.0)])
def test_float_in_a_chinese_answer(answer: str, expected: float) -> None:
    assert text(FLOAT, answer) == Coerced(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", Reason.NOT_A_NUMBER),
        ("nan", Reason.NOT_A_NUMBER),
        ("inf", Reason.NOT_A_NUMBER),
        (float("nan"), Reason.NOT_A_NUMBER),
        (10**400, Reason.NOT_A_NUMBER),
        ("9" * 400, Reason.NOT_A_NUMBER),
        (True, Reason.NOT_A_NUMBER),  # a bool is an int to Python, not a number to a customer
        ([3], Reason.NOT_A_NUMBER),
        ("3 or 4", Reason.AMBIGUOUS),
        ("تلاتة ولا اربعة", Reason.AMBIGUOUS),
        ("12/5", Reason.NOT_A_NUMBER),  # a date, left to ``time``
        ("  ", Reason.EMPTY),
    ],
)
def test_float_refusals(raw: Any, reason: Reason) -> None:
    assert value(FLOAT, raw) == Invalid(reason, "a number")


# --- bool ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True), (False, False), (1, True), (0, False), (1.0, True), ("1", True), ("0", False), ("١", True),
        ("true", True), ("False", False),
    ],
)
def test_bool_values(raw: Any, expected: bool) -> None:
    assert value(BOOL, raw) == Coerced(expected)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # English
        ("yes", True), ("Yes!!", True), ("yeah", True), ("yep", True), ("sure", True), ("ok", True), ("OK 👍", True),
        ("yessss", True), ("no problem", True), ("no", False), ("nope", False), ("nah", False), ("Noooo", False),
        ("no thanks", False), ("not ok", False), ("of course not", False),
        # Arabic, MSA and dialects
        ("نعم", True), ("أيوه", True), ("ايوا", True), ("أيوااا 👍", True), ("اه", True), ("آه", True), ("أكيد", True),
        ("تمام", True), ("طبعاً", True), ("ماشي", True), ("مش مشكلة", True), ("لا", False), ("لأ", False),
        ("لااا", False), ("مش", False), ("مش تمام", False), ("لا شكرا", False), ("مش عايز", False),
        # Arabizi
        ("aywa", True), ("aywaaa", True), ("ah", True), ("akid", True), ("tamam", True), ("la2", False),
        ("la", False), ("laaa", False), ("mesh 3ayez", False),
        # Chinese
        ("是", True), ("是的", True), ("好", True), ("好的！", True), ("对", True), ("要", True), ("没问题", True),
        ("不", False), ("不是", False), ("不要", False), ("没有", False), ("我不要", False), ("不好意思，是的", True),
    ],
)
def test_bool_answers(answer: str, expected: bool) -> None:
    assert text(BOOL, answer) == Coerced(expected)
    assert value(BOOL, answer) == Coerced(expected)


@pytest.mark.parametrize(
    "answer",
    ["maybe", "not sure", "مش عارف", "يمكن", "不知道", "yes no", "是不是", "hello", "你好", "1", "the first one", "🙂"],
)
def test_bool_refusals(answer: str) -> None:
    assert text(BOOL, answer) == Invalid(Reason.NOT_YES_OR_NO, "yes or no")


@pytest.mark.parametrize("raw", [2, -1, 0.5, "2"])
def test_bool_refuses_other_numbers(raw: Any) -> None:
    assert value(BOOL, raw) == Invalid(Reason.NOT_YES_OR_NO, "yes or no")


# --- categorical -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Medium", "Medium"), ("medium", "Medium"), ("MEDIUM", "Medium"), (" large ", "Large"), ("Extra  Large", "extra large")],
)
def test_categorical_values_ignore_case(raw: str, expected: str) -> None:
    assert value(SIZE, raw) == Coerced(expected)


def test_categorical_values_are_not_fuzzy() -> None:
    assert value(SIZE, "meduim") == Invalid(Reason.NOT_ONE_OF, "one of: Small, Medium, Large, extra large")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("medium please", "Medium"),
        ("I'll take the LARGE one", "Large"),
        ("extra large please", "extra large"),  # the longer value, not "Large" inside it
        ("meduim", "Medium"),  # fuzzy
        ("the smal one", "Small"),
        ("I'd like the larg one please", "Large"),
    ],
)
def test_categorical_in_an_answer(answer: str, expected: str) -> None:
    assert text(SIZE, answer) == Coerced(expected)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("كبير", "كبير"), ("كَبِير", "كبير"), ("عايز الكبير", "كبير"), ("بالكبير", "كبير"), ("الوسط لو سمحت", "وسط")],
)
def test_categorical_in_an_arabic_answer(answer: str, expected: str) -> None:
    assert text(ARABIC_SIZE, answer) == Coerced(expected)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [("huge", Reason.NOT_ONE_OF), ("xl", Reason.NOT_ONE_OF), ("small or large", Reason.AMBIGUOUS)],
)
def test_categorical_refusals(answer: str, reason: Reason) -> None:
    assert text(SIZE, answer) == Invalid(reason, "one of: Small, Medium, Large, extra large")


def test_categorical_fuzzy_match_must_be_unique() -> None:
    close = slot(SlotType.CATEGORICAL, ("medium", "median"))
    assert text(close, "mediun") == Invalid(Reason.AMBIGUOUS, "one of: medium, median")
    assert text(close, "median") == Coerced("median")


@pytest.mark.parametrize(("raw", "expected"), [(2, 2), (2.0, 2), ("2", 2), ("٢", 2), ("number 2 please", None)])
def test_categorical_numbers(raw: Any, expected: int | None) -> None:
    numbered = slot(SlotType.CATEGORICAL, (1, 2, 3))
    result = value(numbered, raw)
    assert result == (Invalid(Reason.NOT_ONE_OF, "one of: 1, 2, 3") if expected is None else Coerced(expected))
    if isinstance(raw, str):
        assert text(numbered, raw) == Coerced(2)


# --- dates and times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", "2026-12-01"),
        ("2026-12-01T09:30", "2026-12-01"),
        (date(2026, 12, 1), "2026-12-01"),
        (datetime(2026, 12, 1, 9, 30), "2026-12-01"),
        ("tomorrow", "2026-11-18"),
        ("بكرة", "2026-11-18"),
        ("bokra", "2026-11-18"),
        ("بعد يومين", "2026-11-19"),
        ("بعد ٣ أيام", "2026-11-20"),
        ("next thursday", "2026-11-19"),
        ("الخميس الجاي", "2026-11-19"),
        ("12/5", "2027-05-12"),  # day/month, the next such date
        ("can you come tomorrow at 5?", "2026-11-18"),
    ],
)
def test_dates(raw: Any, expected: str) -> None:
    assert value(DATE, raw) == Coerced(expected)
    if isinstance(raw, str):
        assert text(DATE, raw) == Coerced(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("hello", Reason.NOT_A_DATE), ("2026-02-30", Reason.NOT_A_DATE), (5, Reason.NOT_A_DATE),
     ("tomorrow or friday", Reason.AMBIGUOUS), ("三号", Reason.NOT_A_DATE)],
)
def test_date_refusals(raw: Any, reason: Reason) -> None:
    assert value(DATE, raw) == Invalid(reason, "a date")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17:30", "17:30"),
        ("05:30", "05:30"),  # a leading zero is the 24-hour clock
        ("09:15:00", "09:15"),
        (time(9, 5), "09:05"),
        (datetime(2026, 12, 1, 9, 30), "09:30"),
        ("2026-12-01T09:30", "09:30"),
        ("5:30", "17:30"),  # a bare 1–7 is afternoon
        ("at 5pm", "17:00"),
        ("tomorrow at 10 am", "10:00"),
        ("الساعة خمسة ونص", "17:30"),
        ("بكرة الساعة ٩ الصبح", "09:00"),
        ("sa3a 8", "08:00"),
    ],
)
def test_times(raw: Any, expected: str) -> None:
    assert value(TIME, raw) == Coerced(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("tomorrow", Reason.NOT_A_TIME), ("25:00", Reason.NOT_A_TIME), ("five", Reason.NOT_A_TIME),
     (date(2026, 1, 1), Reason.NOT_A_TIME), ("at 5 or at 6", Reason.AMBIGUOUS)],
)
def test_time_refusals(raw: Any, reason: Reason) -> None:
    assert value(TIME, raw) == Invalid(reason, "a time of day")


# --- phone, text, product, list, any ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+966 50 123 4567", "+966501234567"),
        ("00201001234567", "+201001234567"),
        ("+٢٠ ١٠٠ ١٢٣ ٤٥٦٧", "+201001234567"),
        ("0501234567", "0501234567"),
        ("my number is 050-123-4567", "0501234567"),
        ("رقمي ٠٥٠١٢٣٤٥٦٧", "0501234567"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("4155552671", "4155552671"),  # no leading 0 or +: the plain E.164 check
        (966501234567, "966501234567"),
    ],
)
def test_phones(raw: Any, expected: str) -> None:
    assert value(PHONE, raw) == Coerced(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("12", Reason.NOT_A_PHONE), ("call me", Reason.NOT_A_PHONE), (3.5, Reason.NOT_A_PHONE), (True, Reason.NOT_A_PHONE),
     ("0501234567 or 0501234568", Reason.AMBIGUOUS)],
)
def test_phone_refusals(raw: Any, reason: Reason) -> None:
    assert value(PHONE, raw) == Invalid(reason, "a phone number")


@pytest.mark.parametrize("kind", [SlotType.TEXT, SlotType.PRODUCT])
def test_text_and_product_are_stripped_strings(kind: SlotType) -> None:
    target = slot(kind)
    assert value(target, "  iPhone 15 ") == Coerced("iPhone 15")
    assert value(target, 15) == Coerced("15")
    assert text(target, " عايز ايفون ١٥ \n") == Coerced("عايز ايفون ١٥")
    assert value(target, ["a"]) == Invalid(Reason.NOT_TEXT, describe_expected(target))


def test_lists() -> None:
    items = slot(SlotType.LIST)
    assert value(items, "shoes") == Coerced(["shoes"])
    assert value(items, 3) == Coerced([3])
    assert value(items, ("a", "b")) == Coerced(["a", "b"])
    assert value(items, ["a"]) == Coerced(["a"])
    assert text(items, "shoes, bag، حذاء、鞋") == Coerced(["shoes", "bag", "حذاء", "鞋"])


def test_any_is_unchanged() -> None:
    anything = slot(SlotType.ANY)
    payload = {"a": [1, 2]}
    assert value(anything, payload) == Coerced(payload)
    assert text(anything, " as written ") == Coerced(" as written ")


# --- every type --------------------------------------------------------------------------------------

EVERY = [slot(kind, SIZES if kind is SlotType.CATEGORICAL else ()) for kind in SlotType]


@pytest.mark.parametrize("target", EVERY, ids=lambda s: s.type.value)
def test_none_is_always_accepted(target: Slot) -> None:
    assert value(target, None) == Coerced(None)


@pytest.mark.parametrize("target", [s for s in EVERY if s.type is not SlotType.ANY], ids=lambda s: s.type.value)
def test_empty_answers_are_refused(target: Slot) -> None:
    for blank in ("", "  \n"):
        assert text(target, blank) == Invalid(Reason.EMPTY, describe_expected(target))
        assert value(target, blank) == Invalid(Reason.EMPTY, describe_expected(target))


def test_reasons_are_plain_strings() -> None:
    refused = value(FLOAT, "abc")
    assert isinstance(refused, Invalid)
    assert refused.reason == "not_a_number"
    assert describe_expected(SIZE) == "one of: Small, Medium, Large, extra large"
    assert {describe_expected(s) for s in EVERY} >= {"a number", "yes or no", "a date", "a time of day"}


SAMPLES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from([
        "٣", "۱۲٫۵", "تلاتة", "twenty five", "aywa", "不要", "Medium", "meduim", "tomorrow at 5", "بكرة", "12/5",
        "5:30", "05:30", "+966 50 123 4567", "00201001234567", "4155552671", "3 or 4", "  yes!! ",
    ]),
    st.dates(),
    st.times(),
    st.datetimes(),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(target=st.sampled_from(EVERY), raw=SAMPLES)
def test_coerce_value_is_idempotent_on_its_output(target: Slot, raw: Any) -> None:
    first = value(target, raw)
    if isinstance(first, Coerced):
        assert value(target, first.value) == first


@settings(max_examples=200, deadline=None)
@given(target=st.sampled_from(EVERY), answer=st.text(max_size=40))
def test_coerce_text_output_is_a_fixed_point_of_coerce_value(target: Slot, answer: str) -> None:
    first = text(target, answer)
    if isinstance(first, Coerced) and target.type is not SlotType.LIST:
        assert value(target, first.value) == first
