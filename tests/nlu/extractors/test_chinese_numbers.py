"""``number`` in Chinese: numerals with units, spoken shortenings, digits with 万/千, and the words that only look like numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.extractors.chinese_numbers import find_chinese_numbers
from bot.nlu.extractors.numbers import NumberExtractor

EXTRACTOR = NumberExtractor()


def found(text: str) -> list[tuple[str, int | float]]:
    return [(text[e.start : e.end], e.value) for e in EXTRACTOR.extract(text)]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要三个苹果", [("三", 3)]),
        ("来两杯咖啡", [("两", 2)]),
        ("十五号可以吗", [("十五", 15)]),
        ("二十五块", [("二十五", 25)]),
        ("一百二十三元", [("一百二十三", 123)]),
        ("一百零五", [("一百零五", 105)]),
        ("一千零五十", [("一千零五十", 1050)]),
        ("一百五", [("一百五", 150)]),  # spoken: the last digit counts in tens
        ("三千五的预算", [("三千五", 3500)]),
        ("两万五", [("两万五", 25000)]),
        ("十万", [("十万", 100000)]),
        ("一亿二千万", [("一亿二千万", 120_000_000)]),
        ("五千万", [("五千万", 50_000_000)]),
        ("订单号二零二五", [("二零二五", 2025)]),  # digit by digit
        ("预算3万", [("3万", 30000)]),
        ("1.5万块", [("1.5万", 15000)]),
        ("大概5千", [("5千", 5000)]),
        ("伍佰", [("伍佰", 500)]),  # financial numerals
        ("我要两个，还有十五个", [("两", 2), ("十五", 15)]),
        ("等十分钟", [("十", 10)]),
        ("二十分", [("二十", 20)]),  # "twenty points", not "very"
        ("十一点到", [("十一", 11)]),  # eleven o'clock, not "a little"
        ("一万一千", [("一万一千", 11000)]),  # not "in case"
        ("一点钟见", [("一", 1)]),
        ("一块钱", [("一", 1)]),
        ("订单 12345 到了吗", [("12345", 12345)]),
    ],
)
def test_chinese_numbers(text: str, expected: list[tuple[str, int]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    ["看一下", "我们一起去", "千万不要取消", "十分感谢", "第一个", "万一没货呢", "便宜一点点", "一样的", "唯一的问题", "其中之一",
     "一共多少钱", "一二百", "百", "万"],
)
def test_words_that_only_look_like_numbers(text: str) -> None:
    assert found(text) == []


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_every_number_written_out_reads_back(value: int) -> None:
    assert find_chinese_numbers(_written(value)) == [(0, len(_written(value)), value)]


def _written(value: int) -> str:
    """The standard written form (一千零五十, 十五 as 一十五 only after a higher unit)."""
    digits = "零一二三四五六七八九"

    def section(n: int, leading: bool) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = n // unit % 10
            if d == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += ("" if (unit == 10 and d == 1 and not out and leading) else digits[d]) + name
        return out

    high, low = divmod(value, 10_000)
    if not high:
        return section(low, True)
    text = section(high, True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + section(low, False)
    return text
