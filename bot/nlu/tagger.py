"""Trained entity extraction: a linear-chain CRF (CRFsuite) over tokens, BIO labels.

Tokens are words (``\\w+`` runs and single punctuation marks) of the light-normalized text, and
single characters in Han script, so Chinese needs no segmenter; spans map back to the original
text. Features are the folded token, its affixes and shape, its neighbours, for Arabic the
token without a clitic prefix (ال، و، ب، ف، ك، ل، وال، بال), and the message's intent joined
with the token and with the one before it: the same word is often a different entity type
under another intent ("adele" is an artist when playing music, a person when calling). Training
uses each example's own intent; parsing uses the classifier's best intent.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pycrfsuite

from bot.core.events import Entity
from bot.nlu.data import Example
from bot.nlu.normalize import fold, light

NAME = "CRFEntityExtractor"
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[^\W\u3400-\u4dbf\u4e00-\u9fff]+|[^\w\s]", re.UNICODE)
_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ف", "ك", "ل")


@dataclass(frozen=True, slots=True)
class Token:
    """A token and its span in the original text."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokens of the light-normalized text, with spans into ``text``."""
    normalized = light(text)
    tokens = []
    for match in _TOKEN.finditer(normalized.text):
        start, end = normalized.span(match.start(), match.end())
        while end < len(text) and not light(text[end]).text and not text[end].isspace():
            end += 1  # marks the normalization dropped (a final damma, tatweel) belong to the word
        tokens.append(Token(match.group(), start, end))
    return tokens


def _shape(token: str) -> str:
    if token.isdigit():
        return "d"
    if "\u0600" <= token[0] <= "\u06ff":
        return "ar"
    if "\u3400" <= token[0] <= "\u9fff":
        return "zh"
    if token.isalpha():
        return "Aa" if token[0].isupper() else ("A" if token.isupper() else "a")
    return "p" if not token[0].isalnum() else "x"


def _stem(token: str) -> str:
    for clitic in _CLITICS:
        if token.startswith(clitic) and len(token) - len(clitic) >= 2:
            return token[len(clitic):]
    return token


def features(tokens: Sequence[Token], intent: str | None = None) -> list[dict[str, Any]]:
    """CRFsuite features of each token (``intent`` adds the intent conjunctions)."""
    folded = [fold(t.text) or t.text for t in tokens]
    out = []
    for i, (token, word) in enumerate(zip(tokens, folded, strict=True)):
        f: dict[str, Any] = {
            "bias": 1.0, "w": word, "stem": _stem(word), "p2": word[:2], "p3": word[:3], "s2": word[-2:], "s3": word[-3:],
            "shape": _shape(token.text), "len": min(len(word), 8),
        }
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(tokens):
                f[f"{offset}:w"] = folded[j]
                f[f"{offset}:stem"] = _stem(folded[j])
                f[f"{offset}:shape"] = _shape(tokens[j].text)
            else:
                f[f"{offset}:edge"] = True
        if intent:
            f["intent|w"] = f"{intent}|{word}"
            f["intent|-1:w"] = f"{intent}|{folded[i - 1] if i else ''}"
        out.append(f)
    return out


def bio_labels(example: Example, tokens: Sequence[Token]) -> list[str]:
    """B-/I-/O labels of the tokens from the example's annotations."""
    labels = ["O"] * len(tokens)
    for annotation in example.entities:
        inside = [i for i, t in enumerate(tokens) if t.start < annotation.end and t.end > annotation.start]
        for n, i in enumerate(inside):
            labels[i] = ("B-" if n == 0 else "I-") + annotation.entity
    return labels


class CRFEntityExtractor:
    """Finds the entity types annotated in the training data."""

    name = NAME

    def __init__(self, model: bytes, entity_types: Sequence[str]) -> None:
        self.model = model
        self.entity_types = tuple(entity_types)
        self._tagger: pycrfsuite.Tagger | None = None

    @classmethod
    def train(cls, examples: Sequence[Example], *, c1: float = 0.05, c2: float = 0.01, iterations: int = 60) -> CRFEntityExtractor:
        """Fit a CRF on the annotated examples (examples without entities teach the O label)."""
        trainer = pycrfsuite.Trainer(verbose=False)
        for example in examples:
            tokens = tokenize(example.text)
            if tokens:
                trainer.append(features(tokens, example.intent), bio_labels(example, tokens))
        trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "crf.model"
            trainer.train(str(path))
            model = path.read_bytes()
        types = sorted({a.entity for e in examples for a in e.entities})
        return cls(model, types)

    def _open(self) -> pycrfsuite.Tagger:
        if self._tagger is None:
            tagger = pycrfsuite.Tagger()
            tagger.open_inmemory(self.model)
            self._tagger = tagger
        return self._tagger

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Entities the CRF tags in ``text`` (``intent``: the classifier's best guess, if any)."""
        tokens = tokenize(text)
        if not tokens:
            return []
        labels = self._open().tag(features(tokens, intent))
        entities: list[Entity] = []
        current: tuple[str, int, int] | None = None
        for token, label in zip(tokens, labels, strict=True):
            kind = label[2:]
            if label.startswith("B-") or (label.startswith("I-") and (current is None or current[0] != kind)):
                if current:
                    entities.append(self._entity(text, *current))
                current = (kind, token.start, token.end)
            elif label.startswith("I-") and current is not None:
                current = (kind, current[1], token.end)
            else:
                if current:
                    entities.append(self._entity(text, *current))
                current = None
        if current:
            entities.append(self._entity(text, *current))
        return entities

    def _entity(self, text: str, kind: str, start: int, end: int) -> Entity:
        return Entity(entity=kind, value=text[start:end], start=start, end=end, extractor=NAME)

    def __getstate__(self) -> dict[str, Any]:
        return {"model": self.model, "entity_types": self.entity_types}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.model = state["model"]
        self.entity_types = state["entity_types"]
        self._tagger = None
