"""Verifying many cases at once: worker processes, each a whole verifier of its own.

Verifying a case is CPU-bound Python (replaying its history, decoding and checking what it
holds), so one process verifies about one case at a time however many it has in flight. Each
verifying process fetches, replays and checks whole cases with its own Temporal client,
read-model engine and replay stream; this process only hands out case ids and gathers the
reports, so adding cores adds throughput instead of piling work on one coordinator.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import ConnectConfig, ServiceClient
from temporalio.worker import Replayer

from activities.document_store import DocumentStore
from audit.archive import CaseArchives
from audit.checks import DocumentChecker
from audit.replaying import (
    HistoryReplayer,
    ReplayStream,
    case_replayer,
    unsandboxed_case_replayer,
)
from audit.verify import verify_cases
from models.verification import VerifyReport
from storage.database import create_database_engine
from workflows.concurrency import as_ready

DocumentsFactory = Callable[[], DocumentChecker]
StoreFactory = Callable[[], DocumentStore]


@dataclass(frozen=True)
class VerifierSetup:
    """What a verifying process needs to reach what this process reaches; it is pickled."""

    connect: ConnectConfig
    namespace: str
    database_url: str
    documents: DocumentsFactory | None
    sandboxed: bool
    archive_store: StoreFactory | None = None

    @classmethod
    def like(
        cls,
        client: Client,
        engine: Engine,
        documents: DocumentsFactory | None,
        *,
        sandboxed: bool,
        archive_store: StoreFactory | None = None,
    ) -> VerifierSetup:
        """The same Temporal (address, namespace, TLS, API key) and the same read model."""
        # A runtime belongs to the process that made it; the other process makes its own.
        connect = dataclasses.replace(client.service_client.config, runtime=None, lazy=False)
        return cls(
            connect=connect,
            namespace=client.namespace,
            database_url=engine.url.render_as_string(hide_password=False),
            documents=documents,
            sandboxed=sandboxed,
            archive_store=archive_store,
        )

    def replayer(self) -> Replayer:
        """The replayer this setup asks for: sandboxed, or outside the sandbox."""
        return case_replayer() if self.sandboxed else unsandboxed_case_replayer()

    def archives(self, engine: Engine) -> CaseArchives | None:
        """Closed cases' archives, read through this process's own engine and store."""
        return CaseArchives(engine, self.archive_store()) if self.archive_store else None


class VerifierPool:
    """Processes that verify batches of cases, each batch concurrently within its process."""

    def __init__(self, processes: int, setup: VerifierSetup) -> None:
        self._pool = ProcessPoolExecutor(
            processes,
            mp_context=_fork_server_context(["audit.verify_pool"]),
            initializer=_start_verifying,
            initargs=(setup,),
        )

    async def __aenter__(self) -> VerifierPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self._pool.shutdown, cancel_futures=True)

    async def verify(self, case_ids: Sequence[str]) -> list[VerifyReport]:
        """Verify these cases in one verifying process: their reports, in any order."""
        # Submitting may start a process, and the first waits for the fork server to import
        # the verifier: a thread waits for that, never the event loop.
        submitted = await asyncio.to_thread(self._pool.submit, _verify_here, list(case_ids))
        return await asyncio.wrap_future(submitted)


async def verify_in_processes(
    client: Client,
    engine: Engine,
    case_ids: Iterable[str],
    *,
    processes: int,
    setup: VerifierSetup,
    batch: int,
) -> AsyncIterator[VerifyReport]:
    """Every case's report as it is ready, verified `batch` cases at a time per process.

    Each process has two batches in hand, so it never waits for the next. Until a verifying
    process has answered (they take a moment to start), this process verifies batches too.
    """
    documents = setup.documents() if setup.documents else None
    archives = setup.archives(engine)
    async with ReplayStream(setup.replayer()) as here, VerifierPool(processes, setup) as pool:
        lanes = Lanes(pool_slots=2 * processes)

        async def verify(case_ids: list[str]) -> list[VerifyReport]:
            async with lanes.take() as in_pool:
                if in_pool:
                    return await pool.verify(case_ids)
                return await _verify_batch(client, engine, case_ids, here, documents, archives)

        async for reports in as_ready(_batches(case_ids, batch), verify, 1 + 2 * processes):
            for report in reports:
                yield report


class Lanes:
    """Where the next batch goes: this process (until the pool has answered) or the pool."""

    def __init__(self, pool_slots: int) -> None:
        self._free: asyncio.Queue[bool] = asyncio.Queue()
        self._pool_answered = False
        for in_pool in (False, *[True] * pool_slots):
            self._free.put_nowait(in_pool)

    @asynccontextmanager
    async def take(self) -> AsyncIterator[bool]:
        """A lane: True for the pool, False for this process."""
        in_pool = await self._free.get()
        while not in_pool and self._pool_answered:
            in_pool = await self._free.get()  # this process retires from verifying
        try:
            yield in_pool
        finally:
            if in_pool:
                self._pool_answered = True
            if in_pool or not self._pool_answered:
                self._free.put_nowait(in_pool)


def _batches(case_ids: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for case_id in case_ids:
        batch.append(case_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _verify_batch(
    client: Client,
    engine: Engine,
    case_ids: Sequence[str],
    stream: HistoryReplayer,
    documents: DocumentChecker | None,
    archives: CaseArchives | None = None,
) -> list[VerifyReport]:
    return [
        report
        async for report in verify_cases(
            client,
            engine,
            case_ids,
            concurrency=len(case_ids),
            replayer=stream,
            documents=documents,
            archives=archives,
        )
    ]


@dataclass
class _Verifier:
    """A verifying process's own loop, client, read model, replay stream and documents."""

    loop: asyncio.AbstractEventLoop
    client: Client
    engine: Engine
    stream: ReplayStream
    documents: DocumentChecker | None
    archives: CaseArchives | None


_verifier: _Verifier | None = None


def _start_verifying(setup: VerifierSetup) -> None:
    global _verifier
    loop = asyncio.new_event_loop()
    service = loop.run_until_complete(ServiceClient.connect(setup.connect))
    client = Client(service, namespace=setup.namespace, data_converter=pydantic_data_converter)
    stream = ReplayStream(setup.replayer())
    loop.run_until_complete(stream.__aenter__())
    engine = create_database_engine(setup.database_url)
    _verifier = _Verifier(
        loop=loop,
        client=client,
        engine=engine,
        stream=stream,
        documents=setup.documents() if setup.documents else None,
        archives=setup.archives(engine),
    )


def _verify_here(case_ids: list[str]) -> list[VerifyReport]:
    verifier = _verifier
    assert verifier is not None, "not a verifying process"
    batch = _verify_batch(
        verifier.client,
        verifier.engine,
        case_ids,
        verifier.stream,
        verifier.documents,
        verifier.archives,
    )
    return verifier.loop.run_until_complete(batch)


def _fork_server_context(preload: list[str]) -> multiprocessing.context.BaseContext:
    """Processes forked from a fork server that has `preload` imported, where there is one.

    Never forked from this process: Temporal's runtime refuses to run in a child forked after
    it started. The fork server starts none (it only imports), and forking from it spares every
    worker process the second or more of importing Temporal and the workflow anew, as spawning
    does.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return context
