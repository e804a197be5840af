"""`/v1/route`: the forum and routing rule for a KSDD case's region codes (pedoman.md §3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CallerDep
from api.errors import PROBLEM_RESPONSES, Unprocessable, invalid_request
from api.messages.catalogue import explained, msg
from api.messages.fields import field_problem
from api.routes.regions import region_code_problem
from models.forum import Routing
from models.guidelines import default_guideline
from models.regions import RegionCodeError, load_regions
from models.routing import RoutingError, route_regions

router = APIRouter(prefix="/v1", tags=["routing"])


@router.get(
    "/route",
    summary="Forum penyelesaian / The forum for these parties",
    response_description="Forum, aturan (R1–R6) dan alasannya / The forum, the rule and why",
    responses=PROBLEM_RESPONSES,
)
async def get_route(
    caller: CallerDep,
    party: Annotated[
        list[str],
        Query(
            # Not required: none at all gets the same domain message as one ("at least two").
            default_factory=list,
            description="Kode wilayah para pihak, pemohon lebih dulu / The parties' region "
            "codes, the requesting party first (two or more)",
            openapi_examples={
                "R1: two kabupaten/kota of Jawa Barat": {"value": ["32.04", "32.73"]},
                "R2: two provinces": {"value": ["32", "33"]},
            },
        ),
    ],
) -> Routing:
    """The forum that decides a region–region (KSDD) dispute once musyawarah fails, and why."""
    try:
        # The shipped guideline's answers to the open questions (R5), as new cases get them.
        return route_regions(
            party, regions=load_regions(), open_questions=default_guideline().open_questions
        )
    except RegionCodeError as error:
        raise region_code_problem(error, ["party", party.index(error.code)]) from None
    except RoutingError as error:
        raise unroutable(error, "query", ["party"]) from None


def unroutable(
    error: RoutingError | RegionCodeError, location: str, where: Sequence[str | int]
) -> Unprocessable:
    """The 422 for parties no rule (R1–R8) routes: it points at `where` in the request's
    `location` and gives the routing rules' reason in the caller's language."""
    why = msg("unroutable", reason=explained(error))
    return invalid_request([field_problem(location, where, "unroutable", why)], "unroutable")
