"""Tests for bot/nlu/data.py (and the markup parser in bot/nlu/annotations.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from bot.errors import DataError
from bot.nlu.annotations import AnnotationError, parse_annotated
from bot.nlu.data import (
    Example,
    LookupTable,
    TrainingData,
    load_nlu_dir,
    load_nlu_file,
    parse_nlu,
)
from bot.yamlsource import parse_yaml

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[3] / "shared"
RASA = SHARED / "data" / "rasa"


def parse(text: str, **kwargs: Any) -> TrainingData:
    """Parse YAML text written in a test as the file ``nlu.yml``."""
    return parse_nlu(parse_yaml(textwrap.dedent(text), "nlu.yml"), **kwargs)


def problems_of(exc: pytest.ExceptionInfo[DataError]) -> list[str]:
    """The listed problems of a DataError, one per line."""
    return [line.removeprefix("  - ") for line in str(exc.value).splitlines()[1:]]


def only(data: TrainingData, text: str) -> Example:
    """The one example with this plain text."""
    [example] = [e for e in data.examples if e.text == text]
    return example


def spans_match(example: Example) -> bool:
    return all(example.text[e.start : e.end] == e.text for e in example.entities)


# --- annotations -------------------------------------------------------------------------


def test_every_annotation_form() -> None:
    data = parse("""
        nlu:
        - intent: travel
          examples: |
            - fly to [Paris](city) now
            - from [LA](city:Los Angeles) to [NYC](city)
            - from [Riyadh]{"entity": "city", "role": "from", "group": "1"} to [Jeddah]{"entity": "city", "role": "to", "value": "jeddah"}
            - [two]{"entity": "count", "value": 2} seats
            - [Mecca][{"entity": "city"}, {"entity": "holy_place", "value": "makkah"}] please
    """)
    assert [e.text for e in data.examples] == [
        "fly to Paris now", "from LA to NYC", "from Riyadh to Jeddah", "two seats", "Mecca please",
    ]
    assert all(spans_match(e) for e in data.examples)
    (paris,) = data.examples[0].entities
    assert (paris.start, paris.end, paris.entity, paris.value, paris.text) == (7, 12, "city", "Paris", "Paris")
    la, nyc = data.examples[1].entities
    assert (la.start, la.end, la.value, la.text) == (5, 7, "Los Angeles", "LA")
    assert (nyc.start, nyc.end, nyc.value) == (11, 14, "NYC")
    riyadh, jeddah = data.examples[2].entities
    assert (riyadh.role, riyadh.group, riyadh.value) == ("from", "1", "Riyadh")
    assert (jeddah.start, jeddah.role, jeddah.group, jeddah.value) == (15, "to", None, "jeddah")
    assert data.examples[3].entities[0].value == 2
    city, holy = data.examples[4].entities
    assert (city.start, city.end, holy.start, holy.end) == (0, 5, 0, 5)
    assert (city.entity, city.value, holy.entity, holy.value) == ("city", "Mecca", "holy_place", "makkah")
    assert data.entities() == ["city", "count", "holy_place"]
    assert data.intents() == ["travel"]


def test_json_annotation_may_contain_brackets_and_braces_in_strings() -> None:
    text, (entity,) = parse_annotated('say [hi]{"entity": "word", "value": "a}b]"} ok')
    assert text == "say hi ok"
    assert (entity.start, entity.end, entity.value) == (4, 6, "a}b]")


def test_arabic_and_chinese_spans_count_characters() -> None:
    data = parse("""
        nlu:
        - intent: order_status
          examples: |
            - وين طلبي رقم [A-12345](order_id) يا [أحمد]{"entity": "person", "role": "agent"}؟
            - 我想订[两张](count:2)去[北京](city)的票
    """)
    arabic = data.examples[0]
    assert arabic.text == "وين طلبي رقم A-12345 يا أحمد؟"
    order, person = arabic.entities
    assert (order.start, order.end) == (13, 20)
    assert (person.start, person.end, person.text, person.role) == (24, 28, "أحمد", "agent")
    chinese = data.examples[1]
    assert chinese.text == "我想订两张去北京的票"
    count, city = chinese.entities
    assert (count.start, count.end, count.value, city.start, city.end) == (3, 5, "2", 6, 8)
    assert all(spans_match(e) for e in data.examples)
    assert data.synonyms == {"两张": "2"}


@pytest.mark.parametrize(
    ("markup", "reason", "index"),
    [
        ("hi [there", "'[' is never closed by ']'", 3),
        ("hi there]", "']' has no matching '['", 8),
        ("a [b [c](x)", "'[' is not closed before the next '['", 2),
        ("a [b] c", "[b] must be followed by (entity)", 2),
        ("a [](x)", "'[]' marks no text", 2),
        ("a [b](x", "'(' after [b] is never closed by ')'", 5),
        ("a [b]( )", "[b](...) has no entity name", 5),
        ("a [b](x:)", "has an empty value after ':'", 5),
        ('a [b]{"entity": "x",}', "malformed JSON after [b]: Expecting property name", 20),
        ('a [b]{"value": "x"}', "has no entity name", 5),
        ('a [b]{"entity": "x", "rol": "y"}', "unknown key 'rol'; did you mean 'role'?", 5),
        ('a [b]{"entity": "x", "group": 1}', "'group' must be a string", 5),
        ('a [b]{"entity": "x", "value": ["v"]}', "'value' must be a string or a number", 5),
        ("a [b][]", "must list objects", 5),
        ('a [b]["x"]', "must list objects", 5),
    ],
)
def test_bad_markup_says_what_and_where(markup: str, reason: str, index: int) -> None:
    with pytest.raises(AnnotationError) as exc:
        parse_annotated(markup)
    assert reason in exc.value.reason
    assert exc.value.index == index


# --- synonyms, regexes, lookups, metadata ---------------------------------------------------


def test_synonyms_from_blocks_and_annotations() -> None:
    data = parse("""
        nlu:
        - intent: check_balance
          examples: |
            - my [credit card]{"entity": "account_type", "value": "credit"} balance
            - my [savings](account_type) balance
            - my [Visa Card](card:visa) balance
        - synonym: emblem
          examples: |
            - Emblm
            - embelm
    """)
    assert dict(data.synonyms) == {"credit card": "credit", "visa card": "visa", "emblm": "emblem", "embelm": "emblem"}
    assert only(data, "my credit card balance").entities[0].value == "credit"  # synonyms are not applied to examples


def test_one_surface_mapped_to_two_values_is_an_error() -> None:
    with pytest.raises(DataError) as exc:
        parse("""
            nlu:
            - synonym: credit
              examples: |
                - card
            - intent: pay
              examples: |
                - pay my [Card]{"entity": "account", "value": "debit"}
        """)
    assert problems_of(exc) == ["nlu.yml:8: 'Card' is a synonym of 'debit' here but of 'credit' at nlu.yml:5"]


def test_regexes_and_lookups() -> None:
    data = parse(r"""
        nlu:
        - regex: order_id
          examples: |
            - [A-Z]-\d{5}
            - ORD\d+
        - lookup: city
          examples: |
            - Riyadh
            - Jeddah
        - lookup: city
          examples: |
            - Dammam
            - Riyadh
    """)
    assert [(r.name, r.pattern, r.source) for r in data.regexes] == [
        ("order_id", r"[A-Z]-\d{5}", "nlu.yml:5"),
        ("order_id", r"ORD\d+", "nlu.yml:6"),
    ]
    assert data.lookups == (LookupTable("city", ("Riyadh", "Jeddah", "Dammam"), "nlu.yml:7"),)
    assert data.examples == ()


def test_metadata_per_intent_and_per_example() -> None:
    data = parse("""
        nlu:
        - intent: book_table
          metadata: {sentiment: neutral, channel: any}
          examples:
          - text: table for [2](party_size) at [7pm](time)
            metadata: {channel: whatsapp}
          - text: |
              a table please
        - intent: greet
          examples: |
            - hi
    """)
    table = only(data, "table for 2 at 7pm")
    assert dict(table.metadata) == {"sentiment": "neutral", "channel": "whatsapp"}
    assert [e.entity for e in table.entities] == ["party_size", "time"] and spans_match(table)
    assert dict(only(data, "a table please").metadata) == {"sentiment": "neutral", "channel": "any"}
    assert dict(only(data, "hi").metadata) == {}
    assert [e.source for e in data.examples] == ["nlu.yml:6", "nlu.yml:8", "nlu.yml:12"]


def test_sources_point_at_block_lines_skipping_blank_and_comment_lines() -> None:
    data = parse("""
        version: "3.1"
        nlu:  # a YAML comment
        - intent: greet
          examples: |
            - hello

              -   hi there\x20\x20
            # not an example
            -hey
        - intent: bye
          examples: |-
            - bye
            - ciao
    """)
    assert [(e.text, e.source) for e in data.examples] == [
        ("hello", "nlu.yml:6"), ("hi there", "nlu.yml:8"), ("hey", "nlu.yml:10"),
        ("bye", "nlu.yml:13"), ("ciao", "nlu.yml:14"),
    ]


def test_other_rasa_keys_are_ignored() -> None:
    data = parse("""
        version: "3.1"
        stories:
        - story: happy path
          steps: [{intent: greet}]
        rules: []
        responses:
          utter_faq/returns:
          - text: You can return items within 14 days.
        intents: [greet]
        slots: {}
        flows: {}
        nlu:
        - intent: greet
          examples: |
            - hi
    """)
    assert [e.text for e in data.examples] == ["hi"]


def test_same_text_under_two_intents_is_an_error_unless_allowed() -> None:
    text = """
        nlu:
        - intent: greet
          examples: |
            - hello
        - intent: bye
          examples:
          - text: hello
    """
    data = parse(text)
    assert data.warnings == (
        "nlu.yml:8: example 'hello' is under intent 'bye' here and under intent 'greet' at nlu.yml:5; keep it under one intent",
    )
    assert [e.intent for e in data.examples] == ["greet", "bye"]


# --- errors -------------------------------------------------------------------------------


def test_broken_file_lists_every_problem_with_its_line() -> None:
    with pytest.raises(DataError) as exc:
        load_nlu_file(HERE / "data" / "broken_nlu.yml", source="broken_nlu.yml")
    assert str(exc.value).startswith("broken_nlu.yml: 10 problems in NLU data\n")
    assert problems_of(exc) == [
        "broken_nlu.yml:6: intent 'greet': example 'hi [there': '[' is never closed by ']' (at character 4)",
        "broken_nlu.yml:7: intent 'greet': example 'hey without a dash' must start with '- '",
        "broken_nlu.yml:8: item has none of intent, synonym, regex, lookup; did you mean 'intent'?",
        "broken_nlu.yml:11: intent 'ask_help' has no examples; add 'examples: |' with '- ' lines",
        ("broken_nlu.yml:14: intent 'book': example 'book [a table]{\"entity\": \"thing\", value: \"x\"}': "
        "malformed JSON after [a table]: Expecting property name enclosed in double quotes (at character 35)"),
        ("broken_nlu.yml:16: intent 'book': example 'book for [tomorrow]()': [tomorrow](...) has no entity name; "
        "write [tomorrow](entity_name) (at character 20)"),
        "broken_nlu.yml:20: regex 'order_id': invalid pattern '[A-Z{5': unterminated character set at position 0",
        "broken_nlu.yml:21: the intent name is empty",
        "broken_nlu.yml:27: unknown key 'metdata' in an example; did you mean 'metadata'?; allowed: text, metadata",
        "broken_nlu.yml:30: unknown top-level key 'storeis'; did you mean 'stories'?",
    ]


def test_unknown_top_level_key_and_non_mapping_file() -> None:
    with pytest.raises(DataError) as exc:
        parse("""
            version: "3.1"
            NLU:
            - intent: greet
              examples: |
                - hi
        """)
    assert problems_of(exc) == ["nlu.yml:3: unknown top-level key 'NLU'"]  # no close match: case differs
    with pytest.raises(DataError, match=r"nlu\.yml:1: expected a mapping with an 'nlu:' key, got list"):
        parse("- intent: greet\n")


def test_item_shape_errors() -> None:
    with pytest.raises(DataError) as exc:
        parse("""
            nlu:
            - intent: greet
              synonym: hello
              examples: "- hi"
            - intent: yes
              examples: |
                - yes
            - intent: faq
              exampels: |
                - what
            - lookup: city
              examples: [Riyadh]
            - just a string
            - intent: greet
              examples: [hi]
              metadata: [a]
        """)
    assert problems_of(exc) == [
        "nlu.yml:3: one item cannot be both 'intent' and 'synonym'; split it",
        "nlu.yml:6: the intent name must be text, got True (quote it)",
        "nlu.yml:9: intent 'faq' has no examples; add 'examples: |' with '- ' lines",
        "nlu.yml:10: unknown key 'exampels' next to 'intent:'; did you mean 'examples'?; allowed: intent, examples, metadata",
        "nlu.yml:13: lookup 'city': 'examples' must be a block string (examples: |) of '- ' lines",
        "nlu.yml:14: an nlu item must be a mapping such as 'intent: greet' + 'examples:', got 'just a string'",
        "nlu.yml:16: intent 'greet': each example must be a mapping with a non-empty 'text:'",
        "nlu.yml:17: metadata must be a mapping (key: value), got ['a']",
    ]


def test_duplicate_keys_are_reported() -> None:
    with pytest.raises(DataError) as exc:
        parse("""
            nlu:
            - intent: greet
              examples: |
                - hi
              examples: |
                - hello
        """)
    assert problems_of(exc) == ["nlu.yml:6: nlu.0.examples: written twice; the one at line 4 would be lost"]


# --- folders and languages ----------------------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_language_comes_from_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "nlu_data"
    write(root / "en" / "greet.yml", """
        nlu:
        - intent: greet
          examples: |
            - hello [Sara](person)
    """)
    write(root / "ar" / "sub" / "greet.yaml", """
        nlu:
        - intent: greet
          examples: |
            - مرحبا [سارة]{"entity": "person", "value": "Sara"}
        - synonym: Sara
          examples: |
            - ساره
    """)
    write(root / "shared.yml", """
        nlu:
        - regex: order_id
          examples: |
            - A-\\d+
        - intent: bye
          examples: |
            - 👋
    """)
    write(root / "en" / "rules.yml", "rules:\n- rule: r\n  steps: []\n")
    write(root / "en" / "notes.txt", "not yaml")
    data = load_nlu_dir(root, ["en", "ar"])
    assert sorted((e.text, e.language) for e in data.examples) == [
        ("hello Sara", "en"), ("مرحبا سارة", "ar"), ("👋", None),
    ]
    arabic = only(data, "مرحبا سارة")
    assert arabic.source == "nlu_data/ar/sub/greet.yaml:5"
    assert (arabic.entities[0].start, arabic.entities[0].end) == (6, 10) and spans_match(arabic)
    assert dict(data.synonyms) == {"سارة": "Sara", "ساره": "Sara"}
    assert [r.pattern for r in data.regexes] == [r"A-\d+"]
    assert [e.text for e in data.by_language("en").examples] == ["hello Sara", "👋"]
    assert data.intents() == ["bye", "greet"] and data.entities() == ["person"]


def test_unconfigured_folder_and_errors_in_several_files_come_together(tmp_path: Path) -> None:
    root = tmp_path / "nlu_data"
    write(root / "eng" / "greet.yml", "nlu: []\n")
    write(root / "en" / "bad.yml", "nlu:\n- intent: greet\n  examples: [\n")
    write(root / "en" / "greet.yml", "nlu:\n- intent: greet\n  examples: |\n    - hi\n")
    write(root / "ar" / "greet.yml", "nlu:\n- intent: bye\n  examples: |\n    - hi\n")
    with pytest.raises(DataError) as exc:
        load_nlu_dir(root, ["en", "ar"])
    problems = problems_of(exc)
    assert len(problems) == 2
    assert problems[0].startswith("nlu_data/en/bad.yml:4:1: invalid YAML")
    assert problems[1] == "nlu_data/eng: folder 'eng' is not a configured language; did you mean 'en'?; configured: en, ar"
    # 'hi' under greet (en) and bye (ar) is no conflict: they are different languages


def test_same_text_in_two_files_of_one_language_conflicts(tmp_path: Path) -> None:
    root = tmp_path / "nlu_data"
    write(root / "en" / "a.yml", "nlu:\n- intent: greet\n  examples: |\n    - hi\n")
    write(root / "en" / "b.yml", "nlu:\n- intent: bye\n  examples: |\n    - hi\n")
    (warning,) = load_nlu_dir(root, ["en"]).warnings
    assert warning.startswith("nlu_data/en/b.yml:4: example 'hi' is under intent 'bye' here and under intent 'greet' at nlu_data/en/a.yml:4")


def test_no_files_means_empty_data(tmp_path: Path) -> None:
    assert load_nlu_dir(tmp_path / "missing", ["en"]) == TrainingData()
    (tmp_path / "nlu_data" / "en").mkdir(parents=True)
    empty = load_nlu_dir(tmp_path / "nlu_data", ["en"])
    assert (empty.examples, dict(empty.synonyms), empty.regexes, empty.lookups) == ((), {}, (), ())
    assert parse("") == TrainingData() and parse("version: '3.1'\nnlu:\n") == TrainingData()


def test_merge() -> None:
    first = parse("nlu:\n- intent: greet\n  examples: |\n    - hi\n- lookup: city\n  examples: |\n    - Riyadh\n")
    second = parse("nlu:\n- intent: bye\n  examples: |\n    - bye\n- lookup: city\n  examples: |\n    - Jeddah\n"
                   "- synonym: x\n  examples: |\n    - y\n")
    merged = first.merge(second)
    assert [e.text for e in merged.examples] == ["hi", "bye"]
    assert merged.lookups == (LookupTable("city", ("Riyadh", "Jeddah"), "nlu.yml:5"),)
    assert dict(merged.synonyms) == {"y": "x"}


def test_examples_are_frozen() -> None:
    example = parse("nlu:\n- intent: greet\n  examples: |\n    - hi\n").examples[0]
    with pytest.raises(AttributeError):
        example.text = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        example.metadata["a"] = 1  # type: ignore[index]


# --- public Rasa projects, unchanged --------------------------------------------------------


def rasa_file(relative: str) -> Path:
    path = RASA / relative
    if not path.is_file():
        pytest.skip(f"public Rasa project file not found: {path} (the shared data folder is absent)")
    return path


def test_financial_demo_loads() -> None:
    path = rasa_file("financial-demo/data/nlu/nlu.yml")
    # The file has one real conflict: it loads unchanged, with a warning naming both lines (as in Rasa).
    data = load_nlu_file(path, source="nlu.yml")
    assert data.warnings == (
        ("nlu.yml:423: example 'what places have I spent money?' is under intent 'search_transactions' here"
        " and under intent 'check_balance' at nlu.yml:136; keep it under one intent"),
    )
    assert len(data.intents()) == 17 and {"check_balance", "pay_cc", "transfer_money"} <= set(data.intents())
    assert len(data.examples) == 578  # 591 "- " lines, 13 of them synonyms
    assert data.entities() == ["PERSON", "account_type", "amount-of-money", "credit_card", "vendor_name"]
    example = only(data, "I should check my credit card balance first")
    assert example.intent == "check_balance" and example.source == "nlu.yml:124"
    assert [(e.start, e.end, e.entity, e.value) for e in example.entities] == [
        (18, 29, "account_type", "credit"), (30, 37, "amount-of-money", "balance"), (38, 43, "account_type", "first"),
    ]
    assert spans_match(example)
    assert data.synonyms["emblm"] == "emblem" and data.synonyms["credit card"] == "credit"
    assert data.synonyms["full balance"] == "current balance"
    assert load_nlu_file(rasa_file("financial-demo/domain.yml")) == TrainingData()


def test_calm_demo_loads() -> None:
    data = load_nlu_file(rasa_file("calm-demo/data/nlu-based/nlu.yml"), source="nlu.yml")
    assert len(data.intents()) == 9 and "request_restaurant" in data.intents()
    assert len(data.examples) == 188
    assert data.entities() == ["cuisine", "number", "restaurant_name"]
    example = only(data, "Reserve a table for two")
    assert example.source == "nlu.yml:134"
    assert [(e.start, e.end, e.entity, e.value) for e in example.entities] == [(20, 23, "number", "two")]
    pizzeria = only(data, "I have a favorite: Mama Mia’s Pizzeria.")
    assert [(e.start, e.end, e.text) for e in pizzeria.entities] == [(19, 38, "Mama Mia’s Pizzeria")]
    assert not data.synonyms and not data.regexes and not data.lookups


def test_calm_demo_flow_files_are_skipped() -> None:
    folder = rasa_file("calm-demo/data/flows/nlu.yml").parent
    loaded = {path.name: load_nlu_file(path) for path in sorted(folder.glob("*.yml"))}
    assert len(loaded) > 10
    assert {name for name, data in loaded.items() if data.examples} == {"nlu.yml"}
    assert "replace_card" in loaded["nlu.yml"].intents()
