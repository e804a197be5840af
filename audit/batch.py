"""Verifying many cases at once: in this process, or in verifying processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from sqlalchemy.engine import Engine
from temporalio.client import Client

from activities.document_store import DocumentStore
from audit.archive import CaseArchives
from audit.checks import DocumentChecker
from audit.replaying import ReplayStream
from audit.verify import verify_cases
from audit.verify_pool import VerifierSetup, verify_in_processes
from models.verification import VerifyReport


async def verify_reports(
    client: Client,
    engine: Engine,
    case_ids: Sequence[str],
    *,
    concurrency: int,
    processes: int,
    sandboxed: bool = False,
    documents: Callable[[], DocumentChecker] | None = None,
    archive_store: Callable[[], DocumentStore] | None = None,
) -> AsyncIterator[VerifyReport]:
    """Every case's report as it is ready, `concurrency` cases at a time, in this process
    (`processes` 0) or in that many verifying processes.

    `documents` makes the document checker, and `archive_store` the store of closed cases'
    archives (read once Temporal no longer holds a case), once in each process that verifies.
    With verifying processes, each takes `concurrency / (2 * processes)` cases at a time (two
    batches in hand).
    """
    setup = VerifierSetup.like(
        client, engine, documents, sandboxed=sandboxed, archive_store=archive_store
    )
    if processes:
        async for report in verify_in_processes(
            client,
            engine,
            case_ids,
            processes=processes,
            setup=setup,
            batch=max(1, concurrency // (2 * processes)),
        ):
            yield report
        return
    async with ReplayStream(setup.replayer()) as stream:
        async for report in verify_cases(
            client,
            engine,
            case_ids,
            concurrency=concurrency,
            replayer=stream,
            documents=documents() if documents else None,
            archives=CaseArchives(engine, archive_store()) if archive_store else None,
        ):
            yield report
