"""`mufakat audit`: export cases for auditors, verify many cases at once, verify an export.

An export holds, per case, every run's event history (in the JSON Temporal's tools read), the
hash-chained audit trail, the hashes of its documents (checked against the store) and their
contents, plus a manifest with the SHA-256 of every file, all signed with the instance's key, so
the export itself can be checked years later, with no server (`workflows.audit_export`,
`verify-archive`). A closed case that Temporal no longer holds (past its retention) is exported
and verified from its archive, with the same results.
"""

from __future__ import annotations

import asyncio
import os
import re
import tarfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

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
from models.case import CASE_ID_PATTERN
from workflows.concurrency import as_ready

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from sqlalchemy.engine import Engine
    from temporalio.client import Client

    from activities.document_store import DocumentStore
    from models.settings import Settings
    from models.signing import Signer
    from models.verification import VerifyReport
    from workflows.audit_archive import CaseArchives
    from workflows.audit_checks import DocumentChecker
    from workflows.audit_export import ExportedCase, Sink

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

_T = TypeVar("_T")


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# ---------------------------------------------------------------- connecting


@dataclass
class _Service:
    """What an audit command works against: Temporal, the read model, documents and archives."""

    settings: Settings
    engine: Engine
    client: Client
    documents: DocumentStore
    archives: CaseArchives


def _engine(settings: Settings) -> Engine:

    from models.database import create_database_engine

    url = parse_database_url(settings.database_url)
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    # SQLite would create an empty file, and every case would look unknown.
    if sqlite_file and not Path(str(url.database)).is_file():
        fail(f"no read model at {url.database} (see --data-dir / --database-url)")
    # Not migrated (`ensure_schema`): an audit reads the record as it is and changes nothing.
    return create_database_engine(settings.database_url)


@asynccontextmanager
async def _service(
    data_dir: Path | None, database_url: str | None, temporal_port: int | None
) -> AsyncIterator[_Service]:
    """Temporal and the read model, found the way the service finds them."""
    from activities.document_store import archive_store, document_store
    from workflows.audit_archive import CaseArchives
    from workflows.client import connect_client

    # Unless told, the running `mufakat dev`'s data directory, read model and Temporal port.
    settings = instance_settings(data_dir, database_url, temporal_port)
    engine = _engine(settings)
    try:
        try:
            client = await connect_client(
                embedded_address=settings.embedded_temporal_address,
                namespace=settings.namespace,
                # A plain dict: Temporal's settings loader refuses `os.environ` itself
                # ("'_Environ' object is not an instance of 'dict'") once TEMPORAL_ADDRESS is set.
                env=dict(os.environ),
            )
        except (RuntimeError, ValueError) as error:
            fail(f"cannot connect to Temporal: {_one_line(error)}", _FAILED)
        archives = CaseArchives(engine, archive_store(settings))
        yield _Service(settings, engine, client, document_store(settings), archives)
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


def read_model_case_ids(engine: Engine) -> list[str]:
    """Every case of the read model, in case-id order."""
    from sqlmodel import Session, col, select

    from models.tables import CaseRecord

    with Session(engine) as session:
        return list(session.exec(select(CaseRecord.case_id).order_by(col(CaseRecord.case_id))))


def _known_in_read_model(engine: Engine, case_ids: Sequence[str]) -> set[str]:
    from sqlmodel import Session, col, select

    from models.tables import CaseRecord

    with Session(engine) as session:
        found = session.exec(
            select(CaseRecord.case_id).where(col(CaseRecord.case_id).in_(case_ids))
        )
        return set(found)


async def _known_to_temporal(client: Client, case_id: str) -> bool:
    from temporalio.service import RPCError, RPCStatusCode

    try:
        await client.get_workflow_handle(case_id).describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def _query(client: Client, query: str) -> list[str]:
    from temporalio.service import RPCError, RPCStatusCode

    try:
        return sorted({execution.id async for execution in client.list_workflows(query)})
    except RPCError as error:
        if error.status is RPCStatusCode.INVALID_ARGUMENT:
            fail(f"--query: {_one_line(error)}")
        raise


async def _choose(
    service: _Service, case_ids: list[str] | None, all_cases: bool, query: str | None
) -> list[str]:
    """The cases named (each known to the read model or to Temporal), or every case."""
    if case_ids and all_cases:
        fail("name case ids or give --all, not both")
    if query is not None and not all_cases:
        fail("--query chooses the cases of --all; give --all with it")
    if all_cases:
        if query is None:
            return await asyncio.to_thread(read_model_case_ids, service.engine)
        return await _query(service.client, query)
    named = list(dict.fromkeys(case_ids or []))  # once each, in the order given
    malformed = [case_id for case_id in named if re.fullmatch(CASE_ID_PATTERN, case_id) is None]
    if malformed:
        fail(f"not a case id (PKD-yyyy-nnnnnn): {', '.join(malformed)}")
    recorded = await asyncio.to_thread(_known_in_read_model, service.engine, named)
    # A case the read model lost is still auditable while Temporal holds its history.
    others = [case_id for case_id in named if case_id not in recorded]
    known = await asyncio.gather(*(_known_to_temporal(service.client, c) for c in others))
    unknown = [case_id for case_id, found in zip(others, known, strict=True) if not found]
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


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _archive_top(archive: Path) -> str:
    name = archive.name
    for suffix in (".tar.gz", ".tgz"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


async def _export_case(service: _Service, case_id: str, signing: _Signing) -> ExportedCase:
    from temporalio.service import RPCError, RPCStatusCode

    from workflows.audit import history_document, load_case_runs
    from workflows.audit_archive import ArchiveDamaged
    from workflows.audit_export import exported_case, trail_and_documents

    # The trail before the history: every entry is then of an action the history holds (an
    # entry is written once its action's task has committed), even while the case runs on.
    trail, documents, contents = await asyncio.to_thread(
        trail_and_documents,
        service.engine,
        service.documents,
        case_id,
        contents=signing.with_documents,
    )
    missing: list[str] = []
    history: dict[str, Any] | None = None
    try:
        # From Temporal, or from the case's archive once Temporal no longer holds it.
        runs = await load_case_runs(service.client, case_id, service.archives)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        missing.append(f"Temporal holds no history of case {case_id}, and it has no archive")
    except ArchiveDamaged as damaged:
        missing.append(str(damaged))
    else:
        history = history_document(runs)
    return exported_case(
        case_id,
        history,
        trail,
        documents,
        missing,
        exported_at=signing.now,
        namespace=service.client.namespace,
        signer=signing.signer,
        contents=contents,
    )


@dataclass(frozen=True)
class _Signing:
    """What every case of one export shares: its time, the instance's key, what it holds."""

    now: datetime
    signer: Signer
    with_documents: bool


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
        from workflows.audit_export import manifest, write_manifest
        from workflows.audit_signing import instance_signer

        async with _service(data_dir, database_url, temporal_port) as service:
            chosen = await _choose(service, case_ids, all_cases, query)
            key_file = service.settings.audit_signing_key_file
            signer = await asyncio.to_thread(instance_signer, service.engine, key_file)
            signing = _Signing(now, signer, documents)
            with _sink(destination, archive is not None, now) as sink:
                exported = await _export_all(service, chosen, sink, concurrency, signing)
                entries = [case.entry for case in exported]
                selection = {"all": True, "query": query} if all_cases else {"cases": chosen}
                # Written last: an export without its manifest is visibly incomplete.
                listed = manifest(now, service.client.namespace, selection, entries, signer)
                write_manifest(sink, listed, signer)
        for case in exported:
            for problem in case.missing + case.findings:
                typer.echo(f"warning: {case.case_id}: {problem}", err=True)
        runs = sum(entry["runs"] for entry in entries)
        events = sum(entry["events"] for entry in entries)
        typer.echo(
            f"exported {len(entries)} case(s) ({runs} runs, {events} events) to {destination}"
        )
        return _FAILED if any(case.missing for case in exported) else 0

    with _one_line_errors():
        code = asyncio.run(run())
    if code:
        raise SystemExit(code)


@contextmanager
def _sink(destination: Path, as_archive: bool, now: datetime) -> Iterator[Sink]:
    from workflows.audit_export import TarSink

    if not as_archive:
        destination.mkdir(parents=True, exist_ok=True)
        yield _Folder(destination)
        return
    # Built beside its final name and renamed once whole, so no half archive is ever taken for
    # an export.
    partial = destination.with_name(destination.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as packed:
            yield TarSink(packed, _archive_top(destination), now.timestamp())
        partial.rename(destination)
    finally:
        partial.unlink(missing_ok=True)


async def _export_all(
    service: _Service, case_ids: Sequence[str], sink: Sink, concurrency: int, signing: _Signing
) -> list[ExportedCase]:
    done: list[ExportedCase] = []
    with _progress_bar("exporting", len(case_ids)) as advance:
        async for exported in as_ready(
            case_ids, lambda case_id: _export_case(service, case_id, signing), concurrency
        ):
            for path, data in exported.files.items():
                sink.write(path, data)
            # Only what the manifest needs stays in memory, not every history.
            exported.files = {}
            done.append(exported)
            advance(bool(exported.missing))
    return sorted(done, key=lambda case: case.case_id)


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

# Below this many cases, starting verifying processes (a second or two of CPU, for the fork
# server to import Temporal and the workflow) costs more than it saves: this process verifies.
PROCESS_POOL_FROM = 50
# Cases in flight per verifying process: fetching some overlaps with replaying others.
CONCURRENCY = 8


def verifying_processes(cases: int, processes: int | None) -> int:
    """How many processes verify `cases` cases; 0 means this process verifies them all."""
    if processes is not None:
        return processes
    return (os.cpu_count() or 1) if cases >= PROCESS_POOL_FROM else 0


def verify_concurrency(processes: int) -> int:
    """Cases verified at a time when the command is not told."""
    return max(CONCURRENCY, CONCURRENCY * processes)


async def verify_reports(
    client: Client,
    engine: Engine,
    case_ids: Sequence[str],
    *,
    concurrency: int | None = None,
    processes: int | None = None,
    sandboxed: bool = False,
    documents: Callable[[], DocumentChecker] | None = None,
    archive_store: Callable[[], DocumentStore] | None = None,
) -> AsyncIterator[VerifyReport]:
    """Every case's report as it is ready, as `mufakat audit verify` makes them.

    `documents` makes the document checker, and `archive_store` the store of closed cases'
    archives (read once Temporal no longer holds a case), once in each process that verifies.
    With verifying processes, each takes `concurrency / (2 * processes)` cases at a time (two
    batches in hand); without, this process verifies `concurrency` cases at a time.
    """
    from workflows.audit import verify_cases
    from workflows.audit_archive import CaseArchives
    from workflows.replaying import ReplayStream
    from workflows.verify_pool import VerifierSetup, verify_in_processes

    count = verifying_processes(len(case_ids), processes)
    in_flight = concurrency or verify_concurrency(count)
    setup = VerifierSetup.like(
        client, engine, documents, sandboxed=sandboxed, archive_store=archive_store
    )
    if count:
        async for report in verify_in_processes(
            client,
            engine,
            case_ids,
            processes=count,
            setup=setup,
            batch=max(1, in_flight // (2 * count)),
        ):
            yield report
        return
    async with ReplayStream(setup.replayer()) as stream:
        async for report in verify_cases(
            client,
            engine,
            case_ids,
            concurrency=in_flight,
            replayer=stream,
            documents=documents() if documents else None,
            archives=CaseArchives(engine, archive_store()) if archive_store else None,
        ):
            yield report


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
        from activities.document_store import archive_store, document_store

        async with _service(data_dir, database_url, temporal_port) as service:
            chosen = await _choose(service, case_ids, all_cases, query)
            reports: list[VerifyReport] = []
            with _progress_bar("verifying", len(chosen)) as advance:
                async for report in verify_reports(
                    service.client,
                    service.engine,
                    chosen,
                    concurrency=concurrency,
                    processes=processes,
                    sandboxed=sandboxed,
                    documents=partial(document_store, service.settings),
                    archive_store=partial(archive_store, service.settings),
                ):
                    reports.append(report)
                    advance(not report.ok)
        return sorted(reports, key=lambda report: report.case_id)

    began = time.perf_counter()
    with _one_line_errors():
        reports = asyncio.run(run())
    seconds = time.perf_counter() - began
    if json_file is not None:
        from workflows.audit_export import json_bytes

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
