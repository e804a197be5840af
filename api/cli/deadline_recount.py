"""`mufakat deadline moved` and `mufakat deadline recompute`: the running deadlines the holiday
calendar in force would move, and recounting them as an operator (pedoman.md §9 D20).

Both go through the service the API's `/v1/deadlines` routes use (api/services/recalculation.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.options import DatabaseUrl, DataDir, InstanceTemporalPort, fail, instance_settings

if TYPE_CHECKING:
    from api.services.recalculation import MovedDeadline, RecomputeReport


def moved(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """List the open cases' stage deadlines the current holiday calendar would move."""
    # Imported here so the other commands do not pay for loading them at startup.
    from sqlmodel import Session

    from activities.calendar import WorkingDayCalendar
    from api.services.connecting import read_model
    from api.services.recalculation import moved_deadlines

    settings = instance_settings(data_dir, database_url, uses_temporal=False)
    engine = read_model(settings.database_url, migrate=False)
    calendar = WorkingDayCalendar()
    try:
        with Session(engine) as session:
            listed = moved_deadlines(session, calendar)
    finally:
        engine.dispose()
    typer.echo(f"calendar: {calendar.version}")
    for deadline in listed:
        typer.echo(_moved_line(deadline))
    typer.echo(f"{len(listed)} running deadline(s) would move")


def recompute(
    key: Annotated[
        str,
        typer.Option(
            "--key", help="The operator API key id the recounts are recorded under (keys list)."
        ),
    ],
    case_ids: Annotated[
        list[str] | None, typer.Argument(help="Cases whose stage deadline to recount.")
    ] = None,
    all_listed: Annotated[
        bool, typer.Option("--all", help="Every deadline `mufakat deadline moved` lists.")
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Recorded on each case; default: the dates it moves.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    temporal_port: InstanceTemporalPort = None,
) -> None:
    """Recount running deadlines with the current calendar, by an operator's action on each case."""
    from pydantic import ValidationError

    from activities.calendar import WorkingDayCalendar
    from api.auth import caller_for_key_id
    from api.problems import ApiProblem
    from api.services.connecting import connect_backend, read_model
    from api.services.recalculation import RecomputeRequest, recompute_deadlines

    try:
        request = RecomputeRequest(case_ids=case_ids or None, all_listed=all_listed, reason=reason)
    except ValidationError as error:
        fail(str(error.errors()[0]["msg"]))
    settings = instance_settings(data_dir, database_url, temporal_port)
    engine = read_model(settings.database_url, migrate=False)
    calendar = WorkingDayCalendar()

    async def run() -> RecomputeReport:
        caller = await caller_for_key_id(engine, key)
        try:
            backend = await connect_backend(settings, engine)
        except (RuntimeError, ValueError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            fail(f"cannot connect to Temporal: {reason}", code=1)
        return await recompute_deadlines(backend, caller, calendar, request)

    try:
        report = asyncio.run(run())
    except ApiProblem as problem:
        fail(str(problem), code=1 if problem.status >= 500 else 2)
    finally:
        engine.dispose()
    typer.echo(f"calendar: {report.calendar_version}")
    for result in report.results:
        dates = [date for date in (result.due_date, result.new_due_date) if date is not None]
        typer.echo("  ".join([result.case_id, result.outcome, " → ".join(dates)]).rstrip())


def _moved_line(deadline: MovedDeadline) -> str:
    kept = "" if deadline.recomputable else f"  (kept: guideline {deadline.guideline_version})"
    return (
        f"{deadline.case_id}  {deadline.stage}  {deadline.limit}  {deadline.due_date} → "
        f"{deadline.new_due_date}  ({deadline.working_days:+d} HK)  counted with "
        f"{deadline.calendar_version}{kept}"
    )
