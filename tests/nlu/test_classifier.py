"""The intent classifier on a tiny multilingual bot (tests never train big models)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.classifier import FALLBACK, IntentClassifier

DATA = {
    "greet": ["hello", "hi there", "good morning", "hey", "مرحبا", "اهلا وسهلا", "السلام عليكم", "صباح الخير", "你好", "早上好"],
    "order": ["i want to order", "place an order", "i'd like to buy this", "add to my cart", "اريد اطلب", "عايز اعمل طلب",
              "ابغى اطلب", "ممكن اطلب", "我要下单", "我想买这个"],
    "cancel_order": ["cancel my order", "i want to cancel", "please cancel the order", "stop my order", "الغي طلبي",
                     "عايز الغي الطلب", "ابغى الغي الطلب", "الغاء الطلب", "取消订单", "我要取消"],
    "track_order": ["where is my order", "track my package", "when will my order arrive", "order status", "وين طلبي",
                    "فين الاوردر بتاعي", "متى يوصل طلبي", "حالة الطلب", "我的订单在哪", "查询订单"],
    "out_of_scope": ["what is the weather", "tell me a joke", "who won the match", "how tall is everest", "شو الطقس",
                     "احكيلي نكتة", "مين فاز بالمباراة", "天气怎么样", "讲个笑话", "what's the capital of peru"],
}
TEXTS = [t for intent, texts in DATA.items() for t in texts]
INTENTS = [intent for intent, texts in DATA.items() for _ in texts]


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    return IntentClassifier().fit(TEXTS, INTENTS)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("hello!", "greet"), ("cancel the order please", "cancel_order"), ("عايز الغي طلبي", "cancel_order"),
     ("فين طلبي", "track_order"), ("我要下单", "order"), ("اريد اطلب", "order")],
)
def test_known_phrasings(classifier: IntentClassifier, text: str, intent: str) -> None:
    assert classifier.rank([text])[0].top[0] == intent


def test_ranking_is_a_distribution_best_first(classifier: IntentClassifier) -> None:
    (ranking,) = classifier.rank(["where is my order"])
    confidences = [c for _, c in ranking.intents]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0 + 1e-9
    assert {name for name, _ in ranking.intents} == set(DATA)


def test_out_of_scope_examples_fall_back(classifier: IntentClassifier) -> None:
    (ranking,) = classifier.rank(["tell me a joke about the weather"])
    assert ranking.fallback and ranking.top[0] == FALLBACK


def test_needs_two_intents() -> None:
    with pytest.raises(ValueError, match="at least two intents"):
        IntentClassifier().fit(["hi", "hello"], ["greet", "greet"])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_writing_variations_never_change_the_intent(classifier: IntentClassifier, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    varied = text
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        varied = varied.replace("ا", data.draw(st.sampled_from(["ا", "أ", "إ"])), 1)
        varied = varied.replace("ي", "ى") if data.draw(st.booleans()) else varied
        varied = varied + "ـ" if data.draw(st.booleans()) else varied
        varied = "\u064e".join(varied) if data.draw(st.booleans()) else varied  # fatha everywhere
    else:
        varied = varied.upper() if data.draw(st.booleans()) else varied.title()
    varied += data.draw(st.sampled_from(["", "!!!", "؟", " \u200f"]))
    assert classifier.rank([varied])[0].intents[0][0] == classifier.rank([text])[0].intents[0][0]


@pytest.mark.parametrize("text", ["hello", "عايز الغي طلبي", "我的订单在哪", "zzz", "", "tell me a joke!!"])
def test_fast_path_agrees_with_the_batch_path(classifier: IntentClassifier, text: str) -> None:
    fast, batch = classifier.rank_one(text), classifier.rank([text])[0]
    assert [n for n, _ in fast.intents] == [n for n, _ in batch.intents]
    assert [c for _, c in fast.intents] == pytest.approx([c for _, c in batch.intents])
    assert fast.fallback == batch.fallback


def test_fast_features_equal_scikit_learns() -> None:
    import numpy as np

    classifier = IntentClassifier().fit(TEXTS, INTENTS)
    compiled = classifier.compile()
    texts = [*TEXTS, "a", "ok!!", "  spaced   out ", "heyyyy 👍🏽", "xyz unknown words"]
    matrix = classifier.featurizer.transform(texts).toarray()
    for row, text in zip(matrix, texts, strict=True):
        indices, values = compiled.features(text)
        fast = np.zeros_like(row)
        fast[indices] = values
        assert fast == pytest.approx(row), text
