"""Where the text, boxes and arrows of a flow diagram go: a layered layout in pure Python, in pixels.

The SVG and PNG renderers of ``bot.flows.visualize`` paint the same ``Layout``. The recipe is
Sugiyama's, kept small:

1. a depth-first search from the root marks back edges (the loops of a flow);
2. longest-path layering over the forward edges (a back edge counts reversed); an edge with a
   label spans two layers so that its label gets a row of its own; ``last`` (END) goes last;
3. an edge longer than one layer runs through a chain of dummy nodes, so it never crosses a box;
4. barycenter sweeps order each layer; the order with the fewest crossings is kept;
5. x positions: per layer, the weighted least-squares fit to the neighbours that keeps boxes
   apart (pool adjacent violators), sweeping down and up;
6. edges run straight through layers and curve in the gaps between them; back edges leave and
   enter on the right of their boxes, one lane each, so loops stand out.

Text is measured with generous DejaVu Sans / Verdana metrics, so a box is never too small for it.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Curve = tuple[Point, Point, Point]  # the two control points and the end of a cubic Bézier
Near = dict[str, list[tuple[str, float]]]  # node -> (neighbour in the next layer up or down, weight)

FONT_SIZES = {"title": 12.5, "detail": 11.0, "id": 10.0, "label": 10.5}
LINE_HEIGHT = 1.35  # × font size
PAD_X, PAD_Y = 12.0, 8.0
GAP_X, DUMMY_GAP, GAP_Y, MARGIN = 36.0, 14.0, 28.0, 20.0
LANE, LANE_STEP = 14.0, 9.0  # a back edge turns this far right of its box; the next one further out
INSET = 6.0  # from a label's edge line to its text
PORT_STEP = 16.0  # between arrows on the same side of a box


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text; ``role`` (title, detail, id, label) sets its size."""

    text: str
    role: str = "title"

    @property
    def size(self) -> float:
        """Font size in pixels."""
        return FONT_SIZES[self.role]

    @property
    def rtl(self) -> bool:
        """Whether the first strong character is right-to-left (Arabic, Hebrew...)."""
        kinds = (unicodedata.bidirectional(ch) for ch in self.text)
        return next((k != "L" for k in kinds if k in ("L", "R", "AL")), False)


@dataclass(frozen=True, slots=True)
class Node:
    """A box to place: its id, its kind (the renderers' style) and its text."""

    id: str
    kind: str
    lines: tuple[TextLine, ...]
    stretch: float = 1.0  # a diamond needs about twice its text's room
    spread: bool = True  # edges leave and enter along the bottom and top side, not at one point


@dataclass(frozen=True, slots=True)
class Edge:
    """An arrow from ``source`` to ``target``, with an optional label."""

    source: str
    target: str
    label: tuple[TextLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Box:
    """A placed node: ``x``, ``y`` are its centre."""

    node: Node
    x: float
    y: float
    width: float
    height: float

    def bounds(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom."""
        return self.x - self.width / 2, self.y - self.height / 2, self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True, slots=True)
class Route:
    """A placed edge: cubic curves from ``start``, its arrowhead, its label's centre."""

    edge: Edge
    back: bool
    start: Point
    curves: tuple[Curve, ...]
    arrow: tuple[Point, Point, Point]
    label_at: Point


@dataclass(frozen=True, slots=True)
class Layout:
    """Every box and route of one diagram, and its size."""

    width: float
    height: float
    boxes: tuple[Box, ...]
    routes: tuple[Route, ...]


def text_width(text: str, size: float) -> float:
    """A generous estimate of the rendered width of ``text`` at ``size`` pixels."""
    em = 0.0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        em += 1.0 if wide else 0.36 if ch in "ijlft.,:;'|!()[] " else 0.82 if ch in "mwMW@%" else 0.7 if ch.isupper() else 0.6
    return em * size


def wrap(text: str, *, role: str = "title", width: float = 240.0, lines: int = 2) -> tuple[TextLine, ...]:
    """``text`` in at most ``lines`` lines of ``width`` pixels (long names break after ``_``), ellipsized if cut."""
    size = FONT_SIZES[role]
    out: list[str] = []
    for word in text.split():
        for k, part in enumerate(_parts(word, size, width)):
            joined = out[-1] + ("" if k else " ") + part if out else part
            if out and text_width(joined, size) <= width:
                out[-1] = joined
            else:
                out.append(part)
    if len(out) > lines:
        last = out[lines - 1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        out = [*out[: lines - 1], last.rstrip() + "…"]
    return tuple(TextLine(line, role) for line in out or [""])


def _parts(word: str, size: float, width: float) -> Iterator[str]:
    for part in filter(None, re.split(r"(?<=[_./-])", word)):
        while text_width(part, size) > width:
            cut = max(1, int(len(part) * width / text_width(part, size)))
            yield part[:cut]
            part = part[cut:]
        if part:
            yield part


def text_size(lines: Sequence[TextLine]) -> tuple[float, float]:
    """Width and height of a block of lines."""
    return max((text_width(t.text, t.size) for t in lines), default=0.0), sum(t.size * LINE_HEIGHT for t in lines)


def text_rows(lines: Sequence[TextLine], centre_y: float) -> list[tuple[TextLine, float]]:
    """Each line with the y of its baseline, for a block centred on ``centre_y``."""
    y, rows = centre_y - text_size(lines)[1] / 2, []
    for line in lines:
        rows.append((line, y + line.size * (LINE_HEIGHT / 2 + 0.35)))
        y += line.size * LINE_HEIGHT
    return rows


def layout(nodes: Sequence[Node], edges: Sequence[Edge], *, root: str, last: str | None = None) -> Layout:
    """Place ``nodes`` and route ``edges`` top to bottom from ``root``; ``last`` is drawn lowest."""
    return _Sugiyama(nodes, edges, root, last).run()


class _Sugiyama:
    def __init__(self, nodes: Sequence[Node], edges: Sequence[Edge], root: str, last: str | None) -> None:
        self.nodes = {n.id: n for n in nodes}
        unknown = ({e.source for e in edges} | {e.target for e in edges}) - set(self.nodes)
        if unknown:
            raise ValueError(f"edges name nodes that are not given: {', '.join(sorted(unknown))}")
        self.edges, self.root, self.last = list(edges), root, last
        degree: defaultdict[tuple[str, str], int] = defaultdict(int)
        for e in edges:
            degree[e.source, "out"] += e.source != e.target
            degree[e.target, "in"] += e.source != e.target
        self.size = {n.id: _box_size(n, max(degree[n.id, "out"], degree[n.id, "in"])) for n in nodes}
        self.dx: dict[str, float] = {}  # dummies only: where the edge line is, from the dummy's centre
        self.reserve: dict[str, float] = defaultdict(float)  # room right of a box for back edges
        self.ports: dict[str, list[int]] = defaultdict(list)  # back edges on the right of each box
        self.up: Near = defaultdict(list)
        self.down: Near = defaultdict(list)

    def run(self) -> Layout:
        back = self._back_edges()
        layer = self._layers(back)
        chains = self._chains(back, layer)
        rows = self._order(layer, chains)
        x = self._place(rows)
        self._straighten(rows, chains, x)
        heights = [max([4.0, *(self.size[n][1] for n in row)]) for row in rows]
        tops = [MARGIN + sum(heights[:i]) + GAP_Y * i for i in range(len(rows))]
        shift = MARGIN - min(x[n] - self.size[n][0] / 2 for n in x)
        width = max(x[n] + shift + self.size[n][0] / 2 + self.reserve[n] for n in x) + MARGIN
        self.line = {n: v + shift + self.dx.get(n, 0.0) for n, v in x.items()}
        self.layer, self.tops, self.heights = layer, tops, heights
        self.boxes = {n: Box(self.nodes[n], self.line[n], tops[layer[n]] + heights[layer[n]] / 2, *self.size[n]) for n in self.nodes if n not in self.dx}
        self.outs: dict[str, list[tuple[float, int]]] = defaultdict(list)  # forward edges by where they go
        self.ins: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for i, chain in chains.items():
            e = self.edges[i]
            if i not in back:
                self.outs[e.source].append((self.line[chain[0] if chain else e.target], i))
                self.ins[e.target].append((self.line[chain[-1] if chain else e.source], i))
        routes = tuple(self._route(i, i in back, chains.get(i, [])) for i in range(len(self.edges)))
        return Layout(width, tops[-1] + heights[-1] + MARGIN, tuple(self.boxes.values()), routes)

    def _back_edges(self) -> set[int]:
        out: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.edges):
            out[e.source].append(i)
        state: dict[str, int] = {}  # 1: on the stack, 2: done
        back: set[int] = set()
        for start in [self.root, *self.nodes]:
            if start in state:
                continue
            state[start], stack = 1, [(start, iter(out[start]))]
            while stack:
                node, todo = stack[-1]
                for i in todo:
                    target = self.edges[i].target
                    if state.get(target) == 1:
                        back.add(i)
                    elif target not in state:
                        state[target] = 1
                        stack.append((target, iter(out[target])))
                        break
                else:
                    state[node] = 2
                    stack.pop()
        return back

    def _layers(self, back: set[int]) -> dict[str, int]:
        after: dict[str, list[tuple[str, int]]] = defaultdict(list)
        waiting = dict.fromkeys(self.nodes, 0)
        for i, e in enumerate(self.edges):
            if e.source != e.target:
                u, v = (e.target, e.source) if i in back else (e.source, e.target)
                after[u].append((v, 2 if e.label else 1))
                waiting[v] += 1
        layer = dict.fromkeys(self.nodes, 0)
        ready = [n for n, count in waiting.items() if count == 0]
        while ready:
            u = ready.pop(0)
            for v, span in after[u]:
                layer[v] = max(layer[v], layer[u] + span)
                waiting[v] -= 1
                if waiting[v] == 0:
                    ready.append(v)
        if self.last is not None:
            layer[self.last] = max(layer[self.last], 1 + max((v for n, v in layer.items() if n != self.last), default=-1))
        return layer

    def _chains(self, back: set[int], layer: dict[str, int]) -> dict[int, list[str]]:
        """Each edge's dummies, from its source's side to its target's; the first one holds the label."""
        chains: dict[int, list[str]] = {}
        for i, e in enumerate(self.edges):
            if e.source == e.target:
                self.reserve[e.source] += 4 * LANE + text_size(e.label)[0]
                continue
            if i in back:
                self.ports[e.source].append(i)
                self.ports[e.target].append(i)
            steps = range(layer[e.source] - 1, layer[e.target], -1) if i in back else range(layer[e.source] + 1, layer[e.target])
            chains[i] = [f"\0{i}:{n}" for n in steps]
            for k, dummy in enumerate(chains[i]):
                w, h = text_size(e.label) if k == 0 and e.label else (-INSET, 0.0)
                self.size[dummy] = (w + INSET + 2, h)
                self.dx[dummy] = -self.size[dummy][0] / 2 + 1
                layer[dummy] = steps[k]
        for node, ports in self.ports.items():
            self.reserve[node] += LANE + LANE_STEP * len(ports)
        for i, chain in chains.items():
            e = self.edges[i]
            path = sorted([e.source, *chain, e.target], key=layer.__getitem__)
            ending = 0.25 if e.target == self.last or i in back else 1.0  # loops and arrows to END: no pulling steps about
            for a, b in itertools.pairwise(path):
                weight = 8.0 if a in self.dx and b in self.dx else 2.0 * ending if a in self.dx or b in self.dx else ending
                self.down[a].append((b, weight))
                self.up[b].append((a, weight))
        return chains

    def _order(self, layer: dict[str, int], chains: dict[int, list[str]]) -> list[list[str]]:
        first = {n: float(i) for i, n in enumerate(self.nodes)}
        for i, chain in chains.items():
            first.update({d: first[self.edges[i].source] + 0.5 + i * 1e-3 + k * 1e-6 for k, d in enumerate(chain)})
        rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
        for n in sorted(layer, key=first.__getitem__):
            rows[layer[n]].append(n)
        best, fewest = [r[:] for r in rows], _crossings(rows, self.down)
        for sweep in range(8):
            going_down = sweep % 2 == 0
            for r in range(1, len(rows)) if going_down else range(len(rows) - 2, -1, -1):
                ref = {n: i for i, n in enumerate(rows[r - 1] if going_down else rows[r + 1])}
                rows[r] = _by_barycenter(rows[r], ref, self.up if going_down else self.down)
            if (crossings := _crossings(rows, self.down)) < fewest:
                best, fewest = [r[:] for r in rows], crossings
        return best

    def _place(self, rows: list[list[str]]) -> dict[str, float]:
        x: dict[str, float] = {}
        for row in rows:
            offsets = self._offsets(row)
            x.update({n: off - offsets[-1] / 2 for n, off in zip(row, offsets, strict=True)})
        for sweep in range(17):  # down, up, ..., down: the diagram reads from the top
            going_down = sweep % 2 == 0
            for r in range(1, len(rows)) if going_down else range(len(rows) - 2, -1, -1):
                self._fit(rows[r], self.up if going_down else self.down, x)
        return x

    def _sep(self, a: str, b: str) -> float:
        """The least distance between the centres of ``a`` and ``b`` when ``b`` is right of ``a``."""
        gap = DUMMY_GAP if a in self.dx or b in self.dx else GAP_X
        return self.size[a][0] / 2 + self.reserve[a] + gap + self.size[b][0] / 2

    def _offsets(self, row: list[str]) -> list[float]:
        """Where each node of ``row`` is when packed as tightly as allowed from 0."""
        offsets = [0.0]
        for a, b in itertools.pairwise(row):
            offsets.append(offsets[-1] + self._sep(a, b))
        return offsets[: len(row)]

    def _straighten(self, rows: list[list[str]], chains: dict[int, list[str]], x: dict[str, float]) -> None:
        """Put each long edge's dummies on one vertical line where that overlaps nothing."""
        where = {n: (row, k) for row in rows for k, n in enumerate(row)}

        def fits(chain: list[str], line: float) -> bool:
            for d in chain:
                row, k = where[d]
                at = line - self.dx[d]
                if k and at - x[row[k - 1]] < self._sep(row[k - 1], d) - 1e-6:
                    return False
                if k + 1 < len(row) and x[row[k + 1]] - at < self._sep(d, row[k + 1]) - 1e-6:
                    return False
            return True

        for chain in sorted((c for c in chains.values() if len(c) > 1), key=len, reverse=True):
            lines = sorted(x[d] + self.dx[d] for d in chain)
            candidates = [c for c in [lines[len(lines) // 2], *lines] if fits(chain, c)]
            if candidates:
                best = min(candidates, key=lambda c: sum(abs(c - v) for v in lines))
                x.update({d: best - self.dx[d] for d in chain})

    def _fit(self, row: list[str], near: Near, x: dict[str, float]) -> None:
        """Move ``row`` as close as it may come to its neighbours' lines without overlaps (weighted PAVA)."""
        blocks: list[tuple[float, float, int]] = []  # (value, weight, how many nodes)
        offsets = self._offsets(row)
        for n, off in zip(row, offsets, strict=True):
            total = sum(w for _, w in near[n])
            line = sum((x[m] + self.dx.get(m, 0.0)) * w for m, w in near[n])
            blocks.append(((line / total - self.dx.get(n, 0.0) if total else x[n]) - off, total or 0.01, 1))
            while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
                (v2, w2, c2), (v1, w1, c1) = blocks.pop(), blocks.pop()
                blocks.append(((v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2))
        values = [v for v, _, count in blocks for _ in range(count)]
        x.update({n: v + off for n, v, off in zip(row, values, offsets, strict=True)})

    def _route(self, i: int, back: bool, chain: list[str]) -> Route:
        e = self.edges[i]
        src, dst = self.boxes[e.source], self.boxes[e.target]
        label_at = (src.x, src.y)
        if chain and e.label:
            r = self.layer[chain[0]]
            label_at = (self.line[chain[0]] + INSET + text_size(e.label)[0] / 2, self.tops[r] + self.heights[r] / 2)
        if e.source == e.target:
            right, w = src.x + src.width / 2, text_size(e.label)[0]
            pen = _Pen((right, src.y + 7))
            pen.curves.append(((right + 3 * LANE, src.y + 26), (right + 3 * LANE, src.y - 26), (right, src.y - 7)))
            return Route(e, True, pen.start, tuple(pen.curves), pen.arrow(), (right + 3 * LANE + w / 2, src.y))
        r = self.layer[e.source]
        if not back:
            pen = _Pen((self._port(e.source, i, out=True), src.y + src.height / 2))
            for m in chain:
                pen.line(pen.at[0], self._bottom(r))
                pen.bend(self.line[m], self.tops[r + 1])
                pen.line(self.line[m], self._bottom(r + 1))
                r += 1
            x = self._port(e.target, i, out=False)
            pen.line(pen.at[0], self._bottom(r))
            pen.bend(x, self.tops[r + 1])
            pen.line(x, dst.y - dst.height / 2)
            return Route(e, False, pen.start, tuple(pen.curves), pen.arrow(), label_at)
        (lane, y), (lane_end, y_end) = self._side(e.source, i), self._side(e.target, i)
        pen = _Pen((src.x + src.width / 2, y))
        pen.corner((lane, y), (lane, y - 6))
        pen.line(lane, self.tops[r])
        for m in chain:
            pen.bend(self.line[m], self._bottom(r - 1))
            pen.line(self.line[m], self.tops[r - 1])
            r -= 1
        pen.bend(lane_end, self._bottom(r - 1))
        pen.line(lane_end, y_end + 6)
        pen.corner((lane_end, y_end), (dst.x + dst.width / 2, y_end))
        return Route(e, True, pen.start, tuple(pen.curves), pen.arrow(), label_at)

    def _bottom(self, row: int) -> float:
        return self.tops[row] + self.heights[row]

    def _port(self, node: str, i: int, *, out: bool) -> float:
        """x of edge ``i`` on the bottom (``out``) or top of ``node``: siblings spread in the order they go."""
        box, order = self.boxes[node], [j for _, j in sorted((self.outs if out else self.ins)[node])]
        step = min(PORT_STEP, box.width * 0.6 / max(len(order) - 1, 1)) if box.node.spread else 0.0
        return box.x + (order.index(i) - (len(order) - 1) / 2) * step

    def _side(self, node: str, i: int) -> Point:
        """Lane x and port y of back edge ``i`` on the right of ``node`` (a higher port, a nearer lane)."""
        box, ports = self.boxes[node], self.ports[node]
        k, n = ports.index(i), len(ports)
        step = min(10.0, (box.height - 12) / max(n - 1, 1))
        return box.x + box.width / 2 + LANE + LANE_STEP * k, box.y + (k - (n - 1) / 2) * step


class _Pen:
    """Collects cubic curves from ``start``."""

    def __init__(self, start: Point) -> None:
        self.start = self.at = start
        self.curves: list[Curve] = []

    def line(self, x: float, y: float) -> None:
        (x0, y0) = self.at
        if math.hypot(x - x0, y - y0) > 0.5:
            self.curves.append(((x0 + (x - x0) / 3, y0 + (y - y0) / 3), (x0 + 2 * (x - x0) / 3, y0 + 2 * (y - y0) / 3), (x, y)))
        self.at = (x, y)

    def bend(self, x: float, y: float) -> None:
        """An S from here to (x, y), vertical at both ends: how an edge crosses the gap between two layers."""
        mid = (self.at[1] + y) / 2
        self.curves.append(((self.at[0], mid), (x, mid), (x, y)))
        self.at = (x, y)

    def corner(self, corner: Point, end: Point) -> None:
        self.curves.append((corner, corner, end))
        self.at = end

    def arrow(self, length: float = 8.0, half: float = 4.0) -> tuple[Point, Point, Point]:
        tx, ty = self.at
        points = [self.start, *(p for curve in self.curves for p in curve)]
        fx, fy = next((p for p in reversed(points) if math.hypot(tx - p[0], ty - p[1]) > 1), self.start)
        d = math.hypot(tx - fx, ty - fy) or 1.0
        ux, uy = (tx - fx) / d, (ty - fy) / d
        bx, by = tx - ux * length, ty - uy * length
        return (tx, ty), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)


def _box_size(node: Node, edges: int) -> tuple[float, float]:
    """Room for the text, and for ``edges`` arrows side by side on the top or bottom."""
    w, h = text_size(node.lines)
    return max(w * node.stretch + 2 * PAD_X, PORT_STEP / 0.6 * (edges - 1) if node.spread else 0.0), h * node.stretch + 2 * PAD_Y


def _by_barycenter(row: list[str], ref: dict[str, int], near: Near) -> list[str]:
    def key(item: tuple[int, str]) -> tuple[float, int]:
        at = [ref[m] for m, _ in near[item[1]] if m in ref]
        return (sum(at) / len(at) if at else item[0], item[0])

    return [n for _, n in sorted(enumerate(row), key=key)]


def _crossings(rows: list[list[str]], down: Near) -> int:
    total = 0
    for upper, lower in itertools.pairwise(rows):
        at = {n: i for i, n in enumerate(lower)}
        pairs = [(i, at[m]) for i, n in enumerate(upper) for m, _ in down[n] if m in at]
        total += sum(1 for a, b in pairs for c, d in pairs if a < c and b > d)
    return total
