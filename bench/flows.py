"""Flows benchmark: what the dialogue costs per turn, without any NLU model.

    python bench/flows.py [--conversations 2000] [--out DIR] [--json-only]

The acceptance point: executing a 10-step flow costs <= 0.5 ms median per turn. The script writes
its own flows into a temporary folder and plays scripted conversations through
``Processor.turn`` (no store) with ``CommandUnderstanding``: ``/intent`` payloads start flows,
answers are plain text (the flows engine reads them as the asked slot's type) or
``/SetSlots(...)`` buttons. No model parses anything, so this measures dialogue only. Scenarios:

- ``order_10_steps``: a 10-step flow over 9 turns (7 collects, one answer rejected, set_slots,
  an utter and a branch), from the conversation's first message (session start included);
- ``actions_10_steps``: a 10-step flow of responses only, all run in one turn;
- ``digression``: the order, interrupted by another flow, then resumed.

Each turn's reply is checked against the response the flow must say. Per scenario, over every
measured turn of every conversation (after a warm-up of 10 %): p50/p90/p99 (nearest rank) of
``FlowEngine.decide`` alone and of the whole ``Processor.turn``, and events per turn. One JSON
line per scenario goes to stdout, then the table (not with ``--json-only``); the lines are appended
to ``DIR/flows.jsonl`` and ``DIR/flows.md`` is rewritten with this run's table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from machine import code_version, machine_info, now

from bot.core.conversation import Conversation
from bot.core.events import Parse
from bot.core.messages import InboundMessage, Text
from bot.dialogue.base import Decision
from bot.flows.defaults import load_project
from bot.flows.executor import FlowEngine
from bot.nlu.commands import CommandUnderstanding
from bot.processor import Processor
from bot.state.base import InboxEntry

TARGET_P50_MS = 0.5
CLOCK = 1_750_000_000.0  # a fixed "now", so "tomorrow" is always the same date
ACTIONS = "\n".join(f"      - action: utter_a{i}" for i in range(1, 11))
FLOWS_YML = f"""version: "3.1"
flows:
  place_order:
    name: placing an order
    description: Order a product with quantity, size, address, date and phone, then confirm.
    nlu_trigger: [{{intent: place_order}}]
    steps:
      - collect: product
      - collect: quantity
        rejections:
          - if: slots.quantity > 10
            utter: utter_too_many
      - collect: size
      - collect: address
      - collect: delivery_date
      - collect: phone
      - collect: confirm
        next:
          - if: slots.confirm
            then: placed
          - else: END
      - id: placed
        set_slots:
          - order_status: placed
      - action: utter_order_placed
        next:
          - if: slots.quantity > 1
            then: free_delivery
          - else: END
      - id: free_delivery
        action: utter_free_delivery
  run_actions:
    name: running actions
    description: Ten responses in a row, no question.
    nlu_trigger: [{{intent: run_actions}}]
    steps:
{ACTIONS}
  opening_hours:
    name: the opening hours
    description: Say when the shop is open.
    nlu_trigger: [{{intent: opening_hours}}]
    steps:
      - action: utter_opening_hours
slots:
  product: {{type: product, mappings: [{{type: from_text}}]}}
  quantity: {{type: float, mappings: [{{type: from_text}}]}}
  size: {{type: categorical, values: [small, medium, large], mappings: [{{type: from_text}}]}}
  address: {{type: text, mappings: [{{type: from_text}}]}}
  delivery_date: {{type: date, mappings: [{{type: from_text}}]}}
  phone: {{type: phone, mappings: [{{type: from_text}}]}}
  confirm: {{type: bool, mappings: [{{type: from_text}}]}}
  order_status: {{type: text, mappings: [{{type: controlled}}]}}
responses:
  utter_ask_product: [{{text: "Which product?"}}]
  utter_ask_quantity: [{{text: "How many {{product}}?"}}]
  utter_too_many: [{{text: "At most 10, please."}}]
  utter_ask_size:
    - text: "Which size?"
      buttons: [{{title: Small, payload: "/SetSlots(size=small)"}}, {{title: Large, payload: "/SetSlots(size=large)"}}]
  utter_ask_address: [{{text: "Where to?"}}]
  utter_ask_delivery_date: [{{text: "Which day?"}}]
  utter_ask_phone: [{{text: "Your phone number?"}}]
  utter_ask_confirm: [{{text: "{{quantity}} {{size}} {{product}} to {{address}} on {{delivery_date}}, phone {{phone}}. Confirm?"}}]
  utter_order_placed: [{{text: "Order {{order_status}}."}}]
  utter_free_delivery: [{{text: "Delivery is free for {{quantity}} items."}}]
  utter_opening_hours: [{{text: "We open 9 to 5."}}]
""" + "".join(f'  utter_a{i}: [{{text: "Step {i} for {{product}}."}}]\n' for i in range(1, 11))


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scripted conversation: unmeasured setup turns, then (message, response it must get)."""

    name: str
    setup: tuple[str, ...]
    turns: tuple[tuple[str, str], ...]


ORDER = (("/place_order", "utter_ask_product"), ("Margherita pizza", "utter_ask_quantity"),
         ("20", "utter_too_many"), ("2", "utter_ask_size"), ("large", "utter_ask_address"),
         ("12 Nile Street, Cairo", "utter_ask_delivery_date"), ("tomorrow", "utter_ask_phone"),
         ("+20 100 123 4567", "utter_ask_confirm"), ("yes", "utter_free_delivery"))
SCENARIOS = (
    Scenario("order_10_steps", (), ORDER),
    Scenario("actions_10_steps", ("/greet",), (("/run_actions", "utter_a10"),)),
    Scenario("digression", (), (*ORDER[:2], ("/opening_hours", "utter_ask_continue_interrupted"),
                                ("yes", "utter_ask_quantity"), ORDER[3], ("/SetSlots(size=small)", "utter_ask_address"),
                                *ORDER[5:])),
)


class TimedEngine:
    """The flows engine, timing each ``decide`` call (a ``DialogueManager``)."""

    def __init__(self, engine: FlowEngine) -> None:
        self.engine = engine
        self.last_ns = 0

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        """The engine's decision; its duration is in ``last_ns``."""
        start = time.perf_counter_ns()
        decision = await self.engine.decide(conversation, message, parse)
        self.last_ns = time.perf_counter_ns() - start
        return decision


def build(folder: Path) -> tuple[Processor, TimedEngine]:
    """The processor and timed engine of the benchmark's flows, written into ``folder``."""
    (folder / "bench.yml").write_text(FLOWS_YML, encoding="utf-8")
    loaded = load_project([folder], languages=["en"], default_language="en")
    loaded.problems.raise_if_errors()
    engine = TimedEngine(FlowEngine(loaded.definition, loaded.responses, default_language="en"))
    processor = Processor(None, CommandUnderstanding(["en"]), engine, languages=["en"],  # type: ignore[arg-type]
                          default_language="en")
    return processor, engine


async def converse(processor: Processor, engine: TimedEngine, scenario: Scenario, index: int) -> list[tuple[int, int, int]]:
    """Play one conversation; (decide ns, turn ns, events) of each measured turn."""
    conversation_id = f"{scenario.name}-{index}"
    conversation = Conversation(conversation_id=conversation_id)
    script = [(text, None) for text in scenario.setup] + list(scenario.turns)
    samples: list[tuple[int, int, int]] = []
    for n, (text, expected) in enumerate(script):
        message = InboundMessage(message_id=f"{conversation_id}-{n}", conversation_id=conversation_id, channel="bench",
                                 content=Text(body=text), received_at=CLOCK + n)
        start = time.perf_counter_ns()
        events, outbound = await processor.turn(conversation, InboxEntry(entry_id=message.message_id, message=message))
        elapsed = time.perf_counter_ns() - start
        conversation = conversation.apply_all(events)  # the store's job, outside the clock
        if expected is None:
            continue
        said = [m.response for m in outbound]
        if expected not in said:
            sys.exit(f"{scenario.name}, turn {n} {text!r}: expected {expected}, the bot said {said}")
        samples.append((engine.last_ns, elapsed, len(events)))
    return samples


def percentiles(values_ns: list[int]) -> dict[str, float]:
    """p50, p90 and p99 in ms (nearest rank)."""
    ordered = sorted(values_ns)
    return {f"p{q}": round(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] / 1e6, 4) for q in (50, 90, 99)}


async def measure(processor: Processor, engine: TimedEngine, scenario: Scenario, conversations: int) -> dict[str, Any]:
    """Warm up, then play ``conversations`` conversations; the scenario's result line."""
    load = os.getloadavg()[0]  # other work on the machine shows in the tail first
    for index in range(max(1, conversations // 10)):
        await converse(processor, engine, scenario, -index - 1)
    samples: list[tuple[int, int, int]] = []
    by_turn: list[list[int]] = [[] for _ in scenario.turns]
    for index in range(conversations):
        played = await converse(processor, engine, scenario, index)
        samples += played
        for position, (decide_ns, _, _) in enumerate(played):
            by_turn[position].append(decide_ns)
    machine = machine_info()
    decide, turn = percentiles([s[0] for s in samples]), percentiles([s[1] for s in samples])
    return {
        "bench": "flows", "scenario": scenario.name, "conversations": conversations, "turns": len(samples),
        "turns_per_conversation": len(scenario.turns), "decide_ms": decide, "turn_ms": turn,
        "events_per_turn": round(statistics.fmean(s[2] for s in samples), 2),
        "decide_p50_ms_by_turn": [{"message": text, "p50": percentiles(times)["p50"]}
                                  for (text, _), times in zip(scenario.turns, by_turn, strict=True)],
        "target_p50_ms": TARGET_P50_MS, "meets_target": decide["p50"] <= TARGET_P50_MS and turn["p50"] <= TARGET_P50_MS,
        "measures": "dialogue only: CommandUnderstanding payloads, no NLU model, no store",
        "load_avg_1m": round(load, 2), "machine": machine, "code": code_version(), "python": machine["python"], "date": now(),
    }


def table(lines: list[dict[str, Any]]) -> str:
    """This run's Markdown table, with its machine and date."""
    header = ("| scenario | turns | decide ms p50/p90/p99 | turn ms p50/p90/p99 | events/turn | p50 <= 0.5 ms | load avg |\n"
              "|---|---:|---:|---:|---:|---|---:|\n")
    rows = "".join(
        f"| {line['scenario']} | {line['turns']} | {'/'.join(str(v) for v in line['decide_ms'].values())} | "
        f"{'/'.join(str(v) for v in line['turn_ms'].values())} | {line['events_per_turn']} | "
        f"{'yes' if line['meets_target'] else 'no'} | {line['load_avg_1m']} |\n"
        for line in lines
    )
    first = lines[0]
    return (f"# Flows benchmark, {first['date']}\n\nMachine: {json.dumps(first['machine'])}\n\n"
                   f"{first['measures']}; {first['conversations']} conversations per scenario.\n\n{header}{rows}")


def main() -> int:
    """Run every scenario, print and record the lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=2000, help="measured conversations per scenario (2000)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder of flows.jsonl and flows.md")
    parser.add_argument("--json-only", action="store_true", help="print the JSON lines only, not the table")
    args = parser.parse_args()
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    with tempfile.TemporaryDirectory() as folder:
        processor, engine = build(Path(folder))
        lines = [asyncio.run(measure(processor, engine, scenario, args.conversations)) for scenario in SCENARIOS]
    for line in lines:
        print(json.dumps(line, ensure_ascii=False), flush=True)
    if not args.json_only:
        print(table(lines))
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "flows.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    (args.out / "flows.md").write_text(table(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
