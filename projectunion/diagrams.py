"""Lifecycle diagrams drawn as SVG from the machines' declarations.

The layout is computed here (no Graphviz on the server, no script in the
browser): states are placed in ranks by the longest path from the initial
state, ignoring the edges that lead back; each transition is a curve with its
event's label. The same declaration that drives the machines draws the
picture, so the diagram cannot drift from the rules.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from projectunion import labels
from projectunion.lifecycle import declaration_of

FONT = 13
EDGE_FONT = 11.5
NODE_H = 38
PAD = 16
RED = "#b4232a"
INK = "#1f2328"
GREY = "#8a939d"


def text_width(text: str, size: float) -> float:
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


@dataclass
class Node:
    state: str
    label: str
    rank: int
    w: float
    h: float = NODE_H
    slot: int = 0
    u: float = 0  # centre along the ranks
    v: float = 0  # centre across the ranks


@dataclass
class Layout:
    nodes: dict[str, Node]
    ranks: list[list[str]] = field(default_factory=list)


def _ranks(decl) -> dict[str, int]:
    """Longest path from the first initial state, after removing edges that close a cycle."""
    edges = [(s, t.dest) for t in decl.transitions for s in t.source]
    order: list[str] = []
    seen: set[str] = set()
    on_path: set[str] = set()
    back: set[tuple[str, str]] = set()

    def visit(state: str) -> None:
        seen.add(state)
        on_path.add(state)
        for src, dst in edges:
            if src != state:
                continue
            if dst in on_path:
                back.add((src, dst))
            elif dst not in seen:
                visit(dst)
        on_path.discard(state)
        order.append(state)

    for state in (*decl.initial, *decl.states):
        if state not in seen:
            visit(state)
    rank = dict.fromkeys(decl.states, 0)
    for state in reversed(order):
        for src, dst in edges:
            if src == state and (src, dst) not in back:
                rank[dst] = max(rank[dst], rank[src] + 1)
    return rank


def layout(machine: str, vertical: bool = False) -> Layout:
    decl = declaration_of(machine)
    rank = _ranks(decl)
    nodes = {}
    for state in decl.states:
        label = str(labels.state(machine, state))
        nodes[state] = Node(state, label, rank[state], w=max(92.0, text_width(label, FONT) + 30))
    count = max(rank.values()) + 1
    ranks = [[s for s in decl.states if rank[s] == r] for r in range(count)]
    along = [max((nodes[s].h if vertical else nodes[s].w) for s in r) for r in ranks]
    cross_size = max((nodes[s].w if vertical else nodes[s].h) for s in decl.states)
    # Between two ranks, room for the longest label written on an arrow that crosses that gap.
    gaps = [58.0 if vertical else 64.0] * count
    if not vertical:
        for t in decl.transitions:
            label_w = text_width(str(labels.EDGE_LABELS[machine].get(t.event, t.event)), EDGE_FONT) + 26
            for src in t.source:
                if rank[t.dest] == rank[src] + 1:
                    gaps[rank[src]] = max(gaps[rank[src]], label_w)
    gap_cross = 44 if vertical else 34
    widest = max(len(r) for r in ranks)
    u = 0.0
    for r, states in enumerate(ranks):
        offset = (widest - len(states)) * (cross_size + gap_cross) / 2
        for i, state in enumerate(states):
            node = nodes[state]
            node.slot = i
            node.u = u + along[r] / 2
            node.v = offset + i * (cross_size + gap_cross) + cross_size / 2
        u += along[r] + gaps[r]
    return Layout(nodes=nodes, ranks=ranks)


def _box(node: Node, vertical: bool) -> tuple[float, float, float, float]:
    """x, y, w, h in the picture."""
    x, y = (node.v, node.u) if vertical else (node.u, node.v)
    return x - node.w / 2, y - node.h / 2, node.w, node.h


def _arc_sides(edges, nodes: dict[str, Node], half_cross, spread: bool) -> dict[tuple[str, str], int]:
    """Which side (-1 or +1) each arc goes round; arcs on one side must nest, not overlap.

    ``spread`` shares the arcs between both sides (for the tall layout, whose
    labels would otherwise sit on top of each other).
    """
    arcs = []
    for t, src_state in edges:
        src, dst = nodes[src_state], nodes[t.dest]
        low, high = sorted((src.rank, dst.rank))
        between = [n for n in nodes.values() if low < n.rank < high]
        blocked = any(abs(n.v - (src.v + dst.v) / 2) < half_cross(n) + 6 for n in between)
        if dst.rank <= src.rank or blocked:
            arcs.append(((t.event, src_state), low, high, src.slot))
    placed: dict[int, list[tuple[int, int]]] = {-1: [], 1: []}
    sides = {}
    for key, low, high, slot in sorted(arcs, key=lambda a: a[1] - a[2]):

        def fits(side: int, low=low, high=high) -> bool:
            return all(
                high <= a or low >= b or (a <= low and high <= b) or (low <= a and b <= high) for a, b in placed[side]
            )

        preferred = (-1, 1) if slot == 0 else (1, -1)
        if spread and len(placed[preferred[1]]) < len(placed[preferred[0]]):
            preferred = preferred[::-1]
        side = next((sd for sd in preferred if fits(sd)), preferred[0])
        placed[side].append((low, high))
        sides[key] = side
    return sides


def render(machine: str, current: str | None = None, vertical: bool = False, title: str | None = None) -> Markup:
    """The machine as an SVG element; ``current`` is highlighted with the events it allows."""
    decl = declaration_of(machine)
    lay = layout(machine, vertical)
    nodes = lay.nodes

    def point(u: float, v: float) -> tuple[float, float]:
        return (v, u) if vertical else (u, v)

    def half_along(n: Node) -> float:
        return n.h / 2 if vertical else n.w / 2

    def half_cross(n: Node) -> float:
        return n.w / 2 if vertical else n.h / 2

    shapes: list[str] = []
    edge_labels: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    for n in nodes.values():
        x, y, w, h = _box(n, vertical)
        xs += [x, x + w]
        ys += [y, y + h]
    edges = [(t, src_state) for t in decl.transitions for src_state in t.source]
    sides = _arc_sides(edges, nodes, half_cross, spread=vertical)
    for t, src_state in edges:
        src, dst = nodes[src_state], nodes[t.dest]
        hot = current is not None and src_state == current
        side = sides.get((t.event, src_state))
        if side is None:
            su, sv = src.u + half_along(src), src.v
            eu, ev = dst.u - half_along(dst), dst.v
            cu, cv = (su + eu) / 2, (sv + ev) / 2
        else:
            # Back edges and edges jumping over a node arc around the row, nested by span.
            span = abs(dst.rank - src.rank) or 1
            lift = 26 + 18 * span
            step = max(6, 30 - 8 * span) * (1 if dst.rank >= src.rank else -1)
            su, sv = src.u + step, src.v + side * half_cross(src)
            eu, ev = dst.u - step, dst.v + side * half_cross(dst)
            cu = (su + eu) / 2
            cv = (sv + ev) / 2 + side * 2 * lift
        sx, sy = point(su, sv)
        cx, cy = point(cu, cv)
        ex, ey = point(eu, ev)
        colour = RED if hot else GREY
        width = 2 if hot else 1.3
        marker = "arrow-hot" if hot else "arrow"
        shapes.append(
            f'<path class="transition" data-event="{t.event}" '
            f'd="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="{width}" marker-end="url(#{machine}-{marker})"/>'
        )
        mx, my = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
        text = str(labels.EDGE_LABELS[machine].get(t.event, t.event))
        tw = text_width(text, EDGE_FONT) + 8
        xs += [mx - tw / 2, mx + tw / 2]
        ys += [my - 10, my + 10]
        weight = ' font-weight="600"' if hot else ""
        edge_labels.append(
            f'<rect x="{mx - tw / 2:.1f}" y="{my - 9:.1f}" width="{tw:.1f}" height="18" rx="4" fill="#fff" '
            f'fill-opacity="0.92"/>'
            f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" font-size="{EDGE_FONT}" '
            f'fill="{RED if hot else "#4b535c"}"{weight}>{escape(text)}</text>'
        )
    for n in nodes.values():
        x, y, w, h = _box(n, vertical)
        is_current = n.state == current
        reachable = current is not None and any(current in t.source and t.dest == n.state for t in decl.transitions)
        fill = RED if is_current else "#fff"
        stroke = RED if (is_current or reachable) else GREY
        stroke_w = 2 if (is_current or reachable) else 1.2
        colour = "#fff" if is_current else INK
        current_attr = ' aria-current="true"' if is_current else ""
        shapes.append(
            f'<g class="state" data-state="{n.state}"{current_attr}>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{stroke_w}"/>'
        )
        if n.state in decl.final:
            shapes.append(
                f'<rect x="{x + 3:.1f}" y="{y + 3:.1f}" width="{w - 6:.1f}" height="{h - 6:.1f}" rx="7" '
                f'fill="none" stroke="{"#fff" if is_current else stroke}" stroke-width="1"/>'
            )
        shapes.append(
            f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + FONT * 0.36:.1f}" text-anchor="middle" '
            f'font-size="{FONT}" font-weight="{600 if is_current else 500}" fill="{colour}">{escape(n.label)}</text></g>'
        )
    first = nodes[decl.initial[0]]
    fx, fy, fw, fh = _box(first, vertical)
    if vertical:
        dot = (fx + fw / 2, fy - 26)
        entry = f"M{dot[0]:.1f},{dot[1] + 5:.1f} L{dot[0]:.1f},{fy - 2:.1f}"
    else:
        dot = (fx - 26, fy + fh / 2)
        entry = f"M{dot[0] + 5:.1f},{dot[1]:.1f} L{fx - 2:.1f},{dot[1]:.1f}"
    xs.append(dot[0] - 6)
    ys.append(dot[1] - 6)
    shapes.insert(
        0,
        f'<circle cx="{dot[0]:.1f}" cy="{dot[1]:.1f}" r="5" fill="{INK}"/>'
        f'<path d="{entry}" stroke="{INK}" stroke-width="1.3" marker-end="url(#{machine}-arrow-ink)"/>',
    )
    min_x, min_y = min(xs) - PAD, min(ys) - PAD
    width, height = max(xs) - min_x + PAD, max(ys) - min_y + PAD
    name = title or str(labels.MACHINES[machine])
    description = (
        str(labels.state(machine, current))
        if current
        else ", ".join(str(labels.state(machine, s)) for s in decl.states)
    )
    defs = "".join(
        f'<marker id="{machine}-{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for mid, colour in (("arrow", GREY), ("arrow-hot", RED), ("arrow-ink", INK))
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle {"vertical" if vertical else "horizontal"}" '
        f'viewBox="{min_x:.1f} {min_y:.1f} {width:.1f} {height:.1f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label={quoteattr(name + ": " + description)}>'
        f"<title>{escape(name)}</title><defs>{defs}</defs>{''.join(shapes)}{''.join(edge_labels)}</svg>"
    )
    return Markup(svg)  # nosec B704 # state and event labels are escaped as they are put in; the rest is ours


def figure(machine: str, current: str | None = None) -> Markup:
    """Both orientations; the stylesheet shows the vertical one on phones."""
    return Markup(
        '<div class="diagram"><div class="diagram-wide">{}</div><div class="diagram-tall">{}</div></div>'
    ).format(render(machine, current), render(machine, current, vertical=True))
