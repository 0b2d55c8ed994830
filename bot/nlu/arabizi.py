"""Arabizi (Arabic chat in Latin letters and digits) to Arabic script, for classifier features.

``to_arabic("ana 3ayez a3mel order bokra")`` gives ``"انا عايز اعمل اوردر بكرة"``. The output is a
feature view, not a spelling to show anyone: the classifier sees ``fold(text)`` and
``fold(to_arabic(text))`` side by side, so Arabizi messages share features with Arabic ones.

Each Latin word is classified by ``word_cue`` and then, in this order:

* a **lexicon** of frequent chat words (Egyptian, Levantine, Gulf) gives the usual Arabic
  spelling; the articles and clitics ``el-/il-/al-``, ``bel-``, ``lel-``, ``wel-``, ``w-`` and the
  suffixes ``-i -ak -ek -ik -ha -na -kom -o`` are stripped to reach an entry (``talabi`` → طلبي),
  and a separate ``el``/``w`` joins the next word (``el order`` → الاوردر);
* **English words** (a small stoplist) stay as they are; **loanwords** (order, delivery,
  cash…) and words that are both English and Arabizi (law, men, fee…) stay too, unless the
  message shows Arabizi cues, where they become Arabic (``order`` → اوردر, ``law`` → لو);
* any other word is spelled out by **rules**: digits as letters (2 ء/أ, 3 ع, 3' غ, 5 خ, 6 ط,
  6' ظ, 7 ح, 7' خ, 8 ق, 9 ص, 9' ض), digraphs (sh/ch ش, kh خ, gh غ, th ث, dh ذ, ph ف),
  long vowels (aa ا, ee/ii ي, oo/uu/ou و, ai/ei ي), a word-initial vowel as ا; inside a word
  a and e (the usual short vowels) are dropped and i, o, u kept as ي/و, except the participle
  CaCeC (fahem → فاهم); a final a is ة after three consonants (6ayara → طيرة) unless it
  follows h or n (the -ha, -na suffixes), else ا; a final -ah is ة. Doubled consonants are
  written once, except at the start (ll- → لل).

Choices where dialects disagree: 2 inside a word is ء (Egyptian 2-for-ق comes only from the
lexicon: wa2t → وقت); 8 is ق (Gulf; a few writers use it for غ); 9 is ص (Gulf 9aba7 → صباح; the
Iraqi/Bahraini 9-for-ق reading comes only from lexicon entries); g is ج (Egyptian; Gulf g-for-ق
is lost); ch is ش (Levantine/Maghrebi; Gulf ch-for-ك is lost); dh is ذ (not ظ/ض). A message
with no Arabizi cue whose words are mostly English comes back unchanged. Numbers stay digits
(``sa3a 5`` → ``ساعة 5``); dates and numbers are for the extractors, on the original text.
"""

from __future__ import annotations

import enum
import functools
import re

_LEXICON_TABLE = """
انا: ana ena ani 2ana
انت: enta inta ent int
انتي: enti inti ente inte
احنا: e7na i7na a7na
نحنا: ne7na n7na
هو: howa huwa
هي: heya hiya
هما: homma homa
فين: fein feen fen fain
وين: wein wen wain ween wayn
امتى: emta imta amta emteh
متى: mata meta
ايه: eih eeh ehh
ليه: leh leeh
ليش: lesh leish laish laysh lish
ازاي: ezay ezzay izay
ازيك: ezayak ezayek ezzayak izayak ezyk
كيفك: keefak kifak kifik keifak kaifak kefak keefik
كيف: kif keef kaif
شلونك: shlonak shlonik shlounak
شلون: shlon shloon
شو: sho shu shou chou
وش: wesh wsh
ايش: aish eish aysh
كم: kam kaam
بكام: bkam bekam bikam
مين: meen
مش: mesh mish msh mosh
مفيش: mafeesh mafish mfish mfeesh
مافي: mafi mafee maafi
فيه: feeh fih
على: 3ala 3la ala
عن: 3an
مع: ma3 m3
معاك: ma3ak m3ak
معاكم: ma3akom m3akom
اذا: eza iza itha idha
بس: bas bs
يعني: ya3ni y3ni
لا: la la2 laa
ايوه: aywa aiwa aywah aiwah
نعم: na3am n3am
طيب: tayeb tayyeb tayb 6ayeb tyb taib
تمام: tamam tmam
ماشي: mashi mashy
خلاص: khalas 5alas 5las khlas
يلا: yalla yala yallah
اكيد: akeed akid 2akeed
لازم: lazem lazim lazm
ممكن: momken mumkin mumken momkin mmkn
عشان: 3ashan 3shan 3alashan
كدا: keda kda kida
دا: da dah
دي: de di
اللي: elly elli illi eli ely
بتاع: beta3 bta3
بتاعي: beta3y beta3i bta3i bta3y
كل: kol kul
حاجة: 7aga 7aja
سلام: salam slam
السلام: assalamu asalamu assalam
عليكم: alaykum alaikum 3alaykom 3alaykum alikum
مرحبا: mar7aba marhaba mrhba mar7ba marhaban
اهلا: ahlan
هلا: hala hla
صباح: saba7 sabah 9aba7
مساء: masa2
الخير: el5eir elkheir elkhair el5er elkher
شكرا: shukran shokran shukrn shokrn shkran choukran
عفوا: 3afwan afwan
ميرسي: merci mersi
لو سمحت: lausamaht
سمحت: samaht sama7t sma7t
حبيبي: 7abibi habibi 7bibi
ان شاء الله: inshallah insha2allah inshalla enshallah nshallah
ما شاء الله: mashallah
الحمد لله: alhamdulillah el7amdulillah 7amdella elhamdulillah hamdella
والله: wallah wallahi walla
معلش: ma3lesh ma3lish m3lsh
عايز: 3ayez 3ayz 3aiz 3ayiz
عايزة: 3ayza 3ayzah 3aiza
عاوز: 3awez 3awz 3awiz
عاوزة: 3awza
ابي: abi 2abi
ابغى: abgha abga abghi ab8a
بدي: baddi badi biddi bidi
اعمل: a3mel a3ml a3mil
اعرف: a3raf a3rf a3ref
اطلب: atlob a6lob atlub a6lub
احجز: a7gez a7jez a7giz a7jiz
اجيب: ageeb ajeeb agib ajib
الغي: alghi elghi ulghi el8i
الغاء: elgha2 ilgha2 ilghaa
اغير: a8ayer aghayer a3'ayer
ابعت: ab3at
ادفع: adfa3
عندي: 3andi 3ndi 3indi
عندك: 3andak 3ndk 3indak 3andik 3ndik
عندكم: 3andkom 3ndkom 3ndkm 3indkon
وصل: wasal wesel wsl
وصلت: weselt wasalat wslt
رجع: rage3 rga3 raja3
طلب: talab 6alab tlb
طلبية: talabeya talabiya 6alabiya
موعد: maw3ed maw3id mo3ad
حجز: 7agz 7ajz
عنوان: 3enwan 3unwan 3nwan
رقم: ra2am raqam rakam rqm
سعر: se3r si3r s3r
فلوس: floos flous flus
مصاري: masari
غالي: ghali 8ali 3'ali
رخيص: rkhis r5ees rekhees
توصيل: tawsil tawseel taw9eel
مشكلة: moshkela mushkila mshkla moshkla
ساعة: sa3a sa3ah s3a
دقيقة: de2i2a di2i2a d2i2a
وقت: wa2t wa8t
قبل: 2abl
يوم: youm yom yoom
اسبوع: esbo3 usbu3 osbo3
بكرة: bokra bukra bokrah bukrah bkra
النهارده: enharda ennaharda elnaharda
اليوم: elyom elyoum elyoom
امبارح: embare7 imbare7 mbare7
بعد: ba3d
بعدين: ba3den ba3dein ba3dain ba3deen
دلوقتي: delwa2ty dilwa2ti dlw2ty dlwa2ty delwa2ti
هلق: hala2 halla2 hl2
الحين: al7in al7een alheen l7een
لسه: lessa lesa lissa
حلو: 7elw 7ilo helw 7lw
كويس: kwayes kwayyes kwais
جامد: gamed
قوي: 2awi
كتير: kteer ktir ktiir
شوية: shwaya shwya shwaiya
واحد: wa7ed wahed wa7id
اتنين: etnen itnen etneen
حضرتك: 7adretak 7adritak
حاضر: 7ader 7adir
استاذ: ostaz ustaz
جاي: gai jai
ال: el il
في ال: fel fil
بال: bel bil
لل: lel lil
كمان: kaman kaaman kman
اوي: awy awii awi
بقى: ba2a baa
جدا: gedan gdn giddan jiddan
تاني: tany tani
حبيبتي: 7abibti habibti habebty 7abebty
نفسي: nefsi nefsy
يارب: yarab yarabb yarb
بجد: begad bgad bgd
مبروك: mabrook mabrouk mabrok
الله: allah
اشطة: eshta
زي: zay zy
برضو: bardo bardu
اهو: aho
هون: hon
هيك: hek heik
عم: 3am
منيح: mni7 mne7
بحبك: ba7ebak bahebak b7bk ba7bak
صاحبي: sa7by sa7bi
باشا: basha
اخبار: akhbar a5bar
سهلا: sahlan
طبعا: tab3an
اصلا: aslan
فورا: fawran
ابدا: abadan
تماما: tamaman
حاليا: 7aliyan
تقريبا: ta2riban ta8riban
على ال: 3al
"""
# Spellings that are also English words: Arabic only in a message with Arabizi cues.
_AMBIGUOUS_TABLE = """
لو: law
من: men min
في: fi fe fy fee
انتو: into ento entu
يا: ya
ما: ma
اه: ah
ايه: eh
و: w wa
وانا: wana
ال: al
"""
_LOANWORD_TABLE = """
اوردر: order
اوردرات: orders
دليفري: delivery
كاش: cash
اونلاين: online
ابلكيشن: app application
لينك: link
منيو: menu
اوفر: offer
سايز: size
كانسل: cancel
ريفند: refund
فيزا: visa
كارت: card
اكاونت: account
باسورد: password
موبايل: mobile
كود: code
برومو: promo
لوكيشن: location
اوكي: ok okay
بليز: please pls plz
سوري: sorry
باي: bye
هاي: hi
هلو: hello
بيتزا: pizza
برجر: burger
ايميل: email
ستاتس: status
تراك: track
"""
_ENGLISH_TABLE = """
i me my mine myself you your yours u ur he him his she her it its we us our they them their
this that these those a an the and or but if of to in on at by for with without from about as
out up down over under again is am are was were be been being do does did done doing have has
had having can could will would should shall may might must not no nope yes yeah yep yup
k kk thx thank thanks ty tnx hey lol omg btw idk np what when where why how who whom which
there here want wanna gonna need get got know like just so very too also now then than some
any all more most much many other im ive id ill dont cant wont didnt doesnt isnt arent wasnt
thats whats hows wheres lets let make go going send sent check help still yet today tomorrow
tonight yesterday time day week month good great fine cool sure right wrong new old pay paid
money price buy bought deliver delivered arrived late book table change wait waiting call
someone human agent talk speak person number problem issue name tell give take show find
2day 2morrow 2moro 2nite gr8 l8r m8 w8 h8 me2 u2 2go str8 gr8t
"""

_DIGIT_LETTERS = frozenset("2356789")
_PREFIXES = {"bel": "بال", "bil": "بال", "lel": "لل", "lil": "لل", "wel": "وال", "el": "ال", "il": "ال", "al": "ال",
             "w": "و"}
_SUFFIXES = {"kom": "كم", "kum": "كم", "ha": "ها", "na": "نا", "ak": "ك", "ek": "ك", "ik": "ك", "i": "ي", "y": "ي",
             "o": "ه"}
# Separate words that Arabic writes attached to the next one: el order → الاوردر, w ana → وانا.
_JOINERS = frozenset({"el", "il", "al", "w", "wa", "fel", "fil", "bel", "bil", "lel", "lil", "3al"})

_UNITS = re.compile(r"[3679]'|sh|ch|kh|gh|th|dh|ph|aa|ee|ii|oo|uu|ou|ai|ei|[a-z0-9]")
_CONSONANTS = {
    "3'": "غ", "7'": "خ", "6'": "ظ", "9'": "ض", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "ق",
    "9": "ص", "sh": "ش", "ch": "ش", "kh": "خ", "gh": "غ", "th": "ث", "dh": "ذ", "ph": "ف", "b": "ب",
    "t": "ت", "j": "ج", "g": "ج", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "q": "ق",
    "k": "ك", "l": "ل", "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي", "p": "ب", "v": "ف",
    "x": "كس", "c": "ك",
}
_LONG = {"aa": "ا", "ee": "ي", "ii": "ي", "ai": "ي", "ei": "ي", "oo": "و", "uu": "و", "ou": "و"}
_FINAL = {"a": "ا", "e": "ي", "i": "ي", "o": "و", "u": "و", **_LONG}
_MIDDLE = {"i": "ي", "o": "و", "u": "و", **_LONG}  # a and e are the short vowels usually dropped
# Numbers with a unit (5pm, 2nd, 100m), model names (iphone15, s24, a5, mp3) and codes (h2o, b2b).
_NOT_LETTERS = re.compile(
    r"\d+(?:am|pm|st|nd|rd|th|h|hr|hrs|min|mins|k|kg|g|gb|mb|tb|km|m|cm|mm|ml|l|x|s|d|p|pcs)"
    r"|[a-z]+\d{2,}|[a-z]\d+|mp3|mp4|ps4|ps5|h2o|b2b|p2p|b2c|g7|g8|g20|f5|f7|f8|f9",
)
_CHARACTER = r"(?:[a-z]|[0-9](?![\ufe0f\u20e3]))"  # a keycap emoji (3️⃣) is not a digit
_WORD = re.compile(rf"{_CHARACTER}+(?:'{_CHARACTER}*)*", re.ASCII | re.IGNORECASE)
_REPEAT = re.compile(r"([a-z])\1{2,}")
_DOUBLE = re.compile(r"([a-z])\1")


def _table(source: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in source.strip().splitlines():
        arabic, _, spellings = line.partition(":")
        for spelling in spellings.split():
            entries[spelling] = arabic
    return entries


_LEXICON = _table(_LEXICON_TABLE)
_AMBIGUOUS = _table(_AMBIGUOUS_TABLE)
_LOANWORDS = _table(_LOANWORD_TABLE)
_ENGLISH = frozenset(_ENGLISH_TABLE.split())


class Cue(enum.Enum):
    """What a Latin word says about its message: Arabizi, English, or nothing."""

    DIGITS = "digits"  # a digit used as a letter: 3ayez, la2, 7abibi
    LEXICON = "lexicon"  # a frequent Arabizi chat word: shukran, fein, talabi
    AMBIGUOUS = "ambiguous"  # Arabizi and English alike: law, men, fee, ya
    LOANWORD = "loanword"  # English used in Arabic chat too: order, delivery, ok
    ENGLISH = "english"  # the English stoplist: the, want, pls
    NONE = "none"  # no evidence either way


def latin_words(text: str) -> list[str]:
    """The Latin words of ``text``, lowercased, runs of 3+ letters squeezed ("heyyy" → "hey"), no numbers."""
    return [word for word in _WORD.findall(_REPEAT.sub(r"\1", text.lower())) if not word.isdigit()]


def _key(word: str) -> str:
    return _REPEAT.sub(r"\1", word.lower())


def word_cue(word: str) -> Cue:
    """The cue of one word from ``latin_words``."""
    return _classify(word)[0]


@functools.lru_cache(maxsize=8192)  # chat vocabulary is small and repetitive
def _classify(word: str) -> tuple[Cue, str]:
    """The cue of a word and the key its entry is under."""
    key = word.replace("'", "") if "'" in word and not _has_digit_letters(word) else word
    if key in _AMBIGUOUS:
        return Cue.AMBIGUOUS, key
    if key in _LEXICON:
        return (Cue.DIGITS if _has_digit_letters(key) else Cue.LEXICON), key
    if key in _LOANWORDS:
        return Cue.LOANWORD, key
    if key in _ENGLISH:
        return Cue.ENGLISH, key
    if _has_digit_letters(key):
        return Cue.DIGITS, key
    if _affixed(key) is not None:
        return Cue.LEXICON, key
    single = _DOUBLE.sub(r"\1", key)  # stretched chat spellings: byee, heyy, noo, yeaah
    if single != key and (found := _classify(single))[0] is not Cue.NONE:
        return found
    return Cue.NONE, key


def _has_digit_letters(word: str) -> bool:
    """Whether a digit stands for a letter: 3ayez, b36o yes; 5pm, iphone15, s24, a5, mp3 no."""
    if _DIGIT_LETTERS.isdisjoint(word) or word.isdigit():
        return False
    return _NOT_LETTERS.fullmatch(word) is None


def _affixed(word: str) -> str | None:
    """The Arabic of a lexicon or loanword entry behind an article, clitic or suffix."""
    for size in (3, 2, 1):
        prefix = _PREFIXES.get(word[:size])
        if prefix is not None and len(word) - size >= 3:
            rest = word[size:]
            stem = _LEXICON.get(rest) or _LOANWORDS.get(rest) or _suffixed(rest)
            if stem is not None:
                return prefix + stem
    return _suffixed(word)


def _suffixed(word: str) -> str | None:
    for size in (3, 2, 1):
        suffix = _SUFFIXES.get(word[-size:])
        if suffix is not None and len(word) - size >= 4:
            stem = _LEXICON.get(word[:-size]) or _LOANWORDS.get(word[:-size])
            if stem is not None:
                return (stem[:-1] + "ت" if stem.endswith("ة") else stem) + suffix
    return None


def spell(word: str) -> str:
    """The rule-based Arabic spelling of one Arabizi word (no lexicon)."""
    units = _UNITS.findall(word)
    out: list[str] = []
    consonants = 0
    last = len(units) - 1
    for i, unit in enumerate(units):
        if unit == "2":
            out.append("أ" if i == 0 else "ء")
            consonants += 1
        elif unit in _CONSONANTS:
            if i > 1 and units[i - 1] == unit:
                continue  # a doubled consonant is one letter (shadda); but ll- is لل
            out.append(_CONSONANTS[unit])
            consonants += 1
        elif not unit.isalpha():
            continue  # other digits (0, 1, 4) are not letters
        elif i == 0:
            out.append("ا" + _LONG.get(unit, "").replace("ا", ""))
        elif i == last:
            feminine = unit == "a" and consonants >= 3 and units[i - 1] not in ("h", "n")  # not -ha, -na
            out.append("ة" if feminine else _FINAL[unit])
        elif unit in _MIDDLE:
            out.append(_MIDDLE[unit])
        elif unit == "a" and i == 1 and last == 4 and units[3] == "e" and units[2] in _CONSONANTS:
            out.append("ا")  # participles: fahem → فاهم, 3ayez → عايز; but bayt → بيت, sayara → سيارة
    return "".join(out)


def _ends_in_ta_marbuta(word: str) -> bool:
    return len(word) > 4 and word.endswith("ah") and word[-3] not in "aeiou"


def _arabic(cue: Cue, key: str, arabizi: bool) -> str | None:
    """The Arabic for one classified word, or None to keep it as written."""
    if cue is Cue.AMBIGUOUS:
        return _AMBIGUOUS[key] if arabizi else None
    if cue is Cue.LOANWORD:
        return _LOANWORDS[key] if arabizi else None
    if cue is Cue.ENGLISH or (cue is Cue.NONE and not key.isalpha()):
        return None  # English, or a number with a unit, a model name, a code: 5pm, iphone15, 4u
    found = _LEXICON.get(key) or _affixed(key)
    if found is not None:
        return found
    if _ends_in_ta_marbuta(key):
        return spell(key[:-1])[:-1] + "ة"
    return spell(key)


def to_arabic(text: str) -> str:
    """``text`` with its Arabizi words in Arabic script; English and non-Latin text kept."""
    matches = [m for m in _WORD.finditer(text) if not m.group().isdigit()]
    words = [_classify(_key(m.group())) for m in matches]
    arabizi = any(cue in (Cue.DIGITS, Cue.LEXICON) for cue, _ in words)
    english = sum(cue in (Cue.ENGLISH, Cue.LOANWORD, Cue.AMBIGUOUS) for cue, _ in words)
    if not matches or (not arabizi and 2 * english >= len(words)):
        return text  # no Latin words, or plainly English
    pieces: list[str] = []
    position = 0
    join = False
    for match, (cue, key) in zip(matches, words, strict=True):
        between = text[position:match.start()]
        arabic = _arabic(cue, key, arabizi)
        if join and arabic is not None and between.strip(" -") == "":
            between = ""
        pieces += (between, match.group() if arabic is None else arabic)
        join = arabizi and key in _JOINERS
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)
