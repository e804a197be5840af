"""The stage diagram of one case: its own guideline version's stages, drawn as inline SVG.

Drawn on the server, so the page needs no script and the Content-Security-Policy no exception:
the graph is this case's own (`case_graph.py`), its drawing is laid out in `diagram_layout.py`,
and `perkara_diagram.html` writes the SVG (classes, no style attributes; perkara.css colours
them). The current stage is highlighted, the stages and moves the case has made are marked as
the path taken, and the closing states are the diagram's last rows. A list of the path taken
("Jalur yang ditempuh") says the same for screen readers and small screens.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from api.konsol.case_graph import CLOSED, case_graph, closed_id
from api.konsol.diagram_layout import NODE_HEIGHT, NODE_WIDTH, chain_path, layout, side_path
from api.konsol.names import CLOSING_STATES, named
from api.konsol.texts import _
from models.case import CaseType
from models.pedoman import Fact, Guideline, Stage

LINE_HEIGHT = 14
# Characters per line at the diagram's 12px type in a node's width.
WRAP = 22

Mark = Literal["current", "visited", "reached", "other"]


@dataclass(frozen=True)
class Node:
    """A stage or a closing state, placed."""

    key: str
    title: str
    lines: tuple[str, ...]
    x: int
    y: int
    closing: bool
    mark: Mark
    hint: str  # the tooltip: the stage's limit, or how a common closing is reached

    @property
    def text_y(self) -> int:
        """The first line's baseline, so the lines sit in the middle of the box."""
        block = LINE_HEIGHT * len(self.lines)
        return self.y + (NODE_HEIGHT - block) // 2 + LINE_HEIGHT - 3

    @property
    def centre(self) -> int:
        return self.x + NODE_WIDTH // 2


@dataclass(frozen=True)
class Link:
    """A way from one node to another, as an SVG path."""

    path: str
    taken: bool
    back: bool


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    path: tuple[str, ...]  # the titles of the stages taken, in order (and the closing state)
    current: str | None
    summary: str
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT
    line_height: int = LINE_HEIGHT


def stage_diagram(
    guideline: Guideline,
    facts: Mapping[Fact, str],
    *,
    path: Sequence[str],
    current: str | None,
    closing_state: str | None,
) -> Diagram:
    """The case's diagram: `path` is the stages it has been in, in order (from its timeline),
    `current` its stage while it is open, `closing_state` how it closed."""
    graph = case_graph(guideline, facts)
    stages = guideline.stages_for(CaseType(facts[Fact.CASE_TYPE]))
    taken_path = [*path, *([closed_id(closing_state)] if closing_state else [])]
    led_to = graph.led_to
    # A stage the timeline shows that the graph does not reach is drawn all the same.
    nodes = [*graph.stages, *(s for s in path if s in stages and s not in graph.stages)]
    closings = [e for ends in graph.edges.values() for e in ends if e.startswith(CLOSED)]
    closings += [*graph.common_closings, *taken_path[len(path) :]]
    nodes += list(dict.fromkeys(closings))
    # Reached from any open stage (a withdrawal): no edge is drawn, the node sits last.
    anywhere = {n for n in nodes if n not in led_to and n not in stages}
    placed = layout(guideline.entry_stage, nodes, graph.edges, anywhere)
    visited = set(taken_path)
    drawn: dict[str, Node] = {}
    for key in nodes:
        title, hint = _texts(key, stages, from_anywhere=key in anywhere)
        drawn[key] = Node(
            key=key,
            title=title,
            lines=_lines(title),
            x=placed.left(key),
            y=placed.top(key),
            closing=key.startswith(CLOSED),
            mark=_mark(key, current, visited),
            hint=hint,
        )
    taken = set(itertools.pairwise(taken_path))
    links = [Link(chain_path(placed, c), (c[0], c[-1]) in taken, back=False) for c in placed.chains]
    links += [Link(side_path(placed, a, b), (a, b) in taken, back=True) for a, b in placed.side]
    links.sort(key=lambda link: link.taken)  # the path taken is drawn last, over the others
    titles = tuple(drawn[key].title for key in taken_path if key in drawn)
    current_title = drawn[current].title if current in drawn else None
    return Diagram(
        width=placed.width,
        height=placed.height,
        nodes=tuple(drawn.values()),
        links=tuple(links),
        path=titles,
        current=current_title,
        summary=_summary(titles, current_title),
    )


def _lines(title: str) -> tuple[str, ...]:
    lines = textwrap.wrap(title, WRAP) or [title]
    if len(lines) > 3:
        lines = [*lines[:2], textwrap.shorten(" ".join(lines[2:]), WRAP, placeholder="…")]
    return tuple(lines)


def _texts(key: str, stages: Mapping[str, Stage], *, from_anywhere: bool) -> tuple[str, str]:
    """A node's title and tooltip."""
    if key.startswith(CLOSED):
        state = key.split(":", 1)[1]
        title = _("Selesai: %(state)s") % {"state": named(CLOSING_STATES, state)}
        hint = _("Dapat terjadi dari setiap tahap yang masih berjalan.") if from_anywhere else ""
        return title, hint
    stage = stages[key]
    return stage.title, _limit_hint(stage)


def _mark(key: str, current: str | None, visited: set[str]) -> Mark:
    if key == current:
        return "current"
    if key in visited:
        return "reached" if key.startswith(CLOSED) else "visited"
    return "other"


def _limit_hint(stage: Stage) -> str:
    if stage.limit is None:
        return _("Tanpa batas waktu")
    unit = _("hari kerja") if stage.limit.day_type.value == "HK" else _("hari kalender")
    return _("Batas waktu %(amount)s %(unit)s") % {"amount": stage.limit.amount, "unit": unit}


def _summary(titles: Sequence[str], current: str | None) -> str:
    taken = " → ".join(titles)
    if current is None:
        return _("Jalur yang ditempuh: %(path)s.") % {"path": taken}
    return _("Jalur yang ditempuh: %(path)s. Tahap sekarang: %(current)s.") % {
        "path": taken,
        "current": current,
    }
