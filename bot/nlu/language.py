"""Which language a message is in: Arabic (script or Arabizi), English or Chinese.

``detect_language`` counts letters per script, a hanzi counting twice (it carries about a
word): Arabic script → ``ar``, Han → ``zh``, other scripts → None. Latin text is English unless
it reads as Arabizi, which is reported as ``language="ar", script="latin", arabizi=True``: the
reply goes out in Arabic, and the classifier knows to add ``arabizi.to_arabic(text)`` as a
second view (the research note recommends that view for every Latin message; it costs English
nothing). A message with no letters (emoji, digits, punctuation) gets None, and so does a
language outside ``supported``: in both cases, keep the conversation's language.

Mixed-script messages go by the majority of letters, ties going to the non-Latin script, but
Latin words vote only if they are English stopwords or Arabizi: names, brands, titles and
loanwords ("order رقم 123", "عايز اطلب iPhone 15 Pro", "我想买iPhone") say nothing about the
writer's language.

``confidence`` is the winning script's share of all letters, times, for Latin text, how sure
the en/Arabizi scorer is (0.5 when no word gives evidence, as in "Margherita"). Below about 0.7
(short, mixed or evidence-free messages: "ok", "order رقم 123") a caller should prefer the
conversation's language to switching.

The en/Arabizi score is hand-written by default (``arabizi.word_cue``): +3 for a word with a
digit as a letter (3ayez, la2; not 5pm, iphone15, s24), +2 for an Arabizi lexicon word, -1.5
for an English stopword, -0.5 for a loanword (order, ok), 0 for words of both (law, men); above
0 is Arabizi. ``ArabiziScorer.fit`` adds a character 1–4-gram naive Bayes model trained on the
bot's own English and Arabizi examples, for Arabizi without digits or lexicon words; its vote is
capped at ±1.5, so it decides where the cues are silent or cancel out, never against them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Literal

from bot.nlu.arabizi import Cue, latin_words, word_cue

Script = Literal["arabic", "han", "latin", "other", "none"]

_ARABIC = re.compile(
    r"[\u0620-\u064A\u066E\u066F\u0671-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FC\u06FF\u0750-\u077F\u08A0-\u08C9"
    r"\uFB50-\uFDFB\uFE70-\uFEFC]",
)
_HAN = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003134F]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF\uFF21-\uFF3A\uFF41-\uFF5A]")
_CUE_WEIGHTS = {Cue.DIGITS: 3.0, Cue.LEXICON: 2.0, Cue.LOANWORD: -0.5, Cue.ENGLISH: -1.5}
_LANGUAGE_CUES = frozenset({Cue.DIGITS, Cue.LEXICON, Cue.AMBIGUOUS, Cue.ENGLISH})
_WORD_CACHE = 20_000
_MODEL_CAP = 1.5  # less than one English stopword


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The language to understand and answer in (None: keep the conversation's)."""

    language: str | None
    script: Script
    confidence: float
    arabizi: bool = False


class ArabiziScorer:
    """Scores Latin text: above 0 reads as Arabizi, below as English (a log-odds)."""

    __slots__ = ("_weights", "_word_scores")

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self._weights = dict(weights or {})
        self._word_scores: dict[str, float] = {}  # naive Bayes sums per word, as words repeat

    @classmethod
    def fit(cls, en_texts: Iterable[str], arabizi_texts: Iterable[str], *, alpha: float = 0.5) -> ArabiziScorer:
        """A scorer with a naive Bayes model of character 1–4-grams (equal class priors)."""
        if alpha <= 0:
            raise ValueError(f"ArabiziScorer.fit: alpha must be above 0 (got {alpha})")
        counts = [
            Counter(gram for text in texts for word in latin_words(text) for gram in _ngrams(word))
            for texts in (en_texts, arabizi_texts)
        ]
        if not counts[0] or not counts[1]:
            raise ValueError("ArabiziScorer.fit needs Latin-script examples of both English and Arabizi")
        vocabulary = counts[0].keys() | counts[1].keys()
        totals = [sum(c.values()) + alpha * len(vocabulary) for c in counts]
        weights = {
            gram: math.log((counts[1][gram] + alpha) / totals[1]) - math.log((counts[0][gram] + alpha) / totals[0])
            for gram in vocabulary
        }
        return cls(weights)

    @property
    def trained(self) -> bool:
        """Whether a model was fitted (else the hand-written cues alone decide)."""
        return bool(self._weights)

    def score(self, words: Sequence[str]) -> float:
        """The score of words from ``arabizi.latin_words``: the cues, plus the capped model if fitted."""
        score = sum(_CUE_WEIGHTS.get(word_cue(word), 0.0) for word in words)
        if self._weights:
            score += max(-_MODEL_CAP, min(_MODEL_CAP, sum(map(self._word_score, words))))
        return score

    def _word_score(self, word: str) -> float:
        """The model's log-odds for one word (its n-grams do not cross words, so sums are cached)."""
        found = self._word_scores.get(word)
        if found is None:
            if len(self._word_scores) >= _WORD_CACHE:
                self._word_scores.clear()
            found = self._word_scores[word] = sum(map(self._weights.get, _ngrams(word), repeat(0.0)))
        return found

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for saving with the NLU model."""
        return {"version": 1, "weights": dict(self._weights)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ArabiziScorer:
        """The scorer ``to_dict`` described."""
        weights = data.get("weights")
        if data.get("version") != 1 or not isinstance(weights, dict):
            raise ValueError(f"not an ArabiziScorer (version 1 with weights): keys {sorted(data)}")
        return cls({str(gram): float(weight) for gram, weight in weights.items()})


def _ngrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i:i + n] for n in range(1, 5) for i in range(len(padded) - n + 1)]


_HEURISTIC = ArabiziScorer()


def detect_language(text: str, supported: Sequence[str], scorer: ArabiziScorer | None = None) -> LanguageGuess:
    """The language of ``text`` among ``supported`` ("en", "ar", "zh"); see the module docstring."""
    letters = "".join(filter(str.isalpha, text))
    if not letters:
        return LanguageGuess(None, "none", 0.0)
    arabic = len(_ARABIC.findall(letters))
    han = len(_HAN.findall(letters))
    latin = len(_LATIN.findall(letters))
    other = len(letters) - arabic - han - latin
    han *= 2
    total = arabic + han + latin + other
    words = latin_words(text) if latin else []
    if latin and (arabic or han or other):
        # Mixed scripts: Latin names, brands, titles and loanwords ("iPhone", "order") inside
        # Arabic or Chinese say nothing about the language; only English or Arabizi words vote.
        latin = sum(sum(map(str.isalpha, word)) for word in words if word_cue(word) in _LANGUAGE_CUES)
    best = max(arabic, han, latin, other)
    arabizi = False
    if arabic == best:
        script: Script = "arabic"
        language: str | None = "ar"
        confidence = arabic / total
    elif han == best:
        script, language, confidence = "han", "zh", han / total
    elif latin == best:
        score = (scorer or _HEURISTIC).score(words)
        arabizi = score > 0
        script, language = "latin", "ar" if arabizi else "en"
        confidence = latin / total / (1.0 + math.exp(-abs(score)))
    else:
        return LanguageGuess(None, "other", 0.0)
    if language not in supported:
        return LanguageGuess(None, script, 0.0, arabizi)
    return LanguageGuess(language, script, round(confidence, 3), arabizi)
