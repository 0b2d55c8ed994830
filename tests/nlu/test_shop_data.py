"""The reference shop bot's NLU training data (``nlu_data/<language>/*.yml``).

Checks that the data loads cleanly with the project's own reader, that every intent exists in
every language with enough examples, that no text is listed twice or under two intents, that
entity markup is sound and only marks catalogue entities (numbers, dates, phones, emails,
amounts and order ids are found by the built-in extractors), that colours, sizes and products
resolve to canonical values, and that the Arabic data mixes dialects and Arabizi.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.nlu.data import Example, TrainingData, load_nlu_dir

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "nlu_data"
LANGUAGES = ("en", "ar", "zh")
INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny",
    "browse_catalogue", "product_info", "place_order",
    "track_order", "cancel_order", "request_refund",
    "book_appointment", "reschedule_appointment", "cancel_appointment",
    "store_hours", "store_location", "human_handoff", "opt_out", "bot_challenge", "out_of_scope",
)
MINIMUM = {"en": 25, "ar": 25, "zh": 15}
AREAS = ("shop.yml", "orders.yml", "appointments.yml", "store.yml", "chitchat.yml", "handoff.yml", "catalogue.yml")
CATALOGUE_ENTITIES = {"product", "color", "size"}
COLORS = {"red", "blue", "black", "white"}
SIZES = {"small", "medium", "large"}
ANNOTATED_INTENTS = ("place_order", "product_info")

ARABIC = re.compile(r"[\u0600-\u06FF]")
HAN = re.compile(r"[\u4E00-\u9FFF]")
LATIN = re.compile(r"[A-Za-z]")
# An Arabizi word writes a letter with a digit: 3ayez, a7mar, la2, 5eir, el8i (not s24, 15, 5pm).
ARABIZI_WORD = re.compile(r"^(?=(?:[^a-z]*[a-z]){2})(?![a-z']*\d\d)(?!\d+[ap]m$)[a-z']*[2356789][a-z2356789']*$")
# Words typical of each variety of Arabic (a message may show several, or none).
DIALECT_MARKERS = {
    "MSA": {"أريد", "هل", "أرغب", "أود", "يمكن", "يمكنني", "لديكم", "إلى", "ما"},
    "Egyptian": {"عايز", "عايزة", "عايزه", "فين", "امتى", "ازاي", "ايه", "بتاع", "مش", "كده", "النهارده",
                 "بكرة", "ده", "ازيك", "ميعاد", "معاد", "اوردر", "ابعتلي", "وريني", "هاتلي", "ينفع"},
    "Gulf": {"ابغى", "ابي", "وين", "شلون", "باجر", "وش", "الحين", "ودي", "للحين", "زين", "هلا", "مب"},
    "Levantine": {"بدي", "شو", "قديش", "بكرا", "هيك", "حدا", "فيني", "عندكن", "رح", "كيفك", "بخاطرك", "يلي"},
}


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return load_nlu_dir(DATA, LANGUAGES)


def examples_of(data: TrainingData, language: str, intent: str | None = None) -> list[Example]:
    return [e for e in data.examples if e.language == language and (intent is None or e.intent == intent)]


def key(text: str) -> str:
    """Two texts with the same key are the same message (case, spacing, end punctuation)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[?!.,،؟。！？~…]+", " ", text)
    return " ".join(text.split())


def resolve(value: object, synonyms: Mapping[str, str]) -> str:
    """An entity value after the data's synonyms, as ``NluModel`` applies them."""
    text = str(value)
    return synonyms.get(text.casefold(), text)


def is_arabizi(text: str) -> bool:
    """Arabic written in Latin letters: no Arabic script, Latin letters present."""
    return not ARABIC.search(text) and bool(LATIN.search(text))


def has_arabizi_word(text: str) -> bool:
    return any(ARABIZI_WORD.match(word) for word in re.findall(r"[\w']+", text.casefold()))


def products(data: TrainingData) -> tuple[list[str], set[str]]:
    """The product lookup's elements and its canonical names (elements no synonym renames)."""
    [table] = [t for t in data.lookups if t.name == "product"]
    canonical = {e for e in table.elements if resolve(e, data.synonyms) == e}
    return list(table.elements), canonical


def test_the_data_loads_without_warnings(data: TrainingData) -> None:
    assert data.warnings == (), "\n".join(data.warnings)
    assert {e.language for e in data.examples} == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_a_file_per_area(language: str) -> None:
    folder = DATA / language
    assert sorted(p.name for p in folder.glob("*.yml")) == sorted(AREAS)
    assert not (folder / ".gitkeep").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_enough_examples(data: TrainingData, language: str) -> None:
    counts = Counter(e.intent for e in examples_of(data, language))
    assert set(counts) == set(INTENTS)
    short = {intent: n for intent, n in counts.items() if n < MINIMUM[language]}
    assert not short, f"{language}: fewer than {MINIMUM[language]} examples: {short}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_listed_twice_in_a_language(data: TrainingData, language: str) -> None:
    first: dict[str, Example] = {}
    twice = []
    for example in examples_of(data, language):
        seen = first.setdefault(key(example.text), example)
        if seen is not example:
            twice.append(f"{example.source} repeats {seen.source}: {example.text!r}")
    assert not twice, "\n".join(twice)


def test_no_text_is_under_two_intents_in_any_language(data: TrainingData) -> None:
    # The classifier is trained on all languages together, so a clash across folders matters too.
    intents: defaultdict[str, set[str]] = defaultdict(set)
    for example in data.examples:
        intents[key(example.text)].add(example.intent)
    assert {text: names for text, names in intents.items() if len(names) > 1} == {}


def test_annotated_spans_match_their_text(data: TrainingData) -> None:
    for example in data.examples:
        ends = 0
        for entity in sorted(example.entities, key=lambda a: a.start):
            where = f"{example.source}: {example.text!r}"
            assert example.text[entity.start : entity.end] == entity.text, where
            assert entity.text == entity.text.strip() and entity.text, where
            assert entity.start >= ends, f"{where}: overlapping annotations"
            ends = entity.end


def test_only_catalogue_entities_are_annotated(data: TrainingData) -> None:
    # Numbers, times, phones, emails, amounts and order ids come from the built-in extractors.
    assert set(data.entities()) == CATALOGUE_ENTITIES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", ANNOTATED_INTENTS)
def test_orders_and_product_questions_name_products(data: TrainingData, language: str, intent: str) -> None:
    examples = examples_of(data, language, intent)
    with_product = [e for e in examples if any(a.entity == "product" for a in e.entities)]
    with_attribute = [e for e in examples if any(a.entity in ("color", "size") for a in e.entities)]
    assert len(with_product) >= 0.6 * len(examples)
    assert len(with_attribute) >= 5


def test_colors_and_sizes_resolve_to_canonical_values(data: TrainingData) -> None:
    canonical = {"color": COLORS, "size": SIZES}
    for example in data.examples:
        for entity in example.entities:
            if entity.entity in canonical:
                value = resolve(entity.value, data.synonyms)
                assert value in canonical[entity.entity], f"{example.source}: {entity.text!r} -> {value!r}"
    used = {resolve(a.value, data.synonyms) for e in data.examples for a in e.entities if a.entity in canonical}
    assert used == COLORS | SIZES


@pytest.mark.parametrize("value", sorted(COLORS | SIZES))
def test_arabic_and_chinese_words_for_colors_and_sizes(data: TrainingData, value: str) -> None:
    surfaces = [s for s, v in data.synonyms.items() if v == value]
    assert any(ARABIC.search(s) for s in surfaces), f"no Arabic synonym of {value!r}"
    assert any(HAN.search(s) for s in surfaces), f"no Chinese synonym of {value!r}"
    assert any(s.isascii() and s != value for s in surfaces), f"no Arabizi or English variant of {value!r}"
    [lookup] = [t for t in data.lookups if t.name == ("color" if value in COLORS else "size")]
    assert value in lookup.elements


def test_the_product_lookup_lists_the_catalogue_with_aliases(data: TrainingData) -> None:
    elements, canonical = products(data)
    assert len(canonical) >= 30
    assert all(name.isascii() for name in canonical)
    for element in elements:
        assert resolve(element, data.synonyms) in canonical, f"lookup alias {element!r} names no product"
    aliases: defaultdict[str, list[str]] = defaultdict(list)
    for surface, value in data.synonyms.items():
        aliases[value].append(surface)
    for element in elements:
        aliases[resolve(element, data.synonyms)].append(element)
    for name in canonical:
        assert any(ARABIC.search(a) for a in aliases[name]), f"no Arabic alias for {name!r}"
        assert any(HAN.search(a) for a in aliases[name]), f"no Chinese alias for {name!r}"


def test_annotated_products_are_in_the_catalogue(data: TrainingData) -> None:
    _, canonical = products(data)
    for example in data.examples:
        for entity in example.entities:
            if entity.entity == "product":
                value = resolve(entity.value, data.synonyms)
                assert value in canonical, f"{example.source}: {entity.text!r} -> {value!r} is not a catalogue product"


def test_every_synonym_points_to_a_catalogue_value(data: TrainingData) -> None:
    _, canonical = products(data)
    stray = {s: v for s, v in data.synonyms.items() if v not in canonical | COLORS | SIZES}
    assert stray == {}


def test_each_folder_is_in_its_language(data: TrainingData) -> None:
    for example in examples_of(data, "en"):
        assert not ARABIC.search(example.text) and not HAN.search(example.text), example.source
    for example in examples_of(data, "ar"):
        assert not HAN.search(example.text), example.source
        assert ARABIC.search(example.text) or is_arabizi(example.text), example.source
    chinese = examples_of(data, "zh")
    assert not any(ARABIC.search(e.text) for e in chinese)
    assert sum(bool(HAN.search(e.text)) for e in chinese) >= 0.9 * len(chinese)


def test_arabic_examples_include_arabizi_for_every_intent(data: TrainingData) -> None:
    latin = Counter(e.intent for e in examples_of(data, "ar") if is_arabizi(e.text))
    with_digits = Counter(e.intent for e in examples_of(data, "ar") if is_arabizi(e.text) and has_arabizi_word(e.text))
    assert {intent: latin[intent] for intent in INTENTS if latin[intent] < 5} == {}
    assert sum(with_digits[intent] >= 2 for intent in INTENTS) >= 0.9 * len(INTENTS), with_digits
    assert sum(with_digits.values()) >= 80


@pytest.mark.parametrize("arabizi", ["3ayez a3mel order", "fein el order beta3i", "la2", "a7mar", "el8i", "masa2"])
def test_arabizi_word_pattern_accepts(arabizi: str) -> None:
    assert has_arabizi_word(arabizi)


@pytest.mark.parametrize("english", ["galaxy s24", "iphone 15", "book for 5pm", "order 2 hoodies", "3q"])
def test_arabizi_word_pattern_rejects(english: str) -> None:
    assert not has_arabizi_word(english)


def test_arabic_examples_mix_dialects(data: TrainingData) -> None:
    intents_per_dialect: defaultdict[str, set[str]] = defaultdict(set)
    for example in examples_of(data, "ar"):
        words = set(re.findall(r"[\u0600-\u06FF]+", example.text))
        for dialect, markers in DIALECT_MARKERS.items():
            if words & markers:
                intents_per_dialect[dialect].add(example.intent)
    for dialect in DIALECT_MARKERS:
        assert len(intents_per_dialect[dialect]) >= 15, f"{dialect}: {sorted(intents_per_dialect[dialect])}"
