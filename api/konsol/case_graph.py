"""One case's own stage graph: the stages of its guideline version for its case type, and the
ways out of each that this case can take.

A branch on a fact of the case (its forum, its dispute clause, whether the cooperation is
mandatory) keeps only the way this case goes, and a stage it can never reach is left out. A
closing state is a node of its own, `selesai:<state>`; "closed with the outcome" becomes one way
out per outcome the case can reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from models.case import CaseType
from models.pedoman import Fact, Guideline, Stage
from models.pedoman_graph import Edge, stage_edges

CLOSED = "selesai:"
_WITH_OUTCOME = CLOSED + "*"


def closed_id(state: str) -> str:
    """The node of a closing state."""
    return CLOSED + state


@dataclass(frozen=True)
class CaseGraph:
    stages: dict[str, Stage]
    edges: dict[str, list[str]]  # node → nodes it leads to, in the guideline's order
    common_closings: list[str]  # closings reached from any open stage (a withdrawal)

    @property
    def led_to(self) -> set[str]:
        """Every node some edge leads to."""
        return {end for ends in self.edges.values() for end in ends}


def case_facts(
    case_type: str,
    forum: str,
    clause_route: str | None,
    clause_allows_arbitration: bool,
    mandatory_cooperation: bool,
) -> dict[Fact, str]:
    """The facts of the case a transition branches on, as the case's rules read them."""
    return {
        Fact.CASE_TYPE: case_type,
        # A case whose forum is its dispute clause still escalates as the Minister's would.
        Fact.FORUM: "gwpp" if forum == "gwpp" else "minister",
        Fact.CLAUSE_ROUTE: clause_route or "",
        Fact.CLAUSE_ALLOWS_ARBITRATION: "yes" if clause_allows_arbitration else "no",
        Fact.MANDATORY_COOPERATION: "yes" if mandatory_cooperation else "no",
    }


def _applies(edge: Edge, stage: Stage, facts: Mapping[Fact, str]) -> bool:
    if edge.branch is not None and facts.get(edge.branch[0]) != edge.branch[1]:
        return False
    action = next((a for a in stage.actions if a.name == edge.action), None)
    if action is None:
        return True
    return all(facts.get(fact) in values for fact, values in action.when.items())


def case_graph(guideline: Guideline, facts: Mapping[Fact, str]) -> CaseGraph:
    """The case's graph: what it can reach from the entry stage, and how."""
    case_type = CaseType(facts[Fact.CASE_TYPE])
    stages = guideline.stages_for(case_type)
    edges: dict[str, list[str]] = {}
    outcomes: dict[str, list[str]] = {}  # a stage → the outcomes its actions establish
    for stage in stages.values():
        found = [e for e in stage_edges(stage, case_type) if _applies(e, stage, facts)]
        edges[stage.name] = _ends(found)
        outcomes[stage.name] = [
            action.outcome.value
            for action in stage.actions
            if action.outcome is not None
            and all(facts.get(f) in values for f, values in action.when.items())
        ]
    reachable = _reachable(guideline.entry_stage, edges)
    established = [o for name in reachable for o in outcomes.get(name, [])]
    for name in list(edges):
        # "Closed with the outcome": one way out per outcome this case can reach.
        edges[name] = [
            end
            for target in edges[name]
            for end in (
                [closed_id(o) for o in dict.fromkeys(established)]
                if target == _WITH_OUTCOME
                else [target]
            )
        ]
    reachable = _reachable(guideline.entry_stage, edges)
    common = [
        closed_id(action.close.value)
        for action in guideline.common_actions
        if action.close is not None
        and all(facts.get(f) in values for f, values in action.when.items())
    ]
    return CaseGraph(
        stages={name: stage for name, stage in stages.items() if name in reachable},
        edges={name: ends for name, ends in edges.items() if name in reachable},
        common_closings=common,
    )


def _ends(edges: Iterable[Edge]) -> list[str]:
    ends: list[str] = []
    for edge in edges:
        if edge.to is not None:
            ends.append(edge.to)
        elif edge.close is not None:
            ends.append(closed_id(edge.close.value))
        elif edge.with_outcome:
            ends.append(_WITH_OUTCOME)
    return list(dict.fromkeys(ends))


def _reachable(entry: str, edges: Mapping[str, Sequence[str]]) -> set[str]:
    seen = {entry}
    todo = [entry]
    while todo:
        for end in edges.get(todo.pop(), []):
            if end not in seen:
                seen.add(end)
                todo.append(end)
    return seen


def path_taken(entry: str, moves: Iterable[tuple[str, str]]) -> list[str]:
    """The stages a case has been in, in order, from its timeline's (stage before, stage
    after) pairs: each change of stage adds the stage it moved to."""
    path = [entry]
    for before, after in moves:
        if after != before and after != path[-1]:
            path.append(after)
    return path
