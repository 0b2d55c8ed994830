"""Flows that are wrong in one way each: the right problem code at the right file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.loader import load_flows
from bot.flows.problems import Problems
from bot.flows.validate import validate

DOMAIN = """\
version: "3.1"
actions:
  - action_check_order
slots:
  order_id:
    type: text
    mappings:
      - type: from_entity
        entity: order_id
  confirm:
    type: bool
  amount:
    type: float
  note:
    type: text
responses:
  utter_ask_order_id:
    - text: Which order?
  utter_ask_confirm:
    - text: Are you sure?
  utter_ask_amount:
    - text: How much?
  utter_done:
    - text: Done.
  utter_bad_id:
    - text: That is not an order number.
"""

GOOD = """\
flows:
  track_order:
    description: the customer wants to know where an order is
    nlu_trigger:
      - intent: track_order
    steps:
      - collect: order_id
        rejections:
          - if: not (slots.order_id matches "^[A-Z]-[0-9]{5}$")
            utter: utter_bad_id
      - action: action_check_order
        next:
          - if: slots.confirm
            then:
              - action: utter_done
                next: END
          - else: ask_amount
      - id: ask_amount
        collect: amount
"""


def check(tmp_path: Path, flows: str, *, intents: set[str] | None = None, languages: tuple[str, ...] = ("en",)) -> Problems:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (tmp_path / "flows.yml").write_text(flows, encoding="utf-8")
    loaded = load_flows([tmp_path], languages=languages, root=tmp_path)
    return validate(loaded, languages=languages, default_language=languages[0], nlu_intents=intents)


def test_a_good_flow_has_no_problem(tmp_path: Path) -> None:
    problems = check(tmp_path, GOOD, intents={"track_order"})
    assert problems.items == []


# Each case: the flows file, with "# <-" on the line the error must point at, and the error code.
CASES: dict[str, tuple[str, ...]] = {
    "unknown slot in collect": ("""\
flows:
  f:
    description: d
    steps:
      - collect: order_number  # <-
""", "unknown-slot"),
    "unknown response": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_thanks  # <-
""", "unknown-response"),
    "unknown custom action": ("""\
flows:
  f:
    description: d
    steps:
      - action: action_refund  # <-
""", "unknown-action"),
    "link to an unknown flow": ("""\
flows:
  f:
    description: d
    steps:
      - link: refund_flow  # <-
""", "unknown-flow"),
    "call of an unknown flow": ("""\
flows:
  f:
    description: d
    steps:
      - call: refund_flow  # <-
""", "unknown-flow"),
    "next to an unknown step": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_done  # <-
        next: the_end
""", "unknown-step"),
    "unreachable step": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_done
        next: END
      - action: utter_done  # <-
""", "unreachable-step"),
    "if without else": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_done
        next:  # <-
          - if: slots.confirm
            then: END
""", "missing-else"),
    "link not last": ("""\
flows:
  f:
    description: d
    steps:
      - link: g  # <-
      - action: utter_done
  g:
    description: d
    steps:
      - action: utter_done
""", "link-not-last", "unreachable-step"),
    "next after link": ("""\
flows:
  f:
    description: d
    steps:
      - link: g
        next: END  # <-
  g:
    description: d
    steps:
      - action: utter_done
""", "next-after-link"),
    "loop with no way out": ("""\
flows:
  f:
    description: d
    steps:
      - id: a  # <-
        action: utter_done
        next: b
      - id: b
        action: utter_done
        next: a
""", "endless-loop"),
    "duplicate step id": ("""\
flows:
  f:
    description: d
    steps:
      - id: a
        action: utter_done
      - id: a  # <-
        action: utter_done
""", "duplicate-step-id"),
    "one intent triggers two flows": ("""\
flows:
  f:
    description: d
    nlu_trigger:
      - intent: track_order
    steps:
      - action: utter_done
  g:
    description: d
    nlu_trigger:
      - intent: track_order  # <-
    steps:
      - action: utter_done
""", "duplicate-trigger"),
    "trigger intent without NLU examples": ("""\
flows:
  f:
    description: d
    nlu_trigger:
      - intent: trak_order  # <-
    steps:
      - action: utter_done
""", "unknown-intent"),
    "condition syntax error": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_done
        next:
          - if: slots.amount => 3  # <-
            then: END
          - else: END
""", "bad-condition"),
    "condition on an unknown slot": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_done
        next:
          - if: slots.amount_paid > 3  # <-
            then: END
          - else: END
""", "unknown-slot"),
    "flow without description": ("""\
flows:
  f:  # <-
    steps:
      - action: utter_done
""", "missing-key"),
    "step of no known kind": ("""\
flows:
  f:
    description: d
    steps:
      - colect: order_id  # <-
""", "step-kind"),
    "unknown key in a collect step": ("""\
flows:
  f:
    description: d
    steps:
      - collect: order_id
        ask_before_fill: true  # <-
""", "unknown-key"),
    "collect with no question": ("""\
flows:
  f:
    description: d
    steps:
      - collect: note  # <-
""", "unknown-response"),
    "rejection with an unknown response": ("""\
flows:
  f:
    description: d
    steps:
      - collect: order_id
        rejections:
          - if: slots.order_id = "x"
            utter: utter_wrong  # <-
""", "unknown-response"),
    "call of a pattern": ("""\
flows:
  f:
    description: d
    steps:
      - call: pattern_cancel_flow  # <-
""", "bad-target"),
    "persisted slot never collected": ("""\
flows:
  f:  # <-
    description: d
    persisted_slots: [amount]
    steps:
      - collect: order_id
""", "bad-persisted-slot"),
    "branch sequence without next": ("""\
flows:
  f:
    description: d
    steps:
      - action: utter_done
        next:
          - if: slots.confirm
            then:
              - action: utter_done  # <-
          - else: END
""", "missing-next"),
    "reserved step id": ("""\
flows:
  f:
    description: d
    steps:
      - id: END  # <-
        action: utter_done
""", "reserved-id"),
    "translation that is not a name": ("""\
flows:
  f:
    description: d
    translation:
      ar: طلب  # <-
    steps:
      - action: utter_done
""", "bad-value"),
    "Jinja response that does not parse": ("""\
responses:
  utter_later:
    - text: "Bye {{ context.name "  # <-
      metadata: {template: jinja}
""", "bad-response"),
    "unknown response template kind": ("""\
responses:
  utter_later:
    - text: "Bye"
      metadata: {template: mustache}  # <-
""", "bad-response"),
    "broken YAML": ("""\
flows:
  f:
    description: "d  # <-
    steps: []
""", "invalid-yaml"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_mistake_is_reported_where_it_is(tmp_path: Path, name: str) -> None:
    text, *codes = CASES[name]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "# <-" in row)
    problems = check(tmp_path, text, intents={"track_order"})
    errors = [p for p in problems.errors if p.where.startswith("flows.yml")]
    assert [p.code for p in errors] == codes, [str(p) for p in problems.items]
    assert errors[0].where.split(":")[1] == str(line), str(errors[0])


def test_the_condition_error_points_at_the_column(tmp_path: Path) -> None:
    text = CASES["condition syntax error"][0]
    problems = check(tmp_path, text)
    (error,) = problems.errors
    column = text.splitlines()[6].index("=>") + 1
    assert error.where == f"flows.yml:7:{column}"
    assert "=>" in error.message


def test_all_problems_come_at_once(tmp_path: Path) -> None:
    text = CASES["unknown slot in collect"][0] + """\
  g:
    description: d
    steps:
      - action: action_refund
      - link: nowhere
"""
    codes = sorted(p.code for p in check(tmp_path, text).errors)
    assert codes == ["unknown-action", "unknown-flow", "unknown-slot"]


def test_messages_name_the_bad_value_and_what_is_known(tmp_path: Path) -> None:
    (error,) = check(tmp_path, CASES["unknown slot in collect"][0]).errors
    assert "'order_number'" in error.message and "did you mean 'order_id'?" in error.message
    assert "known: amount, confirm, note, order_id" in error.message


def test_a_response_missing_in_a_configured_language_is_a_warning(tmp_path: Path) -> None:
    problems = check(tmp_path, GOOD, intents={"track_order"}, languages=("en", "ar"))
    assert problems.errors == []
    assert {p.code for p in problems.warnings} == {"missing-language"}
    assert any("utter_ask_order_id" in p.message and "ar" in p.message for p in problems.warnings)


def test_default_step_ids_follow_rasa(tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (tmp_path / "flows.yml").write_text(GOOD, encoding="utf-8")
    flow = load_flows([tmp_path], languages=["en"]).definition.flows["track_order"]
    assert list(flow.steps) == [
        "track_order_0_collect_order_id", "track_order_1_action_check_order", "track_order_2_utter_done", "ask_amount",
    ]
    assert flow.first == "track_order_0_collect_order_id"
    assert flow.steps["track_order_0_collect_order_id"].next == "track_order_1_action_check_order"
    assert flow.steps["ask_amount"].next == "END"


def test_rasa_jinja_written_without_the_jinja_metadata_is_a_warning(tmp_path: Path) -> None:
    text = """\
responses:
  utter_later:
    - text: "Bye {{ context.name }}"
"""
    problems = check(tmp_path, text)
    (warning,) = [p for p in problems.warnings if p.code == "literal-braces"]
    assert "{{ context.name }}" in warning.message and "metadata: {template: jinja}" in warning.message
    assert warning.where.startswith("flows.yml:3")


def test_a_translation_into_an_unconfigured_language_is_a_warning(tmp_path: Path) -> None:
    text = """\
flows:
  f:
    description: d
    translation:
      de: {name: Bestellung}
    steps:
      - action: utter_done
"""
    problems = check(tmp_path, text, languages=("en", "ar"))
    assert problems.errors == []
    assert any(p.code == "unknown-language" and "'de'" in p.message for p in problems.warnings)


def test_a_hyphenated_flow_id_loads_with_a_warning(tmp_path: Path) -> None:
    text = """\
flows:
  track-order:
    description: d
    steps:
      - action: utter_done
"""
    problems = check(tmp_path, text)
    assert problems.errors == []
    (warning,) = [p for p in problems.warnings if p.code == "hyphenated-flow-id"]
    assert warning.where.startswith("flows.yml:2")
