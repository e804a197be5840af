"""`/v1/route`: the forum and routing rule for a KSDD case's region codes (pedoman.md §3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CallerDep
from api.problems import PROBLEM_RESPONSES
from api.services.routing import route_codes
from models.forum import Routing

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
    return route_codes(party)
