"""`mufakat audit`: export cases for auditors, verify many cases at once, verify an export.

An export holds, per case, every run's event history (in the JSON Temporal's tools read), the
hash-chained audit trail, the hashes of its documents (checked against the store) and their
contents, plus a manifest with the SHA-256 of every file, all signed with the instance's key, so
the export itself can be checked years later, with no server (`audit.export`,
`verify-archive`). A closed case that Temporal no longer holds (past its retention) is exported
and verified from its archive, with the same results. The work is the services' (`api.services
.audit`, as the console's export is): this module chooses the cases, shows progress and prints.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.audit_report import echo_problems, require_json_dir, verified_document
from api.cli.options import (
    DatabaseUrl,
    DataDir,
    InstanceTemporalPort,
    fail,
    instance_settings,
    parse_database_url,
)
from api.cli.verify_archive import verify_archive
from api.services.pacing import CONCURRENCY, PROCESS_POOL_FROM
from models.case import CASE_ID_PATTERN

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from sqlalchemy.engine import Engine

    from api.services.audit import Sink
    from api.services.backend import Backend
    from models.settings import Settings
    from models.verification import VerifyReport

# Temporal, SQLAlchemy, FastAPI's models and rich load when an `audit` command runs: importing
# them here would slow down every other `mufakat` command.

app = typer.Typer(help="Export cases for auditors and verify them.", no_args_is_help=True)

# The exit code when Temporal, the read model or a case check fails (bad input exits 2).
_FAILED = 1

CaseIds = Annotated[
    list[str] | None,
    typer.Argument(metavar="CASE_ID...", help="Case ids (PKD-2026-000123).", show_default=False),
]
AllCases = Annotated[
    bool,
    typer.Option("--all", help="Every case in the read model (or every case --query finds)."),
]
Query = Annotated[
    str | None,
    typer.Option(
        help="With --all: take the cases a Temporal visibility query finds instead, e.g. "
        "\"WorkflowType = 'Case' AND CaseStatus = 'closed'\".",
        show_default=False,
    ),
]
Concurrency = Annotated[int, typer.Option(min=1, max=64, help="Cases worked on at a time.")]


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# ---------------------------------------------------------------- connecting


def _engine(settings: Settings) -> Engine:
    from api.services.connecting import read_model

    url = parse_database_url(settings.database_url)
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    # SQLite would create an empty file, and every case would look unknown.
    if sqlite_file and not Path(str(url.database)).is_file():
        fail(f"no read model at {url.database} (see --data-dir / --database-url)")
    # Not migrated: an audit reads the record as it is and changes nothing.
    return read_model(settings.database_url, migrate=False)


@asynccontextmanager
async def _backend(
    data_dir: Path | None, database_url: str | None, temporal_port: int | None
) -> AsyncIterator[Backend]:
    """Temporal and the read model, found the way the service finds them."""
    from api.services.connecting import connect_backend

    # Unless told, the running `mufakat dev`'s data directory, read model and Temporal port.
    settings = instance_settings(data_dir, database_url, temporal_port)
    engine = _engine(settings)
    try:
        try:
            backend = await connect_backend(settings, engine)
        except (RuntimeError, ValueError) as error:
            fail(f"cannot connect to Temporal: {_one_line(error)}", _FAILED)
        yield backend
    finally:
        engine.dispose()


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Temporal, the read model or a verifying process failing mid-way: one line and exit 1."""
    from concurrent.futures.process import BrokenProcessPool

    from sqlalchemy.exc import OperationalError, ProgrammingError
    from temporalio.service import RPCError

    try:
        yield
    except (OperationalError, ProgrammingError) as error:
        # Only the driver's own first line: the full text would repeat the SQL statement.
        reason = _one_line(error.orig) if error.orig else "cannot read"
        fail(f"read model: {reason}", _FAILED)
    except RPCError as error:
        fail(f"Temporal: {_one_line(error)}", _FAILED)
    except BrokenProcessPool as error:
        fail(f"a verifying process stopped: {_one_line(error)}", _FAILED)


# ---------------------------------------------------------------- choosing the cases


async def _choose(
    backend: Backend, case_ids: list[str] | None, all_cases: bool, query: str | None
) -> list[str]:
    """The cases named (each known to the read model or to Temporal), or every case."""
    from temporalio.service import RPCError, RPCStatusCode

    from api.services.audit import chosen_cases, unknown_cases

    if case_ids and all_cases:
        fail("name case ids or give --all, not both")
    if query is not None and not all_cases:
        fail("--query chooses the cases of --all; give --all with it")
    if all_cases:
        try:
            return await chosen_cases(backend, query)
        except RPCError as error:
            if error.status is RPCStatusCode.INVALID_ARGUMENT:
                fail(f"--query: {_one_line(error)}")
            raise
    named = list(dict.fromkeys(case_ids or []))  # once each, in the order given
    malformed = [case_id for case_id in named if re.fullmatch(CASE_ID_PATTERN, case_id) is None]
    if malformed:
        fail(f"not a case id (PKD-yyyy-nnnnnn): {', '.join(malformed)}")
    unknown = await unknown_cases(backend, named)
    if unknown:
        fail(f"unknown case{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    return named


# ---------------------------------------------------------------- progress


def _progress() -> Progress:
    """A progress bar on stderr, so stdout keeps only the result."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )


# ---------------------------------------------------------------- export


def _destination(out: Path | None, archive: Path | None, now: datetime) -> Path:
    if out is not None and archive is not None:
        fail("give --out or --archive, not both")
    if archive is not None:
        if archive.exists():
            fail(f"{archive} exists; an export never overwrites another")
        if not archive.parent.is_dir():
            fail(f"no directory {archive.parent} for the archive")
        return archive
    folder = out or Path(f"mufakat-audit-{now.strftime('%Y%m%dT%H%M%SZ')}")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        fail(f"{folder} exists and is not an empty directory; an export never mixes with another")
    return folder


@app.command()
def export(
    case_ids: CaseIds = None,
    all_cases: AllCases = False,
    query: Query = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder to write (new or empty; default ./mufakat-audit-<UTC time>).",
            show_default=False,
        ),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(help="Write a .tar.gz instead of a folder.", show_default=False),
    ] = None,
    documents: Annotated[
        bool,
        typer.Option(
            "--documents/--no-documents",
            help="Include each document's content, so `verify-archive` checks its hash.",
        ),
    ] = True,
    concurrency: Concurrency = 8,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    temporal_port: InstanceTemporalPort = None,
) -> None:
    """Export cases, signed: every run's history, the audit trail, documents, and a manifest."""
    now = datetime.now(UTC)
    destination = _destination(out, archive, now)
    if not all_cases and not case_ids:
        fail("name one or more case ids, or give --all")

    async def run() -> int:
        from api.services.audit import export_many

        async with _backend(data_dir, database_url, temporal_port) as backend:
            chosen = await _choose(backend, case_ids, all_cases, query)
            selection = {"all": True, "query": query} if all_cases else {"cases": chosen}
            with (
                _sink(destination, archive is not None, now) as sink,
                _progress_bar("exporting", len(chosen)) as advance,
            ):
                exported = await export_many(
                    backend,
                    chosen,
                    sink,
                    now=now,
                    with_documents=documents,
                    selection=selection,
                    concurrency=concurrency,
                    done=lambda case: advance(bool(case.missing)),
                )
        for case in exported:
            for problem in case.missing + case.findings:
                typer.echo(f"warning: {case.case_id}: {problem}", err=True)
        runs = sum(case.entry["runs"] for case in exported)
        events = sum(case.entry["events"] for case in exported)
        typer.echo(
            f"exported {len(exported)} case(s) ({runs} runs, {events} events) to {destination}"
        )
        return _FAILED if any(case.missing for case in exported) else 0

    with _one_line_errors():
        code = asyncio.run(run())
    if code:
        raise SystemExit(code)


@contextmanager
def _sink(destination: Path, as_archive: bool, now: datetime) -> Iterator[Sink]:
    from api.services.audit import FolderSink, archive_file

    if not as_archive:
        destination.mkdir(parents=True, exist_ok=True)
        yield FolderSink(destination)
        return
    with archive_file(destination, now) as sink:
        yield sink


@contextmanager
def _progress_bar(what: str, total: int) -> Iterator[Callable[[bool], None]]:
    """A bar counting cases done; `advance(True)` counts a failed one, shown beside it."""
    progress = _progress()
    task: TaskID = progress.add_task(what, total=total)
    failed = 0

    def advance(case_failed: bool) -> None:
        nonlocal failed
        failed += case_failed
        label = f"{what} ({failed} failed)" if failed else what
        progress.update(task, advance=1, description=label)

    with progress:
        yield advance


# ---------------------------------------------------------------- verify


@app.command()
def verify(
    case_ids: CaseIds = None,
    all_cases: AllCases = False,
    query: Query = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help=f"Cases verified at a time; default {CONCURRENCY} per verifying process "
            f"(or {CONCURRENCY} in this one).",
            show_default=False,
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=64,
            help="Processes verifying cases (each fetches, replays and checks its own); 0 "
            f"verifies in this one. Default: one per CPU from {PROCESS_POOL_FROM} cases on, "
            "else 0.",
            show_default=False,
        ),
    ] = None,
    sandboxed: Annotated[
        bool,
        typer.Option(
            "--sandboxed",
            help="Replay inside Temporal's workflow sandbox, as the worker runs the code "
            "(about twice the CPU time).",
        ),
    ] = False,
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json", help="Write every case's full report to this file.", show_default=False
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    temporal_port: InstanceTemporalPort = None,
) -> None:
    """Replay and cross-check cases in parallel; exit 1 when any check failed."""
    if not all_cases and not case_ids:
        fail("name one or more case ids, or give --all")
    require_json_dir(json_file)

    async def run() -> list[VerifyReport]:
        from api.services.audit import verify_many

        async with _backend(data_dir, database_url, temporal_port) as backend:
            chosen = await _choose(backend, case_ids, all_cases, query)
            reports: list[VerifyReport] = []
            with _progress_bar("verifying", len(chosen)) as advance:
                async for report in verify_many(
                    backend,
                    chosen,
                    concurrency=concurrency,
                    processes=processes,
                    sandboxed=sandboxed,
                ):
                    reports.append(report)
                    advance(not report.ok)
        return sorted(reports, key=lambda report: report.case_id)

    began = time.perf_counter()
    with _one_line_errors():
        reports = asyncio.run(run())
    seconds = time.perf_counter() - began
    if json_file is not None:
        from api.services.offline import json_bytes

        json_file.write_bytes(json_bytes(_reports_document(reports)))
    _summary(reports, seconds)
    if not all(report.ok for report in reports):
        raise SystemExit(_FAILED)


def _reports_document(reports: Sequence[VerifyReport]) -> dict[str, Any]:
    failed = [report.case_id for report in reports if not report.ok]
    return verified_document(
        len(reports), failed, reports=[report.model_dump(mode="json") for report in reports]
    )


def _summary(reports: Sequence[VerifyReport], seconds: float) -> None:
    failed = [report for report in reports if not report.ok]
    runs = sum(report.runs for report in reports)
    events = sum(report.events for report in reports)
    typer.echo(
        f"verified {len(reports)} case(s) ({runs} runs, {events} events) in {seconds:.1f} s: "
        f"{len(reports) - len(failed)} ok, {len(failed)} failed"
    )
    for report in failed:
        typer.echo(f"FAILED {report.case_id}")
        echo_problems(report.checks)


# Offline, on an auditor's machine: its own module, since it needs none of the above.
app.command("verify-archive")(verify_archive)
