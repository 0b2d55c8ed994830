"""What the intent classifier sees: folded text (plus Arabic for Arabizi) as word and char n-grams."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.normalize import fold
from bot.nlu.runtime import Vocabulary
from bot.nlu.vectors import StaticVectors

VECTOR_WEIGHT = 2.0  # the message vector's scale next to the unit-length TF-IDF blocks


class Featurizer:
    """TF-IDF over word 1-2-grams and char_wb 2-5-grams of the folded text, plus optional word vectors."""

    def __init__(self, *, prepare: Callable[[str], str] | None = None, vectors: StaticVectors | None = None) -> None:
        self.prepare = prepare or fold
        self.vectors = vectors
        self.vector_weight = VECTOR_WEIGHT if vectors is not None else 0.0
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        """Learn the vocabularies and return the training features."""
        prepared = [self.prepare(t) for t in texts]
        # Rare char n-grams are noise in big data sets but all a small bot has.
        self.chars.set_params(min_df=2 if len(prepared) >= 1000 else 1)
        return hstack([self.words.fit_transform(prepared), self.chars.fit_transform(prepared), *self._dense(prepared)]).tocsr()

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """Features of new texts."""
        prepared = [self.prepare(t) for t in texts]
        return hstack([self.words.transform(prepared), self.chars.transform(prepared), *self._dense(prepared)]).tocsr()

    def _dense(self, prepared: list[str]) -> list[csr_matrix]:
        if self.vectors is None:
            return []
        rows = np.stack([self.vectors.embed(t) for t in prepared]) if prepared else np.zeros((0, self.vectors.dimensions))
        return [csr_matrix(rows * self.vector_weight)]


def compile_vocabulary(vectorizer: TfidfVectorizer) -> Vocabulary:
    """A fitted vectorizer's vocabulary and idf, without scikit-learn."""
    return Vocabulary(dict(vectorizer.vocabulary_), np.asarray(vectorizer.idf_, dtype=np.float64))
