"""`/v1/deadlines`: running deadlines a new holiday calendar would move, and recounting them
(pedoman.md §9 D20)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BackendDep, CalendarDep, CallerDep, EngineDep
from api.problems import FORBIDDEN, NOT_FOUND, PROBLEM_RESPONSES, UNAVAILABLE
from api.services.recalculation import (
    MovedDeadlines,
    RecomputeReport,
    RecomputeRequest,
    list_moved,
    recompute_deadlines,
)

router = APIRouter(prefix="/v1/deadlines", tags=["calendar"])


@router.get(
    "/moved",
    response_model=MovedDeadlines,
    summary="Tenggat yang bergeser oleh kalender baru / Deadlines the new calendar would move",
    response_description="Tenggat tahap yang berjalan dan tanggal barunya / Running stage "
    "deadlines and their new dates",
    responses=PROBLEM_RESPONSES | FORBIDDEN,
)
def get_moved(caller: CallerDep, engine: EngineDep, calendar: CalendarDep) -> MovedDeadlines:
    """Tenggat tahap perkara terbuka yang akan bergeser bila dihitung ulang dengan kalender
    hari libur yang berlaku sekarang; tidak ada yang bergeser sebelum operator menghitungnya
    ulang (`POST /v1/deadlines/recompute`).

    Open cases' stage deadlines that counting again with the holiday calendar in force now
    would move; none moves until an operator recounts it. Operators and admins only.
    """
    # A plain `def`: the read model and the first count in a year block.
    return list_moved(engine, caller, calendar)


@router.post(
    "/recompute",
    response_model=RecomputeReport,
    summary="Hitung ulang tenggat / Recount deadlines with the new calendar",
    response_description="Hasil per perkara / The outcome per case",
    responses=PROBLEM_RESPONSES | FORBIDDEN | NOT_FOUND | UNAVAILABLE,
)
async def recompute(
    body: RecomputeRequest, caller: CallerDep, backend: BackendDep, calendar: CalendarDep
) -> RecomputeReport:
    """Hitung ulang tenggat tahap perkara yang disebut (`case_ids`) atau semua yang tercantum
    (`all_listed`), masing-masing sebagai tindakan operator yang dicatat pada perkaranya.

    Recount the stage deadline of the named cases (`case_ids`) or of every one listed now
    (`all_listed`), each by an action of this operator recorded in its case's timeline and
    audit trail. A case whose deadline the calendar does not move is `not_moved` and left
    alone; a case pinned to a guideline with no recount keeps its dates (`kept_by_guideline`).
    An unknown case id is 404 `unknown_case` before any case changes. The same request again
    recounts nothing twice.
    """
    return await recompute_deadlines(backend, caller, calendar, body)
