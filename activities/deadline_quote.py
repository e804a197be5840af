"""A deadline quoted from a start date and a limit, as `mufakat deadline` and the API show it.

The same count as the deadline activity (`start_clock`), plus what a reader wants to check it by:
the days off it skipped and the years whose cuti bersama is not published yet.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError

from activities.calendar import WorkingDayCalendar
from activities.deadlines import start_clock
from models.holiday_decrees import HolidayDecree, ProvisionalReason
from models.time import DayType, Deadline, DeadlineRequest, Limit, parse_limit_fields

TIMEZONE = "Asia/Jakarta"  # WIB, as DeadlineRequest assumes


class SkippedDay(BaseModel):
    """A libur nasional or cuti bersama day that a working-day count stepped over."""

    day: date = Field(examples=["2026-03-18"])
    name: str = Field(examples=["Cuti Bersama Hari Suci Nyepi"])


class CalendarYear(BaseModel):
    """A year of the calendar: the decree its days off follow, and whether they may still move."""

    year: int = Field(examples=[2027])
    decree: HolidayDecree | None = Field(
        description="SKB cuti bersama yang diikuti / The SKB the year follows, where recorded."
    )
    provisional: bool
    reasons: list[ProvisionalReason] = Field(
        description="Mengapa sementara / Why the year is provisional (pedoman.md §9 D19)."
    )


def calendar_year(calendar: WorkingDayCalendar, year: int) -> CalendarYear:
    """`year` as the calendar has it: its decree and why it is provisional, if it is."""
    reasons = calendar.provisional_reasons(year)
    return CalendarYear(
        year=year, decree=calendar.decree(year), provisional=bool(reasons), reasons=reasons
    )


class DeadlineQuote(BaseModel):
    """A limit's deadline counted from a start date, with the days off it skipped."""

    start: date = Field(
        description="Tanggal mulai / The start date; the day itself is not counted."
    )
    deadline: Deadline
    holidays_skipped: list[SkippedDay] = Field(
        description="Hari libur yang dilewati / Days off between the start and the due date "
        "(working-day limits only)."
    )
    years_without_cuti_bersama: list[int] = Field(
        description="Tahun tanpa SKB cuti bersama / Years in the window whose cuti bersama the "
        "calendar does not have yet."
    )
    years: list[CalendarYear] = Field(
        default_factory=list,
        description="Tahun dalam rentang / Each year in the window, with its decree: the "
        "provisional ones are `deadline.provisional_years`.",
    )


def parse_start_date(text: str) -> date:
    """`YYYY-MM-DD` as a date; the `ValueError` names the text."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a start date (YYYY-MM-DD): {error}") from None


def parse_limit_text(text: str) -> Limit:
    """`14HK` or `30HKal` as a Limit; the one-line `ValueError` names the text."""
    try:
        return Limit.model_validate(parse_limit_fields(text))
    except ValidationError as error:  # shaped right but out of range: one line, not pydantic's
        raise ValueError(f"{text!r} is not a limit: {error.errors()[0]['msg']}") from None


def quote_deadline(calendar: WorkingDayCalendar, start: date, limit: Limit) -> DeadlineQuote:
    """The deadline of `limit` from the local start of `start` (WIB), and what it skipped."""
    started_at = datetime.combine(start, time(), ZoneInfo(TIMEZONE))
    request = DeadlineRequest(start=started_at, limit=limit, timezone=TIMEZONE)
    try:
        deadline = start_clock(calendar, request)
    except OverflowError:
        raise ValueError(f"{limit} from {start.isoformat()} ends after the year 9999") from None
    due = date.fromisoformat(deadline.due_date)
    skipped: list[SkippedDay] = []
    if limit.day_type is DayType.HK:
        # Calendar days count holidays like any other day, so only a working-day count skips them.
        holidays = calendar.holidays_between(start + timedelta(days=1), due)
        skipped = [SkippedDay(day=holiday.day, name=holiday.name) for holiday in holidays]
    return DeadlineQuote(
        start=start,
        deadline=deadline,
        holidays_skipped=skipped,
        years_without_cuti_bersama=calendar.years_without_cuti_bersama(start, due),
        years=[calendar_year(calendar, year) for year in range(start.year, due.year + 1)],
    )
