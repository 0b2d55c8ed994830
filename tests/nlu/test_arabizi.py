"""Arabizi to Arabic: chat phrases, English and other scripts left alone, the cues per word."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu.arabizi import Cue, latin_words, spell, to_arabic, word_cue
from bot.nlu.normalize import fold

PHRASES = [
    # Egyptian
    ("3ayez a3mel order", "عايز اعمل اوردر"),
    ("ana 3ayez a3mel order bokra", "انا عايز اعمل اوردر بكرة"),
    ("law sama7t 3ayza a3raf el order fein", "لو سمحت عايزة اعرف الاوردر فين"),
    ("fein el order beta3i", "فين الاوردر بتاعي"),
    ("mesh 3ayez el order da khalas", "مش عايز الاوردر دا خلاص"),
    ("ezayak ya basha", "ازيك يا باشا"),
    ("momken a3raf se3r el delivery?", "ممكن اعرف سعر الدليفري?"),
    ("ana mish fahem", "انا مش فاهم"),
    ("ma3rafsh", "معرفش"),
    ("3ayez a3mel cancel lel order", "عايز اعمل كانسل للاوردر"),
    ("fen el talabeya", "فين الطلبية"),
    ("mafeesh moshkela", "مفيش مشكلة"),
    ("ya3ni eh?", "يعني ايه?"),
    ("el delivery bkam?", "الدليفري بكام?"),
    # Gulf
    ("abi a7jez maw3ed bokra", "ابي احجز موعد بكرة"),
    ("shlonak, abgha atlob pizza", "شلونك, ابغى اطلب بيتزا"),
    ("wa2t el tawseel kam?", "وقت التوصيل كم?"),
    ("3'ali awi", "غالي اوي"),
    # Levantine
    ("wein talabi", "وين طلبي"),
    ("kifak", "كيفك"),
    ("keefak? shu a5bar el talab", "كيفك? شو اخبار الطلب"),
    ("baddi el8i el talab", "بدي الغي الطلب"),
    ("baddi el3enwan law sama7t", "بدي العنوان لو سمحت"),
    # greetings and short replies
    ("shukran", "شكرا"),
    ("mar7aba", "مرحبا"),
    ("Salam 3alaykum", "سلام عليكم"),
    ("ahlan wa sahlan", "اهلا وسهلا"),
    ("la2 shukran", "لا شكرا"),
    ("aywa tamam", "ايوه تمام"),
    ("ok tamam", "اوكي تمام"),
    ("inshallah bokra", "ان شاء الله بكرة"),
    ("7abibi shukran 3al msa3da", "حبيبي شكرا على المسعدة"),
    # spelling and joining
    ("El Order Fein?", "الاوردر فين?"),
    ("el-order", "الاوردر"),
    ("Mar7aba! 3ayez 2 pizza", "مرحبا! عايز 2 بيتزا"),
    ("ba3d bokra el sa3a 3", "بعد بكرة الساعة 3"),  # numbers stay digits, for the extractors
]


@pytest.mark.parametrize(("arabizi", "arabic"), PHRASES)
def test_chat_phrases(arabizi: str, arabic: str) -> None:
    assert to_arabic(arabizi) == arabic


@pytest.mark.parametrize(
    ("arabizi", "written"),
    [
        ("law sama7t", "لو سمحت"),
        ("bokra", "بكره"),
        ("3ayza", "عايزه"),
        ("shukran", "شكراً"),
        ("el order", "الأوردر"),
        ("fein el order beta3i", "فين الأوردر بتاعي"),
    ],
)
def test_the_arabic_view_folds_like_arabic_script(arabizi: str, written: str) -> None:
    assert fold(to_arabic(arabizi)) == fold(written)


@pytest.mark.parametrize(
    "text",
    [
        "I want to cancel my order",
        "Can you check my shipment status",
        "where is my order??",
        "ok",
        "thx",
        "yes pls",
        "Hi, I'd like a refund please",
        "see you 2morrow at 5pm",
        "",
    ],
)
def test_english_is_left_alone(text: str) -> None:
    assert to_arabic(text) == text


@pytest.mark.parametrize("text", ["عايز اعمل اوردر", "我想取消订单", "👍👍", "123 456", "+966 55 123 4567"])
def test_other_scripts_and_numbers_are_left_alone(text: str) -> None:
    assert to_arabic(text) == text


def test_numbers_units_and_model_names_keep_their_digits() -> None:
    assert to_arabic("3ayez iphone15 w s24 el sa3a 5pm") == "عايز iphone15 و s24 الساعة 5pm"


def test_english_words_stay_in_an_arabizi_message() -> None:
    assert to_arabic("ana 3ayez this order now") == "انا عايز this اوردر now"


def test_words_both_english_and_arabizi_depend_on_the_message() -> None:
    assert to_arabic("law sama7t") == "لو سمحت"
    assert to_arabic("the law says no") == "the law says no"


@pytest.mark.parametrize(
    ("word", "arabic"),
    [
        ("3ayez", "عايز"),
        ("7elw", "حلو"),
        ("5alli", "خلي"),
        ("6alab", "طلب"),
        ("9a7", "صح"),
        ("3'ali", "غلي"),  # a single a inside a word is dropped, so long vowels are lost (lexicon: غالي)
        ("shams", "شمس"),
        ("kharoof", "خروف"),
        ("ghaly", "غلي"),
        ("bokra", "بوكرة"),  # o and u inside a word are kept as و (lexicon: بكرة)
        ("ana", "انا"),
        ("ma3aha", "معها"),
        ("fahem", "فاهم"),
        ("sa3ah", "سعه"),
    ],
)
def test_rules_without_the_lexicon(word: str, arabic: str) -> None:
    assert spell(word) == arabic


@pytest.mark.parametrize(
    ("word", "cue"),
    [
        ("3ayez", Cue.DIGITS),
        ("la2", Cue.DIGITS),
        ("b36o", Cue.DIGITS),
        ("shukran", Cue.LEXICON),
        ("talabi", Cue.LEXICON),  # talab + -i
        ("elorder", Cue.LEXICON),  # el- + a loanword
        ("law", Cue.AMBIGUOUS),
        ("order", Cue.LOANWORD),
        ("the", Cue.ENGLISH),
        ("heyy", Cue.ENGLISH),  # stretched "hey"
        ("byee", Cue.LOANWORD),  # stretched "bye"
        ("gr8", Cue.ENGLISH),
        ("5pm", Cue.NONE),
        ("iphone15", Cue.NONE),
        ("s24", Cue.NONE),
        ("margherita", Cue.NONE),
    ],
)
def test_word_cues(word: str, cue: Cue) -> None:
    assert word_cue(word) is cue


def test_latin_words_are_lowercased_squeezed_and_without_numbers() -> None:
    assert latin_words("SHUKRAAAN 3ayez 2 طلب pizza!!") == ["shukran", "3ayez", "pizza"]


NON_LATIN = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]).filter(lambda ch: not (ch.isascii() and ch.isalnum())))


@given(NON_LATIN)
def test_text_without_latin_letters_is_unchanged(text: str) -> None:
    assert to_arabic(text) == text


WORDS = [arabizi for arabizi, _ in PHRASES] + ["I", "want", "the", "order", "law", "iphone15", "5pm", "Ahmed", "👍", "?"]


@given(st.lists(st.sampled_from(WORDS), max_size=8))
def test_transliterating_twice_changes_nothing(words: list[str]) -> None:
    once = to_arabic(" ".join(words))
    assert to_arabic(once) == once
