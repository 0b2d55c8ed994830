"""Chinese numerals for the ``number`` extractor: "三个" → 3, "一百二十" → 120, "两万五" → 25000.

Covered: the digits 零〇一二两三四五六七八九 (and the financial 壹贰叁肆伍陆柒捌玖), the units
十百千 (拾佰仟) and 万亿 in any valid combination ("一百零五", "十万", "一亿二千万"), a leading 十
("十五" = 15), the spoken shortening of a last unit ("一百五" = 150, "三千五" = 3500, "两万五" =
25000), digit-by-digit numbers ("二零二五" = 2025), and digits followed by a unit ("3万", "1.5万",
"5千", handled by ``numbers``).

Not numbers: ordinals ("第一"), and the common words that contain a numeral, e.g. "一下", "一起",
"一样", "一点" ("a little"), "一共", "万一", "千万不要", "十分" ("very", but "十分钟" is 10 minutes).
A lone unit ("百", "万") is not a number either.
"""

from __future__ import annotations

import re

__all__ = ["SCALES", "find_chinese_numbers"]

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG = {"万": 10_000, "亿": 100_000_000}
SCALES = {**UNITS, **BIG}
"""What a digit number may be followed by: "3万" = 30000."""

_RUN = re.compile(f"[{''.join(DIGITS)}{''.join(UNITS)}{''.join(BIG)}]+")
# Words in which a numeral character is not a number: the run is cut (or dropped) there.
_WORDS = (
    "一下", "一起", "一样", "一直", "一些", "一定", "一点", "一般", "一切", "一会", "一边", "一共", "一旦", "一向",
    "一致", "一再", "一模", "一流", "一律", "一块儿", "唯一", "统一", "之一", "万一", "千万", "十分", "一一",
)
_EXCEPT_BEFORE = {"十分": "钟", "一点": "钟"}  # "十分钟" (ten minutes), "一点钟" (one o'clock) are numbers


def find_chinese_numbers(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """``(start, end, value)`` of each Chinese numeral in ``text[start:end]``."""
    found = []
    for match in _RUN.finditer(text, start, len(text) if end is None else end):
        for piece_start, piece_end in _pieces(text, match.start(), match.end()):
            if piece_start > 0 and text[piece_start - 1] == "第":
                continue  # an ordinal
            value = _value(text[piece_start:piece_end])
            if value is not None:
                found.append((piece_start, piece_end, value))
    return found


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The run ``text[start:end]`` without the common words it overlaps."""
    blocked = [False] * (end - start)
    for word in _WORDS:
        at = text.find(word, max(0, start - len(word) + 1), end + len(word) - 1)
        while at != -1 and at < end:
            after = text[at + len(word) : at + len(word) + 1]
            if not (after and after in _EXCEPT_BEFORE.get(word, "")) and not _counts(text, at, word):
                for i in range(max(at, start), min(at + len(word), end)):
                    blocked[i - start] = True
            at = text.find(word, at + 1, end + len(word) - 1)
    pieces, piece_start = [], None
    for i, is_blocked in enumerate([*blocked, True]):
        if not is_blocked and piece_start is None:
            piece_start = i
        elif is_blocked and piece_start is not None:
            pieces.append((start + piece_start, start + i))
            piece_start = None
    return pieces


def _counts(text: str, at: int, word: str) -> bool:
    """Whether a numeral right before ``word`` makes it part of a number: "五千万" (not "by all
    means"), "一万一千" (not "in case"), "二十分" (not "very"), "十一点" (not "a little")."""
    return at > 0 and (text[at - 1] in DIGITS or text[at - 1] in SCALES)


def _value(run: str) -> int | None:
    """The value of a run of numeral characters, or None when it is not a well-formed number."""
    if not any(ch in DIGITS or ch in "十拾" for ch in run):
        return None  # a lone unit: "百", "万"
    if all(ch in DIGITS for ch in run):
        return DIGITS[run] if len(run) == 1 else int("".join(str(DIGITS[ch]) for ch in run))
    total = section = number = 0
    last_unit = last_big = 0  # the section's last unit, and the last 万/亿
    zero_seen = False  # a 零 since the last unit: "一百零五" is 105, not the shortened 150
    for i, ch in enumerate(run):
        if ch in DIGITS:
            if number:
                return None  # two digits in a row inside a number with units: "一二百"
            number = DIGITS[ch]
            zero_seen = zero_seen or number == 0
        elif ch in UNITS:
            unit = UNITS[ch]
            if last_unit and unit >= last_unit:
                return None  # units fall within a section: "百千", "十十"
            if not number:
                if unit != 10 or not (i == 0 or run[i - 1] in BIG or run[i - 1] in "零〇"):
                    return None  # "三千百"; only 十 stands alone: "十五", "一百零十"
                number = 1
            section += number * unit
            last_unit, number, zero_seen = unit, 0, False
        else:
            big = BIG[ch]
            if (last_big and big >= last_big) or section + number == 0:
                return None
            total += (section + number) * big
            section = number = last_unit = 0
            last_big, zero_seen = big, False
    if number and not zero_seen and len(run) > 1 and run[-2] in SCALES:
        number *= SCALES[run[-2]] // 10  # spoken shortening: "一百五" = 150, "两万五" = 25000
    return total + section + number
