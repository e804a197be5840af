"""The forum follows the case: who conducts each stage, and who monitors the outcome.

pedoman.md §9 D1: "forum" in a stage is the body conducting it (the operator at intake, the
routed GWPP in `gwpp_*` stages, the Minister in `minister_*`, consultation and coordination, the
adjudicator in KSDPK stages), named per stage by `Stage.conducted_by`. D2: the tail is monitored
by the body that produced the outcome, recorded as the case leaves the stage that produced it
(`Stage.outcome_monitor`, else its track's `monitored_by`). D13: what binds a decision.

A guideline that names none of these (2026.1) reads "forum" from the routing alone, as before.
Pure functions of the guideline, the filing, the routing and the case's recorded facts.
"""

from __future__ import annotations

from collections.abc import Mapping

from models.case import CaseFiling, PartyKind
from models.forum import ForumKind, Routing
from models.pedoman import ActorKind, ClosingState, Conductor, Fact, Guideline, Stage

# The fact (CaseState.recorded) naming who monitors the outcome: gwpp, minister or operator.
MONITORED_BY = "monitored_by"
# The action a party takes against a GWPP decision in its objection window (D13).
OBJECT_TO_DECISION = "object_to_decision"

_BODIES = {
    Conductor.OPERATOR: ActorKind.OPERATOR,
    Conductor.GWPP: ActorKind.GWPP,
    Conductor.MINISTER: ActorKind.MINISTER,
    Conductor.ADJUDICATOR: ActorKind.ADJUDICATOR,
}


def routed_forum(routing: Routing) -> ActorKind:
    """2026.1's reading of "forum": the routing's GWPP, else the Minister."""
    return ActorKind.GWPP if routing.forum is ForumKind.GWPP else ActorKind.MINISTER


def forum_in(
    stage: Stage, filing: CaseFiling, routing: Routing, recorded: Mapping[str, str]
) -> ActorKind:
    """Who "forum" means in this stage of this case."""
    conductor = stage.conducted_by
    if conductor is Conductor.OUTCOME_BODY:
        # Entering the tail without an outcome's body recorded: the forum routed to.
        body = recorded.get(MONITORED_BY)
        conductor = Conductor(body) if body is not None else None
    if conductor is None or conductor is Conductor.ROUTED_FORUM:
        return routed_forum(routing)
    if conductor is Conductor.REGIONAL_GWPP:
        return _BODIES[_regional(routing.gwpp_province, filing)]
    return _BODIES[conductor]


def monitor_after(
    guideline: Guideline, filing: CaseFiling, routing: Routing, stage: Stage
) -> str | None:
    """Who monitors an outcome reached in this stage (gwpp, minister, operator), or None when
    the guideline names nobody for it (the body recorded before stays)."""
    track = guideline.tracks[filing.case_type]
    monitor = stage.outcome_monitor
    if monitor is None and any(s.name == stage.name for s in track.stages):
        monitor = track.monitored_by
    if monitor is None or monitor is Conductor.OUTCOME_BODY:
        return None
    if monitor is Conductor.ROUTED_FORUM:
        return routed_forum(routing).value
    if monitor is Conductor.REGIONAL_GWPP:
        return _regional(routing.gwpp_province, filing).value
    return monitor.value


def _regional(province: str | None, filing: CaseFiling) -> Conductor:
    """The GWPP when every party is a kabupaten/kota of its province (UU 23/2014 Pasal 368(1):
    the GWPP monitors the cooperation of the kabupaten/kota in its province), else Bina Adwil."""
    if province is None:
        return Conductor.OPERATOR
    local = all(
        party.kind in (PartyKind.KABUPATEN, PartyKind.KOTA)
        and str(party.region_code).startswith(f"{province}.")
        for party in filing.parties
    )
    return Conductor.GWPP if local else Conductor.OPERATOR


def forum_facts(guideline: Guideline, routing: Routing) -> dict[Fact, str]:
    """The facts a 2026.2 guideline's transitions branch on: who takes over a mandatory
    cooperation on this route (D2), and whether a GWPP decision binds at once (D13)."""
    body = guideline.takeover_by.get(routing.rule, "")
    if body == "gwpp" and routing.gwpp_province is None:
        body = "minister"  # a route with no GWPP (R6 across provinces): the central government
    binding = guideline.open_questions.gwpp_decision_binding
    return {Fact.TAKEOVER_BY: body, Fact.GWPP_DECISION_BINDING: "yes" if binding else "no"}


def finality(
    guideline: Guideline,
    routing: Routing,
    outcome: ClosingState | None,
    *,
    objection_open: bool,
) -> str | None:
    """What binds the decision being carried out (D13), for a guideline that says so."""
    if not guideline.minister_decision_final_by_law:
        return None
    if outcome is ClosingState.MINISTER_DECISION:
        by_law = routing.rule in guideline.minister_decision_final_by_law
        return "final_by_law" if by_law else "final_by_guideline_proposed"
    if outcome is ClosingState.GWPP_DECISION:
        if objection_open:
            return "open_to_objection"
        return "binding_by_guideline_proposed"
    return None
