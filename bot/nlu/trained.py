"""Understanding backed by a trained ``NluModel`` (or by command payloads only, without one)."""

from __future__ import annotations

import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.config import Settings
from bot.core.conversation import Conversation
from bot.core.events import Parse
from bot.core.messages import InboundMessage
from bot.errors import DataError
from bot.nlu.data import load_nlu_dir
from bot.nlu.pipeline import NluModel, fingerprint, load_model, train_nlu
from bot.nlu.vectors import load_vectors

log = logging.getLogger(__name__)


class TrainedUnderstanding:
    """Parses messages with a trained model."""

    def __init__(self, model: NluModel) -> None:
        self.model = model

    async def parse(self, message: InboundMessage, conversation: Conversation) -> Parse:
        """The parse of the message's text."""
        return self.parse_text(message.text or "")

    def parse_text(self, text: str) -> Parse:
        """The parse of a text."""
        return self.model.parse(text)


def nlu_files(settings: Settings) -> list[Path]:
    """The NLU data files of the bot."""
    root = settings.paths.nlu_data
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file() and not p.name.startswith("."))


def current_fingerprint(settings: Settings) -> str:
    """The fingerprint of the data and settings a model would be trained from now."""
    nlu = settings.nlu
    part = f"{sorted(settings.languages.supported)}|{nlu.fallback_threshold}|{nlu.max_in_scope_loss}|{nlu.default_threshold}"
    if nlu.vectors is not None:  # the file's identity, not its 20+ MB of content, on every start
        stat = nlu.vectors.stat() if nlu.vectors.is_file() else None
        part += f"|{nlu.vectors}|{stat.st_size if stat else '-'}|{stat.st_mtime_ns if stat else '-'}"
    return fingerprint(nlu_files(settings), part)


def train_from_settings(settings: Settings, *, progress: object = None) -> NluModel:
    """Train on the bot's NLU data as configured."""
    data = load_nlu_dir(settings.paths.nlu_data, list(settings.languages.supported))
    nlu = settings.nlu
    vectors = load_vectors(nlu.vectors) if nlu.vectors is not None else None
    return train_nlu(
        data,
        languages=list(settings.languages.supported),
        fingerprint_value=current_fingerprint(settings),
        fallback_threshold=nlu.fallback_threshold,
        max_in_scope_loss=nlu.max_in_scope_loss,
        default_threshold=nlu.default_threshold,
        vectors=vectors,
        progress=progress if callable(progress) else None,
    )


def _train_and_save(settings: Settings) -> None:
    """Train and save (runs in a child process)."""
    train_from_settings(settings).save(settings.paths.models)


def up_to_date_model(settings: Settings) -> NluModel | None:
    """The saved model if it was trained from the current data and settings."""
    model = load_model(settings.paths.models)
    if model is not None and model.fingerprint == current_fingerprint(settings):
        return model
    return None


def understanding_for(settings: Settings) -> TrainedUnderstanding | None:
    """A trained understanding for the bot, training (and saving) first if the data changed.

    None when the bot has no NLU data: it then understands command payloads only.
    """
    if not nlu_files(settings):
        return None
    model = up_to_date_model(settings)
    if model is None:
        start = time.perf_counter()
        # Train in a fresh process: scikit-learn is needed to train, never to serve, and should
        # not stay in the server's memory. Errors (a broken data file) come back as raised.
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            pool.submit(_train_and_save, settings).result()
        model = up_to_date_model(settings)
        if model is None:
            msg = f"training wrote no usable model to {settings.paths.models}"
            raise DataError(msg)
        log.info("NLU data changed: trained a new model in %.1fs (run `bot train` ahead of time to skip this)",
                 time.perf_counter() - start)
    for warning in model.warnings:
        log.warning("NLU data: %s", warning)
    return TrainedUnderstanding(model)
