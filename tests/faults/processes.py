"""Temporal's dev server, `mufakat worker` and `mufakat api` as three processes on loopback.

Each runs as the product runs it (the dev server with `temporal_server_argv`'s flags on a SQLite
file, the installed `mufakat` commands), so that a test can SIGKILL one and start it again on the
same data, the way a crash and a supervisor's restart would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from api.cli.embedded import child_env, installed_program, namespace_ready, temporal_server_argv
from models.settings import Settings, get_settings
from tests.conftest import SUGGEST_CONTINUE_AS_NEW_AFTER
from tests.dev_instance import free_port

TEMPORAL_READY_SECONDS = 30.0
API_READY_SECONDS = 30.0
WORKER_READY_SECONDS = 30.0
STOP_SECONDS = 10.0
POLL_SECONDS = 0.1
LOG_TAIL_LINES = 40

# Cases continue as new after a few actions, so a fault also lands on run boundaries.
CONTINUE_AS_NEW_FLAGS = [
    "--dynamic-config-value",
    f"limit.historyCount.suggestContinueAsNew={SUGGEST_CONTINUE_AS_NEW_AFTER}",
]


class ProcessDied(AssertionError):
    """A service exited when the test did not stop it."""


@dataclass
class Service:
    """One process, started (and restarted) with the same command; its output in one log."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        log = _open_log(self.log_path, f"start #{self.starts}: {' '.join(self.argv)}")
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                # Its own group: a signal to it reaches whatever it started, and a terminal's
                # Ctrl-C reaches only pytest, which then stops it in order.
                process_group=0,
            )
        finally:
            log.close()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as a crash or the OOM killer would end it."""
        await self._signal_and_wait(signal.SIGKILL, STOP_SECONDS)

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not stopped in time."""
        if not await self._signal_and_wait(signal.SIGTERM, STOP_SECONDS):
            await self._signal_and_wait(signal.SIGKILL, STOP_SECONDS)

    async def _signal_and_wait(self, signum: int, seconds: float) -> bool:
        process = self.process
        if process is None:
            return True
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
        try:
            async with asyncio.timeout(seconds):
                await process.wait()
        except TimeoutError:
            return False
        return True

    def check_alive(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            raise ProcessDied(
                f"{self.name} exited with code {self.process.returncode}:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _open_log(path: Path, banner: str) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.open("ab")
    log.write(f"\n=== {time.strftime('%H:%M:%S')} {banner}\n".encode())
    log.flush()
    return log


@dataclass
class Deployment:
    """The three services of one instance, on free ports and one data directory."""

    settings: Settings
    temporal: Service
    worker: Service
    api: Service
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> tuple[Service, Service, Service]:
        return (self.temporal, self.worker, self.api)

    @property
    def api_url(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"

    async def start(self) -> None:
        """Temporal, then the worker and the API; return once each serves."""
        await self.temporal.start()
        await self.wait_temporal()
        await self.worker.start()
        await self.api.start()
        await self.wait_api()
        await self.wait_worker()

    async def close(self) -> None:
        for service in reversed(self.services):
            await service.stop()

    async def restart(self, service: Service, down_seconds: float) -> float:
        """SIGKILL `service`, leave it down a while, start it again; the monotonic restart time."""
        self.check_alive()
        await service.kill()
        await asyncio.sleep(down_seconds)
        await service.start()
        return time.monotonic()

    def check_alive(self) -> None:
        for service in self.services:
            service.check_alive()

    def logs(self) -> str:
        """The end of every service's log, to read when a check fails."""
        return "\n".join(
            f"--- {service.name} ({service.log_path}):\n{service.log_tail()}"
            for service in self.services
        )

    # ------------------------------------------------------------------ readiness

    async def wait_temporal(self) -> None:
        temporal = installed_program("temporal")

        async def ready() -> bool:
            return await asyncio.to_thread(namespace_ready, temporal, self.settings)

        await self._wait("Temporal's namespace", ready, TEMPORAL_READY_SECONDS)

    async def wait_api(self) -> None:
        async with httpx.AsyncClient(timeout=5) as http:

            async def ready() -> bool:
                try:
                    return (await http.get(f"{self.api_url}/health")).status_code == 200
                except httpx.TransportError:
                    return False

            await self._wait("the API's /health", ready, API_READY_SECONDS)

    async def wait_worker(self) -> None:
        """Until this worker process (by pid, its default identity) polls for workflow tasks."""

        async def ready() -> bool:
            return f"{self.worker.pid}@" in await asyncio.to_thread(self._pollers)

        await self._wait("the worker's polling", ready, WORKER_READY_SECONDS)

    def _pollers(self) -> str:
        describe = [
            installed_program("temporal"),
            "task-queue",
            "describe",
            "--disable-config-file",
            "--disable-config-env",
            "--address",
            self.settings.embedded_temporal_address,
            "--namespace",
            self.settings.namespace,
            "--task-queue",
            self.settings.task_queue,
            "--output",
            "json",
        ]
        done = subprocess.run(describe, capture_output=True, text=True, timeout=10, check=False)
        return done.stdout if done.returncode == 0 else ""

    async def _wait(self, what: str, ready: Callable[[], Awaitable[bool]], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            if await ready():
                return
            await asyncio.sleep(POLL_SECONDS)
        raise AssertionError(f"{what} not ready within {seconds:.0f} s\n{self.logs()}")

    # ------------------------------------------------------------------ keys

    async def token(self, role: str, scope: str | None = None) -> str:
        """A token from `mufakat keys create`, as an administrator makes it; one per role, scope."""
        name = f"{role}:{scope or '-'}"
        if name not in self.tokens:
            argv = [installed_program("mufakat"), "keys", "create", "--role", role]
            argv += ["--name", f"faults {name}", "--data-dir", str(self.settings.data_dir)]
            argv += ["--scope", scope] if scope else []
            done = await asyncio.to_thread(
                subprocess.run,
                argv,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env=self.env,
            )
            match = re.search(r"^token: (\S+)$", done.stdout, re.MULTILINE)
            assert done.returncode == 0 and match, done.stderr
            self.tokens[name] = match.group(1)
        return self.tokens[name]


@asynccontextmanager
async def deployment(root: Path, *, database_url: str = "") -> AsyncIterator[Deployment]:
    """Start the three services under `root` (read model: SQLite in `root` unless told); stop
    them on the way out, whatever happened, and add their logs to a failing test's report."""
    settings = get_settings(
        data_dir=root / "data",
        api_port=free_port(),
        temporal_port=free_port(with_ui=True),
        database_url=database_url or None,
    )
    # The children follow these settings alone: a developer's TEMPORAL_* or MUFAKAT_* (a task
    # queue, a documents bucket) must not send them elsewhere.
    env = {k: v for k, v in child_env(os.environ).items() if not k.startswith("MUFAKAT_")}
    env |= {
        "MUFAKAT_DATABASE_URL": settings.database_url,
        "MUFAKAT_NAMESPACE": settings.namespace,
        "MUFAKAT_TASK_QUEUE": settings.task_queue,
        "MUFAKAT_API_HOST": settings.api_host,
        "MUFAKAT_LOG_LEVEL": "WARNING",
    }
    mufakat = installed_program("mufakat")
    instance = [
        "--data-dir",
        str(settings.data_dir),
        "--temporal-port",
        str(settings.temporal_port),
    ]
    logs = root / "logs"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    temporal_argv = temporal_server_argv(installed_program("temporal"), settings)
    running = Deployment(
        settings=settings,
        temporal=Service(
            "temporal", temporal_argv + CONTINUE_AS_NEW_FLAGS, env, logs / "temporal.log"
        ),
        worker=Service("worker", [mufakat, "worker", *instance], env, logs / "worker.log"),
        api=Service(
            "api",
            [mufakat, "api", *instance, "--api-port", str(settings.api_port)],
            env,
            logs / "api.log",
        ),
        env=env,
    )
    try:
        await running.start()
        yield running
    except BaseException as failure:
        failure.add_note(running.logs())
        raise
    finally:
        await running.close()
