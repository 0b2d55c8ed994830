"""Flows as diagrams: an SVG per flow, one self-contained HTML page for many, PNGs through matplotlib.

A diagram reads top to bottom from START to END: one box per step, shaped and coloured by its
kind, arrows along ``next`` labelled with their branch's condition (``else`` for the else), loops
as dashed arrows on the right. ``bot.flows.layout`` decides where everything goes; this module
decides what each box says and how each kind looks, and paints the layout as SVG or PNG.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import DataError
from bot.flows.layout import (
    Box,
    Edge,
    Layout,
    Node,
    Point,
    TextLine,
    layout,
    text_rows,
    wrap,
)
from bot.flows.model import (
    END,
    START,
    ActionStep,
    CallStep,
    CollectStep,
    Flow,
    FlowsDefinition,
    LinkStep,
    SetSlotsStep,
    Step,
)
from bot.flows.problems import known
from bot.rtl import for_matplotlib

FORMATS = ("html", "svg", "png")
FONT = "DejaVu Sans, Verdana, sans-serif"
EDGE_INK, BACK_INK, LABEL_INK = "#64748b", "#c2410c", "#334155"
ROLE_INK = {"detail": "#475569", "id": "#64748b"}
Outline = list[tuple[str, tuple[Point, ...]]]  # path commands: M, L, C (two controls and an end), Z


@dataclass(frozen=True, slots=True)
class Style:
    """How a kind of box looks."""

    shape: str  # pill, rounded, rect, hexagon, subroutine, diamond
    fill: str
    stroke: str
    ink: str = "#0f172a"
    dashed: bool = False


STYLES = {
    "start": Style("pill", "#1e293b", "#1e293b", "#ffffff"),
    "end": Style("pill", "#1e293b", "#1e293b", "#ffffff"),
    "collect": Style("rounded", "#dbeafe", "#2563eb"),
    "action": Style("rect", "#dcfce7", "#16a34a"),
    "set_slots": Style("rect", "#fef3c7", "#d97706"),
    "link": Style("hexagon", "#ede9fe", "#7c3aed"),
    "call": Style("subroutine", "#fae8ff", "#a21caf"),
    "noop": Style("diamond", "#f1f5f9", "#64748b"),
    "missing": Style("rect", "#fee2e2", "#dc2626", dashed=True),
}


def flow_layout(flow: Flow) -> Layout:
    """Where each box and arrow of ``flow``'s diagram goes."""
    nodes = [Node(START, "start", (TextLine("START"),)), *(_node(step) for step in flow.steps.values())]
    edges = [Edge(START, flow.first)]
    for step in flow.steps.values():
        if isinstance(step.next, str):
            edges.append(Edge(step.id, step.next))
            continue
        for branch in step.next:
            condition = branch.condition.source if branch.condition is not None else "else"
            edges.append(Edge(step.id, branch.target, wrap(condition, role="label", width=190, lines=3)))
    missing = dict.fromkeys(e.target for e in edges if e.target not in (*flow.steps, START, END))
    nodes += [Node(target, "missing", (TextLine("missing step", "detail"), *wrap(target))) for target in missing]
    return layout([*nodes, Node(END, "end", (TextLine("END"),))], edges, root=START, last=END)


def _node(step: Step) -> Node:
    lines = (TextLine(f"id: {step.id}", "id"),) if step.explicit_id else ()
    if isinstance(step, CollectStep):
        count = len(step.rejections)
        rejections = (TextLine(f"{count} rejection{'s' if count > 1 else ''}", "detail"),) if count else ()
        return Node(step.id, "collect", lines + wrap(f"ask {step.collect}") + wrap(step.utter, role="detail") + rejections)
    if isinstance(step, ActionStep):
        return Node(step.id, "action", lines + wrap(step.action))
    if isinstance(step, SetSlotsStep):
        pairs = [line for slot, value in step.slots[:4] for line in wrap(f"{slot} = {_value(value)}", role="detail")]
        more = (TextLine(f"… {len(step.slots) - 4} more", "detail"),) if len(step.slots) > 4 else ()
        return Node(step.id, "set_slots", (*lines, TextLine("set slots"), *pairs, *more))
    if isinstance(step, LinkStep | CallStep):
        kind, target = ("link", step.link) if isinstance(step, LinkStep) else ("call", step.call)
        return Node(step.id, kind, lines + wrap(f"{kind} → {target}"))
    return Node(step.id, "noop", (*lines, TextLine("noop")), stretch=1.7, spread=False)


def _value(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def flow_svg(flow: Flow) -> str:
    """One flow as a standalone SVG diagram, drawn top to bottom."""
    return _svg(flow_layout(flow), _title(flow))


def _title(flow: Flow) -> str:
    return f"{flow.id}: {flow.name}" if flow.name and flow.name != flow.id else flow.id


def _svg(lay: Layout, title: str) -> str:
    w, h = math.ceil(lay.width), math.ceil(lay.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" role="img">',
        f"<title>{_esc(title)}</title>",
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    for route in lay.routes:
        ink = BACK_INK if route.back else EDGE_INK
        d = f"M{_xy(route.start)} " + " ".join("C" + " ".join(map(_xy, curve)) for curve in route.curves)
        out.append(f'<g class="edge{" back" if route.back else ""}" data-source="{_esc(route.edge.source)}" data-target="{_esc(route.edge.target)}">')
        dash = ' stroke-dasharray="5 3"' if route.back else ""
        out.append(f'<path d="{d}" fill="none" stroke="{ink}" stroke-width="1.4"{dash}/>')
        out.append(f'<polygon points="{" ".join(map(_xy, route.arrow))}" fill="{ink}"/>')
        out.extend(_svg_text(line, route.label_at[0], y, BACK_INK if route.back else LABEL_INK) for line, y in text_rows(route.edge.label, route.label_at[1]))
        out.append("</g>")
    for box in lay.boxes:
        style = STYLES[box.node.kind]
        d = " ".join(op + " ".join(map(_xy, points)) for op, points in _outline(box, style.shape))
        dash = ' stroke-dasharray="4 3"' if style.dashed else ""
        out.append(f'<g class="node {box.node.kind}" data-step="{_esc(box.node.id)}"><title>{_esc(box.node.id)}</title>')
        out.append(f'<path d="{d}" fill="{style.fill}" stroke="{style.stroke}" stroke-width="1.3"{dash}/>')
        out.extend(_svg_text(line, box.x, y, ROLE_INK.get(line.role, style.ink)) for line, y in text_rows(box.node.lines, box.y))
        out.append("</g>")
    return "\n".join([*out, "</svg>"])


def _svg_text(line: TextLine, x: float, y: float, ink: str) -> str:
    rtl = ' direction="rtl" unicode-bidi="embed"' if line.rtl else ""  # a browser shapes and orders it
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{line.size}" fill="{ink}"{rtl}>{_esc(line.text)}</text>'


def _outline(box: Box, shape: str) -> Outline:
    left, top, right, bottom = box.bounds()
    if shape in ("hexagon", "diamond"):
        d = min(12.0, box.height / 2) if shape == "hexagon" else box.width / 2
        corners = [(left + d, top), (right - d, top), (right, box.y), (right - d, bottom), (left + d, bottom), (left, box.y)]
        return [("M", (corners[0],)), *(("L", (p,)) for p in corners[1:]), ("Z", ())]
    r = {"pill": box.height / 2, "rounded": 10.0}.get(shape, 2.0)
    q = r * 0.4477  # where a cubic's control points sit for a quarter circle
    ops: Outline = [
        ("M", ((left + r, top),)), ("L", ((right - r, top),)), ("C", ((right - q, top), (right, top + q), (right, top + r))),
        ("L", ((right, bottom - r),)), ("C", ((right, bottom - q), (right - q, bottom), (right - r, bottom))),
        ("L", ((left + r, bottom),)), ("C", ((left + q, bottom), (left, bottom - q), (left, bottom - r))),
        ("L", ((left, top + r),)), ("C", ((left, top + q), (left + q, top), (left + r, top))), ("Z", ()),
    ]
    if shape == "subroutine":  # the flowchart sign for "runs another procedure"
        ops += [("M", ((left + 6, top),)), ("L", ((left + 6, bottom),)), ("M", ((right - 6, top),)), ("L", ((right - 6, bottom),))]
    return ops


def _xy(point: Point) -> str:
    return f"{point[0]:.1f} {point[1]:.1f}"


def _esc(text: str) -> str:
    """Text as XML/HTML content or attribute value (characters XML forbids are dropped)."""
    return html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text), quote=True)


def select_flows(definition: FlowsDefinition, flows: Sequence[str] | None = None) -> list[Flow]:
    """The flows named, or all but the patterns (``pattern_*``); unknown ids raise ``DataError`` listing the known ones."""
    if flows is None:
        return [flow for flow in definition.flows.values() if not flow.is_pattern]
    unknown = [flow_id for flow_id in dict.fromkeys(flows) if flow_id not in definition.flows]
    if unknown:
        names = ", ".join(map(repr, unknown))
        raise DataError(f"unknown flow{'s' if len(unknown) > 1 else ''} {names}{known(definition.flows, unknown[0], limit=len(definition.flows))}")
    return [definition.flows[flow_id] for flow_id in dict.fromkeys(flows)]


def flows_html(definition: FlowsDefinition, *, title: str, flows: Sequence[str] | None = None) -> str:
    """One self-contained page (inline CSS and SVG, no scripts, no network): a table of contents, then each flow."""
    chosen = select_flows(definition, flows)
    shown = {flow.id for flow in chosen}
    started_by: dict[str, list[str]] = defaultdict(list)
    for flow in definition.flows.values():
        for step in flow.steps.values():
            if isinstance(step, LinkStep | CallStep):
                target, how = (step.link, "linked from") if isinstance(step, LinkStep) else (step.call, "called from")
                started_by[target].append(f"{how} {_ref(flow.id, shown)}")
    rows, sections = [], []
    for flow in chosen:
        triggers = [f"<code>{_esc(t.intent)}</code>" + (f" ≥ {t.confidence_threshold:g}" if t.confidence_threshold else "") for t in flow.nlu_triggers]
        if flow.guard is not None:
            triggers.append(f"if <code>{_esc(flow.guard.source)}</code>")
        notes = list(dict.fromkeys(started_by[flow.id]))
        note = ("Started only by a link or call. " if flow.link_or_call_only else "") + (f"Also {'; '.join(notes)}." if notes else "")
        rows.append(
            f'<tr><td><a href="#flow-{_esc(flow.id)}"><code>{_esc(flow.id)}</code></a></td><td dir="auto">{_esc(flow.name)}</td>'
            f'<td dir="auto">{_esc(flow.description)}</td><td>{", ".join(triggers)}</td><td>{note}</td></tr>'
        )
        sections.append(
            f'<section id="flow-{_esc(flow.id)}"><h2><code>{_esc(flow.id)}</code> <span dir="auto">{_esc(flow.name)}</span></h2>'
            f'<p dir="auto">{_esc(flow.description)}</p>' + (f'<p class="note">{note}</p>' if note else "")
            + f'<div class="diagram">{flow_svg(flow)}</div></section>'
        )
    legend = "".join(
        f'<span><i class="swatch" style="background:{s.fill};border-color:{s.stroke}"></i>{kind.replace("_", " ")}</span>'
        for kind, s in STYLES.items() if kind not in ("start", "end", "missing")
    ) + f'<span><i class="swatch" style="background:{BACK_INK};border-color:{BACK_INK}"></i>loop (dashed)</span>'
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title><style>{CSS}</style></head>\n'
        f"<body><h1>{_esc(title)}</h1><p>{len(chosen)} flow{'s' if len(chosen) != 1 else ''}</p><p class=\"legend\">{legend}</p>\n"
        "<table><thead><tr><th>Flow</th><th>Name</th><th>Description</th><th>Triggers</th><th>Notes</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def _ref(flow_id: str, shown: set[str]) -> str:
    code = f"<code>{_esc(flow_id)}</code>"
    return f'<a href="#flow-{_esc(flow_id)}">{code}</a>' if flow_id in shown else code


CSS = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#0f172a}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e2e8f0;padding:.4rem .6rem;text-align:start;vertical-align:top}"
    "section{margin-top:2.5rem;border-top:2px solid #e2e8f0;padding-top:.5rem}"
    ".diagram{overflow-x:auto;border:1px solid #e2e8f0;border-radius:8px;padding:.5rem}.diagram svg{display:block}"
    ".note{background:#f5f3ff;border-left:4px solid #7c3aed;padding:.4rem .8rem}"
    ".legend span{margin-right:1.2rem;white-space:nowrap}"
    ".swatch{display:inline-block;width:.9em;height:.9em;border:1.5px solid;vertical-align:-.1em;margin-right:.35em}"
)


def write_diagrams(
    definition: FlowsDefinition, out_dir: Path, *, formats: Sequence[str] = ("html", "svg"), flows: Sequence[str] | None = None, title: str = "Flows",
) -> list[Path]:
    """Write ``index.html`` and ``<flow_id>.svg`` / ``.png`` per flow into ``out_dir``; return the files written."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise DataError(f"unknown diagram format{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))}; known: {', '.join(FORMATS)}")
    chosen = select_flows(definition, flows)
    if "png" in formats:
        _require_matplotlib()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "html" in formats:
        written.append(out_dir / "index.html")
        written[-1].write_text(flows_html(definition, title=title, flows=[f.id for f in chosen]), encoding="utf-8")
    for flow in chosen:
        lay = flow_layout(flow)
        if "svg" in formats:
            written.append(out_dir / f"{flow.id}.svg")
            written[-1].write_text(_svg(lay, _title(flow)) + "\n", encoding="utf-8")
        if "png" in formats:
            written.append(out_dir / f"{flow.id}.png")
            _png(lay, written[-1])
    return written


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise DataError("PNG diagrams need matplotlib, which is not installed: pip install matplotlib (or pip install -e '.[dev]')") from exc


def _png(lay: Layout, path: Path, *, scale: float = 2.0) -> None:
    """Paint ``lay`` with matplotlib (1 px of the layout is 0.72 pt at 100 dpi)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch, Polygon
    from matplotlib.path import Path as MplPath

    pt = 0.72
    fig = Figure(figsize=(lay.width / 100, lay.height / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)
    ax.set_axis_off()

    def text(line: TextLine, x: float, y: float, ink: str) -> None:
        ax.text(x, y, for_matplotlib(line.text), ha="center", va="baseline", fontsize=line.size * pt, color=ink, family="DejaVu Sans")

    for route in lay.routes:
        ink = BACK_INK if route.back else EDGE_INK
        curve = MplPath([route.start, *(p for c in route.curves for p in c)], [MplPath.MOVETO] + [MplPath.CURVE4] * 3 * len(route.curves))
        ax.add_patch(PathPatch(curve, fill=False, edgecolor=ink, linewidth=1.4 * pt, linestyle=(0, (5, 3)) if route.back else "-"))
        ax.add_patch(Polygon(route.arrow, closed=True, facecolor=ink, edgecolor="none"))
        for line, y in text_rows(route.edge.label, route.label_at[1]):
            text(line, route.label_at[0], y, BACK_INK if route.back else LABEL_INK)
    for box in lay.boxes:
        style = STYLES[box.node.kind]
        verts: list[Point] = []
        codes: list[int] = []
        for op, points in _outline(box, style.shape):
            code = int({"M": MplPath.MOVETO, "L": MplPath.LINETO, "C": MplPath.CURVE4, "Z": MplPath.CLOSEPOLY}[op])
            verts += points or [verts[-1]]
            codes += [code] * max(len(points), 1)
        ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=style.fill, edgecolor=style.stroke, linewidth=1.3 * pt,
                               linestyle=(0, (4, 3)) if style.dashed else "-"))
        for line, y in text_rows(box.node.lines, box.y):
            text(line, box.x, y, ROLE_INK.get(line.role, style.ink))
    fig.savefig(path, format="png", dpi=100 * scale, facecolor="white")
