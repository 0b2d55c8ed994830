"""Normalization: what each strength does, and variations that must not matter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.normalize import fold, light

ARABIC_WORDS = ["اريد", "اطلب", "طلبي", "الغاء", "موعد", "بكره", "شكرا", "مرحبا", "السعر", "كم", "وين", "متى", "ابغى", "عايز"]
LATIN_WORDS = ["i", "want", "to", "cancel", "my", "order", "please", "3ayez", "a3mel", "track", "refund"]


@pytest.mark.parametrize(
    ("raw", "light_text", "folded"),
    [
        ("مُحَمَّدٌ", "محمد", "محمد"),
        ("مـــرحبا", "مرحبا", "مرحبا"),
        ("أحمد إلى آخر على مدرسة مسؤول شئون", "أحمد إلى آخر على مدرسة مسؤول شئون", "احمد الي اخر علي مدرسه مسوول شيون"),
        ("١٢٣ ۱۲۳ ،؟؛٪", "123 123 ,?;%", "123 123 ,?;%"),
        ("شكراااا heyyyy", "شكراااا heyyyy", "شكرا heyy"),
        ("HELLO Café  ", "HELLO Café", "hello cafe"),
        ("👍🏽 ❤️", "👍 ❤", "👍 ❤"),
        ("ﻻ", "لا", "لا"),
        ("a\u200fb\u200b  c", "ab c", "ab c"),
        ("我想预订!!!", "我想预订!!!", "我想预订!"),
    ],
)
def test_each_strength(raw: str, light_text: str, folded: str) -> None:
    assert light(raw).text == light_text
    assert fold(raw) == folded


def test_light_maps_back_to_the_original_characters() -> None:
    raw = "اُريد ٣ قطـــع بـ ٢٥٠ ريال"
    normalized = light(raw)
    for number in ("3", "250"):
        start = normalized.text.index(number)
        original = normalized.span(start, start + len(number))
        assert raw[original[0]:original[1]] == {"3": "٣", "250": "٢٥٠"}[number]


DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"


def vary_arabic(word: str, data: st.DataObject) -> str:
    out = []
    for ch in word:
        if ch == "ا" and data.draw(st.booleans()):
            ch = data.draw(st.sampled_from("اأإآ"))
        out.append(ch)
        if data.draw(st.integers(0, 4)) == 0:
            out.append(data.draw(st.sampled_from(DIACRITICS)))
        if data.draw(st.integers(0, 6)) == 0:
            out.append("ـ" * data.draw(st.integers(1, 3)))
    if data.draw(st.booleans()):
        out.append(out[-1] * data.draw(st.integers(2, 4)))  # elongation "شكراااا"
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_arabic_variations_fold_to_the_same_text(data: st.DataObject) -> None:
    words = data.draw(st.lists(st.sampled_from(ARABIC_WORDS), min_size=1, max_size=5))
    number = data.draw(st.integers(0, 9999))
    plain = " ".join(words) + f" {number}"
    digits = str(number).translate(str.maketrans("0123456789", data.draw(st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]))))
    varied = " ".join(vary_arabic(w, data) for w in words) + f" \u200f{digits}"
    assert fold(varied) == fold(plain)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_latin_case_accents_and_repeats_fold_to_the_same_text(data: st.DataObject) -> None:
    words = data.draw(st.lists(st.sampled_from(LATIN_WORDS), min_size=1, max_size=6))
    varied = []
    for word in words:
        if data.draw(st.booleans()):
            word = word.upper() if data.draw(st.booleans()) else word.title()
        varied.append(word)
    punctuation = data.draw(st.sampled_from(["", "!", "!!!", "?", "???"]))
    assert fold(" ".join(varied) + punctuation) == fold(" ".join(words) + punctuation[:1])
    assert fold("café " + " ".join(words)) == fold("cafe " + " ".join(words))
