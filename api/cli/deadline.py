"""`mufakat deadline`: the due date of a limit, computed as the deadline activity computes it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError

from models.time import DayType, DeadlineRequest, Limit, parse_limit_fields

_TIMEZONE = "Asia/Jakarta"  # WIB, as DeadlineRequest assumes
_DAY_TYPES = {
    DayType.HK: "working days (HK): Mon-Fri minus libur nasional and cuti bersama",
    DayType.HKAL: "calendar days (HKal): every day counts",
}


def deadline(
    start: Annotated[
        str, typer.Argument(help="Start date, YYYY-MM-DD; the day itself is not counted.")
    ],
    limit: Annotated[
        str, typer.Argument(help="Limit: 14HK (working days) or 30HKal (calendar days).")
    ],
) -> None:
    """Print the due date of a limit counted from a start date, and the days off it skips."""
    # Imported here so the other commands do not pay for loading temporalio at startup.
    from activities.calendar import WorkingDayCalendar
    from activities.deadlines import start_clock

    first = _parse_start(start)
    span = _parse_limit(limit)
    calendar = WorkingDayCalendar()
    started_at = datetime.combine(first, time(), ZoneInfo(_TIMEZONE))
    request = DeadlineRequest(start=started_at, limit=span, timezone=_TIMEZONE)
    result = start_clock(calendar, request)
    due = date.fromisoformat(result.due_date)
    due_at = result.due_at.astimezone(ZoneInfo(_TIMEZONE)).isoformat()

    typer.echo(f"due date:  {result.due_date} (ends {due_at}, {_TIMEZONE})")
    typer.echo(f"limit:     {span} from {first.isoformat()}, {_DAY_TYPES[span.day_type]}")
    typer.echo(f"calendar:  {result.calendar_version}")
    if span.day_type is DayType.HK:
        skipped = calendar.holidays_between(first + timedelta(days=1), due)
        typer.echo("skipped:" if skipped else "skipped:   none")
        for holiday in skipped:
            typer.echo(f"  {holiday.day.isoformat()} {holiday.day:%a}  {holiday.name}")
    if result.provisional:
        years = ", ".join(str(year) for year in calendar.years_without_cuti_bersama(first, due))
        typer.echo(
            f"PROVISIONAL: {result.calendar_version} has no cuti bersama for {years} "
            "(the SKB is not published yet); the due date may move."
        )


def _parse_start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        _fail(f"{text!r} is not a start date (YYYY-MM-DD): {error}")


def _parse_limit(text: str) -> Limit:
    try:
        return Limit.model_validate(parse_limit_fields(text))
    except ValidationError as error:  # shaped right but out of range: one line, not pydantic's
        _fail(f"{text!r} is not a limit: {error.errors()[0]['msg']}")
    except ValueError as error:  # not shaped like 14HK: the message already names the value
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    # SystemExit, not typer.Exit: click run with standalone_mode=False (as `main` runs it) returns
    # an Exit's code instead of raising it, so the code would never reach the shell.
    raise SystemExit(2)
