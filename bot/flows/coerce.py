"""Typed slot values: what a slot of each ``SlotType`` accepts, and in which canonical form.

The flows engine calls ``coerce_value`` for a value already picked out (an entity's value, a
button payload, a value an action set) and ``coerce_text`` for the customer's raw answer to a
collect step's question when no entity filled the slot. Both return ``Coerced(value)`` or
``Invalid(reason, expected)``: ``reason`` is a ``Reason`` code for the engine and rejections,
``expected`` says in words what the slot takes ("one of: small, medium, large"). ``None``
always coerces to ``Coerced(None)`` (an unset slot).

Canonical values: text and product → the stripped string; bool → ``True``/``False``; float →
``float``; categorical → the declared value as written in the domain (matched ignoring case,
diacritics, letter variants and digit scripts, since Rasa lowercases categorical values);
list → ``list`` (a scalar is wrapped); date → ``"YYYY-MM-DD"``; time → ``"HH:MM"`` (24-hour);
phone → digits with a leading ``+`` kept; any → unchanged. ``coerce_value`` is idempotent on
what it returns.

The parsing is the NLU extractors' (``numbers``, ``dates``, ``contact``, ``lookup``) and
``bot.flows.yes_no``'s; this module picks what they found and refuses what is missing or
ambiguous: "3 or 4" for a number, two dates, "small or large" are ``Invalid("ambiguous")``.
Dates and times are read relative to ``now`` (default: the extractor's ``datetime.now()``);
``language`` is passed on to the extractors (the built-in ones read every language at once).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from numbers import Real
from typing import Any

from rapidfuzz import fuzz

from bot.flows.model import Slot, SlotType
from bot.flows.yes_no import read_yes_no
from bot.nlu.extractors.base import searchable
from bot.nlu.extractors.contact import PhoneExtractor
from bot.nlu.extractors.dates import TimeExtractor
from bot.nlu.extractors.lookup import LookupExtractor
from bot.nlu.extractors.numbers import find_numbers
from bot.nlu.normalize import fold, light

__all__ = ["Coerced", "Invalid", "Reason", "coerce_text", "coerce_value", "describe_expected"]

FUZZY_THRESHOLD = 80.0
"""``fuzz.ratio`` a misspelt categorical answer needs ("meduim" → "medium" scores 83)."""


class Reason(StrEnum):
    """Why a value was refused (``Invalid.reason``)."""

    EMPTY = "empty"
    AMBIGUOUS = "ambiguous"  # several different candidates: "3 or 4", "small or large"
    NOT_TEXT = "not_text"
    NOT_A_NUMBER = "not_a_number"
    NOT_YES_OR_NO = "not_yes_or_no"
    NOT_ONE_OF = "not_one_of"
    NOT_A_DATE = "not_a_date"
    NOT_A_TIME = "not_a_time"
    NOT_A_PHONE = "not_a_phone"


@dataclass(frozen=True, slots=True)
class Coerced:
    """A value the slot accepts, in the slot type's canonical form."""

    value: Any


@dataclass(frozen=True, slots=True)
class Invalid:
    """A value the slot refuses: a ``Reason`` code, and what the slot expects, in words."""

    reason: str
    expected: str


_EXPECTED = {
    SlotType.TEXT: "some text",
    SlotType.BOOL: "yes or no",
    SlotType.FLOAT: "a number",
    SlotType.ANY: "any value",
    SlotType.LIST: "a list",
    SlotType.DATE: "a date",
    SlotType.TIME: "a time of day",
    SlotType.PHONE: "a phone number",
    SlotType.PRODUCT: "a product name",
}
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?")
_ISO_TIME = re.compile(r"\d{2}:\d{2}(?::\d{2})?")
_PHONE = re.compile(r"\+?\d{7,15}")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
_LIST_SEPARATORS = re.compile(r"[,;\n،؛、，；]")


def describe_expected(slot: Slot) -> str:
    """What ``slot`` accepts, in words ("a number", "one of: small, medium, large")."""
    if slot.type is SlotType.CATEGORICAL:
        return "one of: " + ", ".join(str(value) for value in slot.values)
    return _EXPECTED[slot.type]


def _invalid(slot: Slot, reason: Reason) -> Invalid:
    return Invalid(reason.value, describe_expected(slot))


def _one(slot: Slot, found: set[Any], missing: Reason) -> Coerced | Invalid:
    """The one candidate found; ``missing`` when none, ``ambiguous`` when several."""
    if not found:
        return _invalid(slot, missing)
    if len(found) > 1:
        return _invalid(slot, Reason.AMBIGUOUS)
    return Coerced(found.pop())


# --- readers of text, shared by both entry points -----------------------------------------------


def _text(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    return Coerced(text.strip())


def _float(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    plain = light(text).text.strip()
    if _PLAIN_NUMBER.fullmatch(plain):  # signs and exponents, which the numbers extractor leaves out
        return _finite(slot, plain)
    result = _one(slot, {m.value for m in find_numbers(searchable(text).text)}, Reason.NOT_A_NUMBER)
    return _finite(slot, result.value) if isinstance(result, Coerced) else result


def _finite(slot: Slot, number: Real | str) -> Coerced | Invalid:
    try:
        as_float = float(number)
    except OverflowError:  # an int past 1e308
        return _invalid(slot, Reason.NOT_A_NUMBER)
    return Coerced(as_float) if math.isfinite(as_float) else _invalid(slot, Reason.NOT_A_NUMBER)


def _bool(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    answer = read_yes_no(text)
    return _invalid(slot, Reason.NOT_YES_OR_NO) if answer is None else Coerced(answer)


def _moments(text: str, language: str | None, now: datetime | None) -> list[str]:
    """ISO values of the dates and times in ``text``: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM"."""
    plain = light(text).text.strip()
    try:
        if _ISO_DATE.fullmatch(plain):
            return [date.fromisoformat(plain).isoformat()]
        if _ISO_DATETIME.fullmatch(plain):
            return [datetime.fromisoformat(plain).strftime("%Y-%m-%dT%H:%M")]
    except ValueError:  # "2025-02-30"
        return []
    return [str(e.value) for e in TimeExtractor().extract(text, language=language, now=now)]


def _date(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    return _one(slot, {moment[:10] for moment in _moments(text, language, now)}, Reason.NOT_A_DATE)


def _time(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    plain = light(text).text.strip()
    if _ISO_TIME.fullmatch(plain):  # "05:30" as written; the extractor reads a bare "5:30" as 17:30
        try:
            return Coerced(time.fromisoformat(plain).strftime("%H:%M"))
        except ValueError:
            return _invalid(slot, Reason.NOT_A_TIME)
    moments = _moments(text, language, now)
    return _one(slot, {moment[11:16] for moment in moments if "T" in moment}, Reason.NOT_A_TIME)


def _phone(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    phones = {str(e.value) for e in PhoneExtractor().extract(text, language=language, now=now)}
    if phones:
        return _one(slot, phones, Reason.NOT_A_PHONE)
    compact = _PHONE_PUNCTUATION.sub("", light(text).text)  # E.164 and numbers the extractor leaves out
    return Coerced(compact) if _PHONE.fullmatch(compact) else _invalid(slot, Reason.NOT_A_PHONE)


def _category_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return fold(str(value))


def _declared(slot: Slot, value: Any) -> Any | None:
    """The declared value equal to ``value`` once folded, or None."""
    key = _category_key(value)
    return next((declared for declared in slot.values if _category_key(declared) == key), None)


def _categorical(slot: Slot, value: Any, language: str | None, now: datetime | None) -> Coerced | Invalid:
    declared = _declared(slot, value)
    return _invalid(slot, Reason.NOT_ONE_OF) if declared is None else Coerced(declared)


@lru_cache(maxsize=256)
def _lookup(names: tuple[str, ...], threshold: float) -> LookupExtractor:
    return LookupExtractor("categorical", {"value": list(names)}, threshold=threshold)


def _categorical_in_text(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    whole = _categorical(slot, text, language, now)
    if isinstance(whole, Coerced):
        return whole
    names = {str(declared): declared for declared in reversed(slot.values)}  # the first declared wins a clash
    ordered = tuple(sorted(names))
    exact = {str(e.value) for e in _lookup(ordered, 100.0).extract(text, language=language)}
    if exact:
        return _one(slot, {names[name] for name in exact}, Reason.NOT_ONE_OF)
    close = _lookup(ordered, FUZZY_THRESHOLD).extract(text, language=language)
    if len({e.value for e in close}) != 1:
        return _invalid(slot, Reason.AMBIGUOUS if close else Reason.NOT_ONE_OF)
    entity = close[0]
    written = fold(text[entity.start : entity.end]) if entity.start is not None and entity.end is not None else ""
    rivals = [name for name in ordered if name != entity.value and fuzz.ratio(written, fold(name)) >= FUZZY_THRESHOLD]
    return _invalid(slot, Reason.AMBIGUOUS) if rivals else Coerced(names[str(entity.value)])


def _list_in_text(slot: Slot, text: str, language: str | None, now: datetime | None) -> Coerced | Invalid:
    return Coerced([part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()])


_Reader = Callable[[Slot, str, str | None, datetime | None], Coerced | Invalid]
_READERS: dict[SlotType, _Reader] = {
    SlotType.TEXT: _text,
    SlotType.PRODUCT: _text,
    SlotType.BOOL: _bool,
    SlotType.FLOAT: _float,
    SlotType.CATEGORICAL: _categorical_in_text,
    SlotType.LIST: _list_in_text,
    SlotType.DATE: _date,
    SlotType.TIME: _time,
    SlotType.PHONE: _phone,
}


# --- entry points ---------------------------------------------------------------------------------


def coerce_value(
    slot: Slot, value: Any, *, language: str | None = None, now: datetime | None = None
) -> Coerced | Invalid:
    """``value`` (an entity's, a button's or an action's) as ``slot`` stores it, or why not."""
    if value is None or slot.type is SlotType.ANY:
        return Coerced(value)
    if isinstance(value, str) and not value.strip():
        return _invalid(slot, Reason.EMPTY)
    if slot.type is SlotType.LIST:
        return Coerced(list(value) if isinstance(value, list | tuple | set | frozenset) else [value])
    if slot.type is SlotType.CATEGORICAL:
        return _categorical(slot, value, language, now)
    if slot.type in (SlotType.TEXT, SlotType.PRODUCT):
        if isinstance(value, list | tuple | set | frozenset | dict):
            return _invalid(slot, Reason.NOT_TEXT)
        return Coerced(str(value).strip())
    if isinstance(value, str):
        if slot.type is SlotType.BOOL and light(value).text.strip() in ("1", "0"):
            return Coerced(light(value).text.strip() == "1")
        return _READERS[slot.type](slot, value, language, now)
    return _typed(slot, value)


def _typed(slot: Slot, value: Any) -> Coerced | Invalid:
    """A value that is not a string: a number, a bool, a date or a time."""
    number = isinstance(value, Real) and not isinstance(value, bool)
    if slot.type is SlotType.BOOL:
        if isinstance(value, bool):
            return Coerced(value)
        return Coerced(bool(value)) if number and value in (0, 1) else _invalid(slot, Reason.NOT_YES_OR_NO)
    if slot.type is SlotType.FLOAT:
        return _finite(slot, value) if number else _invalid(slot, Reason.NOT_A_NUMBER)
    if slot.type is SlotType.DATE:
        if isinstance(value, date):  # a datetime is a date too
            return Coerced((value.date() if isinstance(value, datetime) else value).isoformat())
        return _invalid(slot, Reason.NOT_A_DATE)
    if slot.type is SlotType.TIME:
        return Coerced(value.strftime("%H:%M")) if isinstance(value, time | datetime) else _invalid(slot, Reason.NOT_A_TIME)
    assert slot.type is SlotType.PHONE, slot.type
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return _phone(slot, str(value), None, None)
    return _invalid(slot, Reason.NOT_A_PHONE)


def coerce_text(
    slot: Slot, text: str, *, language: str | None = None, now: datetime | None = None
) -> Coerced | Invalid:
    """The customer's answer to ``slot``'s question, read as ``slot`` stores it, or why not."""
    if slot.type is SlotType.ANY:
        return Coerced(text)
    if not text.strip():
        return _invalid(slot, Reason.EMPTY)
    return _READERS[slot.type](slot, text.strip(), language, now)
