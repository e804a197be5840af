"""The stage graph of one track: its edges, drawn as Mermaid or as a plain-text table."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace

from models.case import CaseType
from models.pedoman import (
    Action,
    ClosingState,
    Effect,
    Fact,
    Guideline,
    Stage,
    Switch,
    Target,
    TimeoutKind,
)

TIMEOUT = "timeout"
# The effects of an action that may lead somewhere (`to`, `close`); recording the institution
# may too, as filing an annulment at a PN does (pedoman.md §9 D9, D14), and a party's withdrawal
# closes the case once no requesting party is left (D4).
MOVING_EFFECTS = (
    Effect.TRANSITION,
    Effect.PROPOSE,
    Effect.RECORD_INSTITUTION,
    Effect.WITHDRAW_PARTY,
)


@dataclass(frozen=True)
class Edge:
    """One way out of a stage: an action or the timeout, to a stage or a closing state."""

    stage: str
    trigger: str  # the action's name, or TIMEOUT
    action: str | None  # the action taken; for an as_action timeout, the action applied
    branch: tuple[Fact, str] | None = None
    to: str | None = None
    close: ClosingState | None = None
    with_outcome: bool = False
    outcome: ClosingState | None = None

    @property
    def label(self) -> str:
        """`issue_decision`, `declare_deadlock [forum=gwpp]`, `timeout: declare_failed`…"""
        text = self.trigger
        if self.trigger == TIMEOUT and self.action is not None:
            text = f"{TIMEOUT}: {self.action}"
        if self.branch is not None:
            text += f" [{self.branch[0].value}={self.branch[1]}]"
        return text


def available(action: Action, case_type: CaseType) -> bool:
    """Whether an action exists at all in this track (its `when` may exclude case types)."""
    allowed = action.when.get(Fact.CASE_TYPE)
    return allowed is None or case_type.value in allowed


def branches(target: Target, case_type: CaseType) -> list[tuple[tuple[Fact, str] | None, str]]:
    """The stages a target may lead to in this track, with the fact value choosing each."""
    if not isinstance(target, Switch):
        return [(None, target)]
    if target.on is Fact.CASE_TYPE:
        # Fixed by the track: only this track's branch can ever be taken here.
        chosen = target.cases.get(case_type.value)
        return [] if chosen is None else [(None, chosen)]
    return [((target.on, value), stage) for value, stage in target.cases.items()]


def _action_edges(stage: Stage, action: Action, trigger: str, case_type: CaseType) -> list[Edge]:
    base = Edge(stage=stage.name, trigger=trigger, action=action.name, outcome=action.outcome)
    edges: list[Edge] = []
    if action.to is not None:
        edges += [
            replace(base, branch=branch, to=to) for branch, to in branches(action.to, case_type)
        ]
    if action.close is not None:
        edges.append(replace(base, close=action.close))
    if action.close_with_outcome:
        edges.append(replace(base, with_outcome=True))
    return edges


def stage_edges(stage: Stage, case_type: CaseType) -> list[Edge]:
    """The stage's own ways out in this track (common actions excluded: they exist everywhere)."""
    edges: list[Edge] = []
    for action in stage.actions:
        if available(action, case_type) and action.effect in MOVING_EFFECTS:
            edges += _action_edges(stage, action, action.name, case_type)
    rule = stage.timeout
    if rule is None:
        return edges
    if rule.kind is TimeoutKind.GOTO and rule.to is not None:
        edges += [
            Edge(
                stage=stage.name,
                trigger=TIMEOUT,
                action=None,
                branch=branch,
                to=to,
                outcome=rule.outcome,
            )
            for branch, to in branches(rule.to, case_type)
        ]
    elif rule.kind is TimeoutKind.CLOSE and rule.close is not None:
        edges.append(
            Edge(
                stage=stage.name,
                trigger=TIMEOUT,
                action=None,
                close=rule.close,
                outcome=rule.outcome,
            )
        )
    elif rule.kind is TimeoutKind.AS_ACTION:
        applied = next((a for a in stage.actions if a.name == rule.action), None)
        if applied is not None and available(applied, case_type):
            edges += _action_edges(stage, applied, TIMEOUT, case_type)
    return edges


def track_outcomes(guideline: Guideline, case_type: CaseType) -> list[ClosingState]:
    """The outcomes the track's actions set, in the order they appear."""
    outcomes = [
        action.outcome
        for stage in guideline.stages_for(case_type).values()
        for action in stage.actions
        if action.outcome is not None and available(action, case_type)
    ]
    return list(dict.fromkeys(outcomes))


# ---------------------------------------------------------------- Mermaid


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _closed(state: ClosingState) -> str:
    return f"closed_{state.value}"


def _ends(edge: Edge, outcomes: list[ClosingState]) -> list[str]:
    if edge.to is not None:
        return [edge.to]
    if edge.close is not None:
        return [_closed(edge.close)]
    return [_closed(state) for state in outcomes]


def mermaid(guideline: Guideline, case_type: CaseType) -> str:
    """A Mermaid `flowchart TD` of the track's stages, actions, timeouts and closing states."""
    stages = guideline.stages_for(case_type)
    outcomes = track_outcomes(guideline, case_type)
    lines = ["flowchart TD", f"    filed(({_quoted('filed')})) --> {guideline.entry_stage}"]
    for stage in stages.values():
        parts = (stage.name, stage.title, str(stage.limit) if stage.limit else "")
        lines.append(f"    {stage.name}[{_quoted('<br/>'.join(p for p in parts if p))}]")
    closings: list[ClosingState] = []
    for stage in stages.values():
        for edge in stage_edges(stage, case_type):
            arrow = "-.->" if edge.trigger == TIMEOUT else "-->"
            label = _quoted(edge.label)
            lines += [f"    {stage.name} {arrow}|{label}| {end}" for end in _ends(edge, outcomes)]
            closings += [edge.close] if edge.close else outcomes if edge.with_outcome else []
    # Common actions exist in every open stage: one shared node keeps the chart legible.
    for action in guideline.common_actions:
        if action.close is not None and available(action, case_type):
            lines.append(f"    every_open_stage[/{_quoted('every open stage')}/]")
            label = _quoted(action.name)
            lines.append(f"    every_open_stage -->|{label}| {_closed(action.close)}")
            closings.append(action.close)
    for state in dict.fromkeys(closings):
        lines.append(f"    {_closed(state)}([{_quoted(f'closed: {state.value}')}])")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- plain-text table

_HEADERS = ("stage", "actors", "limit", "actions → next", "on timeout", "legal basis", "proposed")


def _limit_cell(stage: Stage) -> list[str]:
    cell = [str(stage.limit)] if stage.limit is not None else ["-"]
    if stage.agreement_limit:
        cell.append("(or the agreement's)")
    if stage.extension is not None:
        consent = ", all parties" if stage.extension.requires_all_parties else ""
        cell.append(f"+{stage.extension.limit} x{stage.extension.max_count}{consent}")
    return cell


def _edge_end(edge: Edge) -> str:
    prefix = f"[{edge.branch[0].value}={edge.branch[1]}] " if edge.branch else ""
    if edge.to is not None:
        return prefix + edge.to
    if edge.close is not None:
        return f"{prefix}closed {edge.close.value}"
    return f"{prefix}closed with the outcome"


def _arrows(head: str, ends: list[str]) -> list[str]:
    """`head → end` for the first end, continuation lines aligned under it for the rest."""
    if not ends:
        return [head]
    return [f"{head if n == 0 else ' ' * len(head)} → {end}" for n, end in enumerate(ends)]


def _when(action: Action) -> str:
    facts = [f"{fact.value}={'|'.join(values)}" for fact, values in action.when.items()]
    return f" (when {', '.join(facts)})" if facts else ""


def _actions_cell(stage: Stage, case_type: CaseType) -> list[str]:
    edges = stage_edges(stage, case_type)
    cell: list[str] = []
    for action in stage.actions:
        if not available(action, case_type):
            continue
        head = action.name + _when(action)
        head += f" (confirms {action.confirms})" if action.confirms else ""
        head += " (propose)" if action.effect is Effect.PROPOSE else ""
        head += " (every party)" if action.every_party else ""
        cell += _arrows(head, [_edge_end(e) for e in edges if e.trigger == action.name])
    return cell or ["-"]


def _timeout_cell(stage: Stage, case_type: CaseType) -> list[str]:
    rule = stage.timeout
    if rule is None:
        return ["-"]
    head = {
        TimeoutKind.GOTO: "goto",
        TimeoutKind.CLOSE: "close",
        TimeoutKind.OVERDUE: "overdue + notify",
        TimeoutKind.AS_ACTION: f"as {rule.action}",
    }[rule.kind]
    ends = [_edge_end(e) for e in stage_edges(stage, case_type) if e.trigger == TIMEOUT]
    cell = _arrows(head, ends)
    if rule.repeat_every is not None:
        cell.append(f"remind every {rule.repeat_every}")
    if rule.records is not None:
        cell.append(f"records {rule.records}")
    return cell


def stage_table(guideline: Guideline, case_type: CaseType) -> str:
    """A plain-text table of the track: actors, limits, actions, timeouts and legal basis."""
    rows: list[list[list[str]]] = [[[header] for header in _HEADERS]]
    for stage in guideline.stages_for(case_type).values():
        rows.append(
            [
                [stage.name],
                [", ".join(actor.value for actor in stage.actors)],
                _limit_cell(stage),
                _actions_cell(stage, case_type),
                _timeout_cell(stage, case_type),
                textwrap.wrap(stage.legal_basis_of(case_type), 40),
                ["yes" if stage.proposed_default else "no"],
            ]
        )
    widths = [max(len(line) for row in rows for line in row[i]) for i in range(len(_HEADERS))]
    out: list[str] = []
    for number, row in enumerate(rows):
        for depth in range(max(len(cell) for cell in row)):
            parts = [
                (cell[depth] if depth < len(cell) else "").ljust(w)
                for cell, w in zip(row, widths, strict=True)
            ]
            out.append("  ".join(parts).rstrip())
        if number == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"
