"""Built-in entity extractors: numbers, dates and times, phone numbers and emails, money, order ids,
catalogue lookup and regular expressions.

Every entity has ``start``/``end`` into the original text, ``extractor`` set to the extractor's
``name`` and a normalized ``value``. Build one by name with ``get_extractor`` or import the class.
"""

from bot.nlu.extractors.base import (
    EXTRACTORS,
    Extractor,
    get_extractor,
    resolve_overlaps,
)
from bot.nlu.extractors.contact import EmailExtractor, PhoneExtractor
from bot.nlu.extractors.dates import TimeExtractor
from bot.nlu.extractors.lookup import LookupExtractor
from bot.nlu.extractors.money import MoneyExtractor
from bot.nlu.extractors.numbers import NumberExtractor
from bot.nlu.extractors.order_id import OrderIdExtractor
from bot.nlu.extractors.regex import RegexExtractor

__all__ = [
    "EXTRACTORS",
    "EmailExtractor",
    "Extractor",
    "LookupExtractor",
    "MoneyExtractor",
    "NumberExtractor",
    "OrderIdExtractor",
    "PhoneExtractor",
    "RegexExtractor",
    "TimeExtractor",
    "get_extractor",
    "resolve_overlaps",
]
