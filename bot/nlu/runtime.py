"""The trained intent classifier at parse time: plain arrays and dicts, no scikit-learn.

Training (``bot.nlu.classifier``) needs scikit-learn; serving does not, so a bot starts fast and
small: ``IntentClassifier.compile()`` turns a fitted classifier into ``CompiledIntents``, whose
features are computed exactly as scikit-learn's ``TfidfVectorizer`` computes them (tested).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from bot.nlu.vectors import StaticVectors

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = frozenset({"out_of_scope", "oos"})
_WORD = re.compile(r"(?u)\b\w+\b")


@dataclass(frozen=True, slots=True)
class Ranking:
    """Intents with confidences, best first."""

    intents: tuple[tuple[str, float], ...]
    fallback: bool

    @property
    def top(self) -> tuple[str, float]:
        """The chosen intent (``nlu_fallback`` when out of scope) and its confidence."""
        name, confidence = self.intents[0]
        return (FALLBACK, confidence) if self.fallback else (name, confidence)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A fitted TF-IDF vocabulary: term → column, and each column's idf."""

    index: Mapping[str, int]
    idf: np.ndarray

    def row(self, terms: list[str]) -> dict[int, float]:
        """The l2-normalized sublinear TF-IDF of ``terms``."""
        counts: dict[int, int] = {}
        for term in terms:
            column = self.index.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return {}
        weights = {i: (1.0 + math.log(c)) * float(self.idf[i]) for i, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {i: w / norm for i, w in weights.items()}


def word_terms(text: str) -> list[str]:
    """Word 1-2-grams exactly as the word vectorizer builds them."""
    tokens = _WORD.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def char_wb_terms(text: str, low: int = 2, high: int = 5) -> list[str]:
    """char_wb n-grams exactly as scikit-learn builds them (padded words, short words once)."""
    terms: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length < n:
                terms.append(padded)
                break
            terms.extend(padded[i : i + n] for i in range(length - n + 1))
            if length == n:
                break
    return terms


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax (a logistic for one column of binary scores)."""
    if scores.ndim == 1:
        return np.asarray(1 / (1 + np.exp(-scores)))
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


@dataclass(frozen=True, slots=True)
class CompiledIntents:
    """A fitted intent classifier reduced to what parsing needs."""

    prepare: Callable[[str], str]
    words: Vocabulary
    chars: Vocabulary
    coef: np.ndarray  # (classes or 1, features)
    intercept: np.ndarray
    classes: tuple[str, ...]
    temperature: float
    threshold: float
    ranking_size: int = 10
    vectors: StaticVectors | None = None
    vector_weight: float = 0.0

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Features of one text as (columns, values): its n-grams, then its vector if there are vectors."""
        prepared = self.prepare(text)
        words = self.words.row(word_terms(prepared))
        chars = self.chars.row(char_wb_terms(prepared))
        offset = len(self.words.index)
        columns = np.fromiter([*words, *(offset + i for i in chars)], dtype=np.int64, count=len(words) + len(chars))
        values = np.fromiter([*words.values(), *chars.values()], dtype=np.float64, count=len(words) + len(chars))
        if self.vectors is not None:
            start = offset + len(self.chars.index)
            columns = np.concatenate([columns, np.arange(start, start + self.vectors.dimensions)])
            values = np.concatenate([values, self.vectors.embed(prepared) * self.vector_weight])
        return columns, values

    def rank_one(self, text: str) -> Ranking:
        """The ranking of one text (only the columns of its n-grams are touched)."""
        columns, values = self.features(text)
        scores = self.coef[:, columns] @ values + self.intercept
        if scores.shape[0] == 1:  # binary
            p = float(softmax(scores / self.temperature)[0])
            return self.ranking(np.array([1 - p, p]))
        return self.ranking(softmax(scores[np.newaxis, :] / self.temperature)[0])

    def ranking(self, row: np.ndarray) -> Ranking:
        """Intents by confidence, with the fallback decision."""
        order = np.argsort(-row)[: self.ranking_size]
        intents = tuple((self.classes[i], float(row[i])) for i in order)
        return Ranking(intents, intents[0][1] < self.threshold or intents[0][0] in OUT_OF_SCOPE)
