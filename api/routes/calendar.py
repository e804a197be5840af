"""`/v1/calendar`: deadlines counted in hari kerja or hari kalender (pedoman.md §4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from activities.calendar import WorkingDayCalendar
from activities.deadline_quote import (
    DeadlineQuote,
    parse_limit_text,
    parse_start_date,
    quote_deadline,
)
from api.deps import CallerDep
from api.errors import PROBLEM_RESPONSES, Unprocessable

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


async def get_calendar(request: Request) -> WorkingDayCalendar:
    """The app's one calendar, so every request shares its holiday cache."""
    # Made on first use rather than at startup, so an app that never counts never loads holidays;
    # async, so it runs on the event loop and two requests cannot both create one.
    calendar: WorkingDayCalendar | None = getattr(request.app.state, "calendar", None)
    if calendar is None:
        calendar = request.app.state.calendar = WorkingDayCalendar()
    return calendar


CalendarDep = Annotated[WorkingDayCalendar, Depends(get_calendar)]


@router.get(
    "/deadline",
    summary="Hitung tenggat / Count a deadline",
    response_description="Tenggat dan hari libur yang dilewati / The deadline and the days off "
    "it skipped",
    responses=PROBLEM_RESPONSES,
)
def get_deadline(
    caller: CallerDep,
    calendar: CalendarDep,
    start: Annotated[
        str,
        Query(
            description="Tanggal mulai (YYYY-MM-DD), tidak ikut dihitung / The start date, "
            "not itself counted",
            openapi_examples={"Nyepi 2026": {"value": "2026-03-17"}},
        ),
    ],
    limit: Annotated[
        str,
        Query(
            description="Batas waktu: hari kerja (HK) atau hari kalender (HKal) / The limit "
            "in working days (HK) or calendar days (HKal)",
            openapi_examples={"14 hari kerja": {"value": "14HK"}, "30 HKal": {"value": "30HKal"}},
        ),
    ],
) -> DeadlineQuote:
    """The due date of a limit counted from a start date, as a case's clock would count it."""
    # A plain `def`: the first count in a year loads that year's holidays, which blocks.
    try:
        first = parse_start_date(start)
    except ValueError as error:
        raise Unprocessable("invalid_start_date", f"start: {error}") from None
    try:
        span = parse_limit_text(limit)
    except ValueError as error:
        raise Unprocessable("invalid_limit", f"limit: {error}") from None
    try:
        return quote_deadline(calendar, first, span)
    except ValueError as error:
        raise Unprocessable("date_out_of_range", str(error)) from None
