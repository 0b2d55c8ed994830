"""Language identification: scripts, English against Arabizi, mixed messages, the trained scorer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu.language import ArabiziScorer, LanguageGuess, detect_language

ALL = ["en", "ar", "zh"]

ARABIC = [
    # MSA
    "أريد إلغاء طلبي",
    "ما هي مواعيد العمل؟",
    "كم سعر التوصيل إلى الرياض؟",
    "هل يمكنني تغيير عنوان الشحن؟",
    # Egyptian
    "عايز اعمل اوردر",
    "الاوردر بتاعي فين؟",
    "ممكن اعرف السعر كام",
    "مش عايز الطلب ده خلاص",
    # Gulf
    "ابي اطلب بيتزا",
    "وش صار على طلبي",
    "شلونك، متى يوصل الطلب؟",
    "ابغى احجز موعد باكر",
    # Levantine
    "بدي الغي الطلب",
    "شو في عندكن اليوم؟",
    "كيفك، وين صار الطلب؟",
    "هلق بدي احكي مع حدا",
    # short
    "تمام",
    "شكراً",
    "لا",
]
ENGLISH = [
    "ok",
    "thx",
    "yes pls",
    "no thanks",
    "Hi, where is my order?",
    "I want to cancel my order",
    "can u check my refund",
    "what time do you close today?",
    "pls send the menu",
    "my card hasn't arrived yet",
    "heyy",
    "see you 2morrow at 5pm",
]
CHINESE = ["我想取消订单", "你好", "我的订单在哪里？", "谢谢", "可以送到北京吗", "好的"]
ARABIZI = [
    "3ayez a3mel order",
    "ana 3ayez a3mel order bokra",
    "law sama7t 3ayza a3raf el order fein",
    "wein talabi",
    "shukran",
    "kifak",
    "la2",
    "mar7aba",
    "abgha atlob pizza",
    "baddi el8i el talab",
    "ya3ni eh",
    "mesh fahem",
    "Salam 3alaykum",
    "hello habibi",
]


@pytest.mark.parametrize("text", ARABIC)
def test_arabic_script(text: str) -> None:
    assert detect_language(text, ALL) == LanguageGuess("ar", "arabic", 1.0)


@pytest.mark.parametrize("text", ENGLISH)
def test_english(text: str) -> None:
    guess = detect_language(text, ALL)
    assert (guess.language, guess.script, guess.arabizi) == ("en", "latin", False)


@pytest.mark.parametrize("text", CHINESE)
def test_chinese(text: str) -> None:
    assert detect_language(text, ALL) == LanguageGuess("zh", "han", 1.0)


@pytest.mark.parametrize("text", ARABIZI)
def test_arabizi_is_arabic_in_latin_script(text: str) -> None:
    guess = detect_language(text, ALL)
    assert (guess.language, guess.script, guess.arabizi) == ("ar", "latin", True)


@pytest.mark.parametrize(
    ("text", "supported", "script", "arabizi"),
    [
        ("我想取消订单", ["en", "ar"], "han", False),
        ("عايز اعمل اوردر", ["en", "zh"], "arabic", False),
        ("3ayez a3mel order", ["en", "zh"], "latin", True),
        ("I want to cancel my order", ["ar"], "latin", False),
        ("Хочу отменить заказ", ALL, "other", False),
    ],
)
def test_unsupported_languages_get_none(text: str, supported: list[str], script: str, arabizi: bool) -> None:
    assert detect_language(text, supported) == LanguageGuess(None, script, 0.0, arabizi)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        ("ممكن اعرف el order فين", "ar", "arabic"),
        ("order رقم 123", "ar", "arabic"),  # a loanword, like a brand or a name, does not count
        ("عايز اطلب iPhone 15 Pro Max", "ar", "arabic"),
        ("我想买iPhone 15 Pro Max", "zh", "han"),
        ("给 The Mystery of the Tolling Bell 系列 4 星 评分 。", "zh", "han"),
        ("I want to cancel order رقم 123", "en", "latin"),
        ("my name is محمد", "en", "latin"),
        ("ana 3ayez a3mel cancel lel order رقم 123", "ar", "latin"),
    ],
)
def test_mixed_scripts_go_by_the_letters_of_words_that_tell(text: str, language: str, script: str) -> None:
    guess = detect_language(text, ALL)
    assert (guess.language, guess.script) == (language, script)
    assert guess.confidence < 1.0


@pytest.mark.parametrize("text", ["", "👍", "😂😂😂", "123", "+966 55 123 4567", "٣٤٥", "?!", "🇸🇦 ❤️ 10/10"])
def test_no_letters_no_language(text: str) -> None:
    assert detect_language(text, ALL) == LanguageGuess(None, "none", 0.0)


def test_confidence_is_lower_without_evidence() -> None:
    sentence = detect_language("I want to cancel my order please", ALL).confidence
    short = detect_language("ok", ALL).confidence
    nothing = detect_language("Margherita", ALL).confidence
    assert sentence > 0.95
    assert 0.5 < short < 0.7
    assert nothing == 0.5
    assert detect_language("order رقم 123", ALL).confidence < 0.7


EN_TRAIN = [
    "I want to book a table",
    "can I reserve a big table for tonight",
    "a table for four people please",
    "do you have a large table outside",
    "what is on the menu today",
    "is the kitchen still open",
]
ARABIZI_TRAIN = [
    "3ayez a7gez tarabeeza",
    "momken tarabeeza kbira",
    "tarabeeza l arba3 afrad",
    "fi tarabeeza barra",
    "3ayzeen tarabeeza kbira el naharda",
    "el matbakh lessa fat7",
]


def test_a_trained_scorer_finds_arabizi_without_cues() -> None:
    scorer = ArabiziScorer.fit(EN_TRAIN, ARABIZI_TRAIN)
    assert scorer.trained and not ArabiziScorer().trained
    assert not detect_language("tarabeeza kbira", ALL).arabizi  # no digit, no lexicon word
    assert detect_language("tarabeeza kbira", ALL, scorer).arabizi
    assert not detect_language("a big table outside", ALL, scorer).arabizi


def test_the_trained_model_does_not_outvote_the_cues() -> None:
    scorer = ArabiziScorer.fit(["3ayez shukran la2 habibi"] * 20, ["the table please"] * 20)  # labels swapped
    assert detect_language("ana 3ayez a3mel order", ALL, scorer).arabizi
    assert not detect_language("I want to cancel my order", ALL, scorer).arabizi


def test_a_scorer_round_trips_through_a_dict() -> None:
    scorer = ArabiziScorer.fit(EN_TRAIN, ARABIZI_TRAIN)
    again = ArabiziScorer.from_dict(scorer.to_dict())
    for text in EN_TRAIN + ARABIZI_TRAIN + ["tarabeeza kbira"]:
        assert detect_language(text, ALL, again) == detect_language(text, ALL, scorer)


def test_fit_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both English and Arabizi"):
        ArabiziScorer.fit(EN_TRAIN, ["عايز احجز", "👍"])


def test_from_dict_names_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="not an ArabiziScorer"):
        ArabiziScorer.from_dict({"version": 2, "weights": {}})


EMOJI = ["👍", "😂", "🙏🏽", "❤️", "🇸🇦", "👨‍👩‍👧", "3️⃣", "✅", "🍕"]
NUMBERS = st.from_regex(r"[+#]?[0-9٠-٩۰-۹]{1,6}([.,:/-][0-9]{1,4})?", fullmatch=True)
VOCABULARY = [word for text in ARABIC + ENGLISH + CHINESE + ARABIZI for word in text.split()]
WORD = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"]), min_size=1, max_size=8),
)


@st.composite
def with_additions(draw: st.DrawFn) -> tuple[str, str]:
    """A message, and the same message with emoji and numbers added between or after its words."""
    words = draw(st.lists(WORD, max_size=8))
    added: list[str] = []
    for word in words:
        if draw(st.booleans()):
            added.append(draw(st.one_of(st.sampled_from(EMOJI), NUMBERS)))
        added.append(word + (draw(st.sampled_from(EMOJI)) if draw(st.booleans()) else ""))
    added += draw(st.lists(st.one_of(st.sampled_from(EMOJI), NUMBERS), max_size=3))
    return " ".join(words), " ".join(added)


SCORERS = [None, ArabiziScorer.fit(EN_TRAIN, ARABIZI_TRAIN)]


@pytest.mark.parametrize("scorer", SCORERS, ids=["heuristic", "trained"])
@given(with_additions())
def test_emoji_and_numbers_never_change_the_language(scorer: ArabiziScorer | None, texts: tuple[str, str]) -> None:
    plain, decorated = texts
    before = detect_language(plain, ALL, scorer)
    after = detect_language(decorated, ALL, scorer)
    assert (after.language, after.arabizi) == (before.language, before.arabizi)
