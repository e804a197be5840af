"""No case is lost to Temporal's retention: the namespace keeps closed cases as long as the
settings say, and every case is archived when it closes, so that its history, its export and its
verification stay the same after Temporal has deleted it.

The retention test runs its own dev server, whose namespace keeps a closed workflow for a few
seconds only (the dynamic config `mufakat dev` passes for a retention under Temporal's floor,
plus a namespace cache refreshed every second so that the retention applies at once).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import subprocess
import tarfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.document_store import LocalDocumentStore, archive_store, document_store
from api.app import create_app
from api.cli.embedded import retention_flags, set_retention
from audit.archiver import CaseArchiver
from audit.offline import verify_archive
from audit.replaying import ReplayStream, unsandboxed_case_replayer
from models.roles import Role
from models.settings import Settings, get_settings
from models.tables import CaseArchive
from storage.database import create_database_engine
from tests.api_harness import Api
from tests.cases import CaseDriver, ksdd_filing, party
from tests.conftest import (
    SUGGEST_CONTINUE_AS_NEW_AFTER,
    TEMPORAL,
    run_mufakat_audit,
    start_dev_server,
)
from tests.dev_instance import dev_instance
from workflows.client import connect_client
from workflows.worker import TASK_QUEUE, build_worker

BANDUNG = "32.04"
MINUTES = b"%PDF-1.7\n" + b"Berita acara rapat musyawarah\n" * 100
# Long enough to take every reading while Temporal still holds the case; deletion follows
# within a second of it (`mufakat dev` lowers the jitter too for a retention this short).
RETENTION = timedelta(seconds=12)
GONE_WITHIN = 45.0


def test_retention_reads_temporal_and_iso_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUFAKAT_RETENTION", raising=False)
    assert get_settings().retention == timedelta(days=3650)
    for text, expected in [
        ("30s", timedelta(seconds=30)),
        ("2h", timedelta(hours=2)),
        ("400d", timedelta(days=400)),
        ("P3650D", timedelta(days=3650)),
        ("PT12S", timedelta(seconds=12)),
    ]:
        assert get_settings(retention=text).retention == expected, text
    assert get_settings(archive_interval="0s").archive_interval == timedelta(0)
    # A retention of a day or more keeps Temporal's floor and jitter; a shorter one lowers them.
    assert retention_flags(timedelta(days=3650)) == []
    assert retention_flags(timedelta(seconds=12)) == [
        "--dynamic-config-value",
        'system.namespaceMinRetentionLocal="12s"',
        "--dynamic-config-value",
        'history.retentionTimerJitterDuration="1s"',
    ]


@dataclass
class Service:
    """The production app, worker and archiver against a dev server with a short retention."""

    env: WorkflowEnvironment
    settings: Settings
    api: Api

    @property
    def client(self) -> Client:
        return self.env.client

    async def audit(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`mufakat audit ...` against this server, read model and stores, in a subprocess."""
        address = self.client.service_client.config.target_host
        return await run_mufakat_audit(self.settings, address, *args)

    async def held_by_temporal(self, case_id: str, run_id: str | None = None) -> bool:
        try:
            await self.client.get_workflow_handle(case_id, run_id=run_id).describe()
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True


@asynccontextmanager
async def short_retention_service(tmp_path: Path) -> AsyncIterator[Service]:
    refresh = ["--dynamic-config-value", 'system.namespaceCacheRefreshInterval="1s"']
    async with await start_dev_server(*retention_flags(RETENTION), *refresh) as env:
        port = int(env.client.service_client.config.target_host.rsplit(":", 1)[1])
        settings = get_settings(
            data_dir=tmp_path / "data",
            temporal_port=port,
            retention=RETENTION,
            task_queue=f"retention-{uuid.uuid4()}",
        )
        # As `mufakat dev` does; the server's namespace cache then takes it within a second.
        assert await asyncio.to_thread(set_retention, TEMPORAL, settings) is None
        app = create_app(settings)
        app.state.temporal = env.client
        engine = app.state.engine
        archiver = CaseArchiver(
            env.client,
            engine,
            archive_store(settings),
            document_store(settings),
            interval=timedelta(seconds=0.2),
        )
        worker = build_worker(env.client, read_model=engine, task_queue=settings.task_queue)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        archiving = asyncio.create_task(archiver.run())
        try:
            async with worker, httpx.AsyncClient(transport=transport, base_url="http://m") as http:
                await asyncio.sleep(2)
                yield Service(env, settings, Api(app=app, client=http))
        finally:
            archiving.cancel()
            engine.dispose()


@dataclass
class Readings:
    """Everything an auditor gets for a case, through the API and the command."""

    history: dict[str, Any]
    report: dict[str, Any]
    export: dict[str, bytes]
    verified: str
    reports: list[dict[str, Any]]


async def _read(service: Service, case_id: str, out: Path) -> Readings:
    api = service.api
    await asyncio.to_thread(out.mkdir)
    history, report, exported, verified = await asyncio.gather(
        api.get(f"/v1/cases/{case_id}/history", Role.AUDITOR),
        api.client.post(f"/v1/cases/{case_id}/verify", headers=api.headers(Role.AUDITOR)),
        service.audit("export", case_id, "--out", str(out / "export")),
        service.audit("verify", case_id, "--json", str(out / "verify.json")),
    )
    assert history.status_code == 200, history.text
    assert report.status_code == 200, report.text
    assert exported.returncode == 0, exported.stderr
    assert verified.returncode == 0, (verified.stdout, verified.stderr)
    files = {
        path.relative_to(out / "export").as_posix(): path.read_bytes()
        for path in (out / "export").rglob("*")
        if path.is_file()
    }
    written = json.loads((out / "verify.json").read_text())
    return Readings(
        history=history.json(),
        report=report.json(),
        export=files,
        verified=verified.stdout.split(" in ")[0],  # "verified 1 case(s) (2 runs, N events)"
        reports=written["reports"],
    )


def _case_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """A case's history, trail and documents list, and what the manifest says of them: not when
    the export was made (its signed statements), nor the documents' contents (an archive has
    none)."""
    recorded = ("/history.json", "/trail.json", "/documents.json")
    kept = {path: data for path, data in files.items() if path.endswith(recorded)}
    cases = json.loads(files["manifest.json"])["cases"]
    for case in cases:
        case["files"] = {path: sha for path, sha in case["files"].items() if path in kept}
        del case["documents_included"]
    kept["manifest.json#cases"] = json.dumps(cases).encode()
    return kept


def _unpacked(archive: bytes, case_id: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as packed:
        for member in packed.getmembers():
            content = packed.extractfile(member)
            assert content is not None and member.name.startswith(f"{case_id}/"), member.name
            files[member.name.removeprefix(f"{case_id}/")] = content.read()
    return files


async def _archived(service: Service, case_id: str) -> CaseArchive:
    for _ in range(150):
        with Session(service.api.app.state.engine) as session:
            row = session.get(CaseArchive, case_id)
        if row is not None:
            return row
        await asyncio.sleep(0.1)
    status = (await service.client.get_workflow_handle(case_id).describe()).status
    raise AssertionError(f"case {case_id} ({status}) was not archived within 15 s")


async def test_a_closed_case_is_audited_from_its_archive_once_temporal_deleted_it(
    tmp_path: Path,
) -> None:
    async with short_retention_service(tmp_path) as service:
        api = service.api
        case_id = await api.case()
        await api.attached(case_id, MINUTES)
        for n in range(SUGGEST_CONTINUE_AS_NEW_AFTER // 6):  # the case continues as new
            note = await api.act(case_id, Role.OPERATOR, None, "add_note", text=f"Catatan {n}")
            assert note.status_code == 200, note.text
        closed = await api.act(case_id, Role.PARTY, BANDUNG, "withdraw", reason="Sudah sepakat")
        assert closed.status_code == 200, closed.text
        closed_at = time.monotonic()

        row = await _archived(service, case_id)
        assert row.runs >= 2, "the case should have continued as new"
        before = await _read(service, case_id, tmp_path / "before")
        runs = [run["run_id"] for run in before.history["runs"]]
        assert (len(runs), sum(len(run["events"]) for run in before.history["runs"])) == (
            row.runs,
            row.events,
        )
        assert before.report["ok"], before.report
        assert await service.held_by_temporal(case_id, runs[0]), (
            f"run 1 of {case_id} was deleted before the readings were taken "
            f"({time.monotonic() - closed_at:.1f} s after the close): raise RETENTION"
        )

        # The archive is the case's export, packed, under the SHA-256 it was recorded with.
        stored = archive_store(service.settings)
        assert isinstance(stored, LocalDocumentStore)
        packed = stored.path(row.object_key).read_bytes()
        assert hashlib.sha256(packed).hexdigest() == row.sha256 == row.object_key
        assert _case_files(_unpacked(packed, case_id)) == _case_files(before.export)
        # Signed by the instance like any export: an auditor verifies it with no server.
        (tmp_path / f"{case_id}.tar.gz").write_bytes(packed)
        async with ReplayStream(unsandboxed_case_replayer()) as stream:
            offline = await verify_archive(tmp_path / f"{case_id}.tar.gz", stream)
        assert offline.ok and offline.trust.key_id is not None, offline

        waited = time.monotonic()
        while any([await service.held_by_temporal(case_id, run_id) for run_id in runs]):
            assert time.monotonic() - waited < GONE_WITHIN, "Temporal kept the case"
            await asyncio.sleep(0.2)
        print(  # noqa: T201
            f"\nTemporal deleted {case_id} {time.monotonic() - closed_at:.1f} s after it closed "
            f"(retention {RETENTION.total_seconds():.0f} s; waited {time.monotonic() - waited:.1f}"
            " s after the readings)"
        )

        after = await _read(service, case_id, tmp_path / "after")
        assert after.history == before.history
        assert after.report == before.report
        assert after.verified == before.verified
        assert after.verified.startswith(f"verified 1 case(s) ({row.runs} runs, ")
        assert after.reports == before.reports
        assert _case_files(after.export) == _case_files(before.export)

        # An archive altered in the store is refused, never read as the case's history.
        altered = packed[:-10] + b"0123456789"
        stored.path(row.object_key).write_bytes(altered)
        damaged = await api.get(f"/v1/cases/{case_id}/history", Role.AUDITOR)
        assert damaged.status_code == 500, damaged.text
        assert damaged.json()["type"] == "urn:mufakat:problem:archive_damaged"
        assert damaged.json()["detail"] == (
            f"arsip perkara {case_id} ber-hash {hashlib.sha256(altered).hexdigest()}, bukan "
            f"{row.sha256} yang tercatat (telah diubah)"
        )
        report = await api.client.post(
            f"/v1/cases/{case_id}/verify", headers=api.headers(Role.AUDITOR)
        )
        assert report.status_code == 200 and not report.json()["ok"], report.text
        [continuity] = [c for c in report.json()["checks"] if c["name"] == "continuity"]
        assert continuity["problems"] == [
            f"the archive of case {case_id} hashes to {hashlib.sha256(altered).hexdigest()}, "
            f"not the {row.sha256} it was recorded with (altered)"
        ]


async def test_mufakat_dev_sets_the_retention_and_its_worker_archives_closed_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUFAKAT_RETENTION", "400d")
    monkeypatch.setenv("MUFAKAT_ARCHIVE_INTERVAL", "1s")
    with dev_instance(tmp_path / "data") as instance:
        instance.wait_serving()
        client = await connect_client(
            embedded_address=instance.temporal_address, namespace="default", env={}
        )
        described = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace="default")
        )
        retention = described.config.workflow_execution_retention_ttl.ToTimedelta()
        assert retention == timedelta(days=400)

        case = await CaseDriver.file(client, TASK_QUEUE, ksdd_filing())
        await case.act(party(BANDUNG), "withdraw", reason="Sudah sepakat")
        engine = create_database_engine(f"sqlite:///{instance.data_dir / 'mufakat.db'}")
        try:
            for _ in range(150):
                with Session(engine) as session:
                    rows = list(session.exec(select(CaseArchive)))
                if rows:
                    break
                await asyncio.sleep(0.1)
        finally:
            engine.dispose()
        [row] = rows
        assert row.case_id == case.handle.id and row.runs == 1
        archive = instance.data_dir / "archives" / row.sha256[:2] / row.sha256
        assert hashlib.sha256(archive.read_bytes()).hexdigest() == row.sha256
        assert instance.interrupt() == 0, instance.log()
