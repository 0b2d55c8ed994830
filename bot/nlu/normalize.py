"""Text normalization in two strengths.

``light`` keeps a map back to the original characters, for extractors (numbers, dates,
prices) whose spans must point into what the customer wrote: it removes Arabic diacritics,
tatweel, zero-width and bidi marks and emoji variation selectors, maps Arabic-Indic and Persian
digits and Arabic punctuation to ASCII, and applies NFKC per character.

``fold`` is for classifier features, fuzzy matching and lookup keys: light plus the Arabic
letter variants (alef forms, alef maqsura, ta marbuta, hamza seats, Persian letters) folded,
letters repeated three or more times shortened ("شكراااا" → "شكرا", "heyyyy" → "heyy"),
punctuation runs shortened, Latin case and accents folded. Emoji are kept (skin tones dropped).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DROP = set(range(0x0610, 0x061B)) | set(range(0x064B, 0x0660)) | {0x0670, 0x0640} | set(range(0x06D6, 0x06EE))
_DROP |= set(range(0x200B, 0x2010)) | {0x061C, 0x2066, 0x2067, 0x2068, 0x2069, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E}
_DROP |= {0xFE0E, 0xFE0F} | set(range(0x1F3FB, 0x1F400))  # variation selectors, skin tones
_MAP = {
    **{0x0660 + i: str(i) for i in range(10)},  # Arabic-Indic digits
    **{0x06F0 + i: str(i) for i in range(10)},  # Persian digits
    0x060C: ",", 0x061F: "?", 0x061B: ";", 0x066A: "%", 0x066B: ".", 0x066C: ",", 0x06D4: ".",
}
_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ک": "ك", "ی": "ي", "گ": "ك", "ە": "ه",
})
_ARABIC_REPEAT = re.compile(r"([\u0621-\u064A])\1{2,}")
_WORD_REPEAT = re.compile(r"(\w)\1{2,}")
_PUNCT_REPEAT = re.compile(r"([!?.,;:\-_~*])\1+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text and, for each of its characters, the index of the original character."""

    text: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]``."""
        if start >= end:
            origin = self.offsets[start] if start < len(self.offsets) else (self.offsets[-1] + 1 if self.offsets else 0)
            return origin, origin
        return self.offsets[start], self.offsets[end - 1] + 1


def light(text: str) -> Normalized:
    """Light normalization with a map back to the original characters."""
    out: list[str] = []
    offsets: list[int] = []
    previous_space = True
    for index, ch in enumerate(text):
        code = ord(ch)
        if code in _DROP:
            continue
        mapped = _MAP.get(code)
        if mapped is None:
            mapped = unicodedata.normalize("NFKC", ch) if code > 0x7F else ch
        for piece in mapped:
            if piece.isspace():
                if previous_space:
                    continue
                piece = " "
                previous_space = True
            else:
                previous_space = False
            out.append(piece)
            offsets.append(index)
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return Normalized("".join(out), tuple(offsets))


def strip_accents(text: str) -> str:
    """Latin letters without accents ("café" → "cafe"); other scripts untouched."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not 0x0300 <= ord(ch) <= 0x036F))


def fold(text: str) -> str:
    """Full folding for classifiers, fuzzy matching and lookup keys."""
    folded = light(text).text.translate(_FOLD).casefold()
    folded = strip_accents(folded)
    folded = _ARABIC_REPEAT.sub(r"\1", folded)
    folded = _WORD_REPEAT.sub(r"\1\1", folded)
    folded = _PUNCT_REPEAT.sub(r"\1", folded)
    return _SPACES.sub(" ", folded).strip()
