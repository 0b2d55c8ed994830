"""What the intent classifier sees: folded text (plus Arabic for Arabizi) as word and char n-grams."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.normalize import fold


class Featurizer:
    """TF-IDF over word 1-2-grams and char_wb 2-5-grams of the folded text."""

    def __init__(self, *, prepare: Callable[[str], str] | None = None) -> None:
        self.prepare = prepare or fold
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        """Learn the vocabularies and return the training features."""
        prepared = [self.prepare(t) for t in texts]
        # Rare char n-grams are noise in big data sets but all a small bot has.
        self.chars.set_params(min_df=2 if len(prepared) >= 1000 else 1)
        return hstack([self.words.fit_transform(prepared), self.chars.fit_transform(prepared)]).tocsr()

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """Features of new texts."""
        prepared = [self.prepare(t) for t in texts]
        return hstack([self.words.transform(prepared), self.chars.transform(prepared)]).tocsr()


def _tfidf_row(vectorizer: TfidfVectorizer, terms: list[str]) -> dict[int, float]:
    """The l2-normalized sublinear TF-IDF of ``terms`` in a fitted vectorizer's vocabulary."""
    vocabulary = vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for term in terms:
        index = vocabulary.get(term)
        if index is not None:
            counts[index] = counts.get(index, 0) + 1
    if not counts:
        return {}
    idf = vectorizer.idf_
    weights = {i: (1.0 + math.log(c)) * idf[i] for i, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {i: w / norm for i, w in weights.items()}


_WORD = re.compile(r"(?u)\b\w+\b")


def word_terms(text: str) -> list[str]:
    """Word 1-2-grams exactly as the word vectorizer builds them."""
    tokens = _WORD.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


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


def transform_one(featurizer: Featurizer, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Sparse features of one text as (indices, values): the fast path for parsing."""
    prepared = featurizer.prepare(text)
    words = _tfidf_row(featurizer.words, word_terms(prepared))
    chars = _tfidf_row(featurizer.chars, char_wb_terms(prepared))
    offset = len(featurizer.words.vocabulary_)
    indices = np.fromiter([*words, *(offset + i for i in chars)], dtype=np.int64, count=len(words) + len(chars))
    values = np.fromiter([*words.values(), *chars.values()], dtype=np.float64, count=len(words) + len(chars))
    return indices, values
