"""The forum preview: the form's parties as the routing rules see them, and what they say.

What the form shows beside the parties as they are filled in (`preview`), and why a filing's
parties cannot form a case, said by the same rules (`unroutable_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.konsol.filing_choices import REGION, THIRD_PARTY_KINDS
from api.konsol.filing_form import FilingForm, case_type, clause_route
from api.konsol.forum_text import explanation
from api.konsol.names import forum_name
from api.konsol.region_search import resolve_region
from api.messages.catalogue import Message
from api.problems import Unprocessable
from api.services.routing import PartySketch, preview_routing
from models.case import PartyKind, Side
from models.regions import Region


@dataclass(frozen=True)
class Sketch:
    """The parties as far as they are known: what routing needs, and the rows left out."""

    parties: list[PartySketch]
    regions: list[Region]
    left_out: int


def sketch_parties(form: FilingForm) -> Sketch:
    """Each row that names a region or a kind of third party, for the routing preview."""
    parties: list[PartySketch] = []
    regions: list[Region] = []
    left_out = 0
    for row in form.rows:
        kind = form.party(row, "kind")
        if kind == REGION:
            region = resolve_region(form.party(row, "region_code"))
            if region is None:
                left_out += 1
                continue
            regions.append(region)
            parties.append(PartySketch(row.side, PartyKind(region.level.value), region.code))
        elif kind in THIRD_PARTY_KINDS:
            parties.append(PartySketch(row.side, PartyKind(kind)))
        else:
            left_out += 1
    return Sketch(parties, regions, left_out)


def preview(form: FilingForm) -> dict[str, Any]:
    """What the preview shows: the forum and rule, why no rule routes these parties, or what
    the form still lacks before it can tell."""
    sketch = sketch_parties(form)
    sides = {party.side for party in sketch.parties}
    base: dict[str, Any] = {"left_out": sketch.left_out}
    if len(sketch.parties) < 2 or sides != {Side.REQUESTING, Side.RESPONDING}:
        return base | {"state": "incomplete"}
    try:
        routing = preview_routing(case_type(form), sketch.parties, clause_route=clause_route(form))
    except Unprocessable as problem:
        reasons = [item["message"] for item in problem.extra.get("errors", [])]
        return base | {"state": "unroutable", "reasons": reasons or [problem.detail]}
    return base | {
        "state": "routed",
        "routing": routing,
        "forum": forum_name(routing.forum.value, routing.gwpp_province, routing.clause_route),
        "explanation": explanation(routing, sketch.regions),
    }


def unroutable_reason(form: FilingForm) -> tuple[str, Message | None]:
    """Why no rule routes the form's parties, and the field to say it at (the dispute clause
    for a KSDPK case without one, else the parties); no reason if a rule does."""
    sketch = sketch_parties(form)
    try:
        preview_routing(case_type(form), sketch.parties, clause_route=clause_route(form))
    except Unprocessable as problem:
        item = problem.extra["errors"][0]
        reason = item["message"]
        cause = reason.params.get("reason") if isinstance(reason, Message) else None
        if isinstance(cause, Message) and cause.id == "routing.ksdpk_clause":
            return "agreement.dispute_clause.route", reason
        return "parties", reason
    return "parties", None
