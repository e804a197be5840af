"""The CLI finds its instance: `keys`, `audit`, `reindex` and `db` run from any folder, with no
option, work on the running `mufakat dev` (found by its record), or say in one line that none
runs and where they looked, creating nothing.

One real `mufakat dev` on free (non-default) ports is shared by the module, and killed by its
last test; `tests/test_dev.py` checks that a clean stop withdraws the record. Every command runs
as the installed console script, from an empty folder, with no `MUFAKAT_*` or `TEMPORAL_*`
setting but the state directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlmodel import Session

from api.auth import create_key
from api.cli.instance import RECORD_NAME, STATE_DIR_ENV, process_start_ticks
from models.roles import Role
from storage import migrate
from storage.database import create_database_engine
from tests.api_harness import ksdd_filing_json
from tests.conftest import MUFAKAT, clean_env
from tests.dev_instance import STOP_SECONDS, DevInstance, dev_instance, processes_mentioning
from workflows.client import connect_client

HEAD = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
VISIBLE_SECONDS = 15.0


def mufakat(state_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mufakat ARGS` in `cwd`, told nothing of where the instance is but the state directory."""
    env = clean_env(**{STATE_DIR_ENV: str(state_dir)})
    return subprocess.run(
        [MUFAKAT, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def empty_folder(parent: Path) -> Path:
    folder = parent / f"elsewhere-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    return folder


def not_running(cwd: Path, gone: str = "") -> str:
    return (
        f"error: no mufakat dev is running{gone} and there is no read model in "
        f"{cwd / '.mufakat'}: start mufakat dev, or give --data-dir or --database-url"
    )


@dataclass
class Running:
    instance: DevInstance
    state_dir: Path
    case_id: str


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A `mufakat dev` on free ports, with one case filed through its API."""
    root = tmp_path_factory.mktemp("instance")
    state_dir = root / "state"
    with dev_instance(root / "data", state_dir) as instance:
        instance.wait_serving()
        yield Running(instance, state_dir, _file_case(instance))


def _file_case(instance: DevInstance) -> str:
    # The operator's key is made in the instance's database directly, so that these cases do
    # not depend on the command under test.
    engine = create_database_engine(f"sqlite:///{instance.data_dir / 'mufakat.db'}")
    with Session(engine) as session:
        _, token = create_key(
            session, role=Role.OPERATOR, scope=None, name="Bina Adwil", now=datetime.now(UTC)
        )
        session.commit()
    engine.dispose()
    filed = httpx.post(
        f"{instance.api_url}/v1/cases",
        json=ksdd_filing_json(),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert filed.status_code == 201, filed.text
    case_id: str = filed.json()["case_id"]
    asyncio.run(_until_visible(instance))  # `reindex` finds cases through visibility
    return case_id


async def _until_visible(instance: DevInstance) -> None:
    client = await connect_client(
        embedded_address=instance.temporal_address, namespace="default", env={}
    )
    deadline = time.monotonic() + VISIBLE_SECONDS
    while (await client.count_workflows("WorkflowType = 'Case'")).count != 1:
        assert time.monotonic() < deadline, "the filed case never became visible"
        await asyncio.sleep(0.1)


def test_dev_records_where_it_runs(running: Running) -> None:
    instance = running.instance
    (state_file,) = (running.state_dir / "instances").iterdir()
    record = json.loads((instance.data_dir / RECORD_NAME).read_text())
    assert json.loads(state_file.read_text()) == record
    started = record.pop("started_at")
    assert datetime.fromisoformat(started).tzinfo is not None
    assert record == {
        "data_dir": str(instance.data_dir),
        "database_url": f"sqlite:///{instance.data_dir / 'mufakat.db'}",
        "database_url_has_password": False,
        "api_url": instance.api_url,
        "api_host": "127.0.0.1",
        "api_port": instance.api_port,
        "temporal_address": instance.temporal_address,
        "temporal_port": instance.temporal_port,
        "temporal_ui_url": instance.ui_url,
        "namespace": "default",
        "task_queue": "mufakat-cases",
        "documents_dir": str(instance.data_dir / "documents"),
        "archive_dir": str(instance.data_dir / "archives"),
        "pid": instance.process.pid,
        "process_started": process_start_ticks(instance.process.pid),
    }


def test_keys_create_from_another_folder_serves_the_running_api(
    running: Running, tmp_path: Path
) -> None:
    elsewhere = empty_folder(tmp_path)
    created = mufakat(
        running.state_dir, elsewhere, "keys", "create", "--role", "auditor", "--name", "BPK"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[0].removeprefix("token: ")

    answer = httpx.get(
        f"{running.instance.api_url}/v1/cases",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert sorted(os.listdir(elsewhere)) == []


def test_audit_from_another_folder_uses_the_instance_temporal_port(
    running: Running, tmp_path: Path
) -> None:
    elsewhere = empty_folder(tmp_path)
    assert running.instance.temporal_port != 7233
    exported = mufakat(
        running.state_dir, elsewhere, "audit", "export", running.case_id, "--out", "export"
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("exported 1 case(s) (1 runs, "), exported.stdout
    assert (elsewhere / "export" / running.case_id).is_dir()
    assert (elsewhere / "export" / "manifest.json").is_file()

    # Naming the data directory alone finds the rest (the Temporal port) in its record.
    verified = mufakat(
        running.state_dir,
        elsewhere,
        "audit",
        "verify",
        running.case_id,
        "--data-dir",
        str(running.instance.data_dir),
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.splitlines()[0].endswith(": 1 ok, 0 failed"), verified.stdout
    assert sorted(os.listdir(elsewhere)) == ["export"]


def test_reindex_and_db_work_on_the_running_instance(running: Running, tmp_path: Path) -> None:
    elsewhere = empty_folder(tmp_path)
    reindexed = mufakat(running.state_dir, elsewhere, "reindex")
    assert (reindexed.returncode, reindexed.stdout) == (0, "projected 1 case(s)\n"), (
        reindexed.stderr
    )
    current = mufakat(running.state_dir, elsewhere, "db", "current")
    assert (current.returncode, current.stdout, current.stderr) == (0, f"{HEAD}\n", "")
    assert sorted(os.listdir(elsewhere)) == []


@pytest.mark.parametrize(
    "command",
    [
        ["keys", "create", "--role", "operator", "--name", "Bina Adwil"],
        ["db", "current"],
        ["audit", "export", "PKD-2026-000001"],
    ],
    ids=" ".join,
)
def test_with_nothing_running_a_command_says_so_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    elsewhere = empty_folder(tmp_path)
    done = mufakat(tmp_path / "state", elsewhere, *command)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [not_running(elsewhere)]
    assert sorted(os.listdir(elsewhere)) == []
    assert sorted(os.listdir(tmp_path)) == [elsewhere.name]  # not even a state directory


def _until_gone(data_dir: Path) -> None:
    # The children stop on their own once their parent is killed (PR_SET_PDEATHSIG).
    deadline = time.monotonic() + STOP_SECONDS
    while processes_mentioning(str(data_dir)):
        assert time.monotonic() < deadline, processes_mentioning(str(data_dir))
        time.sleep(0.1)


def test_several_running_instances_are_named_not_guessed(tmp_path: Path) -> None:
    # Two records naming this very process: both are alive, and neither may be picked.
    instances = tmp_path / "state" / "instances"
    instances.mkdir(parents=True)
    for name in ("one", "two"):
        record = {
            "data_dir": str(tmp_path / name),
            "database_url": f"sqlite:///{tmp_path / name / 'mufakat.db'}",
            "database_url_has_password": False,
            "api_url": "http://127.0.0.1:8000",
            "api_host": "127.0.0.1",
            "api_port": 8000,
            "temporal_address": "127.0.0.1:7233",
            "temporal_port": 7233,
            "temporal_ui_url": "http://127.0.0.1:8233",
            "namespace": "default",
            "task_queue": "mufakat-cases",
            "documents_dir": str(tmp_path / name / "documents"),
            "archive_dir": str(tmp_path / name / "archives"),
            "pid": os.getpid(),
            "process_started": process_start_ticks(os.getpid()),
            "started_at": f"2026-12-0{1 if name == 'one' else 2}T00:00:00Z",
        }
        (instances / f"{name}.json").write_text(json.dumps(record))
    elsewhere = empty_folder(tmp_path)
    done = mufakat(tmp_path / "state", elsewhere, "keys", "list")
    assert (done.returncode, done.stdout) == (2, "")
    pid = os.getpid()
    assert done.stderr.splitlines() == [
        "error: 2 instances of mufakat dev are running, "
        f"{tmp_path / 'two'} (pid {pid}, API http://127.0.0.1:8000); "
        f"{tmp_path / 'one'} (pid {pid}, API http://127.0.0.1:8000): choose one with --data-dir"
    ]
    assert sorted(os.listdir(elsewhere)) == []


# Last in the module on purpose: it kills the shared instance (pytest runs a module's tests in
# the order they are written), which saves starting another.
def test_a_killed_instance_is_reported_as_not_running(running: Running, tmp_path: Path) -> None:
    instance = running.instance
    elsewhere = empty_folder(tmp_path)
    instance.process.send_signal(signal.SIGKILL)
    instance.process.wait(timeout=STOP_SECONDS)
    _until_gone(instance.data_dir)
    assert (instance.data_dir / RECORD_NAME).is_file()  # nobody was left to remove it

    done = mufakat(running.state_dir, elsewhere, "keys", "list")
    assert (done.returncode, done.stdout) == (1, "")
    gone = f" (the one recorded on {instance.data_dir}, pid {instance.process.pid}, has stopped)"
    assert done.stderr.splitlines() == [not_running(elsewhere, gone)]
    assert sorted(os.listdir(elsewhere)) == []
