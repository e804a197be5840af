"""What the benchmark scripts share: the dev server they start, timing helpers, their exit."""

from __future__ import annotations

import asyncio
import math
import os
import platform
import resource
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NoReturn, TypeVar

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from models import search_attributes as sa

TEMPORAL = Path(sys.executable).parent / "temporal"
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")

T = TypeVar("T")
R = TypeVar("R")


def out(text: str = "") -> None:
    """The one place this script writes to stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of another process so far (Linux /proc); None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(exclude: int | None = None) -> float:
    """CPU seconds of this process and every process it started, alive or gone (Linux /proc).

    Counts what `resource.RUSAGE_CHILDREN` misses: processes still running, and those another
    child reaped (a fork server's workers). `exclude` leaves out one child and its own tree.
    """
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = time.process_time() + children.ru_utime + children.ru_stime
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since the listing
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        # utime, stime, and the times of the children it has reaped.
        times[pid] = sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for pid, spent in times.items():
        if _descends(pid, os.getpid(), parents, exclude):
            total += spent
    return total


def _descends(pid: int, ancestor: int, parents: dict[int, int], exclude: int | None) -> bool:
    while pid in parents and pid != exclude:
        pid = parents[pid]
        if pid == ancestor:
            return True
    return False


async def bounded(items: Sequence[T], fn: Callable[[T], Awaitable[R]], limit: int) -> list[R]:
    """`fn` over `items` with at most `limit` calls in flight; results in input order."""
    results: dict[int, R] = {}
    pending = iter(enumerate(items))

    async def lane() -> None:
        for index, item in pending:
            results[index] = await fn(item)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(limit, len(items))):
            group.create_task(lane())
    return [results[index] for index in range(len(items))]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(port: int, db_file: Path) -> list[str]:
    command = [
        str(TEMPORAL), "server", "start-dev", "--headless",
        "--ip", "127.0.0.1", "--port", str(port),
        "--http-port", str(free_port()), "--metrics-port", str(free_port()),
        "--db-filename", str(db_file),
        "--log-level", "error",
    ]  # fmt: skip
    for pragma in SQLITE_PRAGMAS:
        command += ["--sqlite-pragma", pragma]
    return command + sa.dev_server_flags()


async def connect_when_ready(
    target: str, server: asyncio.subprocess.Process, wait: float = 60.0
) -> Client:
    deadline = time.monotonic() + wait
    while True:
        if server.returncode is not None:
            raise RuntimeError(f"the dev server exited with {server.returncode}")
        try:
            return await Client.connect(target, data_converter=pydantic_data_converter)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def stop(server: asyncio.subprocess.Process) -> None:
    if server.returncode is not None:
        return
    server.terminate()
    try:
        await asyncio.wait_for(server.wait(), timeout=15)
    except TimeoutError:
        server.kill()
        await server.wait()


def temporal_version() -> str:
    done = subprocess.run(
        [str(TEMPORAL), "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """The machine a benchmark ran on: CPUs, system and Python."""
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "-"


@contextmanager
def log_tail_on_failure(path: Path) -> Iterator[IO[bytes]]:
    """A log file for child processes; if the run fails, its tail goes to stderr."""
    with path.open("wb") as log:
        try:
            yield log
        except BaseException:
            log.flush()
            tail = path.read_text(errors="replace")[-4000:]
            if tail:
                sys.stderr.write(f"log tail ({path.name}):\n{tail}\n")
            raise


def run_and_exit(main: Callable[[], int]) -> NoReturn:
    """Run a benchmark's main, then leave without interpreter finalisation."""
    code = 1
    try:
        code = main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    except Exception:
        traceback.print_exc()
    finally:
        # temporalio/sdk-python#300: the interpreter can crash at exit; skip the finalisation.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
