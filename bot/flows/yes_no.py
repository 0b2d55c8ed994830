"""Yes and no: the words for them in English, Arabic (MSA, dialects, Arabizi) and Chinese, and reading an answer.

``read_yes_no("أيوااا 👍")`` is ``True``, ``read_yes_no("no thanks")`` is ``False`` and
``read_yes_no("maybe")`` is ``None``. The text and the phrases are compared in ``fold`` form
with every run of a repeated character written once ("yesss", "لااا", "aywaaa"), punctuation
and emoji other than 👍/👎 ignored. Latin and Arabic phrases match whole words; Chinese
phrases match anywhere, longest first, so 不是 is no and not 不 + 是.

A message is yes when it holds yes phrases only, no when it holds no phrases only. A yes right
after a negator is no ("not ok", "مش تمام", "mesh tamam"); phrases that negate on their own
are listed whole ("no problem", "مش مشكلة" and "没问题" are yes, "not sure" is unsure). A
message with both yes and no, an unsure phrase ("maybe", "مش عارف", "不知道") or none of them
is ``None``.

Not covered: proclitics on Arabic words ("وأيوه"), the Levantine/Gulf "اي"/"ايه" (Egyptian
"what"/"which"), "ممكن" (a soft yes or a request), answers that name the option ("the first
one"), and "yes" or "no" inside longer sentences that answer something else.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from bot.nlu.normalize import fold

__all__ = ["NO", "UNSURE", "YES", "read_yes_no"]

YES = (
    # English
    "yes", "yeah", "yea", "yep", "yup", "y", "sure", "ok", "okay", "okey", "k", "alright", "all right", "true",
    "correct", "right", "exactly", "absolutely", "definitely", "of course", "certainly", "fine", "cool",
    "sounds good", "go ahead", "please do", "do it", "confirm", "confirmed", "agreed", "affirmative", "why not",
    "no problem", "no worries", "👍", "👌", "✅", "✔",
    # Arabic, MSA and dialects
    "نعم", "أيوه", "أيوا", "ايوة", "آه", "أكيد", "تمام", "طبعا", "بالتأكيد", "بلى", "أجل", "موافق", "موافقة",
    "ماشي", "حاضر", "صح", "صحيح", "مظبوط", "زين", "طيب", "اوكي", "أوكيه", "اوك", "يب", "يس", "لا بأس", "لا مانع",
    "مش مشكلة", "مو مشكلة", "مفيش مشكلة", "ما في مشكلة", "مافي مشكلة", "ولا يهمك", "معنديش مانع", "ما عندي مانع",
    # Arabizi
    "aywa", "aiwa", "aywah", "aiwah", "ah", "na3am", "n3am", "akid", "akeed", "tamam", "tmam", "tab3an", "mashy",
    "mashi", "sa7", "mazboot", "mazbout", "7ader", "zain", "zein", "tayeb", "mesh moshkela", "msh mshkla",
    "mafeesh moshkela", "mafi moshkle",
    # Chinese
    "是", "是的", "是啊", "好", "好的", "好啊", "好吧", "对", "对的", "对啊", "對", "對的", "要", "可以", "行", "嗯",
    "当然", "當然", "确定", "確定", "同意", "没问题", "沒問題", "没有问题", "沒有問題",
)
NO = (
    # English
    "no", "nope", "nah", "n", "false", "never", "negative", "no thanks", "no thank you", "not really", "no way",
    "of course not", "absolutely not", "definitely not", "don't", "dont", "do not", "not now", "👎", "❌",
    # Arabic
    "لا", "لاء", "كلا", "لا شكرا", "مش عايز", "مش عاوز", "مش عايزة", "ما بدي", "مابدي", "ما ابغى", "مابغى", "ما ابي",
    "مش لازم", "مو لازم", "بلاش", "أبدا",
    # Arabizi
    "la", "la2", "la2a", "la shokran", "la2 shokran", "mesh 3ayez", "msh 3ayz", "mish 3ayez", "mabadi", "ma badi",
    "balash", "abadan",
    # Chinese
    "不", "不是", "不要", "没有", "沒有", "没", "沒", "不用", "不用了", "不行", "不对", "不對", "不好", "不可以", "别",
    "別", "不需要", "算了",
)
NEGATORS = ("not", "مش", "مو", "موش", "مب", "mesh", "mish", "msh", "mosh", "mo")
UNSURE = (
    "maybe", "perhaps", "possibly", "not sure", "i'm not sure", "i don't know", "i dont know", "idk", "dunno",
    "no idea", "مش عارف", "مش عارفة", "مش متأكد", "مو متأكد", "مش أكيد", "مو أكيد", "يمكن", "ربما", "مدري", "ما ادري",
    "mesh 3aref", "msh 3arf", "mesh akid", "不知道", "不确定", "不確定", "也许", "也許", "可能", "不一定",
)
FILLERS = ("不好意思", "你好", "您好")  # "excuse me", "hello": not 不好 ("not good") or 好 ("good")


class _Sense(Enum):
    YES = "yes"
    NO = "no"
    NOT = "not"  # no on its own; turns a yes right after it into no
    UNSURE = "unsure"
    FILLER = "filler"


_REPEAT = re.compile(r"(.)\1+")


def _key(text: str) -> str:
    return _REPEAT.sub(r"\1", fold(text))


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _bounded(phrase: str) -> str:
    """The phrase as a regex; Latin and Arabic phrases must stand as whole words."""
    body = re.escape(phrase).replace(r"\ ", r"\s+")
    before = "" if _is_cjk(phrase[0]) or not phrase[0].isalnum() else r"(?<!\w)"
    after = "" if _is_cjk(phrase[-1]) or not phrase[-1].isalnum() else r"(?!\w)"
    return before + body + after


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, _Sense]]:
    senses: dict[str, _Sense] = {}
    for sense, phrases in ((_Sense.YES, YES), (_Sense.NO, NO), (_Sense.NOT, NEGATORS), (_Sense.UNSURE, UNSURE),
                           (_Sense.FILLER, FILLERS)):
        for phrase in phrases:
            senses.setdefault(_key(phrase), sense)
    ordered = sorted(senses, key=lambda phrase: (-len(phrase), phrase))
    return re.compile("|".join(_bounded(phrase) for phrase in ordered)), senses


def read_yes_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the text says neither, both, or is unsure."""
    pattern, senses = _matcher()
    key = _key(text)
    found: set[_Sense] = set()
    previous: tuple[_Sense, int] | None = None
    for match in pattern.finditer(key):
        sense = senses[re.sub(r"\s+", " ", match.group())]
        if sense is _Sense.YES and previous is not None and previous[0] is _Sense.NOT and not key[previous[1] : match.start()].strip():
            sense = _Sense.NO  # "not ok", "مش تمام"
        found.add(sense)
        previous = (sense, match.end())
    found.discard(_Sense.FILLER)
    if _Sense.UNSURE in found:
        return None
    yes = _Sense.YES in found
    no = bool(found & {_Sense.NO, _Sense.NOT})
    return yes if yes != no else None
