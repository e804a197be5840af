"""How many case histories per second `mufakat audit verify --all` checks, beside a plain loop.

Starts its own dev server (as `bench_cases` does), files N cases on the production worker with a
SQLite read model and drives each to its close through enough actions for a history of about
50 events (a stored document among them). Then, in the same run and on the same cases, times:

- plain loop: for each case, one after the other, `fetch_history()` then
  `Replayer.replay_workflow(history)` (one `Replayer`, built before the clock starts);
- verify --all: what `mufakat audit verify --all` runs (`verify_reports`): the read model's case
  ids, then the command's defaults: from 50 cases on, one verifying process per CPU, forked from
  a fork server that imports the verifier within the timing, each fetching, replaying (outside
  the workflow sandbox) and checking 8 cases at a time, with this process verifying too until
  they answer; and the local document store: every run fetched and replayed, the read model,
  the audit chain, the trail and the stored documents checked;
- verify --all --sandboxed: the same, replaying inside the sandbox (shown, not judged).

Warm-up passes over a few cases run first, uncounted, so neither side pays for first imports.
Not a pytest test:

    .venv/bin/python -m tests.benchmarks.bench_verify --cases 200
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

import temporalio
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from activities.document_store import LocalDocumentStore
from api.services.pacing import CONCURRENCY, verify_concurrency, verifying_processes
from audit.batch import verify_reports
from audit.selection import read_model_case_ids
from models import search_attributes as sa
from models.roles import Actor
from models.state import ActionRequest, CaseStatus
from storage.database import create_database_engine
from storage.schema import ensure_schema
from tests.benchmarks.common import (
    SQLITE_PRAGMAS,
    bounded,
    connect_when_ready,
    free_port,
    load_average,
    log_tail_on_failure,
    machine,
    out,
    run_and_exit,
    server_command,
    stop,
    temporal_version,
    tree_cpu,
)
from tests.cases import OPERATOR, ksdd_filing, party
from workflows.case_workflow import CaseWorkflow
from workflows.starter import case_input, start_case, take_action
from workflows.worker import build_worker

TARGET = 3.0
# The stored document every case attaches, so verifying reads and hashes real content.
MINUTES = b"%PDF-1.7\n" + b"Berita acara rapat musyawarah\n" * 400


def _actions(document: dict[str, object]) -> tuple[tuple[Actor, str, dict[str, object]], ...]:
    # Kabupaten Bandung v Kota Bandung: accepted, answered with a document, then withdrawn by
    # the requesting party. Each action adds 9 to 20 events (update, projection, clock, search
    # attributes): about 50 events in one run.
    return (
        (OPERATOR, "accept_filing", {}),
        (party("32.73"), "submit_response", {"summary": "Kami menanggapi", "document": document}),
        (OPERATOR, "add_note", {"text": "Para pihak bertemu kembali"}),
        (party("32.04"), "withdraw", {"reason": "Sudah bermufakat"}),
    )


@dataclass
class Timing:
    name: str
    histories: int
    seconds: float
    cpu: float
    first: float | None = None  # seconds to the first report: what starting up costs

    @property
    def rate(self) -> float:
        return self.histories / self.seconds


# ---------------------------------------------------------------- preparing the cases


async def file_cases(
    client: Client, task_queue: str, store: LocalDocumentStore, count: int, concurrency: int
) -> tuple[list[str], float]:
    """File `count` cases and drive each to its close; their ids and the mean history length."""
    sha256 = store.put(MINUTES)
    document: dict[str, object] = {
        "name": "ba-musyawarah.pdf",
        "doc_type": "berita_acara",
        "sha256": sha256,
        "size": len(MINUTES),
    }
    actions = _actions(document)
    template = case_input(case_id="PKD-2026-000001", filing=ksdd_filing(), filed_by=OPERATOR)

    async def one(index: int) -> int:
        case = template.model_copy(update={"case_id": f"PKD-2026-{index + 1:06d}"})
        handle = await start_case(client, case, task_queue=task_queue)
        for step, (actor, action, payload) in enumerate(actions):
            request = ActionRequest(action=action, actor=actor, payload=dict(payload))
            await take_action(handle, request, key=f"{handle.id}-{step}")
        view = await handle.result()
        if view.status is not CaseStatus.CLOSED:
            raise RuntimeError(f"{handle.id} is {view.status}, not closed")
        return len((await handle.fetch_history()).events)

    lengths = await bounded(list(range(count)), one, concurrency)
    return [f"PKD-2026-{index + 1:06d}" for index in range(count)], sum(lengths) / len(lengths)


# ---------------------------------------------------------------- the two ways of checking


async def plain_loop(client: Client, case_ids: Sequence[str], replayer: Replayer) -> Timing:
    """One case after the other: fetch its history, replay it."""
    cpu, began = _cpu(), time.perf_counter()
    for case_id in case_ids:
        history = await client.get_workflow_handle(case_id).fetch_history()
        await replayer.replay_workflow(history)
    return Timing("plain Replayer loop", len(case_ids), *_since(began, cpu))


async def verify_all(
    client: Client, engine: Engine, store: LocalDocumentStore, *, sandboxed: bool = False
) -> Timing:
    """Every case of the read model, as `mufakat audit verify --all [--sandboxed]` runs it."""
    cpu, began = _cpu(), time.perf_counter()
    case_ids = await asyncio.to_thread(read_model_case_ids, engine)
    failed: list[str] = []
    verified = 0
    first: float | None = None
    processes = verifying_processes(len(case_ids), None)
    async for report in verify_reports(
        client,
        engine,
        case_ids,
        concurrency=verify_concurrency(processes),
        processes=processes,
        sandboxed=sandboxed,
        documents=partial(LocalDocumentStore, store.directory),
    ):
        first = first or time.perf_counter() - began
        verified += 1
        if not report.ok:
            failed.append(report.case_id)
    if failed or verified != len(case_ids):
        raise RuntimeError(f"verified {verified} of {len(case_ids)}; failed: {failed[:5]}")
    name = "audit verify --all" + (" --sandboxed" if sandboxed else "")
    return Timing(name, verified, *_since(began, cpu), first=first)


# The dev server is a child of this process too; its CPU is not what either side spends.
_server_pid: int | None = None


def _cpu() -> float:
    # This process, its verifying processes and the fork server that starts them.
    return tree_cpu(exclude=_server_pid)


def _since(began: float, cpu: float) -> tuple[float, float]:
    return time.perf_counter() - began, _cpu() - cpu


# ---------------------------------------------------------------- the run


async def bench(args: argparse.Namespace, workdir: Path, log: IO[bytes]) -> Results:
    global _server_pid
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *server_command(port, workdir / "bench.db"),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    _server_pid = server.pid
    try:
        client = await connect_when_ready(f"127.0.0.1:{port}", server)
        out(
            f"server:   127.0.0.1:{port} (SQLite file, {', '.join(SQLITE_PRAGMAS)}, "
            f"{len(sa.ALL)} search attributes)"
        )
        engine = create_database_engine(f"sqlite:///{workdir / 'read-model.db'}")
        ensure_schema(engine)
        store = LocalDocumentStore(workdir / "documents")
        queue = f"bench-verify-{uuid.uuid4().hex[:8]}"
        began = time.perf_counter()
        async with build_worker(client, read_model=engine, task_queue=queue):
            case_ids, events = await file_cases(client, queue, store, args.cases, args.concurrency)
        out(f"prepared: {args.cases} closed cases in {time.perf_counter() - began:.1f} s")
        # Every case is closed and the worker is gone: nothing else of this run uses the machine.
        replayer = Replayer(workflows=[CaseWorkflow], data_converter=pydantic_data_converter)
        warm = case_ids[: args.warmup]
        if warm:
            await plain_loop(client, warm, replayer)
            async for _ in verify_reports(
                client, engine, warm, concurrency=CONCURRENCY, processes=0, documents=lambda: store
            ):
                pass
        plain = await plain_loop(client, case_ids, replayer)
        out(f"measured: {plain.name}: {plain.seconds:.2f} s")
        verified = await verify_all(client, engine, store)
        out(f"measured: {verified.name}: {verified.seconds:.2f} s")
        sandboxed = await verify_all(client, engine, store, sandboxed=True)
        out(f"measured: {sandboxed.name}: {sandboxed.seconds:.2f} s")
        return Results(plain, verified, sandboxed, events)
    finally:
        await stop(server)


@dataclass
class Results:
    plain: Timing
    verified: Timing
    sandboxed: Timing
    events: float


def report(results: Results, cases: int) -> None:
    plain, verified, sandboxed = results.plain, results.verified, results.sandboxed
    timings = (plain, verified, sandboxed)
    width = max(len(timing.name) for timing in timings)
    out()
    out(f"{'':{width}}  histories  wall s  1st s  histories/s  CPU s  vs plain")
    for timing in timings:
        first = "-" if timing.first is None else f"{timing.first:.2f}"
        out(
            f"{timing.name:{width}}  {timing.histories:9d}  {timing.seconds:6.2f}  {first:>5}  "
            f"{timing.rate:11.1f}  {timing.cpu:5.1f}  {timing.rate / plain.rate:7.2f}x"
        )
    ratio = verified.rate / plain.rate
    verdict = "PASS" if ratio >= TARGET else "MISS"
    processes = verifying_processes(cases, None)
    where = f"{processes} verifying process(es)" if processes else "this process"
    out()
    out(f"events per history: {results.events:.1f} (one run each)")
    out(
        f"verify --all: fetches, replays and checks in {where}, "
        f"{verify_concurrency(processes)} cases at a time, "
        "outside the sandbox; --sandboxed: inside it"
    )
    out(
        f"ratio: verify --all checks {ratio:.2f}x as many histories per second as the plain loop "
        f"(target >= {TARGET:.0f}x): {verdict}"
    )
    out("wall s includes starting the verifying processes; 1st s = until the first report;")
    out("CPU s = this process and every process it started (the dev server's apart).")


# ---------------------------------------------------------------- entry point


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_verify",
        description="audit verify --all against a plain Replayer loop, on one dev server.",
    )
    parser.add_argument("--cases", type=int, default=200, help="cases verified (N)")
    parser.add_argument(
        "--concurrency", type=int, default=20, help="cases filed and driven at a time"
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="cases each way checks first, uncounted"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--cases and --concurrency must be positive, --warmup not negative")
    if args.cases > 999_999:
        parser.error("case ids have six digits: --cases must stay below 1,000,000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    out(f"machine:  {machine()}")
    out(f"versions: temporalio {temporalio.__version__}; {temporal_version()}")
    out(f"load:     {load_average()} (1/5/15-minute load average, before)")
    out(f"workload: N={args.cases} cases, warm-up {args.warmup} (not counted)")
    with tempfile.TemporaryDirectory(prefix="mufakat-bench-verify-") as tmp:
        workdir = Path(tmp)
        with log_tail_on_failure(workdir / "server.log") as log:
            results = asyncio.run(bench(args, workdir, log))
    report(results, args.cases)
    out(f"load:     {load_average()} (after)")
    return 0


if __name__ == "__main__":
    run_and_exit(main)
