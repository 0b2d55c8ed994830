"""``time``: dates and times relative to a fixed now, Tuesday 2026-11-17 10:00."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.extractors.dates import TimeExtractor

NOW = datetime(2026, 11, 17, 10, 0)  # a Tuesday
EXTRACTOR = TimeExtractor()


def found(text: str, now: datetime = NOW, extractor: TimeExtractor = EXTRACTOR) -> list[tuple[str, str]]:
    entities = extractor.extract(text, now=now)
    for entity in entities:
        assert entity.entity == "time" and entity.extractor == "time"
    return [(text[e.start : e.end], e.value) for e in entities]


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        # English days
        ("today", "today", "2026-11-17"),
        ("can you deliver tomorrow?", "tomorrow", "2026-11-18"),
        ("Tomorrow", "Tomorrow", "2026-11-18"),
        ("tmrw", "tmrw", "2026-11-18"),
        ("the day after tomorrow", "the day after tomorrow", "2026-11-19"),
        ("day after tomorrow", "day after tomorrow", "2026-11-19"),
        ("yesterday", "yesterday", "2026-11-16"),
        ("in 3 days", "in 3 days", "2026-11-20"),
        ("after three days", "after three days", "2026-11-20"),
        ("in a week", "in a week", "2026-11-24"),
        ("2 days from now", "2 days from now", "2026-11-19"),
        # weekdays: bare/this/on = next such day (today included); next = strictly after today
        ("next monday", "next monday", "2026-11-23"),
        ("on thursday", "on thursday", "2026-11-19"),
        ("thursday", "thursday", "2026-11-19"),
        ("this friday", "this friday", "2026-11-20"),
        ("next thursday", "next thursday", "2026-11-19"),
        ("tuesday", "tuesday", "2026-11-17"),
        ("next tuesday", "next tuesday", "2026-11-24"),
        ("monday next week", "monday next week", "2026-11-23"),
        ("thursday next week", "thursday next week", "2026-11-26"),
        ("next week", "next week", "2026-11-23"),
        ("next sat", "next sat", "2026-11-21"),
        # calendar dates (day/month; month/day when the day cannot be a month)
        ("5 December", "5 December", "2026-12-05"),
        ("5th of December", "5th of December", "2026-12-05"),
        ("Dec 5", "Dec 5", "2026-12-05"),
        ("December 5th, 2027", "December 5th, 2027", "2027-12-05"),
        ("12/5", "12/5", "2027-05-12"),
        ("5/12", "5/12", "2026-12-05"),
        ("3/15", "3/15", "2027-03-15"),
        ("17/11", "17/11", "2026-11-17"),
        ("25/12/2026", "25/12/2026", "2026-12-25"),
        ("25-12-2026", "25-12-2026", "2026-12-25"),
        ("2026-12-25", "2026-12-25", "2026-12-25"),
        ("١٥/٣", "١٥/٣", "2027-03-15"),
        # English times
        ("at 5", "at 5", "2026-11-17T17:00"),
        ("at 5pm", "at 5pm", "2026-11-17T17:00"),
        ("at 5 p.m.", "at 5 p.m.", "2026-11-17T17:00"),
        ("5:30 pm", "5:30 pm", "2026-11-17T17:30"),
        ("5:30", "5:30", "2026-11-17T17:30"),
        ("17:00", "17:00", "2026-11-17T17:00"),
        ("at 17:00", "at 17:00", "2026-11-17T17:00"),
        ("05:30", "05:30", "2026-11-18T05:30"),
        ("at 11am", "at 11am", "2026-11-17T11:00"),
        ("at 9", "at 9", "2026-11-18T09:00"),
        ("at 12", "at 12", "2026-11-17T12:00"),
        ("12 am", "12 am", "2026-11-18T00:00"),
        ("noon", "noon", "2026-11-17T12:00"),
        ("at noon", "at noon", "2026-11-17T12:00"),
        ("midnight", "midnight", "2026-11-18T00:00"),
        ("5 o'clock", "5 o'clock", "2026-11-17T17:00"),
        ("at five", "at five", "2026-11-17T17:00"),
        ("at one pm", "at one pm", "2026-11-17T13:00"),
        ("on the 5th of December at 3pm", "5th of December at 3pm", "2026-12-05T15:00"),
        ("half past 5", "half past 5", "2026-11-17T17:30"),
        ("quarter to 5", "quarter to 5", "2026-11-17T16:45"),
        ("at 7 in the morning", "at 7 in the morning", "2026-11-18T07:00"),
        ("in 2 hours", "in 2 hours", "2026-11-17T12:00"),
        ("in 30 minutes", "in 30 minutes", "2026-11-17T10:30"),
        ("in half an hour", "in half an hour", "2026-11-17T10:30"),
        ("tonight", "tonight", "2026-11-17T20:00"),
        ("this evening", "this evening", "2026-11-17T18:00"),
        ("in the afternoon", "in the afternoon", "2026-11-17T15:00"),
        # English date + time (the hour is never dropped)
        ("tomorrow at 5", "tomorrow at 5", "2026-11-18T17:00"),
        ("tomorrow at 5pm", "tomorrow at 5pm", "2026-11-18T17:00"),
        ("I want to order a margarita pizza tomorrow at 5pm", "tomorrow at 5pm", "2026-11-18T17:00"),
        ("tomorrow, 5:30 pm", "tomorrow, 5:30 pm", "2026-11-18T17:30"),
        ("at 5pm tomorrow", "at 5pm tomorrow", "2026-11-18T17:00"),
        ("next monday at 3", "next monday at 3", "2026-11-23T15:00"),
        ("friday 7:30pm", "friday 7:30pm", "2026-11-20T19:30"),
        ("tomorrow morning", "tomorrow morning", "2026-11-18T09:00"),
        ("tomorrow evening at 7", "tomorrow evening at 7", "2026-11-18T19:00"),
        ("tonight at 9", "tonight at 9", "2026-11-17T21:00"),
        ("5 December at 3pm", "5 December at 3pm", "2026-12-05T15:00"),
        ("in 3 days at noon", "in 3 days at noon", "2026-11-20T12:00"),
        # Arabic days, MSA and dialects
        ("اليوم", "اليوم", "2026-11-17"),
        ("النهارده", "النهارده", "2026-11-17"),
        ("النهاردة", "النهاردة", "2026-11-17"),
        ("بكرة", "بكرة", "2026-11-18"),
        ("بكره", "بكره", "2026-11-18"),
        ("بكرا", "بكرا", "2026-11-18"),
        ("باجر", "باجر", "2026-11-18"),
        ("غدا", "غدا", "2026-11-18"),
        ("غداً", "غداً", "2026-11-18"),
        ("ممكن التوصيل بكرة؟", "بكرة", "2026-11-18"),
        ("وبكرة", "بكرة", "2026-11-18"),
        ("بعد بكرة", "بعد بكرة", "2026-11-19"),
        ("بعد بكره", "بعد بكره", "2026-11-19"),
        ("بعد غد", "بعد غد", "2026-11-19"),
        ("امبارح", "امبارح", "2026-11-16"),
        ("أمس", "أمس", "2026-11-16"),
        ("الخميس الجاي", "الخميس الجاي", "2026-11-19"),
        ("الخميس القادم", "الخميس القادم", "2026-11-19"),
        ("الخميس الياي", "الخميس الياي", "2026-11-19"),
        ("الخميس اللي جاي", "الخميس اللي جاي", "2026-11-19"),
        ("يوم الخميس", "يوم الخميس", "2026-11-19"),
        ("الخميس", "الخميس", "2026-11-19"),
        ("الجمعة الجاية", "الجمعة الجاية", "2026-11-20"),
        ("الثلاثاء القادم", "الثلاثاء القادم", "2026-11-24"),
        ("يوم الاتنين", "يوم الاتنين", "2026-11-23"),
        ("الاثنين القادم", "الاثنين القادم", "2026-11-23"),
        ("الأحد", "الأحد", "2026-11-22"),
        ("السبت", "السبت", "2026-11-21"),
        ("الأربعاء", "الأربعاء", "2026-11-18"),
        ("هالخميس", "هالخميس", "2026-11-19"),
        ("الخميس الأسبوع الجاي", "الخميس الأسبوع الجاي", "2026-11-26"),
        ("الأسبوع الجاي", "الأسبوع الجاي", "2026-11-23"),
        ("الاسبوع القادم", "الاسبوع القادم", "2026-11-23"),
        ("بعد ٣ أيام", "بعد ٣ أيام", "2026-11-20"),
        ("بعد 3 ايام", "بعد 3 ايام", "2026-11-20"),
        ("بعد تلات ايام", "بعد تلات ايام", "2026-11-20"),
        ("بعد يومين", "بعد يومين", "2026-11-19"),
        ("بعد أسبوع", "بعد أسبوع", "2026-11-24"),
        ("بعد اسبوعين", "بعد اسبوعين", "2026-12-01"),
        ("١٥ مارس", "١٥ مارس", "2027-03-15"),
        ("5 ديسمبر", "5 ديسمبر", "2026-12-05"),
        ("٢٥ كانون الأول", "٢٥ كانون الأول", "2026-12-25"),
        # Arabic times
        ("الساعة ٥", "الساعة ٥", "2026-11-17T17:00"),
        ("الساعه 5", "الساعه 5", "2026-11-17T17:00"),
        ("الساعة خمسة", "الساعة خمسة", "2026-11-17T17:00"),
        ("الساعة الخامسة", "الساعة الخامسة", "2026-11-17T17:00"),
        ("الساعة ٥ العصر", "الساعة ٥ العصر", "2026-11-17T17:00"),
        ("الساعة ٤ عصرا", "الساعة ٤ عصرا", "2026-11-17T16:00"),
        ("الساعة ٨ الصبح", "الساعة ٨ الصبح", "2026-11-18T08:00"),
        ("الساعة ٨ صباحا", "الساعة ٨ صباحا", "2026-11-18T08:00"),
        ("الساعة ١١ صباحاً", "الساعة ١١ صباحاً", "2026-11-17T11:00"),
        ("الساعة ٩ بالليل", "الساعة ٩ بالليل", "2026-11-17T21:00"),
        ("الساعة ٩ مساء", "الساعة ٩ مساء", "2026-11-17T21:00"),
        ("الساعة ٩ مساءً", "الساعة ٩ مساءً", "2026-11-17T21:00"),
        ("الساعة ٢ بالليل", "الساعة ٢ بالليل", "2026-11-18T02:00"),
        ("الساعة ١٢ بالليل", "الساعة ١٢ بالليل", "2026-11-18T00:00"),
        ("الساعة ١ الظهر", "الساعة ١ الظهر", "2026-11-17T13:00"),
        ("الساعة ١٢ الضهر", "الساعة ١٢ الضهر", "2026-11-17T12:00"),
        ("٥ العصر", "٥ العصر", "2026-11-17T17:00"),
        ("٨ ص", "٨ ص", "2026-11-18T08:00"),
        ("٥ م", "٥ م", "2026-11-17T17:00"),
        ("الظهر", "الظهر", "2026-11-17T12:00"),
        ("العصر", "العصر", "2026-11-17T15:00"),
        ("بالليل", "بالليل", "2026-11-17T20:00"),
        ("الليلة", "الليلة", "2026-11-17T20:00"),
        ("الساعة خمسة ونص", "الساعة خمسة ونص", "2026-11-17T17:30"),
        ("الساعة خمسة و نص", "الساعة خمسة و نص", "2026-11-17T17:30"),
        ("الساعة ٨ وربع الصبح", "الساعة ٨ وربع الصبح", "2026-11-18T08:15"),
        ("الساعة خمسة الا ربع", "الساعة خمسة الا ربع", "2026-11-17T16:45"),
        ("الساعة ٧ وتلت", "الساعة ٧ وتلت", "2026-11-17T19:20"),
        ("الساعة ٥ و ١٠ دقايق", "الساعة ٥ و ١٠ دقايق", "2026-11-17T17:10"),
        ("الساعة وحدة", "الساعة وحدة", "2026-11-17T13:00"),
        ("الساعة ١٧", "الساعة ١٧", "2026-11-17T17:00"),
        ("٥:٣٠", "٥:٣٠", "2026-11-17T17:30"),
        ("الساعة ٥:٣٠ مساء", "الساعة ٥:٣٠ مساء", "2026-11-17T17:30"),
        ("على الساعة ٦", "على الساعة ٦", "2026-11-17T18:00"),
        ("بعد ساعتين", "بعد ساعتين", "2026-11-17T12:00"),
        ("بعد ساعة", "بعد ساعة", "2026-11-17T11:00"),
        ("بعد نص ساعة", "بعد نص ساعة", "2026-11-17T10:30"),
        ("بعد ٢٠ دقيقة", "بعد ٢٠ دقيقة", "2026-11-17T10:20"),
        # Arabic date + time
        ("بكرة الساعة ٥ العصر", "بكرة الساعة ٥ العصر", "2026-11-18T17:00"),
        ("بكرة الساعة 5", "بكرة الساعة 5", "2026-11-18T17:00"),
        ("بكره الساعه ٥", "بكره الساعه ٥", "2026-11-18T17:00"),
        ("عايز احجز ترابيزة بكرة الساعة 5", "بكرة الساعة 5", "2026-11-18T17:00"),
        ("ابي احجز طاولة باجر الساعة 8 مساء", "باجر الساعة 8 مساء", "2026-11-18T20:00"),
        ("غدا الساعة الخامسة مساء", "غدا الساعة الخامسة مساء", "2026-11-18T17:00"),
        ("بدي موعد يوم الجمعة الجاية الساعة 3 العصر", "يوم الجمعة الجاية الساعة 3 العصر", "2026-11-20T15:00"),
        ("الخميس الجاي الساعة ٨ بالليل", "الخميس الجاي الساعة ٨ بالليل", "2026-11-19T20:00"),
        ("بكرة العصر", "بكرة العصر", "2026-11-18T15:00"),
        ("بكرة الصبح", "بكرة الصبح", "2026-11-18T09:00"),
        ("غدا مساء", "غدا مساء", "2026-11-18T18:00"),
        ("بكرا الساعة 7 المسا", "بكرا الساعة 7 المسا", "2026-11-18T19:00"),
        ("النهارده بالليل", "النهارده بالليل", "2026-11-17T20:00"),
        ("بعد بكرة الساعة ١٠ الصبح", "بعد بكرة الساعة ١٠ الصبح", "2026-11-19T10:00"),
        ("الساعة ٥ بكرة", "الساعة ٥ بكرة", "2026-11-18T17:00"),
        ("بكرة والساعة ٥", "بكرة والساعة ٥", "2026-11-18T17:00"),
        ("١٥ مارس الساعة ٤", "١٥ مارس الساعة ٤", "2027-03-15T16:00"),
        # Arabizi
        ("bokra", "bokra", "2026-11-18"),
        ("ba3d bokra", "ba3d bokra", "2026-11-19"),
        ("bokra el sa3a 5", "bokra el sa3a 5", "2026-11-18T17:00"),
        ("ennaharda", "ennaharda", "2026-11-17"),
    ],
)
def test_dates_and_times(text: str, span: str, value: str) -> None:
    assert found(text) == [(span, value)]


@pytest.mark.parametrize(
    "text",
    [
        "good morning",
        "Good evening!",
        "صباح الخير",
        "مساء الخير",
        "مساء النور يا فندم",
        "عايز الاتنين",  # "both"
        "عايز خمسة ونص كيلو",
        "I have 5 items",
        "I sat down",
        "the sun is out",
        "عندي 3 قطع",
        "الساعة كام؟",
        "price is 12.50",
        "size 42",
        "الساعة دي بكام",
        "I live at 5th avenue",
        "هيوصل خلال ساعة واحدة",
        "at one point I called",
        "the meeting is at 12th street",
        "",
    ],
)
def test_not_dates(text: str) -> None:
    assert found(text) == []


def test_two_moments_in_one_message() -> None:
    assert found("not tomorrow, next monday at 3") == [("tomorrow", "2026-11-18"), ("next monday at 3", "2026-11-23T15:00")]
    assert found("مش بكرة، بعد بكرة الساعة ٥") == [("بكرة", "2026-11-18"), ("بعد بكرة الساعة ٥", "2026-11-19T17:00")]


def test_greeting_does_not_shift_a_time() -> None:
    assert found("good morning, tomorrow at 5") == [("tomorrow at 5", "2026-11-18T17:00")]
    assert found("صباح الخير، بكرة الساعة ٥") == [("بكرة الساعة ٥", "2026-11-18T17:00")]


def test_a_time_already_passed_today_is_tomorrow() -> None:
    late = datetime(2026, 11, 17, 18, 0)
    assert found("at 5", late) == [("at 5", "2026-11-18T17:00")]
    assert found("الساعة ٩ بالليل", late) == [("الساعة ٩ بالليل", "2026-11-17T21:00")]
    assert found("today at 5", late) == [("today at 5", "2026-11-17T17:00")]  # an explicit day is kept


def test_week_start_moves_next_week() -> None:
    sunday_weeks = TimeExtractor(week_start=6)
    assert found("الأسبوع الجاي", extractor=sunday_weeks) == [("الأسبوع الجاي", "2026-11-22")]
    assert found("الخميس الأسبوع الجاي", extractor=sunday_weeks) == [("الخميس الأسبوع الجاي", "2026-11-26")]
    with pytest.raises(ValueError, match="week_start"):
        TimeExtractor(week_start=7)


def test_year_end_and_invalid_dates() -> None:
    december = datetime(2026, 12, 30, 9, 0)
    assert found("in 3 days", december) == [("in 3 days", "2027-01-02")]
    assert found("5 January", december) == [("5 January", "2027-01-05")]
    assert found("31/2") == []
    assert found("29/2/2027") == []
    assert found("29/2/2028") == [("29/2/2028", "2028-02-29")]


def test_aware_now_keeps_its_clock() -> None:
    riyadh = timezone(timedelta(hours=3))
    assert found("بكرة الساعة ٥", datetime(2026, 11, 17, 10, 0, tzinfo=riyadh)) == [("بكرة الساعة ٥", "2026-11-18T17:00")]


def test_now_defaults_to_the_clock() -> None:
    entities = EXTRACTOR.extract("tomorrow")
    assert entities and entities[0].value == (datetime.now() + timedelta(days=1)).date().isoformat()


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_AR_WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
_NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31))


@settings(max_examples=200, deadline=None)
@given(_NOWS, st.integers(min_value=1, max_value=60), st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]))
def test_in_n_days_from_any_now(now: datetime, days: int, digits: str) -> None:
    n = str(days).translate(str.maketrans("0123456789", digits))
    expected = (now + timedelta(days=days)).date().isoformat()
    assert found(f"بعد {n} ايام", now) == [(f"بعد {n} ايام", expected)]
    assert found(f"in {days} days", now) == [(f"in {days} days", expected)]


@settings(max_examples=200, deadline=None)
@given(_NOWS, st.integers(min_value=0, max_value=6))
def test_next_weekday_from_any_now(now: datetime, weekday: int) -> None:
    for text in (f"next {_WEEKDAYS[weekday]}", f"{_AR_WEEKDAYS[weekday]} الجاي"):
        ((_, value),) = found(text, now)
        day = datetime.fromisoformat(value).date()
        assert day.weekday() == weekday and 1 <= (day - now.date()).days <= 7
    ((_, value),) = found(f"on {_WEEKDAYS[weekday]}", now)
    assert 0 <= (datetime.fromisoformat(value).date() - now.date()).days <= 6


@settings(max_examples=200, deadline=None)
@given(_NOWS, st.integers(min_value=1, max_value=12), st.sampled_from(["am", "pm", None]))
def test_a_time_alone_is_the_next_such_moment(now: datetime, hour: int, meridiem: str | None) -> None:
    text = f"at {hour}{meridiem or ''}"
    ((_, value),) = found(text, now)
    moment = datetime.fromisoformat(value)
    assert now - timedelta(minutes=1) < moment <= now + timedelta(days=1)
    assert moment.minute == 0 and moment.hour % 12 == hour % 12
