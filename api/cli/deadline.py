"""`mufakat deadline`: the due date of a limit, computed as the deadline activity computes it."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.options import fail
from models.time import DayType
from models.zones import local_due, zone_named

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
    from activities.deadline_quote import (
        TIMEZONE,
        parse_limit_text,
        parse_start_date,
        quote_deadline,
    )

    try:
        first = parse_start_date(start)
        span = parse_limit_text(limit)
        quote = quote_deadline(WorkingDayCalendar(), first, span)
    except ValueError as error:  # each message names the value that was wrong
        fail(str(error))
    result = quote.deadline
    local = local_due(result.due_at, zone_named(TIMEZONE))

    typer.echo(
        f"due date:  {result.due_date} (ends {local.due_local.isoformat()} {local.zone}, "
        f"{local.timezone})"
    )
    typer.echo(f"limit:     {span} from {first.isoformat()}, {_DAY_TYPES[span.day_type]}")
    typer.echo(f"calendar:  {result.calendar_version}")
    if span.day_type is DayType.HK:
        skipped = quote.holidays_skipped
        typer.echo("skipped:" if skipped else "skipped:   none")
        for holiday in skipped:
            typer.echo(f"  {holiday.day.isoformat()} {holiday.day:%a}  {holiday.name}")
    if result.provisional:
        years = ", ".join(str(year) for year in quote.years_without_cuti_bersama)
        typer.echo(
            f"PROVISIONAL: {result.calendar_version} has no cuti bersama for {years} "
            "(the SKB is not published yet); the due date may move."
        )
