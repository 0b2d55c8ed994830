"""Intent classification with calibrated confidences and an out-of-scope threshold.

A linear SVM over the featurizer's n-grams (and word vectors, when configured) ranks the intents; a softmax with a temperature fitted
on held-out data turns its scores into confidences; a message whose best confidence is under
the threshold becomes ``nlu_fallback``. With out-of-scope examples in the held-out data the
threshold is the highest one that costs at most ``max_in_scope_loss`` of held-out in-scope
accuracy; without them it is ``default_threshold``. Examples of an explicit
out-of-scope intent (``out_of_scope`` or ``oos``) train like any intent and also fall back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from bot.nlu.features import Featurizer, compile_vocabulary
from bot.nlu.runtime import FALLBACK, OUT_OF_SCOPE, CompiledIntents, Ranking
from bot.nlu.runtime import softmax as _softmax
from bot.nlu.vectors import StaticVectors

__all__ = ["FALLBACK", "OUT_OF_SCOPE", "IntentClassifier", "Ranking"]


class IntentClassifier:
    """Linear SVM + temperature-scaled softmax + fallback threshold."""

    def __init__(
        self,
        *,
        c: float = 1.0,
        max_in_scope_loss: float = 0.01,
        default_threshold: float = 0.3,
        ranking_size: int = 10,
        vectors: StaticVectors | None = None,
    ) -> None:
        self.c = c
        self.max_in_scope_loss = max_in_scope_loss
        self.default_threshold = default_threshold
        self.ranking_size = ranking_size
        self.featurizer = Featurizer(vectors=vectors)
        self.svm = LinearSVC(C=c)
        self.temperature = 1.0
        self.threshold = 0.0
        self.classes: tuple[str, ...] = ()
        self._compiled: CompiledIntents | None = None

    def fit(self, texts: Sequence[str], intents: Sequence[str], *, held_out: tuple[Sequence[str], Sequence[str]] | None = None) -> IntentClassifier:
        """Train on ``texts``; calibrate on ``held_out`` (or on cross-validated training predictions)."""
        labels = np.asarray(intents)
        self._compiled = None
        if len(set(intents)) < 2:
            msg = f"need examples of at least two intents to train, got {sorted(set(intents))}"
            raise ValueError(msg)
        features = self.featurizer.fit_transform(texts)
        self.svm.fit(features, labels)
        self.classes = tuple(str(c) for c in self.svm.classes_)
        if held_out is not None and len(held_out[0]):
            scores = self.svm.decision_function(self.featurizer.transform(held_out[0]))
            gold = np.asarray(held_out[1])
        else:
            folds = min(5, int(np.bincount(np.unique(labels, return_inverse=True)[1]).min()))
            if folds < 2:
                return self  # too little data to calibrate: keep temperature 1 and no threshold
            cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
            scores = cross_val_predict(LinearSVC(C=self.c), features, labels, cv=cv, method="decision_function")
            gold = labels
        self.temperature = _fit_temperature(scores, gold, self.classes)
        if np.isin(gold, list(OUT_OF_SCOPE)).any():
            self.threshold = self._fit_threshold(_softmax(scores / self.temperature), gold)
        else:  # nothing to trade in-scope accuracy against: a fixed bar on calibrated confidence
            self.threshold = self.default_threshold
        return self

    def _fit_threshold(self, probabilities: np.ndarray, gold: np.ndarray) -> float:
        """The highest threshold that costs at most ``max_in_scope_loss`` of held-out in-scope accuracy."""
        classes = np.asarray(self.classes)
        predicted = classes[probabilities.argmax(1)]
        confidence = probabilities.max(1)
        in_scope = ~np.isin(gold, list(OUT_OF_SCOPE))
        if not in_scope.any():
            return 0.0
        correct = (predicted == gold) & in_scope
        base = correct[in_scope].mean()
        best = 0.0
        for candidate in np.unique(confidence[in_scope]):
            kept = correct & (confidence >= candidate)
            if base - kept[in_scope].mean() <= self.max_in_scope_loss:
                best = float(candidate)
            else:
                break
        return best

    def rank(self, texts: Sequence[str]) -> list[Ranking]:
        """The ranking of each text (batch path)."""
        probabilities = _softmax(self.svm.decision_function(self.featurizer.transform(texts)) / self.temperature)
        if probabilities.ndim == 1:  # binary case from sklearn: one score per text
            probabilities = np.stack([1 - probabilities, probabilities], axis=1)
        compiled = self.compile()
        return [compiled.ranking(row) for row in probabilities]

    def rank_one(self, text: str) -> Ranking:
        """The ranking of one text, as a compiled classifier computes it."""
        return self.compile().rank_one(text)

    def compile(self) -> CompiledIntents:
        """What parsing needs, without scikit-learn (built once per fit and threshold)."""
        cached = self._compiled
        if cached is not None and cached.threshold == self.threshold:
            return cached
        self._compiled = CompiledIntents(
            prepare=self.featurizer.prepare,
            words=compile_vocabulary(self.featurizer.words),
            chars=compile_vocabulary(self.featurizer.chars),
            coef=np.asarray(self.svm.coef_, dtype=np.float64),
            intercept=np.asarray(self.svm.intercept_, dtype=np.float64),
            classes=self.classes,
            temperature=self.temperature,
            threshold=self.threshold,
            ranking_size=self.ranking_size,
            vectors=self.featurizer.vectors,
            vector_weight=self.featurizer.vector_weight,
        )
        return self._compiled


def _fit_temperature(scores: np.ndarray, gold: np.ndarray, classes: tuple[str, ...]) -> float:
    """The temperature minimizing the held-out negative log-likelihood (grid search)."""
    if scores.ndim == 1:
        return 1.0
    index = {c: i for i, c in enumerate(classes)}
    rows = np.array([index.get(g, -1) for g in gold])
    known = rows >= 0
    if not known.any():
        return 1.0
    best, best_nll = 1.0, np.inf
    for temperature in np.geomspace(0.02, 2.0, 40):
        p = _softmax(scores[known] / temperature)[np.arange(known.sum()), rows[known]]
        nll = -np.log(np.clip(p, 1e-12, 1)).mean()
        if nll < best_nll:
            best, best_nll = float(temperature), nll
    return best
