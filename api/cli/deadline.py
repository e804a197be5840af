"""`mufakat deadline`: the due date of a limit, computed as the deadline activity computes it;
`mufakat deadline moved` / `recompute`: running deadlines a new calendar moves (pedoman.md §9 D20).
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer._click.core import Context
from typer.core import TyperGroup

from api.cli import deadline_recount
from api.cli.options import fail
from models.holiday_decrees import ProvisionalReason
from models.time import DayType
from models.zones import local_due, zone_named

_DAY_TYPES = {
    DayType.HK: "working days (HK): Mon-Fri minus libur nasional and cuti bersama",
    DayType.HKAL: "calendar days (HKal): every day counts",
}


_REASONS = {
    ProvisionalReason.ESTIMATED_DATES: "holiday dates still estimates (perkiraan)",
    ProvisionalReason.NO_CUTI_BERSAMA: "no cuti bersama (the SKB is not published yet)",
    ProvisionalReason.DECREE_NOT_RECORDED: "no SKB recorded",
    ProvisionalReason.DECREE_UNCONFIRMED: "SKB reported, its text not yet checked",
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
    for year in quote.years:
        decree = year.decree.decree if year.decree is not None else "no SKB recorded"
        typer.echo(f"{year.year}:      {decree}")
    if result.provisional:
        typer.echo("PROVISIONAL: the due date may move when a decree fixes these days off:")
        for year in quote.years:
            if year.provisional:
                reasons = "; ".join(_REASONS[reason] for reason in year.reasons)
                typer.echo(f"  {year.year}: {reasons}")


class _CountUnlessNamed(TyperGroup):
    """`mufakat deadline START LIMIT` counts, as it did before the group had other commands."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = [COUNT, *args]
        return super().parse_args(ctx, args)


COUNT = "count"
app = typer.Typer(
    cls=_CountUnlessNamed,
    help="Deadlines: count a limit (`mufakat deadline 2026-03-17 14HK`), or list and recount "
    "the running deadlines a new holiday calendar moves.",
    no_args_is_help=True,
)
app.command(COUNT)(deadline)
app.command("moved")(deadline_recount.moved)
app.command("recompute")(deadline_recount.recompute)
