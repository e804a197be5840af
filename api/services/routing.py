"""Which forum decides a dispute (R1–R8), asked before filing, and the 422s when none does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.messages.catalogue import explained, msg
from api.messages.fields import field_problem
from api.problems import Unprocessable, invalid_request
from models.case import (
    REGION_KINDS,
    CaseType,
    DisputeClause,
    DisputeRoute,
    Party,
    PartyKind,
    Side,
)
from models.forum import Routing
from models.guidelines import default_guideline
from models.regions import MalformedRegionCode, RegionCodeError, RetiredRegion, load_regions
from models.routing import RoutingError, route, route_regions


@dataclass(frozen=True)
class PartySketch:
    """A party as a filing form knows it before it is complete: its side and kind, and the
    region code of a region (a third party's identity does not change the forum)."""

    side: Side
    kind: PartyKind
    region_code: str | None = None


def route_codes(codes: Sequence[str]) -> Routing:
    """The forum of a KSDD dispute between these regions, the requesting one first
    (`GET /v1/route`); each problem points at its `party` query parameter."""
    try:
        # The shipped guideline's answers to the open questions (R5), as new cases get them.
        return route_regions(
            codes, regions=load_regions(), open_questions=default_guideline().open_questions
        )
    except RegionCodeError as error:
        raise region_code_problem(error, ["party", list(codes).index(error.code)]) from None
    except RoutingError as error:
        raise unroutable(error, "query", ["party"]) from None


def preview_routing(
    case_type: CaseType,
    parties: Sequence[PartySketch],
    *,
    clause_route: DisputeRoute | None = None,
) -> Routing:
    """The forum a filing of these parties would be routed to, and the rule and reason.

    What the filing form shows as it is filled in: the same rules, under the same guideline, as
    filing the case. A region code that is malformed or names no region is 422
    `malformed_region_code` / `unknown_region` at `parties/<index>/region_code`; parties no rule
    routes, 422 `unroutable` at `parties`, as `GET /v1/route` answers.
    """
    regions = load_regions()
    drafted: list[Party] = []
    for index, sketch in enumerate(parties):
        region = None
        if sketch.kind in REGION_KINDS:
            try:
                region = regions.get(sketch.region_code or "")
            except RegionCodeError as error:
                raise region_code_problem(error, _at(index), "body") from None
        # Not validated as a filing would be: a code that does not fit its kind (a province's
        # for a kabupaten) is for the rules to explain (`routing.wrong_kind`).
        drafted.append(
            Party.model_construct(
                kind=sketch.kind,
                side=sketch.side,
                region_code=region.code if region else None,
                third_party_id=None if region else f"{sketch.kind.value}-{index + 1}",
                name=region.name if region else sketch.kind.value,
            )
        )
    clause = DisputeClause(route=clause_route) if clause_route is not None else None
    try:
        return route(
            case_type,
            drafted,
            clause=clause,
            regions=regions,
            open_questions=default_guideline().open_questions,
        )
    except RoutingError as error:
        raise unroutable(error, "body", ["parties"]) from None


def _at(index: int) -> list[str | int]:
    return ["parties", index, "region_code"]


def unroutable(
    error: RoutingError | RegionCodeError, location: str, where: Sequence[str | int]
) -> Unprocessable:
    """The 422 for parties no rule (R1–R8) routes: it points at `where` in the request's
    `location` and gives the routing rules' reason in the caller's language."""
    why = msg("unroutable", reason=explained(error))
    return invalid_request([field_problem(location, where, "unroutable", why)], "unroutable")


def region_code_problem(
    error: RegionCodeError, where: Sequence[str | int], location: str = "query"
) -> Unprocessable:
    """A 422 problem naming the code at `where` (in a query parameter unless told): malformed,
    or not a known region."""
    if isinstance(error, RetiredRegion):  # pedoman.md §9 D23: name the code now in use
        kind = "retired_region_code"
        why = explained(error)
    else:
        kind = (
            "malformed_region_code" if isinstance(error, MalformedRegionCode) else "unknown_region"
        )
        why = msg(kind, code=error.code)
    return invalid_request([field_problem(location, where, kind, why)], kind)
