"""`mufakat dev` for real: the Temporal dev server, the worker and the API as child processes."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Awaitable
from pathlib import Path

import httpx
from temporalio.client import Client

from api.cli.instance import RECORD_NAME
from tests.cases import OPERATOR, CaseDriver, ksdd_filing, party
from tests.dev_instance import STOP_SECONDS, DevInstance, dev_instance, processes_mentioning
from tests.rev2_paper import BERITA_ACARA
from workflows.case_workflow import CaseWorkflow
from workflows.client import connect_client
from workflows.worker import TASK_QUEUE


def _assert_up(instance: DevInstance) -> None:
    health = instance.wait_serving()
    assert health == {"status": "ok", "temporal": "serving", "namespace": "default"}
    assert httpx.get(instance.ui_url, timeout=10).status_code == 200
    assert (instance.data_dir / "temporal.db").is_file()
    assert _recorded(instance) == [instance.process.pid]  # see tests/test_cli_instance.py


def _assert_stopped_cleanly(instance: DevInstance) -> None:
    assert instance.interrupt() == 0, instance.log()
    assert processes_mentioning(str(instance.data_dir)) == {}
    logs = instance.data_dir / "logs"
    assert sorted(p.name for p in logs.iterdir()) == [
        "api.log",
        "dispatcher.log",
        "temporal.log",
        "worker.log",
    ]
    assert _recorded(instance) == []  # a clean stop withdraws the instance's record
    assert not (instance.data_dir / RECORD_NAME).exists()


def _recorded(instance: DevInstance) -> list[int]:
    """The pids the state directory records on this instance's data directory."""
    records = (instance.state_dir / "instances").glob("*.json")
    found = [json.loads(path.read_text()) for path in records]
    return [record["pid"] for record in found if record["data_dir"] == str(instance.data_dir)]


def test_dev_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    with dev_instance(tmp_path / "data") as instance:
        _assert_up(instance)
        _assert_stopped_cleanly(instance)
        assert "Temporal UI" in instance.log()


def test_two_instances_side_by_side(tmp_path: Path) -> None:
    with (
        dev_instance(tmp_path / "one") as one,
        dev_instance(tmp_path / "two") as two,
    ):
        _assert_up(one)
        _assert_up(two)
        _assert_stopped_cleanly(one)
        two.wait_serving()  # stopping one left the other alone
        _assert_stopped_cleanly(two)


def test_a_dead_child_stops_the_rest(tmp_path: Path) -> None:
    with dev_instance(tmp_path / "data") as instance:
        instance.wait_serving()
        children = processes_mentioning(str(instance.data_dir))
        (worker,) = [pid for pid, command in children.items() if "mufakat worker" in command]
        os.kill(worker, signal.SIGKILL)
        assert instance.process.wait(timeout=STOP_SECONDS) == 1
        assert "worker exited with code -9" in instance.log()
        assert processes_mentioning(str(instance.data_dir)) == {}


async def test_restart_finds_a_case_where_it_was(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with dev_instance(data_dir) as first:
        first.wait_serving()
        case = await _file_case_on(first)
        await case.act(OPERATOR, "accept_filing")
        await case.act(party("32.73"), "submit_response", summary="Tanggapan tertulis")
        before = await case.view()
        assert before.stage == "musyawarah"
        _assert_stopped_cleanly(first)

    with dev_instance(data_dir) as second:
        second.wait_serving()
        again = await _reopen_case_on(second, case.handle.id)
        after = await again.view()
        assert (after.stage, after.version, after.timeline) == (
            before.stage,
            before.version,
            before.timeline,
        )
        # The restarted worker carries the case on.
        moved = await again.act(
            party("32.04"), "declare_deadlock", reason="Tidak mufakat", document=BERITA_ACARA
        )
        assert moved.stage == "gwpp_facilitation"
        _assert_stopped_cleanly(second)


def _client_of(instance: DevInstance) -> Awaitable[Client]:
    # env={}: this instance's own server, whatever TEMPORAL_* the test runner has.
    return connect_client(embedded_address=instance.temporal_address, namespace="default", env={})


async def _file_case_on(instance: DevInstance) -> CaseDriver:
    return await CaseDriver.file(await _client_of(instance), TASK_QUEUE, ksdd_filing())


async def _reopen_case_on(instance: DevInstance, case_id: str) -> CaseDriver:
    client = await _client_of(instance)
    return CaseDriver(client.get_workflow_handle_for(CaseWorkflow.run, case_id))
