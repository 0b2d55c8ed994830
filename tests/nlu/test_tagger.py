"""The CRF entity tagger: tokens and spans, BIO labels, training and tagging, pickling."""

from __future__ import annotations

import pickle

from bot.nlu.data import parse_nlu
from bot.nlu.tagger import CRFEntityExtractor, bio_labels, tokenize
from bot.yamlsource import parse_yaml

NLU = """
nlu:
- intent: order
  examples: |
    - i want a [shirt](product) in [red](color)
    - give me the [shoes](product) in [blue](color)
    - one [hoodie](product) [black](color) please
    - i need [shoes](product)
    - عايز [قميص](product) [احمر](color)
    - ابغى [جزمة](product) [زرقاء](color)
    - بدي [هودي](product) [اسود](color)
    - 我要买[衬衫](product)[红色](color)的
    - 给我[鞋子](product)[蓝色](color)
    - 来一件[卫衣](product)[黑色](color)
- intent: greet
  examples: |
    - hello
    - مرحبا
    - 你好
"""


def test_tokens_map_to_the_original_text() -> None:
    text = "عايزُ قميـــص ٣ 我要买衬衫!"
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["عايز", "قميص", "3", "我", "要", "买", "衬", "衫", "!"]
    assert [text[t.start:t.end] for t in tokens][:3] == ["عايزُ", "قميـــص", "٣"]


def test_bio_labels_from_annotations() -> None:
    example = parse_nlu(parse_yaml(NLU, "nlu.yml")).examples[7]  # 我要买[衬衫](product)[红色](color)的
    tokens = tokenize(example.text)
    assert bio_labels(example, tokens) == ["O", "O", "O", "B-product", "I-product", "B-color", "I-color", "O"]


def test_trained_tagger_finds_entities_in_three_languages() -> None:
    data = parse_nlu(parse_yaml(NLU, "nlu.yml"))
    crf = CRFEntityExtractor.train(data.examples)
    assert crf.entity_types == ("color", "product")
    for text, expected in [
        ("i want a shirt in red", {("product", "shirt"), ("color", "red")}),
        ("عايز قميص احمر", {("product", "قميص"), ("color", "احمر")}),
        ("我要买衬衫红色的", {("product", "衬衫"), ("color", "红色")}),
    ]:
        found = crf.extract(text)
        assert {(e.entity, text[e.start:e.end]) for e in found} == expected, text
        assert all(e.extractor == "CRFEntityExtractor" and e.value == text[e.start:e.end] for e in found)
    assert crf.extract("hello") == [] and crf.extract("") == []
    again = pickle.loads(pickle.dumps(crf))
    assert again.extract("give me the shoes in blue") == crf.extract("give me the shoes in blue")


AMBIGUOUS = """
nlu:
- intent: play_music
  examples: |
    - play [adele](artist)
    - play something by [sia](artist)
    - put on [queen](artist)
    - i want to hear [adele](artist)
    - play [drake](artist) please
- intent: make_call
  examples: |
    - call [adele](person)
    - ring [tom](person)
    - phone [sara](person) now
    - give [adele](person) a call
    - call [sia](person) please
"""


def test_the_intent_decides_the_type_of_a_word_seen_under_both() -> None:
    crf = CRFEntityExtractor.train(parse_nlu(parse_yaml(AMBIGUOUS, "nlu.yml")).examples)
    text = "adele"  # the word alone: only the intent tells the two types apart
    assert [(e.entity, e.value) for e in crf.extract(text, intent="play_music")] == [("artist", "adele")]
    assert [(e.entity, e.value) for e in crf.extract(text, intent="make_call")] == [("person", "adele")]


def test_the_pipeline_hands_the_classifier_intent_to_the_tagger() -> None:
    from bot.nlu.pipeline import train_nlu

    model = train_nlu(parse_nlu(parse_yaml(AMBIGUOUS, "nlu.yml")), languages=["en"], fallback_threshold=0.0)
    for text, intent, entity in [("play adele", "play_music", "artist"), ("call adele", "make_call", "person")]:
        parsed = model.parse(text)
        assert parsed.intent is not None and parsed.intent.name == intent
        assert [(e.entity, e.value) for e in parsed.entities] == [(entity, "adele")], text
