"""The trained understanding of a bot: language, intent ranking and entities, in one artefact.

Training reads the bot's NLU data (Rasa YAML), fits the intent classifier on folded text (with
an Arabic transliteration added to Arabizi messages), fits a CRF on the annotated entities, and
keeps the data's lookup tables, synonyms and regexes for the extractors. Parsing a message runs, in
order: command payloads (``/intent{...}``), language identification, the classifier, the
built-in extractors and the data's own extractors, overlap resolution and synonyms.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import __version__
from bot.core.events import Entity, IntentScore, Parse
from bot.errors import DataError
from bot.nlu.arabizi import to_arabic
from bot.nlu.commands import parse_command
from bot.nlu.data import TrainingData
from bot.nlu.extractors import Extractor, get_extractor, resolve_overlaps
from bot.nlu.language import detect_language
from bot.nlu.normalize import fold
from bot.nlu.runtime import FALLBACK, CompiledIntents
from bot.nlu.vectors import StaticVectors

BUILTIN_EXTRACTORS = ("time", "amount", "phone_number", "email", "order_id", "number")
MODEL_FILE = "nlu.pkl"
MODEL_FORMAT = 4  # bump when the saved shape changes: older models are retrained, never half-read (4: CRF reads the intent)
MAX_SEEN_VALUES = 1000


def prepare(text: str) -> str:
    """What the classifier reads: the folded text, plus its Arabic reading when it is Arabizi."""
    folded = fold(text)
    if any("a" <= ch <= "z" for ch in folded) and detect_language(text, ("en", "ar")).arabizi:
        return f"{folded} | {fold(to_arabic(text))}"
    return folded


@dataclass
class NluModel:
    """A trained understanding; ``parse`` is all a bot needs."""

    languages: tuple[str, ...]
    classifier: CompiledIntents | None
    extractors: list[Extractor]
    synonyms: dict[str, str]
    fingerprint: str
    intents: tuple[str, ...]
    version: str = __version__
    warnings: tuple[str, ...] = field(default=())
    format: int = MODEL_FORMAT

    def parse(self, text: str, *, now: datetime | None = None) -> Parse:
        """Language, intents and entities of ``text``."""
        command = parse_command(text)
        if command is not None:
            return command
        guess = detect_language(text, self.languages)
        language = guess.language
        best: str | None = self.intents[0] if len(self.intents) == 1 else None
        if self.classifier is not None and text.strip():
            ranking = self.classifier.rank_one(text)
            best = ranking.intents[0][0]  # even below the fallback threshold: the tagger's best context
            name, confidence = ranking.top
            intent: IntentScore | None = IntentScore(name=name, confidence=round(confidence, 4))
            scores = tuple(IntentScore(name=n, confidence=round(c, 4)) for n, c in ranking.intents)
        else:
            intent, scores = (IntentScore(name=FALLBACK, confidence=0.0) if text.strip() else None), ()
        learned: list[Entity] = []
        builtin: list[Entity] = []
        for extractor in self.extractors:
            target = builtin if getattr(extractor, "name", "") in BUILTIN_EXTRACTORS else learned
            target.extend(extractor.extract(text, language=language, now=now, intent=best))
        kept = resolve_overlaps(learned)  # what the bot's own data defines wins over the built-ins
        kept += [e for e in resolve_overlaps(builtin) if not any(_overlap(e, k) for k in kept)]
        kept.sort(key=lambda e: (e.start if e.start is not None else -1))
        entities = tuple(self._canonical(e) for e in kept)
        return Parse(intent=intent, entities=entities, intent_ranking=scores, language=language,
                     language_confidence=round(guess.confidence, 3) if language else None)

    def _canonical(self, entity: Entity) -> Entity:
        if isinstance(entity.value, str):
            value = self.synonyms.get(entity.value.casefold())
            if value is not None and value != entity.value:
                return Entity(entity=entity.entity, value=value, start=entity.start, end=entity.end,
                              extractor=entity.extractor, role=entity.role, group=entity.group)
        return entity

    def save(self, folder: Path) -> Path:
        """Write the model as one file in ``folder``; return its path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MODEL_FILE
        partial = path.with_suffix(".tmp")
        partial.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)
        return path


def load_model(folder: Path) -> NluModel | None:
    """The model saved in ``folder`` by this version of the bot, or None."""
    path = folder / MODEL_FILE
    if not path.exists():
        return None
    try:
        model = pickle.loads(path.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise DataError(f"{path}: not a model this bot can read ({exc}); run `bot train` again") from exc
    if not isinstance(model, NluModel) or model.version != __version__ or getattr(model, "format", 0) != MODEL_FORMAT:
        return None
    return model


def fingerprint(files: Iterable[Path], settings_part: str) -> str:
    """A hash of the training files and the settings that shape the model."""
    digest = hashlib.sha256(f"{__version__}\n{MODEL_FORMAT}\n{settings_part}\n".encode())
    for path in sorted(files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def train_nlu(
    data: TrainingData,
    *,
    languages: Sequence[str],
    fingerprint_value: str = "",
    fallback_threshold: float | None = None,
    max_in_scope_loss: float = 0.01,
    default_threshold: float = 0.3,
    held_out: TrainingData | None = None,
    vectors: StaticVectors | None = None,
    progress: Callable[[str], None] | None = None,
) -> NluModel:
    """Train the understanding of a bot from its NLU data.

    ``held_out`` examples only calibrate confidences and the fallback threshold (without them,
    cross-validation on the training examples does). ``vectors`` add pretrained word vectors to
    the classifier's features.
    """
    step = progress or (lambda _: None)
    texts = [e.text for e in data.examples]
    intents = [e.intent for e in data.examples]
    classifier = None
    if len(set(intents)) >= 2:
        from bot.nlu.classifier import (
            IntentClassifier,  # scikit-learn: only needed to train
        )

        step("intents")
        trainer = IntentClassifier(max_in_scope_loss=max_in_scope_loss, default_threshold=default_threshold, vectors=vectors)
        trainer.featurizer.prepare = prepare
        calibration = ([e.text for e in held_out.examples], [e.intent for e in held_out.examples]) if held_out else None
        trainer.fit(texts, intents, held_out=calibration)
        if fallback_threshold is not None:
            trainer.threshold = fallback_threshold
        classifier = trainer.compile()
    step("entities")
    annotated = {a.entity for e in data.examples for a in e.entities}
    # A type the designer annotates is learned from the annotations, not from the built-in
    # extractor of the same name (each built-in's entity type is its name).
    builtins = [get_extractor(name) for name in BUILTIN_EXTRACTORS if name not in annotated]
    tagger: list[Extractor] = []
    if annotated:
        from bot.nlu.tagger import CRFEntityExtractor

        tagger.append(CRFEntityExtractor.train(data.examples))
    entries: defaultdict[str, list[str]] = defaultdict(list)
    for table in data.lookups:
        entries[table.name].extend(table.elements)
    seen = {(a.entity, a.text) for e in data.examples for a in e.entities}
    if len(seen) <= MAX_SEEN_VALUES:  # a catalogue-sized set of annotated values is matched fuzzily too
        for entity, text in seen:
            entries[entity].append(text)
    synonyms = {k.casefold(): v for k, v in data.synonyms.items()}
    lookup: list[Extractor] = []
    if entries:
        tables = {entity: sorted(set(values)) for entity, values in entries.items()}
        lookup.append(get_extractor("lookup", name="lookup", entries=tables, synonyms=_usable_synonyms(synonyms, tables)))
    regex: list[Extractor] = []
    if data.regexes:
        patterns: defaultdict[str, list[str]] = defaultdict(list)
        for item in data.regexes:
            patterns[item.name].append(item.pattern)
        regex.append(get_extractor("regex", name="regex", patterns=dict(patterns)))
    # The order is the priority between equal spans: regexes, then the CRF (it reads the context
    # and the intent), then lookups; the built-ins only fill what none of these found.
    extractors = regex + tagger + lookup + builtins
    step("done")
    return NluModel(
        languages=tuple(languages),
        classifier=classifier,
        extractors=extractors,
        synonyms=synonyms,
        fingerprint=fingerprint_value,
        intents=tuple(sorted(set(intents))),
        warnings=data.warnings,
    )


def _overlap(a: Entity, b: Entity) -> bool:
    if a.start is None or a.end is None or b.start is None or b.end is None:
        return False
    return a.start < b.end and b.start < a.end


def _usable_synonyms(synonyms: dict[str, str], entries: dict[str, list[str]]) -> dict[str, str]:
    """Synonyms whose canonical value is a lookup entry: the lookup extractor then finds them too.

    Other synonyms still apply to any extractor's value in ``NluModel.parse``.
    """
    values = {v for names in entries.values() for v in names}
    return {surface: value for surface, value in synonyms.items() if value in values}


def model_summary(model: NluModel) -> dict[str, Any]:
    """What a trained model knows, for the CLI."""
    return {
        "intents": len(model.intents),
        "threshold": round(model.classifier.threshold, 4) if model.classifier else None,
        "extractors": [getattr(e, "name", type(e).__name__) for e in model.extractors],
        "fingerprint": model.fingerprint,
    }
