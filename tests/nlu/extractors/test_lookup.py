"""``LookupExtractor``: catalogue names with typos, Arabic clitics and synonyms."""

from __future__ import annotations

import pytest

from bot.nlu.extractors.lookup import LookupExtractor

CATALOGUE = LookupExtractor(
    "catalogue",
    entries={
        "product": [
            "iPhone", "iPhone 15", "iPhone 15 Pro", "Galaxy S24", "Galaxy S24 Ultra", "USB-C Charger",
            "Burger", "Margherita Pizza", "Cappuccino", "Chicken Shawarma", "Chocolate Cake",
        ],
        "branch": ["Riyadh", "Jeddah", "Nasr City"],
    },
    synonyms={
        "ايفون": "iPhone",
        "آيفون": "iPhone",
        "ايفون ١٥": "iPhone 15",
        "ايفون 15 برو": "iPhone 15 Pro",
        "جالكسي اس 24": "Galaxy S24",
        "برجر": "Burger",
        "برقر": "Burger",
        "بيتزا مارجريتا": "Margherita Pizza",
        "كابتشينو": "Cappuccino",
        "شاورما دجاج": "Chicken Shawarma",
        "شاورما فراخ": "Chicken Shawarma",
        "كيكة شوكولاتة": "Chocolate Cake",
        "الرياض": "Riyadh",
        "جدة": "Jeddah",
        "مدينة نصر": "Nasr City",
        "iphone fifteen": "iPhone 15",
    },
)


def found(text: str, extractor: LookupExtractor = CATALOGUE) -> list[tuple[str, str, str]]:
    entities = extractor.extract(text)
    assert all(e.extractor == extractor.name for e in entities)
    return [(text[e.start : e.end], e.entity, e.value) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # exact, case and spacing
        ("I want an iPhone 15", [("iPhone 15", "product", "iPhone 15")]),
        ("IPHONE 15 please", [("IPHONE 15", "product", "iPhone 15")]),
        ("iphone15", [("iphone15", "product", "iPhone 15")]),
        ("usb c charger", [("usb c charger", "product", "USB-C Charger")]),
        # the longest name wins
        ("i want the iphone 15 pro please", [("iphone 15 pro", "product", "iPhone 15 Pro")]),
        ("galaxy s24 ultra", [("galaxy s24 ultra", "product", "Galaxy S24 Ultra")]),
        # typos
        ("iphnoe 15", [("iphnoe 15", "product", "iPhone 15")]),
        ("do you have the iphone 15 pr0?", [("iphone 15", "product", "iPhone 15")]),
        ("galaxy s24 ultr", [("galaxy s24 ultr", "product", "Galaxy S24 Ultra")]),
        ("chiken shawarma", [("chiken shawarma", "product", "Chicken Shawarma")]),
        ("margarita pizza", [("margarita pizza", "product", "Margherita Pizza")]),
        ("capuccino", [("capuccino", "product", "Cappuccino")]),
        # digits must agree: a typo is not another model
        ("iphone 14", [("iphone", "product", "iPhone")]),
        ("galaxy s23", []),
        # Arabic aliases, clitics, letter variants, elongation
        ("بالايفون", [("الايفون", "product", "iPhone")]),
        ("عايز ايفون ١٥", [("ايفون ١٥", "product", "iPhone 15")]),
        ("عندكم آيفون 15 برو؟", [("آيفون 15 برو", "product", "iPhone 15 Pro")]),
        ("وبالبرجر لو سمحت", [("البرجر", "product", "Burger")]),
        ("ابغى برقر", [("برقر", "product", "Burger")]),
        ("للبرجر", [("برجر", "product", "Burger")]),
        ("وايفون", [("ايفون", "product", "iPhone")]),
        ("كابتشينوووو", [("كابتشينوووو", "product", "Cappuccino")]),
        ("بيتزا مارغريتا", [("بيتزا مارغريتا", "product", "Margherita Pizza")]),
        ("كيكه شوكولاته", [("كيكه شوكولاته", "product", "Chocolate Cake")]),
        ("جلكسي اس٢٤", [("جلكسي اس٢٤", "product", "Galaxy S24")]),
        ("الشاورما الدجاج", [("الشاورما الدجاج", "product", "Chicken Shawarma")]),
        # several entities, several kinds
        ("2 burger and a cappuccino to nasr city", [
            ("burger", "product", "Burger"), ("cappuccino", "product", "Cappuccino"), ("nasr city", "branch", "Nasr City"),
        ]),
        ("فرع الرياض ولا جدة؟", [("الرياض", "branch", "Riyadh"), ("جدة", "branch", "Jeddah")]),
        ("iphone fifteen", [("iphone fifteen", "product", "iPhone 15")]),
        # not in the catalogue
        ("what's the weather", []),
        ("ما هي عاصمة فرنسا", []),
        ("hello", []),
        ("", []),
    ],
)
def test_lookup(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert found(text) == expected


def test_windows_do_not_cross_punctuation() -> None:
    assert found("iphone, 15 pieces") == [("iphone", "product", "iPhone")]


def test_threshold() -> None:
    strict = LookupExtractor("strict", {"product": ["Cappuccino"]}, threshold=100)
    assert found("capuccino", strict) == []
    assert found("cappuccino", strict) == [("cappuccino", "product", "Cappuccino")]
    loose = LookupExtractor("loose", {"product": ["Cappuccino"]}, threshold=70)
    assert found("capucino", loose) == [("capucino", "product", "Cappuccino")]


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="points to 'Latte'"):
        LookupExtractor("x", {"product": ["Cappuccino"]}, {"لاتيه": "Latte"})
    with pytest.raises(TypeError, match="must be a list"):
        LookupExtractor("x", {"product": "Cappuccino"})
    with pytest.raises(ValueError, match="threshold"):
        LookupExtractor("x", {"product": ["Cappuccino"]}, threshold=0)
    assert LookupExtractor("x", {}).extract("anything") == []


def test_hundred_entries_find_the_right_ones() -> None:
    names = [f"Product {word} {i}" for i, word in enumerate(["alpha", "beta", "gamma", "delta", "omega"] * 20)]
    extractor = LookupExtractor("big", {"product": names}, {f"منتج {i}": name for i, name in enumerate(names)})
    message = "مرحبا عايز اطلب product gamma 12 و منتج 40 وكمان حاجة تانية لو سمحت بكرة"
    assert [e.value for e in extractor.extract(message)] == ["Product gamma 12", "Product alpha 40"]


@pytest.mark.parametrize(
    ("prefix", "span_prefix"),
    [("", ""), ("ال", "ال"), ("و", ""), ("ف", ""), ("ب", ""), ("ك", ""), ("ل", ""), ("وال", "ال"), ("بال", "ال"),
     ("فال", "ال"), ("كال", "ال"), ("لل", ""), ("وب", ""), ("وبال", "ال")],
)
def test_every_proclitic(prefix: str, span_prefix: str) -> None:
    text = f"عايز {prefix}كابتشينو بسرعة"
    assert found(text) == [(f"{span_prefix}كابتشينو", "product", "Cappuccino")]
