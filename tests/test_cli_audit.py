"""`mufakat audit export` and `verify`, run as the installed command against a real dev server.

The command tests file cases through the API (production app and worker, SQLite read model), then
run the command in a subprocess pointed at the test's Temporal server, read model and documents.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner
from temporalio.workflow import NondeterminismError

from activities.document_store import LocalDocumentStore
from audit.replaying import unsandboxed_case_replayer
from models.roles import Role
from models.tables import AuditEntry
from tests.api_harness import Api
from tests.conftest import SUGGEST_CONTINUE_AS_NEW_AFTER, run_mufakat_audit
from tests.histories.corpus import load_manifest, load_runs
from tests.histories.unguarded import UnguardedCaseWorkflow

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
MINUTES = b"%PDF-1.7\n" + b"Berita acara rapat musyawarah\n" * 100
FILES = ("history.json", "trail.json", "documents.json", "case.json", "case.sig")

# The subprocess reads the SQLite file the test's app writes; PostgreSQL adds nothing here.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _run(
    dev_env: WorkflowEnvironment, api: Api, *args: str, via_env: bool = False
) -> subprocess.CompletedProcess[str]:
    """`mufakat audit ...` against the test's server, read model and document store."""
    return await run_mufakat_audit(
        api.app.state.settings,
        dev_env.client.service_client.config.target_host,
        *args,
        via_env=via_env,
    )


async def _continued_case(api: Api) -> str:
    case_id = await api.case((Role.OPERATOR, None, "accept_filing", {}))
    for n in range(SUGGEST_CONTINUE_AS_NEW_AFTER // 4):
        note = await api.act(case_id, Role.OPERATOR, None, "add_note", text=f"Catatan {n}")
        assert note.status_code == 200, note.text
    return case_id


async def _visible(dev_env: WorkflowEnvironment, query: str, expected: set[str]) -> None:
    # Visibility follows a case's close a moment later.
    for _ in range(100):
        found = {execution.id async for execution in dev_env.client.list_workflows(query)}
        if found == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility shows {found}, not {expected}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_export(files: dict[str, bytes], case_ids: set[str]) -> dict[str, Any]:
    """The manifest's hashes match the files, and every case's history parses back whole."""
    manifest: dict[str, Any] = json.loads(files["manifest.json"])
    assert manifest["format"] == "mufakat-audit-export/2"
    assert manifest["tool"]["name"] == "mufakat" and manifest["exported_at"].endswith("Z")
    entries = {entry["case_id"]: entry for entry in manifest["cases"]}
    assert entries.keys() == case_ids
    listed = {path for entry in entries.values() for path in entry["files"]}
    contents = {
        f"{case_id}/documents/{d['sha256']}"
        for case_id in case_ids
        for d in (_documents(files, case_id))
        if d["matches"]
    }
    assert listed == {f"{case_id}/{name}" for case_id in case_ids for name in FILES} | contents
    assert listed | {"manifest.json", "manifest.sig", "public-key.pem"} == files.keys()
    for case_id, entry in entries.items():
        for path, digest in entry["files"].items():
            assert _sha256(files[path]) == digest, path
        history = json.loads(files[f"{case_id}/history.json"])
        assert history["case_id"] == case_id and len(history["guideline_hash"]) == 64
        assert (history["guideline_version"], history["guideline_hash"]) == (
            entry["guideline_version"],
            entry["guideline_hash"],
        )
        # Each run is the JSON Temporal's tools read.
        runs = [WorkflowHistory.from_json(case_id, run) for run in history["runs"]]
        assert [run.run_id for run in runs] == [run["run_id"] for run in history["runs"]]
        assert entry["runs"] == len(runs) >= 1
        assert entry["events"] == sum(len(run.events) for run in runs)
        trail = json.loads(files[f"{case_id}/trail.json"])
        assert trail["case_id"] == case_id and len(trail["entries"]) == entry["trail_entries"]
        assert all(len(row["entry_hash"]) == 64 for row in trail["entries"])
        assert entry["missing"] == []
    return manifest


def _folder(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def _archive(file: Path) -> dict[str, bytes]:
    top = file.name.removesuffix(".tar.gz")
    files: dict[str, bytes] = {}
    with tarfile.open(file, "r:gz") as packed:
        for member in packed.getmembers():
            assert member.isfile() and member.name.startswith(f"{top}/"), member.name
            extracted = packed.extractfile(member)
            assert extracted is not None
            files[member.name.removeprefix(f"{top}/")] = extracted.read()
    return files


def _documents(files: dict[str, bytes], case_id: str) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = json.loads(files[f"{case_id}/documents.json"])["documents"]
    return documents


@ON_SQLITE
async def test_export_one_case_and_every_case_to_a_folder_and_an_archive(
    dev_env: WorkflowEnvironment, api: Api, tmp_path: Path
) -> None:
    answered = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"}),
    )
    minutes = await api.attached(answered, MINUTES)
    withdrawn = await api.case((Role.PARTY, BANDUNG, "withdraw", {"reason": "Sudah sepakat"}))
    continued = await _continued_case(api)

    one = await _run(dev_env, api, "export", answered, "--out", str(tmp_path / "satu"))
    assert one.returncode == 0, one.stderr
    assert "exported 1 case(s)" in one.stdout and str(tmp_path / "satu") in one.stdout
    files = _folder(tmp_path / "satu")
    manifest = _check_export(files, {answered})
    assert manifest["selection"] == {"cases": [answered]}
    [document] = _documents(files, answered)
    assert document["sha256"] == minutes and document["name"] == "ba-musyawarah.pdf"
    assert (document["size"], document["doc_type"]) == (len(MINUTES), "berita_acara")
    assert document["matches"] is True and document["stored"] == "ok"
    [attached] = [
        row for row in json.loads(files[f"{answered}/trail.json"])["entries"] if row["documents"]
    ]
    assert attached["documents"] == [minutes] and attached["action"] == "attach_document"

    # Altered after it was stored: the export records it and says so, and is still whole.
    store = LocalDocumentStore(api.app.state.settings.documents_dir)
    store.path(minutes).write_bytes(MINUTES + b"diubah")
    archive = tmp_path / "audit-2026.tar.gz"
    every = await _run(dev_env, api, "export", "--all", "--archive", str(archive))
    assert every.returncode == 0, every.stderr
    assert "exported 3 case(s)" in every.stdout
    assert f"warning: {answered}: document {minutes}: hash mismatch" in every.stderr
    packed = _archive(archive)
    manifest = _check_export(packed, {answered, withdrawn, continued})
    assert manifest["selection"] == {"all": True, "query": None}
    [document] = _documents(packed, answered)
    assert document["matches"] is False and document["stored"].startswith("hash mismatch")
    by_case = {entry["case_id"]: entry for entry in manifest["cases"]}
    assert by_case[answered]["documents_not_matching"] == 1
    assert by_case[continued]["runs"] >= 2, "the case should have continued as new"
    assert _folder(tmp_path).keys() >= {archive.name}
    assert not [name for name in _folder(tmp_path) if name.endswith(".partial")]

    # A visibility query chooses the cases instead of the read model; a folder this time.
    queue = api.app.state.settings.task_queue
    query = f"TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'"
    await _visible(dev_env, query, {withdrawn})
    chosen = await _run(
        dev_env,
        api,
        "export",
        "--all",
        "--query",
        query,
        "--out",
        str(tmp_path / "selesai"),
        via_env=True,
    )
    assert chosen.returncode == 0, chosen.stderr
    _check_export(_folder(tmp_path / "selesai"), {withdrawn})


@ON_SQLITE
async def test_export_refuses_bad_input_in_one_line(
    dev_env: WorkflowEnvironment, api: Api, tmp_path: Path
) -> None:
    case_id = await api.case()
    out = tmp_path / "ekspor"
    cases = [
        (
            ["export", case_id, "PKD-2026-999999", "--out", str(out)],
            "unknown case: PKD-2026-999999",
        ),
        (["export", "perkara-1", "--out", str(out)], "not a case id (PKD-yyyy-nnnnnn): perkara-1"),
        (["export", case_id, "--all", "--out", str(out)], "name case ids or give --all, not both"),
        (["export", "--out", str(out)], "name one or more case ids, or give --all"),
        (["verify", "PKD-2026-999998"], "unknown case: PKD-2026-999998"),
    ]
    for args, message in cases:
        refused = await _run(dev_env, api, *args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert refused.stderr.splitlines() == [f"error: {message}"], args
        assert refused.stdout == ""
    assert not out.exists(), "a refused export writes nothing"


@ON_SQLITE
async def test_verify_all_then_a_tampered_trail_fails_and_is_named(
    dev_env: WorkflowEnvironment, api: Api, tmp_path: Path
) -> None:
    tampered = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"}),
    )
    await api.attached(tampered, MINUTES)
    honest = [
        await api.case((Role.PARTY, BANDUNG, "withdraw", {"reason": "Sudah sepakat"})),
        await api.case((Role.OPERATOR, None, "accept_filing", {})),
    ]
    every = sorted([tampered, *honest])

    report_file = tmp_path / "laporan.json"
    verified = await _run(dev_env, api, "verify", "--all", "--json", str(report_file), via_env=True)
    assert verified.returncode == 0, (verified.stdout, verified.stderr)
    [summary] = verified.stdout.splitlines()
    written = json.loads(report_file.read_text())
    # A case near the continue-as-new suggestion may cross it or not (its trail's quiet timer).
    runs = sum(report["runs"] for report in written["reports"])
    assert summary.startswith(f"verified 3 case(s) ({runs} runs, ") and runs in (3, 4)
    assert summary.endswith(": 3 ok, 0 failed")
    assert "verifying" in verified.stderr and "Traceback" not in verified.stderr
    assert (written["cases"], written["ok"], written["failed"]) == (3, 3, [])
    assert [report["case_id"] for report in written["reports"]] == every
    checks = {"replay", "continuity", "state", "chain", "trail", "documents"}
    for report in written["reports"]:
        assert report["ok"] and {check["name"] for check in report["checks"]} == checks

    with Session(api.app.state.engine) as session, session.begin():
        row = session.get(AuditEntry, (tampered, 2))  # entry 1 is the filing
        assert row is not None and row.action == "accept_filing"
        row.payload = {"catatan": "disisipkan"}
        session.add(row)

    # Through a replaying process too, as for many cases (run by the installed command).
    failed = await _run(dev_env, api, "verify", "--all", "--processes", "1", "--concurrency", "2")
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    lines = failed.stdout.splitlines()
    assert lines[0].endswith(": 2 ok, 1 failed")
    assert lines[1] == f"FAILED {tampered}"
    chain = [line for line in lines[2:] if line.lstrip().startswith("chain:")]
    assert chain and "entry 2: its content no longer matches its hash (edited)" in chain[0]
    assert any(line.lstrip().startswith("trail:") for line in lines[2:])
    assert all(case_id not in failed.stdout for case_id in honest)

    # Named cases only: the honest ones pass on their own.
    alone = await _run(dev_env, api, "verify", *honest)
    assert alone.returncode == 0, (alone.stdout, alone.stderr)
    assert alone.stdout.splitlines()[0].endswith(": 2 ok, 0 failed")


async def _replay_failures(replayer: Replayer, histories: list[WorkflowHistory]) -> set[str]:
    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    results = await replayer.replay_workflows(each(), raise_on_replay_failure=False)
    for error in results.replay_failures.values():
        assert isinstance(error, NondeterminismError), repr(error)
    return set(results.replay_failures)


async def test_replays_outside_the_sandbox_reach_the_sandbox_verdicts_on_the_corpus() -> None:
    """Replaying outside the sandbox, as `audit verify` does, reaches the sandbox's verdicts.

    Every recorded history replays, and the change that would break running cases is caught.
    """
    entries = load_manifest().entries
    every = [history for entry in entries for history in load_runs(entry)]
    assert await _replay_failures(unsandboxed_case_replayer(), every) == set()
    unguarded = Replayer(
        workflows=[UnguardedCaseWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    # The corpus's example patch: histories recorded before it break the unguarded change.
    old = {
        entry.name: load_runs(entry)
        for entry in entries
        if "notify-on-transition" not in entry.patches
    }
    broken = await _replay_failures(unguarded, [run for runs in old.values() for run in runs])
    for name, runs in old.items():
        assert broken & {run.run_id for run in runs}, f"{name} should not replay"
