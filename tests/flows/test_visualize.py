"""Flow diagrams: well-formed SVG with a box per step, loops as back edges, escaped and RTL text,
boxes that never overlap, an HTML page with every flow, PNGs, and helpful errors."""

from __future__ import annotations

import html.parser
import itertools
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.errors import DataError
from bot.flows.layout import Box, Layout, Route, TextLine, text_size, text_width, wrap
from bot.flows.loader import load_flows
from bot.flows.model import END, START, FlowsDefinition
from bot.flows.visualize import flow_layout, flow_svg, flows_html, write_diagrams

SVG = "{http://www.w3.org/2000/svg}"

FLOWS = """\
flows:
  refund_order:
    name: refund an order
    description: money back for a broken order
    nlu_trigger:
      - intent:
          name: refund
          confidence_threshold: 0.7
    steps:
      - collect: order_id
      - action: action_check_order
        next:
          - if: slots.order_status = "shipped"
            then:
              - action: utter_wait
                next: END
          - else: ask_amount
      - id: ask_amount
        collect: amount
      - action: action_check_funds
        next:
          - if: not slots.has_funds and slots.attempts < 3
            then:
              - action: utter_too_high
              - set_slots:
                  - amount: null
                next: ask_amount
          - if: not slots.has_funds
            then: handoff
          - else: confirm_refund
      - id: confirm_refund
        collect: confirm
        next:
          - if: slots.confirm
            then:
              - action: action_issue_refund
                next: END
          - else:
              - call: collect_contact
                next: END
      - id: handoff
        link: human_handoff
  human_handoff:
    name: talk to a human
    description: تحويل المحادثة إلى موظف
    if: false
    steps:
      - noop: true
        next:
          - if: "'الرياض' = slots.city"
            then:
              - action: action_route_riyadh
                next: END
          - if: slots.note = "<a & b>"
            then: END
          - else: END
  collect_contact:
    description: ask for contact <details> & confirm
    if: false
    steps:
      - collect: city
  pattern_cancel_flow:
    description: cancel the current flow
    steps:
      - action: utter_flow_cancelled_rasa
"""


def load(tmp_path: Path, text: str = FLOWS) -> FlowsDefinition:
    (tmp_path / "flows.yml").write_text(text, encoding="utf-8")
    loaded = load_flows([tmp_path], languages=["en"], root=tmp_path)
    assert loaded.problems.errors == [], loaded.problems.errors
    return loaded.definition


@pytest.fixture
def definition(tmp_path: Path) -> FlowsDefinition:
    return load(tmp_path)


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def test_the_svg_is_well_formed_with_a_box_per_step_and_the_conditions_on_the_edges(definition: FlowsDefinition) -> None:
    flow = definition.flows["refund_order"]
    root = ET.fromstring(flow_svg(flow))
    assert root.tag == f"{SVG}svg"
    boxes = {g.get("data-step"): g for g in root.iter(f"{SVG}g") if g.get("data-step") is not None}
    assert set(boxes) == {START, END, *flow.steps}
    assert texts(boxes["ask_amount"]) == ["id: ask_amount", "ask amount", "utter_ask_amount"]
    assert "link → human_handoff" in texts(boxes["handoff"]) and "call → collect_contact" in " ".join(texts(root))
    set_slots = next(g for g in boxes.values() if "set_slots" in (g.get("class") or ""))
    assert texts(set_slots) == ["set slots", "amount = null"]
    labels = " ".join(" ".join(texts(g)) for g in root.iter(f"{SVG}g") if g.get("data-source"))
    for expected in ('slots.order_status = "shipped"', "not slots.has_funds", "slots.confirm", "else"):
        assert expected in labels


def test_a_loop_is_drawn_as_a_back_edge_into_the_right_side_of_its_target(definition: FlowsDefinition) -> None:
    flow = definition.flows["refund_order"]
    root = ET.fromstring(flow_svg(flow))
    back = [(g.get("data-source"), g.get("data-target")) for g in root.iter(f"{SVG}g") if g.get("class") == "edge back"]
    loop_start = next(s.id for s in flow.steps.values() if s.id.endswith("_set_slots"))
    assert back == [(loop_start, "ask_amount")]
    lay = flow_layout(flow)
    route = next(r for r in lay.routes if r.back)
    target = box(lay, "ask_amount")
    assert route.arrow[0] == pytest.approx((target.bounds()[2], route.arrow[0][1]))  # the tip touches the right side
    assert all(not r.back for r in lay.routes if r is not route)


def test_a_step_that_goes_to_itself_is_a_loop_too(tmp_path: Path) -> None:
    definition = load(tmp_path, "flows:\n  spin:\n    description: d\n    steps:\n      - id: again\n        action: utter_again\n        next: again\n")
    lay = flow_layout(definition.flows["spin"])
    (loop,) = [r for r in lay.routes if r.back]
    assert loop.edge.source == loop.edge.target == "again"
    assert_nothing_overlaps(lay)


def test_text_is_escaped(definition: FlowsDefinition) -> None:
    svg = flow_svg(definition.flows["human_handoff"])
    assert "&lt;a &amp; b&gt;" in svg and "<a & b>" not in svg
    assert 'slots.note = "<a & b>"' in texts(ET.fromstring(svg))


def test_arabic_survives_and_reads_right_to_left(definition: FlowsDefinition) -> None:
    root = ET.fromstring(flow_svg(definition.flows["human_handoff"]))
    arabic = [t for t in root.iter(f"{SVG}text") if "الرياض" in (t.text or "")]
    assert [t.text for t in arabic] == ["'الرياض' = slots.city"]
    assert arabic[0].get("direction") == "rtl" and arabic[0].get("unicode-bidi") == "embed"
    assert all(t.get("direction") is None for t in root.iter(f"{SVG}text") if t not in arabic)
    assert TextLine("الرياض").rtl and not TextLine("city = الرياض").rtl


def test_long_names_are_wrapped_and_ellipsized() -> None:
    lines = wrap("ask " + "transfer_money_amount_of_money_" * 6, width=200, lines=2)
    assert len(lines) == 2 and lines[-1].text.endswith("…")
    assert all(text_width(line.text, line.size) <= 200 for line in lines)
    assert lines[0].text.startswith("ask transfer_money_")  # broken after an underscore, not inside a word
    assert wrap("short") == (TextLine("short"),)


def box(lay: Layout, step_id: str) -> Box:
    return next(b for b in lay.boxes if b.node.id == step_id)


def points(route: Route, steps: int = 12) -> list[tuple[float, float]]:
    """Points along a route's Bézier curves."""
    out, (x0, y0) = [], route.start
    for (x1, y1), (x2, y2), (x3, y3) in route.curves:
        for i in range(1, steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
        x0, y0 = x3, y3
    return out


def assert_nothing_overlaps(lay: Layout) -> None:
    for a, b in itertools.combinations(lay.boxes, 2):
        (al, at, ar, ab), (bl, bt, br, bb) = a.bounds(), b.bounds()
        assert ar <= bl or br <= al or ab <= bt or bb <= at, f"{a.node.id} overlaps {b.node.id}"
    for b in lay.boxes:
        left, top, right, bottom = b.bounds()
        assert 0 <= left and right <= lay.width and 0 <= top and bottom <= lay.height
    labels = []
    for route in lay.routes:
        if route.edge.label:
            (w, h), (x, y) = text_size(route.edge.label), route.label_at
            labels.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    for a, b in itertools.combinations(labels + [b.bounds() for b in lay.boxes], 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], f"a label overlaps something: {a} {b}"
    for route in lay.routes:
        ends = {route.edge.source, route.edge.target}
        for x, y in points(route):
            for b in lay.boxes:
                left, top, right, bottom = b.bounds()
                inside = left + 1 < x < right - 1 and top + 1 < y < bottom - 1
                assert b.node.id in ends or not inside, f"the edge {route.edge} crosses {b.node.id} at {x:.0f},{y:.0f}"


def test_boxes_never_overlap_and_edges_never_cross_boxes(definition: FlowsDefinition) -> None:
    for flow in definition.flows.values():
        assert_nothing_overlaps(flow_layout(flow))


def test_forward_edges_go_down_from_start_to_end(definition: FlowsDefinition) -> None:
    lay = flow_layout(definition.flows["refund_order"])
    for route in lay.routes:
        if not route.back:
            assert box(lay, route.edge.target).bounds()[1] > box(lay, route.edge.source).bounds()[3], route.edge
    end = box(lay, END)
    assert all(end.y > b.y for b in lay.boxes if b is not end)


class _Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = dict(attrs)
        self.ids += [found["id"] or ""] if "id" in found else []
        self.links += [found["href"] or ""] if "href" in found else []


def test_the_page_has_every_flow_once_and_needs_no_network(definition: FlowsDefinition) -> None:
    page = flows_html(definition, title="Shop <bot>")
    parser = _Anchors()
    parser.feed(page)
    assert parser.ids == ["flow-refund_order", "flow-human_handoff", "flow-collect_contact"]  # patterns are left out
    assert set(parser.links) == {f"#{i}" for i in parser.ids}
    assert not {"script", "link", "img", "iframe"} & parser.tags and "<title>Shop &lt;bot&gt;</title>" in page
    assert page.count("<svg ") == 3 and "money back for a broken order" in page and "تحويل المحادثة إلى موظف" in page
    assert "<code>refund</code> ≥ 0.7" in page and "ask for contact &lt;details&gt; &amp; confirm" in page
    assert 'linked from <a href="#flow-refund_order"><code>refund_order</code></a>' in page
    assert 'called from <a href="#flow-refund_order"><code>refund_order</code></a>' in page
    assert "Started only by a link or call" in page
    assert "flow-pattern_cancel_flow" in flows_html(definition, title="t", flows=["pattern_cancel_flow"])


def test_write_diagrams_writes_the_page_and_an_svg_per_flow_but_no_patterns(definition: FlowsDefinition, tmp_path: Path) -> None:
    out = tmp_path / "diagrams"
    written = write_diagrams(definition, out)
    assert [p.name for p in written] == ["index.html", "refund_order.svg", "human_handoff.svg", "collect_contact.svg"]
    for path in written[1:]:
        ET.fromstring(path.read_text(encoding="utf-8"))
    assert [p.name for p in write_diagrams(definition, out, formats=["svg"], flows=["pattern_cancel_flow"])] == ["pattern_cancel_flow.svg"]


def test_png_files_are_pngs(definition: FlowsDefinition, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="PNG diagrams need matplotlib (a dev extra)")
    written = write_diagrams(definition, tmp_path, formats=["png"], flows=["refund_order", "human_handoff"])
    assert [p.name for p in written] == ["refund_order.png", "human_handoff.png"]
    for path in written:
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_png_without_matplotlib_says_how_to_install_it(definition: FlowsDefinition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(DataError, match="pip install matplotlib"):
        write_diagrams(definition, tmp_path / "out", formats=["svg", "png"])
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_an_unknown_flow_id_lists_the_known_ones(definition: FlowsDefinition, tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        write_diagrams(definition, tmp_path, flows=["refund_ordr", "nope"])
    message = str(caught.value)
    assert "unknown flows 'refund_ordr', 'nope'" in message and "did you mean 'refund_order'" in message
    assert "known: collect_contact, human_handoff, pattern_cancel_flow, refund_order" in message


def test_an_unknown_format_lists_the_known_ones(definition: FlowsDefinition, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown diagram format 'pdf'; known: html, svg, png"):
        write_diagrams(definition, tmp_path, formats=["pdf"])
