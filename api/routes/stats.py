"""`/v1/stats`: open cases by stage, forum, province and sector; what is overdue."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CalendarDep, CallerDep, SessionDep
from api.problems import PROBLEM_RESPONSES
from api.schemas import Stats
from api.services.stats import case_stats

router = APIRouter(prefix="/v1/stats", tags=["stats"])


@router.get(
    "",
    response_model=Stats,
    summary="Statistik / Statistics",
    response_description="Jumlah perkara / Case counts",
    responses=PROBLEM_RESPONSES,
)
def get_stats(caller: CallerDep, session: SessionDep, calendar: CalendarDep) -> Stats:
    """Jumlah perkara terbuka per tahap, forum, provinsi dan sektor, yang terlambat (juga per
    forum), median hari kerja per tahap, dan perkara diajukan dan selesai per bulan, atas perkara
    yang boleh dilihat pemanggil.

    Open cases by stage, forum, province and sector, what is overdue (also by forum), the median
    working days spent per stage, and cases filed and closed per month, over the cases this
    caller may see.
    """
    return case_stats(session, caller, calendar=calendar)
