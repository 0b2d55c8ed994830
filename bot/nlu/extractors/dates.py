"""``time``: dates and times in English, Arabic (MSA, Egyptian, Gulf, Levantine) and some Arabizi.

The value is an ISO 8601 string in the clock of ``now`` (no UTC offset): ``"YYYY-MM-DD"`` when
only a day was said, ``"YYYY-MM-DDTHH:MM"`` when a time of day was said (or implied by a part
of the day). The shape of the string is the grain. ``now`` defaults to ``datetime.now()``.

Conventions (the ones a shop bot needs to know):
* **What makes a number a time.** A prefix (at, @, around, by, from, till, until, الساعة,
  على/ع الساعة, Arabizi "sa3a"), a marker after it (pm, ص/م, العصر, بالليل…), a colon ("5:30")
  or "o'clock". A bare "5" or "خمسة ونص" is not a time, "ساعة واحدة" is a duration, not 1 pm,
  and "at one" needs a marker ("at one point").
* **Bare hours.** An hour without am/pm or a part of the day: 1–7 → pm, 8–11 → am, 12 → noon;
  0 and 13–23 and hours written with a leading zero ("05:30") are 24-hour clock. So
  "tomorrow at 5", "بكرة الساعة ٥" and "الساعة خمسة ونص" are 17:00 / 17:30.
* **Markers.** am/a.m./ص/الصبح/صباحا/الفجر → morning; pm/p.m./م/مساء/المسا/المغرب/العصر/بعد الظهر
  → afternoon–evening; الظهر/noon → 12 (1–6 → pm); بالليل/ليلا/at night → 12 → 00, 1–4 → am,
  5–11 → pm.
* **Parts of the day alone** ("tomorrow morning", "بكرة العصر", "tonight"): morning 09:00,
  noon 12:00, afternoon 15:00, evening 18:00, night 20:00. Greetings ("good morning", "مساء
  الخير") are not times: a part of the day alone needs "this"/"in the"/"at" or an Arabic
  article form (العصر, بالليل), or must follow a date or a time.
* **Time without a date** is today, or tomorrow if that moment has already passed.
* **Weekdays.** "thursday", "on thursday", "this thursday", "يوم الخميس", "الخميس ده": the next
  such day, today included. "next thursday", "الخميس الجاي/القادم/الياي": the next such day
  strictly after today. "thursday next week", "الخميس الأسبوع الجاي": that day in the next
  week; "next week"/"الأسبوع الجاي" alone: the first day of the next week. Weeks start on
  ``week_start`` (0 = Monday, the default; 5 = Saturday, 6 = Sunday).
  الاتنين/الاثنين ("both"), التلات, الاربع and الحد are weekdays only after يوم or before
  الجاي/ده….
* **Numeric dates** are day/month ("12/5" = 12 May; "5/12" = 5 December); when the second number
  cannot be a month ("3/15") they are month/day. "12-5-2026", "12.5.2026" and "2026-05-12" need
  the year. A date without a year is the next such date, today included.
* **Relative:** "in 3 days", "after 3 days", "3 days from now", "بعد ٣ أيام", "بعد يومين",
  "بعد أسبوع" → a date; "in 2 hours", "بعد ساعتين", "بعد نص ساعة" → a time (now + delta).

Not covered: month names with words for the day ("fifth of May"), "يوم ٥" without a month,
ranges ("from 5 to 7", "this weekend"), "next month", "last/previous X", minutes in words
other than نص/ربع/تلت/"half/quarter past", Hijri dates, time zones, Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.events import Entity
from bot.nlu.extractors.base import (
    alternation,
    fold_word,
    make_entity,
    non_overlapping,
    searchable,
)
from bot.nlu.extractors.numbers import WORD_VALUES

__all__ = ["POD_HOURS", "TimeExtractor"]

POD_HOURS = {"morning": 9, "noon": 12, "afternoon": 15, "evening": 18, "night": 20}
"""The hour a part of the day stands for when no hour was said."""

_P = r"(?:(?<!\w)|(?<=(?<!\w)[وفب]))"  # start of a word, possibly after an Arabic proclitic
_E = r"(?!\w)"


def _alt(words: Iterable[str]) -> str:
    """``alternation`` without its enclosing group, to splice into a larger group."""
    return alternation(words)[3:-1]


_TOMORROW = alternation([
    "tomorrow", "tomorow", "tommorow", "tommorrow", "tmrw", "tmrow", "tmr", "2morrow", "2moro",
    "بكرة", "بكرا", "باكر", "باجر", "غدا", "غدوة", "الغد", "bokra", "bukra", "bokrah", "bukrah", "bo2ra",
])
_TODAY = alternation([
    "today", "اليوم", "النهارده", "النهاردة", "النهاردا", "انهارده", "نهارده", "هاليوم",
    "ennaharda", "el naharda", "elnaharda", "naharda", "ennahrda",
])
_YESTERDAY = alternation(["yesterday", "امبارح", "إمبارح", "مبارح", "أمس", "البارحة", "embare7", "mbare7"])
_TONIGHT = alternation(["tonight", "tonite", "2nite", "الليلة", "الليلة دي", "الليلادي"])
_NEXT_WEEK = alternation([
    "next week", "الأسبوع الجاي", "الأسبوع القادم", "الأسبوع المقبل", "الأسبوع الياي", "الأسبوع اللي جاي",
    "el osbo3 el gai",
])
_NEXT = alternation([
    "الجاي", "الجاية", "اللي جاي", "اللي جاية", "الي جاي", "الياي", "اليايه", "القادم", "القادمة", "المقبل",
    "المقبلة",
])
_THIS = alternation(["ده", "دي", "هذا", "هذه", "هاد", "هادا", "هذي"])

_EN_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "tues": 1, "wednesday": 2, "weds": 2, "thursday": 3, "thurs": 3, "thur": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}
_EN_WEEKDAYS_SHORT = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_AR_WEEKDAYS = {
    fold_word(k): v for k, v in {
        "سبت": 5, "أحد": 6, "اثنين": 0, "إثنين": 0, "اتنين": 0, "ثلاثاء": 1, "ثلاثا": 1, "تلاتاء": 1,
        "تلاتا": 1, "تلات": 1, "أربعاء": 2, "اربعا": 2, "اربع": 2, "خميس": 3, "جمعة": 4, "حد": 6,
    }.items()
}
_AR_AMBIGUOUS = {fold_word(w) for w in ("اثنين", "إثنين", "اتنين", "تلات", "اربع", "حد")}

_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_AR_MONTHS = {
    fold_word(k): v for k, v in {
        "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6,
        "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
        "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7, "آب": 8,
        "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
    }.items()
}
_MONTHS = {**_EN_MONTHS, **_AR_MONTHS}

_HOUR_WORDS = {word: value for word, value in WORD_VALUES.items() if 1 <= value <= 12}
_AR_ORDINAL_HOURS = {
    fold_word(k): v for k, v in {
        "الواحدة": 1, "الثانية": 2, "التانية": 2, "الثالثة": 3, "التالتة": 3, "الرابعة": 4, "الخامسة": 5,
        "السادسة": 6, "السابعة": 7, "الثامنة": 8, "التامنة": 8, "التاسعة": 9, "العاشرة": 10,
        "الحادية عشرة": 11, "الحادية عشر": 11, "الثانية عشرة": 12, "الثانية عشر": 12,
    }.items()
}
_NUMBER_WORDS = {word: value for word, value in WORD_VALUES.items() if 1 <= value <= 99}

# Parts of the day: (words that may stand alone, adverbs that need a date or time next to them).
_PODS: dict[str, tuple[list[str], list[str]]] = {
    "morning": (["الصبح", "الصباح", "بالصبح", "الصبحية", "الفجر"], ["صباحا", "فجرا"]),
    "noon": (["الظهر", "الضهر", "بالظهر", "الظهرية"], ["ظهرا"]),
    "afternoon": (["العصر", "بالعصر", "العصرية", "بعد الظهر", "بعد الضهر"], ["عصرا"]),
    "evening": (["المسا", "المساء", "بالمسا", "في المسا", "العشية", "فالعشية", "المغرب"], ["مساء", "مساءا", "مسا"]),
    "night": (["بالليل", "بليل", "في الليل", "at night"], ["ليلا", "الليل"]),
}
_POD_OF = {fold_word(w): pod for pod, (alone, adverbs) in _PODS.items() for w in alone + adverbs}
_POD_ALONE = {fold_word(w) for alone, _ in _PODS.values() for w in alone}
_EN_POD = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night", "noon": "noon",
           "midday": "noon"}

_HOUR = r"(?P<h>(?<![\d.,:/])\d{1,2}(?![\d]|[.,/]\d)|(?:" + _alt([*_HOUR_WORDS, *_AR_ORDINAL_HOURS]) + r")(?!\w))"
_MINUTES = (
    r"(?:(?P<colon>:(?P<mm>\d{2}))(?!\d)"
    r"|\s*(?P<plus30>و\s*(?:نص|نصف|النص))(?!\w)"
    r"|\s*(?P<plus15>و\s*(?:ربع|الربع))(?!\w)"
    r"|\s*(?P<plus20>و\s*(?:تلت|ثلث|التلت))(?!\w)"
    r"|\s+(?P<minus15>(?:الا|غير)\s*(?:ربع|الربع))(?!\w)"
    r"|\s+(?P<minus20>(?:الا|غير)\s*(?:تلت|ثلث|التلت))(?!\w)"
    r"|\s*و\s*(?P<mn>\d{1,2}|" + _alt(_NUMBER_WORDS) + r")\s*(?:دقيقه|دقايق|min|mins|minutes)(?!\w)"
    r"|\s+(?P<oclock>o'?clock)(?!\w))"
)
_MARK = (
    r"(?:\s*(?P<ap>a\.?\s?m\b\.?|p\.?\s?m\b\.?)|\s*(?P<apar>[صم])(?!\w)"
    r"|\s*(?P<pod>" + _alt(_POD_OF) + r"|in\s+the\s+(?:morning|afternoon|evening)|at\s+night|tonight)(?!\w))"
)
_PREFIX = (
    r"(?P<pre>(?:(?:at|@|around|by|from|till|until)\s*|(?:(?:علي|ع)\s+)?الساعه\s*"
    r"|(?:el\s*|al\s*|es\s*)?sa3a\s*))"
)


@dataclass(frozen=True, slots=True)
class _Part:
    kind: str  # "date" | "time" | "pod" | "moment"
    start: int
    end: int
    day: date | None = None
    hour: int | None = None
    minute: int = 0
    shift: int = 0  # minutes added after the hour is placed ("الا ربع" → -15)
    mark: str | None = None  # "am" | "pm" | a part of the day
    clock24: bool = False
    alone: bool = True  # a part of the day that may stand on its own
    moment: datetime | None = None


_Rule = Callable[[re.Match[str], datetime, int], "_Part | None"]
_RULES: list[tuple[re.Pattern[str], _Rule]] = []


def _rule(pattern: str) -> Callable[[_Rule], _Rule]:
    def register(function: _Rule) -> _Rule:
        _RULES.append((re.compile(pattern), function))
        return function

    return register


def _date_part(match: re.Match[str], day: date | None) -> _Part | None:
    return None if day is None else _Part("date", match.start(), match.end(), day=day)


@_rule(
    _P + r"(?:(?P<after>(?:the\s+)?day\s+after\s+tomorrow|بعد\s+(?:" + _TOMORROW + r"|غد)|ba3d\s+(?:bokra|bukra|bokrah|bo2ra))"
    + r"|(?P<tomorrow>" + _TOMORROW + r")|(?P<today>" + _TODAY + r")|(?P<yesterday>" + _YESTERDAY + r")"
    + r"|(?P<tonight>" + _TONIGHT + r"))" + _E
)
def _day_word(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    """Today, tomorrow, the day after, yesterday, tonight (one regex: one scan of the text)."""
    if match.group("tonight"):
        return _Part("pod", match.start(), match.end(), day=now.date(), mark="night")
    offset = 2 if match.group("after") else 1 if match.group("tomorrow") else 0 if match.group("today") else -1
    return _date_part(match, now.date() + timedelta(days=offset))


@_rule(r"(?<!\w)(?:this|in\s+the|at|during\s+the)\s+(?P<pod>morning|afternoon|evening|night|noon)" + _E)
def _this_pod(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    day = now.date() if match.group().startswith("this") else None
    return _Part("pod", match.start(), match.end(), day=day, mark=_EN_POD[match.group("pod")])


@_rule(_P + r"(?P<pod>morning|afternoon|evening|night|" + _alt(_POD_OF) + r")" + _E)
def _pod(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    word = re.sub(r"\s+", " ", match.group("pod"))
    if word in _EN_POD:
        return _Part("pod", match.start(), match.end(), mark=_EN_POD[word], alone=False)
    return _Part("pod", match.start(), match.end(), mark=_POD_OF[word], alone=word in _POD_ALONE)


@_rule(r"(?<!\w)(?:(?:at|around|by)\s+)?(?P<w>noon|midday|12\s*noon|midnight)" + _E + "|" + _P + r"(?:منتصف|نص)\s+الليل" + _E)
def _noon(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    word = match.group("w") or "midnight"
    return _Part("time", match.start(), match.end(), hour=0 if word == "midnight" else 12, clock24=True)


_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "يوم": 1, "ايام": 1, "اسبوع": 7, "اسابيع": 7}
_UNIT_MINUTES = {"hour": 60, "hours": 60, "hr": 60, "hrs": 60, "minute": 1, "minutes": 1, "min": 1, "mins": 1,
                 "ساعه": 60, "ساعات": 60, "دقيقه": 1, "دقايق": 1, "دقائق": 1}
_DUALS = {"يومين": (2, "يوم"), "اسبوعين": (2, "اسبوع"), "ساعتين": (2, "ساعه"), "دقيقتين": (2, "دقيقه")}
_NUMBER = r"(?P<n>\d{1,3}|a|an|" + _alt(_NUMBER_WORDS) + ")"
_UNIT = r"(?P<u>" + _alt([*_UNIT_DAYS, *_UNIT_MINUTES]) + ")"


@_rule(
    r"(?<!\w)(?:in|after|within)\s+" + _NUMBER + r"\s+" + _UNIT + _E
    + r"|(?<![\w.,])(?P<n2>\d{1,3})\s+" + _UNIT.replace("(?P<u>", "(?P<u2>") + r"\s+from\s+now" + _E
    + r"|(?<!\w)in\s+(?P<half>half\s+an|a\s+half)\s+hour" + _E
    + r"|" + _P + r"بعد\s+(?:(?P<n3>\d{1,3}|" + _alt(_NUMBER_WORDS) + r")\s*(?P<u3>"
    + _alt(["يوم", "ايام", "اسبوع", "اسابيع", "ساعه", "ساعات", "دقيقه", "دقايق", "دقائق"]) + r")"
    + r"|(?P<dual>يومين|اسبوعين|ساعتين|دقيقتين)|(?P<one>يوم|اسبوع|ساعه)|(?P<frac>نص|نصف|ربع)\s+ساعه)" + _E
)
def _relative(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    groups = match.groupdict()
    if groups["half"] or groups["frac"]:
        minutes = 15 if groups["frac"] == "ربع" else 30
        return _Part("moment", match.start(), match.end(), moment=now + timedelta(minutes=minutes))
    if groups["dual"]:
        count, unit = _DUALS[groups["dual"]]
    elif groups["one"]:
        count, unit = 1, groups["one"]
    else:
        number = groups["n"] or groups["n2"] or groups["n3"]
        unit = groups["u"] or groups["u2"] or groups["u3"]
        count = 1 if number in ("a", "an") else int(number) if number.isdigit() else _NUMBER_WORDS[number]
    if unit in _UNIT_DAYS:
        return _date_part(match, now.date() + timedelta(days=count * _UNIT_DAYS[unit]))
    return _Part("moment", match.start(), match.end(), moment=now + timedelta(minutes=count * _UNIT_MINUTES[unit]))


@_rule(
    r"(?<!\w)(?:on\s+)?(?:(?P<pre>next|this|coming|the\s+coming)\s+)?(?P<wd>"
    + _alt([*_EN_WEEKDAYS, *_EN_WEEKDAYS_SHORT]) + r")\.?(?:\s+(?P<post>next\s+week|this\s+week))?" + _E
)
def _en_weekday(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    word, pre, post = match.group("wd"), match.group("pre"), match.group("post")
    if word in _EN_WEEKDAYS_SHORT and not (pre or post):
        return None  # "sat", "sun", "wed" alone are words
    weekday = _EN_WEEKDAYS.get(word, _EN_WEEKDAYS_SHORT.get(word))
    assert weekday is not None
    mode = "next_week" if post and post.startswith("next") else "next" if pre == "next" else "this"
    return _date_part(match, _weekday(now.date(), weekday, mode, week_start))


@_rule(
    _P + r"(?:(?P<yom>يوم)\s+)?(?P<art>ال|هال)(?P<wd>" + _alt(_AR_WEEKDAYS) + r")"
    + r"(?:\s+(?P<nextweek>(?:من\s+|في\s+)?" + _NEXT_WEEK + r")|\s+(?P<next>" + _NEXT + r")|\s+(?P<this>" + _THIS + r"))?"
    + _E
)
def _ar_weekday(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    word = match.group("wd")
    marked = match.group("yom") or match.group("art") == "هال" or match.group("nextweek") or match.group("next") or match.group("this")
    if word in _AR_AMBIGUOUS and not marked:
        return None  # "الاتنين" is also "both"
    mode = "next_week" if match.group("nextweek") else "next" if match.group("next") else "this"
    return _date_part(match, _weekday(now.date(), _AR_WEEKDAYS[word], mode, week_start))


@_rule(_P + _NEXT_WEEK + _E)
def _next_week(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    return _date_part(match, _week_start(now.date(), week_start) + timedelta(days=7))


_DAY = r"(?P<d>(?<!\d)\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(?P<y>\d{4})(?!\d))?"


@_rule(r"(?=\d)" + _DAY + r"\s*(?:of\s+|من\s+)?(?P<mon>" + _alt(_MONTHS) + r")\.?" + _E + _YEAR)
def _day_month(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    mon = re.sub(r"\s+", " ", match.group("mon"))
    return _date_part(match, _calendar(now.date(), int(match.group("d")), _MONTHS[mon], match.group("y")))


@_rule(r"(?<!\w)(?P<mon>" + _alt(_EN_MONTHS) + r")\.?\s+(?:the\s+)?" + _DAY + r"(?![\d:])" + _E + _YEAR)
def _month_day(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    return _date_part(match, _calendar(now.date(), int(match.group("d")), _EN_MONTHS[match.group("mon")], match.group("y")))


@_rule(
    r"(?=\d)(?<![\d/.:\-])(?:(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])"
    r"|(?P<a2>\d{1,2})(?P<sep>[.\-])(?P<b2>\d{1,2})(?P=sep)(?P<y2>\d{4})(?![\d.\-]\d)"
    r"|(?P<y3>\d{4})-(?P<b3>\d{1,2})-(?P<a3>\d{1,2})(?![\d\-]))"
)
def _numeric_date(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    first = int(match.group("a") or match.group("a2") or match.group("a3"))
    second = int(match.group("b") or match.group("b2") or match.group("b3"))
    year = match.group("y") or match.group("y2") or match.group("y3")
    if match.group("a3") is None and second > 12 >= first:
        first, second = second, first  # "3/15" can only be month/day
    return _date_part(match, _calendar(now.date(), first, second, year))


@_rule(
    r"(?<!\w)(?P<frac>half|quarter)\s+(?P<rel>past|after|to|before)\s+" + _HOUR + r"(?:" + _MARK + r")?"
)
def _half_past(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    hour = _hour_value(match.group("h"))
    minutes = 30 if match.group("frac") == "half" else 15
    if hour is None or hour > 12:
        return None
    after = match.group("rel") in ("past", "after")
    return _Part("time", match.start(), match.end(), hour=hour, minute=minutes if after else 0,
                 shift=0 if after else -minutes, mark=_mark(match))


@_rule(r"(?:" + _P + _PREFIX + r")?" + _HOUR + r"(?:" + _MINUTES + r")?(?:" + _MARK + r")?(?![^\W_])")
def _clock(match: re.Match[str], now: datetime, week_start: int) -> _Part | None:
    groups = match.groupdict()
    raw = groups["h"]
    hour = _hour_value(raw)
    if hour is None or hour > 23:
        return None
    ordinal = raw in _AR_ORDINAL_HOURS or " " in raw
    mark = _mark(match)
    if not (groups["pre"] or mark or groups["colon"] or groups["oclock"]):
        return None  # a bare number ("خمسة ونص" kilos) is not a time
    if ordinal and not groups["pre"]:
        return None
    if raw == "one" and not (mark or groups["oclock"]):
        return None  # "at one point", "by one of your drivers"
    if groups["mn"] and not groups["pre"]:
        return None
    minute, shift = 0, 0
    if groups["colon"]:
        minute = int(groups["mm"])
        if minute > 59:
            return None
    elif groups["plus30"]:
        minute = 30
    elif groups["plus15"]:
        minute = 15
    elif groups["plus20"]:
        minute = 20
    elif groups["minus15"]:
        shift = -15
    elif groups["minus20"]:
        shift = -20
    elif groups["mn"]:
        minute = int(groups["mn"]) if groups["mn"].isdigit() else _NUMBER_WORDS[groups["mn"]]
        if minute > 59:
            return None
    clock24 = raw.isdigit() and (hour == 0 or hour >= 13 or (len(raw) == 2 and raw[0] == "0"))
    return _Part("time", match.start(), match.end(), hour=hour, minute=minute, shift=shift, mark=mark, clock24=clock24)


def _mark(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    if groups.get("ap"):
        return "am" if groups["ap"].startswith("a") else "pm"
    if groups.get("apar"):
        return "am" if groups["apar"] == "ص" else "pm"
    pod = groups.get("pod")
    if pod:
        pod = re.sub(r"\s+", " ", pod)
        if pod in _POD_OF:
            return _POD_OF[pod]
        if pod == "tonight" or pod == "at night":
            return "night"
        return pod.rsplit(" ", 1)[-1]  # "in the evening" → "evening"
    return None


def _hour_value(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    raw = re.sub(r"\s+", " ", raw)
    return _HOUR_WORDS.get(raw, _AR_ORDINAL_HOURS.get(raw))


def _calendar(today: date, day: int, month: int, year: str | None) -> date | None:
    try:
        if year is not None:
            number = int(year)
            return date(number + 2000 if number < 100 else number, month, day)
        candidate = date(today.year, month, day)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None  # 31/2, 12/13, 29 February outside leap years


def _week_start(today: date, week_start: int) -> date:
    return today - timedelta(days=(today.weekday() - week_start) % 7)


def _weekday(today: date, weekday: int, mode: str, week_start: int) -> date:
    if mode == "next_week":
        return _week_start(today, week_start) + timedelta(days=7 + (weekday - week_start) % 7)
    ahead = (weekday - today.weekday()) % 7
    if mode == "next" and ahead == 0:
        ahead = 7
    return today + timedelta(days=ahead)


def _hour24(hour: int, mark: str | None, clock24: bool) -> int:
    if clock24 or hour == 0 or hour >= 13:
        return hour
    if mark in ("am", "morning"):
        return 0 if hour == 12 else hour
    if mark in ("pm", "afternoon", "evening"):
        return 12 if hour == 12 else hour + 12
    if mark == "noon":
        return hour if hour >= 11 else hour + 12
    if mark == "night":
        return 0 if hour == 12 else hour if hour <= 4 else hour + 12
    return hour + 12 if hour <= 7 else hour


_GAP = re.compile(r"[\s,،\-]*(?:(?:on|في|and)\s+|[وف])?\s*")


def _groups(parts: list[_Part], text: str) -> list[list[_Part]]:
    """Adjacent parts that describe one moment: at most one date, one time, one part of the day."""
    groups: list[list[_Part]] = []
    for part in parts:
        group = groups[-1] if groups else None
        if (
            group is not None
            and part.kind != "moment"
            and all(other.kind != part.kind and other.kind != "moment" for other in group)
            and _GAP.fullmatch(text, group[-1].end, part.start)
            and not (part.day is not None and any(other.day is not None for other in group))
            and not (len(group) == 1 and group[0].kind == "pod" and not group[0].alone)
        ):
            group.append(part)
        else:
            groups.append([part])
    return groups


def _value(group: list[_Part], now: datetime) -> str | None:
    moment = next((p.moment for p in group if p.moment is not None), None)
    if moment is not None:
        return moment.strftime("%Y-%m-%dT%H:%M")
    day = next((p.day for p in group if p.day is not None), None)
    clock = next((p for p in group if p.kind == "time"), None)
    pod = next((p for p in group if p.kind == "pod"), None)
    if clock is None and pod is None:
        return None if day is None else day.isoformat()
    if clock is None and pod is not None and not pod.alone and len(group) == 1:
        return None  # "good morning", "مساء الخير"
    if clock is not None:
        assert clock.hour is not None
        mark = clock.mark or (pod.mark if pod is not None else None)
        hour, minute, shift = _hour24(clock.hour, mark, clock.clock24), clock.minute, clock.shift
    else:
        assert pod is not None and pod.mark is not None
        hour, minute, shift = POD_HOURS[pod.mark], 0, 0
    moment = datetime.combine(day or now.date(), time(hour, minute), tzinfo=now.tzinfo) + timedelta(minutes=shift)
    if day is None and moment < now:
        moment += timedelta(days=1)
    return moment.strftime("%Y-%m-%dT%H:%M")


class TimeExtractor:
    """Dates and times relative to ``now``; entity ``time``, value an ISO 8601 string."""

    def __init__(self, name: str = "time", entity: str = "time", week_start: int = 0) -> None:
        if not 0 <= week_start <= 6:
            raise ValueError(f"week_start must be 0 (Monday) … 6 (Sunday), not {week_start!r}")
        self.name = name
        self.entity = entity
        self.week_start = week_start

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every date or time in ``text``; ``now`` defaults to ``datetime.now()``."""
        now = datetime.now() if now is None else now
        normalized = searchable(text)
        folded = normalized.text
        found: list[_Part] = []
        for pattern, rule in _RULES:
            for match in pattern.finditer(folded):
                if match.end() > match.start():
                    part = rule(match, now, self.week_start)
                    if part is not None:
                        found.append(part)
        kept = [found[i] for i in non_overlapping([(p.start, p.end) for p in found])]
        entities: list[Entity] = []
        for group in _groups(kept, folded):
            value = _value(group, now)
            if value is not None:
                entities.append(make_entity(text, normalized, group[0].start, group[-1].end, entity=self.entity,
                                            value=value, extractor=self.name))
        return entities

