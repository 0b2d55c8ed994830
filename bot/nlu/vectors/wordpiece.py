"""BERT's uncased tokenization: basic splitting, then greedy longest-match word pieces."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

_MAX_WORD = 100  # BERT turns longer words into [UNK]


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF or 0xF900 <= code <= 0xFAFF


def basic_words(text: str) -> list[str]:
    """Lower-cased, accent-free words with punctuation and CJK characters split off."""
    text = unicodedata.normalize("NFD", text.lower())
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if unicodedata.category(ch) == "Mn":
            continue
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            if current:
                words.append("".join(current))
                current = []
        elif _is_punctuation(ch) or _is_cjk(ch):
            if current:
                words.append("".join(current))
                current = []
            words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


@dataclass(frozen=True)
class WordPiece:
    """A WordPiece vocabulary (the lines of ``vocab.txt``) and its tokenizer."""

    tokens: tuple[str, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.tokens)})

    @classmethod
    def from_lines(cls, lines: Sequence[str]) -> WordPiece:
        """The vocabulary of a ``vocab.txt`` file's lines."""
        return cls(tuple(line.rstrip("\r\n") for line in lines))

    def special(self, name: str) -> int:
        """The id of a special token such as ``[CLS]``."""
        return self.index[name]

    def pieces(self, word: str) -> list[int]:
        """The ids of one word's pieces (``[UNK]`` if it cannot be split)."""
        unknown = self.index.get("[UNK]", 0)
        if len(word) > _MAX_WORD:
            return [unknown]
        out: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                found = self.index.get(piece)
                if found is not None:
                    out.append(found)
                    break
                end -= 1
            else:
                return [unknown]
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        """The word-piece ids of ``text`` (no special tokens)."""
        return [piece for word in basic_words(text) for piece in self.pieces(word)]
