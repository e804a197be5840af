"""`/v1/calendar`: deadlines counted in hari kerja or hari kalender (pedoman.md §4)."""

from __future__ import annotations

from typing import Annotated, cast

from annotated_types import Ge, Le
from fastapi import APIRouter, Query

from activities.deadline_quote import (
    CalendarYear,
    DeadlineQuote,
    calendar_year,
    parse_limit_text,
    parse_start_date,
    quote_deadline,
)
from api.deps import CalendarDep, CallerDep
from api.messages.catalogue import Message, msg
from api.messages.fields import field_problem
from api.problems import PROBLEM_RESPONSES, invalid_request
from models.time import Limit

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


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
    except ValueError:
        not_a_date = msg("invalid_start_date", start=start)
        raise _invalid("start", "invalid_start_date", not_a_date) from None
    try:
        span = parse_limit_text(limit)
    except ValueError:
        least, most = _AMOUNTS
        not_a_limit = msg("invalid_limit", limit=limit, least=least, most=most)
        raise _invalid("limit", "invalid_limit", not_a_limit) from None
    try:
        return quote_deadline(calendar, first, span)
    except ValueError:
        too_late = msg("date_out_of_range", limit=str(span), start=first.isoformat())
        raise _invalid("limit", "date_out_of_range", too_late) from None


@router.get(
    "/decrees",
    summary="SKB cuti bersama per tahun / The decree each year follows",
    responses=PROBLEM_RESPONSES,
)
def get_decrees(caller: CallerDep, calendar: CalendarDep) -> list[CalendarYear]:
    """Each year the calendar records a decree for, and the year after the last: the SKB its
    days off follow and whether they may still move (pedoman.md §9 D19)."""
    recorded = calendar.decree_years()
    years = range(min(recorded), max(recorded) + 2) if recorded else range(0)
    return [calendar_year(calendar, year) for year in years]


def _invalid(name: str, code: str, message: Message) -> Exception:
    return invalid_request([field_problem("query", [name], code, message)], code)


def _amounts() -> tuple[int, int]:
    """The fewest and most days a limit may count, as `Limit` bounds them."""
    rules = Limit.model_fields["amount"].metadata
    least = next(rule.ge for rule in rules if isinstance(rule, Ge))
    most = next(rule.le for rule in rules if isinstance(rule, Le))
    return cast(int, least), cast(int, most)


_AMOUNTS = _amounts()
