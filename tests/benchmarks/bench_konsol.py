"""Server time of the console's worklist and case page with 100,000 cases in the read model, on
SQLite and on PostgreSQL. Not a pytest test:

    .venv/bin/python -m tests.benchmarks.bench_konsol --seed 100000 \
        --backends sqlite,postgresql [--explain]

For each backend: a fresh read model (a SQLite file; a new PostgreSQL schema on the test server,
dropped afterwards) is filled with `--seed` cases the way `bench_api` fills it (a few hundred
varied cases written by the projection writer, the rest bulk-inserted copies spread over
provinces, stages, forums, parties and deadlines). The API then runs as `mufakat api` does
(uvicorn in its own process, no Temporal needed to read) and each kind of console page is asked
for over HTTP, one request in flight, signed in through the sign-in form like a person: both
worklist tabs for an operator, a party and a GWPP secretariat; filters; search by case id and by
title; page 2; the htmx fragment a filter change fetches; and case pages. Each line gives the
request time p50/p95/max (loopback HTTP, so server time plus well under a millisecond), the same
page rendered in this process over ASGI, and the SQL it ran, timed again alone. A page whose p95
misses the target prints its slowest statement's plan (all do with `--explain`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.app import create_app
from models.roles import Role
from models.settings import get_settings
from models.tables import CaseParty
from storage.database import create_database_engine
from storage.schema import ensure_schema
from tests.benchmarks.bench_api import (
    ROOT,
    TABLES,
    SeedReport,
    Statements,
    _typical_party,
    database_size,
    explain_plan,
    new_key,
    postgresql_version,
    seed,
    table,
)
from tests.benchmarks.common import (
    free_port,
    load_average,
    log_tail_on_failure,
    machine,
    out,
    percentile,
    run_and_exit,
    stop,
)
from tests.databases import temporary_database

TARGET_P95_MS = 100.0
BACKENDS = ("sqlite", "postgresql")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_NEXT = re.compile(r'href="([^"]+)"[^>]*rel="next"')
_CASE_IDS = re.compile(r'class="nomor">(PKD-\d{4}-\d{6})<')
# A phrase in no title: the title search reads every title of the worklist's order.
NO_SUCH_TITLE = "tidak ada judul seperti ini"
MENUNGGU = "/konsol/perkara"
SEMUA = "/konsol/perkara?tampil=semua&"


@dataclass
class Probe:
    """One kind of page: who asks, and its path for the i-th request."""

    name: str
    who: str
    path: Callable[[int], str]
    htmx: bool = False
    lists: bool = True  # a worklist (its rows are counted), not a case page


@dataclass
class ProbeResult:
    name: str
    latencies: list[float] = field(default_factory=list)
    shown: list[int] = field(default_factory=list)
    in_process: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    slowest: tuple[float, str, Any] | None = None
    plan: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def p95(self) -> float | None:
        return percentile(self.latencies, 95)

    def row(self) -> list[str]:
        if self.error is not None:
            return [self.name, "-", "-", "-", "-", "-", "-", "-", "ERROR"]
        rows = f"{sum(self.shown) / len(self.shown):.0f}" if self.shown else "-"
        return [
            self.name,
            str(len(self.latencies)),
            _ms(percentile(self.latencies, 50)),
            _ms(self.p95),
            _ms(max(self.latencies) if self.latencies else None),
            rows,
            _ms(percentile(self.in_process, 50)),
            _ms(percentile(self.sql, 50)),
            "PASS" if self.p95 is not None and self.p95 * 1000 < TARGET_P95_MS else "MISS",
        ]


HEADER = [
    "page", "n", "p50 ms", "p95 ms", "max ms", "rows", "in-proc ms", "SQL ms",
    f"p95<{TARGET_P95_MS:.0f}ms",
]  # fmt: skip


@dataclass
class Report:
    backend: str
    seeded: SeedReport
    size: str
    keys: dict[str, str]
    results: list[ProbeResult]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


@asynccontextmanager
async def konsol_server(
    *, database_url: str, data_dir: Path, log: IO[bytes], wait: float = 60.0
) -> AsyncIterator[str]:
    """`uvicorn --factory api.app:create_app_from_env` on 127.0.0.1, as `mufakat api` runs it;
    its base URL once the console answers. No Temporal runs: reading pages never asks it (and
    `/health` would say it is unreachable, so readiness is the sign-in page answering)."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TEMPORAL_", "MUFAKAT_"))
    }
    env.update(
        MUFAKAT_DATA_DIR=str(data_dir),
        MUFAKAT_DATABASE_URL=database_url,
        MUFAKAT_TEMPORAL_PORT=str(free_port()),
        MUFAKAT_LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"the API exited with {process.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/konsol/masuk")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the console at {base_url} did not answer")
                await asyncio.sleep(0.1)
        yield base_url
    finally:
        await stop(process)


async def signed_in(client: httpx.AsyncClient, token: str) -> None:
    """Sign the client in through the console's form; its cookie jar keeps the session."""
    form = await client.get("/konsol/masuk")
    found = _CSRF.search(form.text)
    if found is None:
        raise RuntimeError(f"no sign-in form at /konsol/masuk: {form.status_code}")
    answer = await client.post("/konsol/masuk", data={"kunci": token, "csrf": found[1]})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in answered {answer.status_code}: {answer.text[:300]}")


async def get(client: httpx.AsyncClient, path: str, htmx: bool) -> httpx.Response:
    headers = {"HX-Request": "true"} if htmx else {}
    answer = await client.get(path, headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path} answered {answer.status_code}: {answer.text[:500]}")
    return answer


async def run_probe(
    probe: Probe,
    http: dict[str, httpx.AsyncClient],
    local: dict[str, httpx.AsyncClient],
    statements: Statements,
    engine: Engine,
    args: argparse.Namespace,
) -> ProbeResult:
    """Warm-up, then sequential requests over HTTP; then a few in this process, SQL recorded."""
    result = ProbeResult(probe.name)
    for i in range(args.warmup + args.requests):
        began = time.perf_counter()
        answer = await get(http[probe.who], probe.path(i), probe.htmx)
        elapsed = time.perf_counter() - began
        if i >= args.warmup:
            result.latencies.append(elapsed)
            if probe.lists:
                result.shown.append(len(_CASE_IDS.findall(answer.text)))
    for i in range(args.warmup, args.warmup + args.direct):
        await get(local[probe.who], probe.path(i), probe.htmx)  # warms this process too
        statements.take()
        began = time.perf_counter()
        await get(local[probe.who], probe.path(i), probe.htmx)
        result.in_process.append(time.perf_counter() - began)
        result.sql.append(_time_statements(engine, statements.take(), result))
    return result


def _time_statements(
    engine: Engine, statements: list[tuple[str, Any]], result: ProbeResult
) -> float:
    """Seconds the statements take again, alone, with the bare driver; keeps the slowest one."""
    total = 0.0
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        for statement, parameters in statements:
            began = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            spent = time.perf_counter() - began
            total += spent
            if result.slowest is None or spent > result.slowest[0]:
                result.slowest = (spent, statement, parameters)
        cursor.close()
        connection.rollback()
    return total


@dataclass
class ReadModel:
    """A seeded read model and the people who ask for its pages."""

    backend: str
    url: str
    seeded: SeedReport
    size: str
    keys: dict[str, str]  # who → token
    party: str  # a region with the median number of cases among regions
    party_cases: list[str]
    province: str  # the province with the most cases
    small: str  # the province with the fewest


def probes(model: ReadModel, rng: random.Random) -> tuple[list[Probe], dict[str, str]]:
    """The pages to ask for, each from a realistic spread of values; page 2's address is filled
    in once page 1 has been read."""
    seeded, party, province, small = model.seeded, model.party, model.province, model.small
    stages = [name for name, _ in seeded.stages.most_common(4)]
    provinces = [code for code, _ in seeded.provinces.most_common()]
    common, rare = provinces[:4], provinces[-4:]
    cases = rng.sample(seeded.case_ids, min(len(seeded.case_ids), 2000))
    prefixes = sorted({case_id[:13] for case_id in cases})  # PKD-2025-0012: ~100 cases each
    page_two: dict[str, str] = {}

    def every(values: Sequence[str], text: str) -> Callable[[int], str]:
        return lambda i: text.format(values[i % len(values)])

    def fixed(path: str) -> Callable[[int], str]:
        return lambda i: path

    worklist = [
        Probe("menunggu tindakan (operator)", "operator", fixed(MENUNGGU)),
        Probe("semua perkara (operator)", "operator", fixed(SEMUA)),
        Probe("semua, halaman 2", "operator", lambda i: page_two["semua"]),
        Probe(f"?stage= ({len(stages)} stages)", "operator", every(stages, SEMUA + "stage={}")),
        Probe(f"?province= ({','.join(common)})", "operator", every(common, SEMUA + "province={}")),
        Probe(
            f"?province= rare ({','.join(rare)})", "operator", every(rare, SEMUA + "province={}")
        ),
        Probe("?forum=gwpp&overdue=true", "operator", fixed(SEMUA + "forum=gwpp&overdue=true")),
        Probe("?sector=aset", "operator", fixed(SEMUA + "sector=aset")),
        Probe(
            "?type=KSDPK&sector=investasi", "operator", fixed(SEMUA + "type=KSDPK&sector=investasi")
        ),
        Probe(f"?party={party}", "operator", fixed(SEMUA + f"party={party}")),
        Probe("?status=closed", "operator", fixed(SEMUA + "status=closed")),
        Probe("?q=<case id>", "operator", every(cases, SEMUA + "q={}")),
        Probe("?q=<id prefix> (PKD-2025-0012)", "operator", every(prefixes, SEMUA + "q={}")),
        Probe("?q=air baku (title)", "operator", fixed(SEMUA + "q=air+baku")),
        Probe(
            "?q=<no such title> (every title)",
            "operator",
            fixed(SEMUA + f"q={NO_SUCH_TITLE.replace(' ', '+')}"),
        ),
        Probe("htmx fragment, ?stage=", "operator", every(stages, SEMUA + "stage={}"), True),
        Probe(f"menunggu tindakan (party {party})", "party", fixed(MENUNGGU)),
        Probe(f"semua perkara (party {party})", "party", fixed(SEMUA)),
        Probe(f"menunggu tindakan (GWPP {province})", "gwpp", fixed(MENUNGGU)),
        Probe(f"semua perkara (GWPP {province})", "gwpp", fixed(SEMUA)),
        Probe(f"menunggu tindakan (GWPP {small})", "gwpp-kecil", fixed(MENUNGGU)),
        Probe(f"semua perkara (GWPP {small})", "gwpp-kecil", fixed(SEMUA)),
    ]
    case_pages = [
        Probe("case page (operator)", "operator", every(cases, "/konsol/perkara/{}"), lists=False),
        Probe(
            f"case page (party {party})",
            "party",
            every(model.party_cases, "/konsol/perkara/{}"),
            lists=False,
        ),
    ]
    return worklist + case_pages, page_two


async def measure(args: argparse.Namespace, backend: str, workdir: Path, log: IO[bytes]) -> Report:
    rng = random.Random(args.random_seed)
    with temporary_database(backend, workdir) as url:
        engine = create_database_engine(url)
        try:
            ensure_schema(engine)
            seeded = await asyncio.to_thread(seed, engine, args.seed, args.templates, rng)
            with engine.begin() as connection:
                for statement in args.ddl:  # a candidate index, measured before it is migrated
                    connection.exec_driver_sql(statement)
                if backend == "postgresql":
                    # What autovacuum does within a minute of such a load; SQLite is left as
                    # the product leaves it.
                    connection.exec_driver_sql("ANALYZE")
            party = _typical_party(seeded.party_counts)
            ranked = seeded.provinces.most_common()
            province, small = ranked[0][0], ranked[-1][0]
            with engine.connect() as connection:
                party_cases = list(
                    connection.execute(
                        select(col(CaseParty.case_id)).where(col(CaseParty.party_id) == party)
                    ).scalars()
                )
            keys = {
                "operator": new_key(engine, Role.OPERATOR, None, "bench operator")[1],
                "party": new_key(engine, Role.PARTY, party, f"bench party {party}")[1],
                "gwpp": new_key(engine, Role.GWPP, province, f"bench gwpp {province}")[1],
                "gwpp-kecil": new_key(engine, Role.GWPP, small, f"bench gwpp {small}")[1],
            }
            model = ReadModel(
                backend,
                url,
                seeded,
                database_size(engine, url),
                keys,
                party,
                party_cases,
                province,
                small,
            )
            return await ask(args, model, workdir, log)
        finally:
            engine.dispose()


async def ask(args: argparse.Namespace, model: ReadModel, workdir: Path, log: IO[bytes]) -> Report:
    """Every page over HTTP from the API in its own process, and in this process over ASGI."""
    chosen, page_two = probes(model, random.Random(args.random_seed))
    local_app = create_app(
        get_settings(data_dir=workdir / f"local-{model.backend}", database_url=model.url)
    )
    local_app.state.temporal = None  # the pages measured read the read model alone
    engine: Engine = local_app.state.engine
    statements = Statements(engine)
    transport = httpx.ASGITransport(app=local_app)
    results: list[ProbeResult] = []
    data_dir = workdir / f"api-{model.backend}"
    async with konsol_server(database_url=model.url, data_dir=data_dir, log=log) as base:
        http = {who: httpx.AsyncClient(base_url=base, timeout=120) for who in model.keys}
        local = {
            who: httpx.AsyncClient(transport=transport, base_url="http://konsol")
            for who in model.keys
        }
        try:
            for who, token in model.keys.items():
                await signed_in(http[who], token)
                await signed_in(local[who], token)
            first = await get(http["operator"], "/konsol/perkara?tampil=semua", False)
            found = _NEXT.search(first.text)
            if found is None:
                raise RuntimeError("the worklist's first page has no link to the next")
            page_two["semua"] = found[1].replace("&amp;", "&")
            for probe in chosen:
                try:
                    result = await run_probe(probe, http, local, statements, engine, args)
                except RuntimeError as failed:  # one page failing must not lose the others
                    results.append(ProbeResult(probe.name, error=str(failed)))
                    continue
                missed = result.p95 is None or result.p95 * 1000 >= TARGET_P95_MS
                if (args.explain or missed) and result.slowest is not None:
                    result.plan = explain_plan(engine, *result.slowest[1:])
                results.append(result)
        finally:
            statements.close()
            for client in [*http.values(), *local.values()]:
                await client.aclose()
            engine.dispose()
    return Report(model.backend, model.seeded, model.size, model.keys, results)


def report(args: argparse.Namespace, result: Report) -> None:
    seeded = result.seeded
    out()
    rows = ", ".join(f"{seeded.rows[name]:,} {name}" for name in TABLES)
    out(
        f"[{result.backend}] {seeded.cases:,} cases seeded in {seeded.seconds:.1f} s "
        f"({seeded.templates} written by the projection writer, the rest bulk-inserted copies); "
        f"{rows}; {result.size}"
    )
    out(
        f"  {args.requests} sequential requests per page over HTTP after {args.warmup} warm-up; "
        f"in-proc = median of {args.direct} in this process over ASGI; SQL = its statements "
        "run again alone (bare driver, all rows fetched); rows = cases listed"
    )
    table(HEADER, [probe.row() for probe in result.results], indent="  ")
    for probe in result.results:
        if probe.error is not None:
            out(f"  {probe.name}: {probe.error[:300]}")
        if probe.plan and probe.slowest is not None:
            spent, statement, parameters = probe.slowest
            out(f"  slowest statement of {probe.name} ({spent * 1000:.1f} ms):")
            out("    " + " ".join(statement.split())[:600])
            out(f"    parameters: {parameters}")
            for line in probe.plan:
                out(f"      {line}")


def summary(reports: list[Report]) -> None:
    out()
    out("summary (p95 over HTTP, target < 100 ms):")
    for result in reports:
        worst = max(result.results, key=lambda probe: probe.p95 or 0)
        misses = [
            probe.name for probe in result.results if (probe.p95 or 0) * 1000 >= TARGET_P95_MS
        ]
        out(
            f"  {result.backend}: worst {worst.name} at {_ms(worst.p95)} ms; "
            f"{len(result.results) - len(misses)}/{len(result.results)} pages PASS"
            + (f"; MISS: {', '.join(misses)}" if misses else "")
        )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_konsol",
        description="The console's worklist and case page at 100,000 cases.",
    )
    parser.add_argument("--seed", type=int, default=100_000, help="cases in the read model")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="read models to measure")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="uncounted requests per page")
    parser.add_argument("--direct", type=int, default=5, help="in-process requests per page")
    parser.add_argument("--templates", type=int, default=300, help="cases the projection builds")
    parser.add_argument("--random-seed", type=int, default=2026, help="for the seeded data")
    parser.add_argument("--explain", action="store_true", help="every page's slowest plan")
    parser.add_argument(
        "--ddl",
        action="append",
        default=[],
        metavar="SQL",
        help="a statement run on the seeded read model before measuring (a candidate index: "
        "`--ddl 'CREATE INDEX ix ON cases (forum, due_order, case_id)'`); repeatable",
    )
    args = parser.parse_args(argv)
    args.backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    if min(args.requests, args.direct, args.templates) < 1 or args.warmup < 0:
        parser.error("counts must be positive")
    if args.seed < 1000 or args.seed > 2_000_000:
        parser.error("--seed must be between 1,000 and 2,000,000 cases")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    out(f"machine:  {machine()}")
    out(f"versions: PostgreSQL {postgresql_version()}")
    out(f"load:     {load_average()} (1/5/15-minute load average, before)")
    out(f"target:   worklist and case page p95 < {TARGET_P95_MS:.0f} ms at {args.seed:,} cases")
    for statement in args.ddl:
        out(f"ddl:      {statement}")
    began = time.perf_counter()
    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="mufakat-bench-konsol-") as tmp:
        workdir = Path(tmp)
        with log_tail_on_failure(workdir / "processes.log") as log:
            for backend in args.backends:
                result = asyncio.run(measure(args, backend, workdir, log))
                report(args, result)
                reports.append(result)
    summary(reports)
    out(f"load:     {load_average()} (after)")
    out(f"total:    {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    run_and_exit(main)
