"""Where a running `mufakat dev` is, so that other commands find it from any folder.

Once its API answers, `mufakat dev` writes an instance record (data directory, read model, ports,
namespace, its pid) twice: `instance.json` in its data directory, and one file per instance in
the user's state directory (`$MUFAKAT_STATE_DIR`, else `$XDG_STATE_HOME/mufakat`, else
`~/.local/state/mufakat`), under `instances/`. A clean stop removes both. One file per instance,
not one pointer, because instances run side by side: stopping one must not hide the other.
A record whose process is gone (killed outright, the machine rebooted) is stale: it is reported,
never used, and the next `mufakat dev` clears it.

Only the standard library and pydantic here: every `mufakat` command reads these records.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from models.settings import Settings

log = logging.getLogger(__name__)

RECORD_NAME = "instance.json"
STATE_DIR_ENV = "MUFAKAT_STATE_DIR"


class InstanceRecord(BaseModel):
    """One running `mufakat dev`, as its record file holds it (never a password)."""

    data_dir: Path
    database_url: str
    database_url_has_password: bool
    api_url: str
    api_host: str
    api_port: int
    temporal_address: str
    temporal_port: int
    temporal_ui_url: str
    namespace: str
    task_queue: str
    documents_dir: Path
    archive_dir: Path
    pid: int
    # The process's start time in clock ticks since boot: a pid is reused after a reboot or a
    # long uptime, the pair is not.
    process_started: int | None
    started_at: datetime

    def is_running(self) -> bool:
        """The process that wrote this record is alive (and is that same process)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, but another user's
            pass
        started = process_start_ticks(self.pid)
        return self.process_started is None or started is None or started == self.process_started

    def describe(self) -> str:
        """The instance in a few words, for one-line messages."""
        return f"{self.data_dir} (pid {self.pid}, API {self.api_url})"


def state_dir() -> Path:
    """The per-user directory holding the records of running instances."""
    chosen = os.environ.get(STATE_DIR_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    xdg = os.environ.get("XDG_STATE_HOME", "")
    # The XDG specification says a relative path is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    return base / "mufakat"


def _state_file(data_dir: Path) -> Path:
    # Named by the data directory: one instance per data directory (`mufakat dev` locks it).
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return state_dir() / "instances" / f"{digest}.json"


def process_start_ticks(pid: int) -> int | None:
    """When the process started (field 22 of /proc/PID/stat), or None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[19])


def record_of(settings: Settings, *, now: datetime | None = None) -> InstanceRecord:
    """The record of this process running `settings` as `mufakat dev`."""
    from sqlalchemy.engine import make_url

    database = make_url(settings.database_url)
    api_url = f"http://{settings.api_host}:{settings.api_port}"
    return InstanceRecord(
        data_dir=settings.data_dir,
        database_url=database.render_as_string(hide_password=True),
        database_url_has_password=database.password is not None,
        api_url=api_url,
        api_host=settings.api_host,
        api_port=settings.api_port,
        temporal_address=settings.embedded_temporal_address,
        temporal_port=settings.temporal_port,
        temporal_ui_url=f"http://127.0.0.1:{settings.temporal_port + 1000}",
        namespace=settings.namespace,
        task_queue=settings.task_queue,
        documents_dir=settings.documents_dir,
        archive_dir=settings.archive_dir,
        pid=os.getpid(),
        process_started=process_start_ticks(os.getpid()),
        started_at=now or datetime.now(UTC),
    )


def _write(path: Path, text: str) -> None:
    # Written beside and renamed: a reader never sees half a record.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    partial.replace(path)


def publish(record: InstanceRecord) -> Path | None:
    """Write the record in the data directory and in the state directory; the latter's path,
    or None (logged) when the state directory takes no write, which leaves the instance
    reachable with `--data-dir` only."""
    text = record.model_dump_json(indent=2) + "\n"
    _write(record.data_dir / RECORD_NAME, text)
    target = _state_file(record.data_dir)
    try:
        for stale in recorded_instances()[1]:
            _state_file(stale.data_dir).unlink(missing_ok=True)
        _write(target, text)
    except OSError as error:
        log.warning("cannot record this instance in %s: %s", target.parent, error)
        return None
    return target


def withdraw(record: InstanceRecord) -> None:
    """Remove the record from both places, unless another process has written its own since."""
    for path in (record.data_dir / RECORD_NAME, _state_file(record.data_dir)):
        found = read_record(path)
        if found is not None and found.pid == record.pid:
            path.unlink(missing_ok=True)


def read_record(path: Path) -> InstanceRecord | None:
    """The record in `path`, or None if there is none or it cannot be read."""
    try:
        return InstanceRecord.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def recorded_instances() -> tuple[list[InstanceRecord], list[InstanceRecord]]:
    """The records in the state directory: (running, stale), each newest first."""
    running: list[InstanceRecord] = []
    stale: list[InstanceRecord] = []
    folder = state_dir() / "instances"
    with contextlib.suppress(FileNotFoundError):
        for path in sorted(folder.glob("*.json")):
            record = read_record(path)
            if record is not None:
                (running if record.is_running() else stale).append(record)
    running.sort(key=lambda record: record.started_at, reverse=True)
    stale.sort(key=lambda record: record.started_at, reverse=True)
    return running, stale


def running_in(data_dir: Path) -> InstanceRecord | None:
    """The instance running on `data_dir`, from the record there, if it runs."""
    record = read_record(data_dir / RECORD_NAME)
    return record if record is not None and record.is_running() else None
