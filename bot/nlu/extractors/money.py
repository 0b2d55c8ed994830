"""``amount``: a number next to a currency; value ``{"amount": number, "currency": ISO 4217 code}``.

The number may be in digits or words (see ``numbers``: "٢٥٠", "1,250.50", "5k", "خمسين",
"twenty", "3 آلاف"); the currency may come after it ("250 SAR", "٢٥٠ ريال سعودي", "50 جنيه",
"20 dollars", "20$", "٥٠ ر.س") or before it ("$20", "AED 99.5", "SAR 250", "€5").

Currency names that several countries share give ``currency: None`` unless the bot says which
one it means with ``defaults`` (e.g. ``{"riyal": "SAR", "dinar": "KWD"}``):
* ``riyal``: ريال/ريالات/riyal/rial (SAR, QAR, OMR, YER…); "ريال سعودي", "ر.س", "SAR", "SR" are SAR;
* ``dinar``: دينار/dinar (KWD, JOD, BHD, IQD, LYD, TND…); "د.ك", "KD", "دينار كويتي" are KWD;
* ``dirham``: درهم/dirham (AED, MAD); "د.إ", "AED", "Dhs", "درهم إماراتي" are AED;
* ``pound``: "pound(s)" (EGP, GBP…); "£"/"GBP"/"استرليني" are GBP;
* ``lira``: ليرة/lira (LBP, SYP, TRY).
Unambiguous: جنيه/ج.م/جم/EGP/L.E → EGP (جنيه is the Egyptian pound in this market); $, dollar(s),
دولار, USD → USD; €, euro, يورو → EUR; ر.ق/QAR/QR → QAR; ر.ع/OMR → OMR; and the other codes.

Not covered: subunits (هللة، قرش، فلس، fils, cents), ranges ("100-200 ريال"), amounts with the
currency far from the number ("السعر كام بالريال؟ ٢٥٠"), and ¥ (JPY or CNY).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from bot.core.events import Entity
from bot.nlu.extractors.base import alternation, fold_word, make_entity, searchable
from bot.nlu.extractors.numbers import find_numbers

__all__ = ["CURRENCIES", "FAMILIES", "MoneyExtractor"]

CURRENCIES: Mapping[str, tuple[str, ...]] = {
    "SAR": ("sar", "sr", "s.r", "ريال سعودي", "ريال سعودى", "ريالات سعودية", "ر.س", "ر س", "رس"),
    "QAR": ("qar", "qr", "ريال قطري", "ر.ق"),
    "OMR": ("omr", "ريال عماني", "ر.ع"),
    "YER": ("yer", "ريال يمني"),
    "EGP": ("egp", "le", "l.e", "l.e.", "جنيه", "جنيه مصري", "جنيهات", "جنية", "ج.م", "ج م", "جم", "ج"),
    "AED": ("aed", "dhs", "dh", "درهم إماراتي", "درهم اماراتي", "د.إ"),
    "MAD": ("mad", "درهم مغربي"),
    "KWD": ("kwd", "kd", "دينار كويتي", "د.ك"),
    "JOD": ("jod", "jd", "دينار أردني", "دينار اردني"),
    "BHD": ("bhd", "bd", "دينار بحريني", "د.ب"),
    "IQD": ("iqd", "دينار عراقي", "د.ع"),
    "LYD": ("lyd", "دينار ليبي"),
    "TND": ("tnd", "دينار تونسي"),
    "DZD": ("dzd", "دينار جزائري"),
    "USD": ("usd", "us$", "$", "dollar", "dollars", "bucks", "دولار", "دولارات", "دولار أمريكي"),
    "EUR": ("eur", "€", "euro", "euros", "يورو"),
    "GBP": ("gbp", "£", "sterling", "استرليني", "جنيه استرليني"),
    "LBP": ("lbp", "ليرة لبنانية", "ل.ل"),
    "SYP": ("syp", "ليرة سورية"),
    "TRY": ("₺", "ليرة تركية"),
    "CNY": ("cny", "rmb", "元", "yuan"),
}
"""Currency code → unambiguous spellings (folded and lowercased when compiled)."""

FAMILIES: Mapping[str, tuple[str, ...]] = {
    "riyal": ("ريال", "ريالات", "riyal", "riyals", "rial", "rials"),
    "dinar": ("دينار", "دنانير", "dinar", "dinars"),
    "dirham": ("درهم", "دراهم", "dirham", "dirhams"),
    "pound": ("pound", "pounds"),
    "lira": ("ليرة", "ليرات", "lira", "liras"),
}
"""Currency names shared by several countries; ``MoneyExtractor(defaults=...)`` picks the code."""

_NAMES: dict[str, str] = {}
for _code, _spellings in CURRENCIES.items():
    _NAMES.update({fold_word(s): _code for s in _spellings})
for _family, _spellings in FAMILIES.items():
    _NAMES.update({fold_word(s): _family for s in _spellings})
_NAMES[fold_word("د.أ")] = "JOD/AED"  # "د.إ" (AED) and "د.أ" (JOD) fold to the same text
_CURRENCY = re.compile(r"(?<![^\W\d_])" + alternation(_NAMES) + r"(?![^\W\d_])")
_GAP = re.compile(r"[ \t]{0,3}")


class MoneyExtractor:
    """Amounts of money; entity ``amount``."""

    def __init__(self, name: str = "amount", entity: str = "amount", defaults: Mapping[str, str] | None = None) -> None:
        unknown = sorted(set(defaults or {}) - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown currency families {unknown}; known: {sorted(FAMILIES)}")
        self.name = name
        self.entity = entity
        self.defaults = dict(defaults or {})

    def extract(
        self, text: str, *, language: str | None = None, now: datetime | None = None, intent: str | None = None
    ) -> list[Entity]:
        """Every amount of money in ``text``."""
        normalized = searchable(text)
        folded = normalized.text
        currencies = list(_CURRENCY.finditer(folded))
        if not currencies:
            return []
        by_start = {m.start(): m for m in currencies}
        by_end = {m.end(): m for m in currencies}
        used: set[int] = set()
        entities: list[Entity] = []
        for number in find_numbers(folded):
            after = _GAP.match(folded, number.end)
            before = _first_before(folded, number.start, by_end)
            currency = by_start.get(after.end()) if after else None
            if currency is None or currency.start() in used:
                currency = before if before is not None and before.start() not in used else None
            if currency is None:
                continue
            used.add(currency.start())
            start, end = min(number.start, currency.start()), max(number.end, currency.end())
            value = {"amount": number.value, "currency": self._code(currency, text, normalized.offsets)}
            entities.append(make_entity(text, normalized, start, end, entity=self.entity, value=value, extractor=self.name))
        return entities

    def _code(self, currency: re.Match[str], text: str, offsets: tuple[int, ...]) -> str | None:
        name = _NAMES[re.sub(r"\s+", " ", currency.group())]
        if name == "JOD/AED":
            original = text[offsets[currency.start() + 2]]
            return "AED" if original == "إ" else "JOD" if original == "أ" else None
        if name in FAMILIES:
            return self.defaults.get(name)
        return name


def _first_before(text: str, start: int, by_end: dict[int, re.Match[str]]) -> re.Match[str] | None:
    for gap in range(4):
        position = start - gap
        if position < 0 or (gap and text[position] not in " \t"):
            return None
        if position in by_end:
            return by_end[position]
    return None
