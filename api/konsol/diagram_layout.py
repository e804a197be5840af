"""A layered drawing of a directed graph, top to bottom, as the stage diagram needs it.

Each node's row is the longest way down to it from the entry (edges back up the graph aside);
an edge spanning several rows gets a waypoint in each row it crosses, so it runs between the
boxes rather than through them; each row is ordered under the boxes that lead to it and over
those it leads to (a few sweeps of the barycentre rule: fewer crossings), and centred. Edges back
up the graph (a resubmitted filing returns to registration) bow out round the side.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

NODE_WIDTH = 176
NODE_HEIGHT = 52
GAP_X = 24
GAP_Y = 30
MARGIN = 24
# A long edge's place in each row it crosses.
WAYPOINT_WIDTH = 8


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    centre: dict[str, float]  # each node's (and waypoint's) horizontal centre
    row: dict[str, int]
    chains: list[list[str]]  # each edge down the graph: its start, its waypoints, its end
    side: list[tuple[str, str]]  # each edge drawn round the side

    def left(self, node: str) -> int:
        return round(self.centre[node] - NODE_WIDTH / 2)

    def top(self, node: str) -> int:
        return top(self.row[node])


def top(row: int) -> int:
    return MARGIN + row * (NODE_HEIGHT + GAP_Y)


def layout(
    entry: str,
    nodes: Sequence[str],
    edges: Mapping[str, Sequence[str]],
    last_row: Collection[str] = (),
) -> Layout:
    """Place `nodes`; those in `last_row` (no edge leads to them) go in the graph's last row."""
    back = _back_edges(entry, edges)
    row = _ranks(nodes, edges, back)
    bottom = max((row[n] for n in nodes if n not in last_row), default=0)
    row.update(dict.fromkeys(last_row, bottom))
    chains, side = _chains(row, edges, back)
    for chain in chains:
        for depth, waypoint in enumerate(chain[1:-1], start=row[chain[0]] + 1):
            row[waypoint] = depth
    depth = max(row.values()) + 1
    rows: list[list[str]] = [[] for _ in range(depth)]
    for key in [*nodes, *(w for chain in chains for w in chain[1:-1])]:
        rows[row[key]].append(key)
    width = 2 * MARGIN + max(_row_width(r) for r in rows if r)
    return Layout(
        width=width,
        height=2 * MARGIN + depth * NODE_HEIGHT + (depth - 1) * GAP_Y,
        centre=_arrange(rows, chains, width),
        row=row,
        chains=chains,
        side=side,
    )


def _back_edges(entry: str, edges: Mapping[str, Sequence[str]]) -> set[tuple[str, str]]:
    """Edges that lead back up the graph (found by a depth-first walk from the entry)."""
    back: set[tuple[str, str]] = set()
    on_path: set[str] = set()
    done: set[str] = set()

    def walk(node: str) -> None:
        on_path.add(node)
        for end in edges.get(node, []):
            if end in on_path:
                back.add((node, end))
            elif end not in done:
                walk(end)
        on_path.discard(node)
        done.add(node)

    walk(entry)
    return back


def _ranks(
    nodes: Sequence[str], edges: Mapping[str, Sequence[str]], back: set[tuple[str, str]]
) -> dict[str, int]:
    """Each node's row: the longest way down to it from the entry, back edges aside."""
    forward = {n: [e for e in edges.get(n, []) if (n, e) not in back] for n in nodes}
    rank = dict.fromkeys(nodes, 0)
    # Relaxed as often as there are nodes: enough for the longest path of an acyclic graph.
    for _round in nodes:
        changed = False
        for node in nodes:
            for end in forward[node]:
                if end in rank and rank[end] < rank[node] + 1:
                    rank[end] = rank[node] + 1
                    changed = True
        if not changed:
            break
    return rank


def _chains(
    rank: Mapping[str, int], edges: Mapping[str, Sequence[str]], back: set[tuple[str, str]]
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Each edge down the graph as the chain of keys it passes through, one per row: a long
    edge gets a waypoint in every row it crosses, so it runs between the boxes, never through
    them. And the edges drawn round the side: back up the graph, or within one row."""
    chains: list[list[str]] = []
    side: list[tuple[str, str]] = []
    for start, ends in edges.items():
        for end in ends:
            if start not in rank or end not in rank:
                continue
            if (start, end) in back or rank[end] <= rank[start]:
                side.append((start, end))
                continue
            waypoints = [f"~{start}>{end}:{r}" for r in range(rank[start] + 1, rank[end])]
            chains.append([start, *waypoints, end])
    return chains, side


def _width(key: str) -> int:
    return WAYPOINT_WIDTH if key.startswith("~") else NODE_WIDTH


def _row_width(row: Sequence[str]) -> int:
    return sum(_width(key) for key in row) + GAP_X * (len(row) - 1)


def _arrange(
    rows: list[list[str]], chains: Sequence[Sequence[str]], width: int
) -> dict[str, float]:
    """Order each row under the boxes that lead to it and over those it leads to (fewer
    crossings: a few sweeps of the barycentre rule), and centre it; each key's centre."""
    above: dict[str, list[str]] = {}
    below: dict[str, list[str]] = {}
    for chain in chains:
        for upper, lower in itertools.pairwise(chain):
            above.setdefault(lower, []).append(upper)
            below.setdefault(upper, []).append(lower)
    centre: dict[str, float] = {}

    def place(row: list[str]) -> None:
        left = (width - _row_width(row)) / 2
        for key in row:
            centre[key] = left + _width(key) / 2
            left += _width(key) + GAP_X

    for row in rows:
        place(row)
    for sweep in range(4):
        downwards = sweep % 2 == 0
        neighbours = above if downwards else below
        for row in rows if downwards else list(reversed(rows)):
            row.sort(key=partial(_barycentre, neighbours=neighbours, centre=centre))
            place(row)
    return centre


def _barycentre(
    key: str, neighbours: Mapping[str, list[str]], centre: Mapping[str, float]
) -> tuple[float, float]:
    """Where a key goes in its row: under (or over) the keys it is linked to, else where it is."""
    linked = [centre[n] for n in neighbours.get(key, [])]
    return (sum(linked) / len(linked) if linked else centre[key], centre[key])


def side_path(layout: Layout, start: str, end: str) -> str:
    """Back up the graph: out of the source's side and into the target's, bowed outwards."""
    side = 1 if layout.centre[start] >= layout.centre[end] else -1
    x1 = layout.left(start) + (NODE_WIDTH if side > 0 else 0)
    x2 = layout.left(end) + (NODE_WIDTH if side > 0 else 0)
    y1, y2 = layout.top(start) + NODE_HEIGHT // 2, layout.top(end) + NODE_HEIGHT // 2
    bow = side * (GAP_X + 16)
    return f"M{x1},{y1} C{x1 + bow},{y1} {x2 + bow},{y2} {x2 + 2 * side},{y2}"


def chain_path(layout: Layout, chain: Sequence[str]) -> str:
    """Down the graph through the chain's waypoints: a curve between rows, straight through a
    row where a waypoint holds its place."""
    centre = layout.centre
    points = [(centre[chain[0]], layout.top(chain[0]) + NODE_HEIGHT)]
    for waypoint in chain[1:-1]:
        x = centre[waypoint]
        points += [(x, layout.top(waypoint)), (x, layout.top(waypoint) + NODE_HEIGHT)]
    points.append((centre[chain[-1]], layout.top(chain[-1]) - 2))
    path = f"M{points[0][0]:.0f},{points[0][1]}"
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        if x1 == x2 and y2 - y1 == NODE_HEIGHT:
            path += f" L{x2:.0f},{y2}"
        else:
            middle = (y1 + y2) // 2
            path += f" C{x1:.0f},{middle} {x2:.0f},{middle} {x2:.0f},{y2}"
    return path
