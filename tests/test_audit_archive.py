"""`mufakat audit verify-archive`: an export verified with no server, no database and no network;
each kind of tampering named; the filing at the head of the trail, and old cases without it.

The export comes from a real case (production app and worker on a dev server, run through the
installed command); the offline command runs in a subprocess whose Temporal address and database
URL point at a closed port. Tampering is checked in-process on copies of that export; the rules
about the filing on archives built from the golden-history corpus, as each code version made it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import subprocess
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine
from temporalio.testing import WorkflowEnvironment

from activities.audit_trail import append_audit, audit_trail
from audit.checks import document_hashes
from audit.export import exported_case, json_bytes, manifest, write_manifest
from audit.offline import ArchiveReport, verify_archive
from audit.replaying import ReplayStream, unsandboxed_case_replayer
from audit.runs import RunHistory, parse_run
from audit.verify import history_document
from models.audit import AuditTrail, entry_hash
from models.roles import Role
from models.signing import PublicKey, Signer
from models.state import EntryKind
from tests.api_harness import Api, ksdd_filing_json
from tests.cases import (
    OPERATOR,
    CaseDriver,
    ksdd_filing,
    running_worker,
    settled,
    shared_read_model,
)
from tests.conftest import MUFAKAT, clean_env, run_mufakat_audit
from tests.histories.corpus import CorpusEntry, load_manifest, load_runs
from workflows.case_workflow import CODE_VERSION

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
MINUTES = b"%PDF-1.7\n" + b"Berita acara rapat musyawarah\n" * 50
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ARCHIVE_CHECKS = {"manifest", "signature"}
CASE_CHECKS = {"manifest", "signature", "replay", "continuity", "chain", "trail", "documents"}

Files = dict[str, bytes]


# ---------------------------------------------------------------------------- helpers


def _closed_port() -> int:
    """A port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _verify_offline(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mufakat audit verify-archive` with every server and database it might look for closed."""
    port = _closed_port()
    env = clean_env(
        TEMPORAL_ADDRESS=f"127.0.0.1:{port}",
        MUFAKAT_TEMPORAL_PORT=str(port),
        MUFAKAT_DATABASE_URL=f"postgresql://auditor@127.0.0.1:{port}/none",
        MUFAKAT_DATA_DIR=str(tmp_path / "no-instance"),
    )
    return await asyncio.to_thread(
        subprocess.run,
        [MUFAKAT, "audit", "verify-archive", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=tmp_path,
    )


def _unpack(archive: Path) -> Files:
    top = archive.name.removesuffix(".tar.gz")
    with tarfile.open(archive, "r:gz") as packed:
        files: Files = {}
        for member in packed.getmembers():
            content = packed.extractfile(member)
            assert content is not None
            files[member.name.removeprefix(f"{top}/")] = content.read()
    return files


def _write(folder: Path, files: Files) -> Path:
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


async def _verify(
    folder: Path, trusted: PublicKey | None = None, key_id: str | None = None
) -> ArchiveReport:
    async with ReplayStream(unsandboxed_case_replayer()) as stream:
        return await verify_archive(folder, stream, trusted=trusted, trusted_key_id=key_id)


def _failed(report: ArchiveReport) -> dict[str, list[str]]:
    """Every failed check, as `archive/<check>` or `<case id>/<check>`: its problems."""
    failed = {f"archive/{c.name.value}": c.problems for c in report.checks if not c.ok}
    for case in report.cases:
        failed |= {f"{case.case_id}/{c.name.value}": c.problems for c in case.checks if not c.ok}
    return failed


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------- a real export


@ON_SQLITE
async def test_an_export_verifies_offline_and_every_tampering_is_named(
    dev_env: WorkflowEnvironment, api: Api, tmp_path: Path
) -> None:
    closed = await api.case((Role.OPERATOR, None, "accept_filing", {}))
    minutes = await api.attached(closed, MINUTES)
    withdrawn = await api.act(closed, Role.PARTY, BANDUNG, "withdraw", reason="Sudah sepakat")
    assert withdrawn.status_code == 200, withdrawn.text
    running = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}), filing=ksdd_filing_json("35.07", "35.73")
    )
    await api.settled(closed)
    archive = tmp_path / "audit.tar.gz"
    address = dev_env.client.service_client.config.target_host
    exported = await run_mufakat_audit(
        api.app.state.settings, address, "export", closed, running, "--archive", str(archive)
    )
    assert exported.returncode == 0, exported.stderr

    # The key the instance publishes (to any API key) is the one the archive carries.
    published = await api.get("/v1/audit/public-key", Role.AUDITOR)
    assert published.status_code == 200, published.text
    key = published.json()
    files = _unpack(archive)
    assert files["public-key.pem"].decode() == key["public_key_pem"]
    listed = json.loads(files["manifest.json"])
    assert listed["signing"] == {
        "algorithm": "Ed25519",
        "key_id": key["key_id"],
        "public_key": key["public_key"],
    }
    trusted = tmp_path / "instance.pem"
    trusted.write_text(key["public_key_pem"])

    report_file = tmp_path / "report.json"
    offline = await _verify_offline(
        tmp_path, str(archive), "--public-key", str(trusted), "--json", str(report_file)
    )
    assert offline.returncode == 0, (offline.stdout, offline.stderr)
    lines = offline.stdout.splitlines()
    assert lines[0].startswith(f"archive {archive}: mufakat-audit-export/2, exported ")
    assert lines[0].endswith(f", workflow code {CODE_VERSION}")
    assert lines[1] == f"signed by key {key['key_id']} (Ed25519), the key you trust"
    for line, case_id in zip(lines[2:4], sorted([closed, running]), strict=True):
        assert line.startswith(f"ok     {case_id} (1 runs, "), line
    assert lines[4].startswith("verified 2 case(s) offline in ")
    assert lines[4].endswith(": 2 ok, 0 failed") and len(lines) == 5
    written = json.loads(report_file.read_text())
    assert (written["cases"], written["ok"], written["failed"]) == (2, 2, [])
    report = ArchiveReport.model_validate(written["report"])
    assert {check.name.value for check in report.checks} == ARCHIVE_CHECKS
    for case in report.cases:
        assert {check.name.value for check in case.checks} == CASE_CHECKS
    # The document's content travelled with the export and was hashed again.
    assert files[f"{closed}/documents/{minutes}"] == MINUTES

    # Without a key to trust it says what the signatures prove, and what they do not.
    alone = await _verify_offline(tmp_path, str(archive))
    assert alone.returncode == 0, (alone.stdout, alone.stderr)
    assert alone.stdout.splitlines()[1] == (
        f"signed by key {key['key_id']} (Ed25519): the archive is only self-consistent; to prove "
        "which instance made it, give the key you trust (--public-key or --key-id)"
    )
    another = tmp_path / "another.pem"
    another.write_text(Signer.generate().public.pem)
    refused = await _verify_offline(tmp_path, str(archive), "--public-key", str(another))
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    other_id = PublicKey.from_text(another.read_text()).key_id
    assert refused.stdout.splitlines()[1:4] == [
        f"signed by key {key['key_id']} (Ed25519), NOT the key you trust ({other_id})",
        "FAILED archive",
        f"  signature:  the archive is signed by key {key['key_id']}, not by the key you trust "
        f"({other_id})",
    ]

    await _tampering(tmp_path, files, closed, minutes, PublicKey.from_text(key["public_key"]))


async def _tampering(
    tmp_path: Path, honest: Files, case_id: str, minutes: str, trusted: PublicKey
) -> None:
    key_id = trusted.key_id
    history, trail = f"{case_id}/history.json", f"{case_id}/trail.json"
    document = f"{case_id}/documents/{minutes}"
    statement, signature = f"{case_id}/case.json", f"{case_id}/case.sig"

    def altered(path: str, files: Files) -> str:
        listed = json.loads(honest["manifest.json"])
        [entry] = [entry for entry in listed["cases"] if entry["case_id"] == case_id]
        return (
            f"{path} hashes to {_sha256(files[path])}, not the {entry['files'][path]} the "
            "manifest lists (altered)"
        )

    def unvouched(path: str, files: Files) -> str:
        vouched = json.loads(honest[statement])["files"][path]
        return (
            f"{path} hashes to {_sha256(files[path])}, not the {vouched} the case's signed "
            "statement vouches for (altered)"
        )

    # What was done, how (a tamper returns anything), and each failed check's exact problems.
    tampers: list[
        tuple[str, Callable[[Files], object], Callable[[Files], dict[str, list[str]]]]
    ] = [
        (
            "a history event edited: the first action taken by another key",
            lambda files: files.update({history: _other_actor(files[history])}),
            lambda files: {
                f"{case_id}/manifest": [altered(history, files)],
                f"{case_id}/signature": [unvouched(history, files)],
                f"{case_id}/trail": [_actor_problem(files, case_id)],
            },
        ),
        (
            "a trail entry edited",
            lambda files: files.update({trail: _edit_trail(files[trail])}),
            lambda files: {
                f"{case_id}/manifest": [altered(trail, files)],
                f"{case_id}/signature": [unvouched(trail, files)],
                f"{case_id}/chain": ["entry 2: its content no longer matches its hash (edited)"],
                f"{case_id}/trail": [_payload_problem(files, case_id)],
            },
        ),
        (
            "a document's byte changed",
            lambda files: files.update({document: b"X" + files[document][1:]}),
            lambda files: {
                f"{case_id}/manifest": [altered(document, files)],
                f"{case_id}/signature": [unvouched(document, files)],
                f"{case_id}/documents": [
                    f"document {minutes}: its content hashes to {_sha256(files[document])}"
                ],
            },
        ),
        (
            "a file removed",
            lambda files: files.pop(document),
            lambda files: {
                f"{case_id}/manifest": [
                    f"missing: {document} is in the manifest but not in the archive"
                ],
                f"{case_id}/signature": [f"missing: {document} is in the case's signed statement"],
                f"{case_id}/documents": [
                    f"document {minutes} is not in the archive, whose export has contents"
                ],
            },
        ),
        (
            "a file added to a case, and one beside the manifest",
            lambda files: files.update({f"{case_id}/notes.txt": b"x", "README": b"y"}),
            lambda files: {
                "archive/manifest": ["extra: README is in the archive but not in its manifest"],
                f"{case_id}/manifest": [
                    f"extra: {case_id}/notes.txt is in the archive but not in its manifest"
                ],
            },
        ),
        (
            "the manifest edited",
            lambda files: files.update(
                {"manifest.json": files["manifest.json"].replace(b'"default"', b'"lain"')}
            ),
            lambda files: {
                "archive/signature": [
                    f"manifest.sig is not key {key_id}'s signature of manifest.json: the manifest "
                    "changed after it was signed, or another key signed it"
                ],
            },
        ),
        (
            "a case's signature broken",
            lambda files: files.update(
                {signature: bytes([files[signature][0] ^ 1]) + files[signature][1:]}
            ),
            lambda files: {
                f"{case_id}/manifest": [altered(signature, files)],
                f"{case_id}/signature": [
                    f"{signature} is not key {key_id}'s signature of {statement}: the statement "
                    "changed after it was signed, or another key signed it"
                ],
            },
        ),
        (
            "the whole archive signed again by another key",
            _sign_again(Signer.generate()),
            lambda files: _resigned_problems(files, key_id),
        ),
    ]
    for index, (what, tamper, expected) in enumerate(tampers):
        files = dict(honest)
        tamper(files)
        report = await _verify(_write(tmp_path / f"tampered-{index}", files), trusted)
        assert _failed(report) == expected(files), what
    # Honest, it passes; the trusted key may be named by its id alone.
    by_id = await _verify(_write(tmp_path / "honest", honest), key_id=key_id)
    assert by_id.ok and by_id.trust.verdict == "trusted", _failed(by_id)


def _other_actor(history: bytes) -> bytes:
    """The history with its first action's request naming another API key."""
    document = json.loads(history)
    for run in document["runs"]:
        for event in run["events"]:
            accepted = event.get("workflowExecutionUpdateAcceptedEventAttributes")
            if accepted is None:
                continue
            request = accepted["acceptedRequest"]["input"]
            if request["name"] != "take_action":
                continue
            payload = request["args"]["payloads"][0]
            action = json.loads(base64.b64decode(payload["data"]))
            action["actor"]["key_id"] = "palsu"
            payload["data"] = base64.b64encode(json.dumps(action).encode()).decode()
            return json_bytes(document, sort_keys=True)
    raise AssertionError("the history has no action")


def _actor_problem(files: Files, case_id: str) -> str:
    entry = json.loads(files[f"{case_id}/trail.json"])["entries"][1]
    return (
        f"trail entry 2 (update {entry['update_id']}): actor_key is {entry['actor_key']!r}; "
        "the update says 'palsu'"
    )


def _edit_trail(trail: bytes) -> bytes:
    document = json.loads(trail)
    document["entries"][1]["payload"] = {"catatan": "disisipkan"}
    return json_bytes(document)


def _payload_problem(files: Files, case_id: str) -> str:
    entry = json.loads(files[f"{case_id}/trail.json"])["entries"][1]
    return (
        f"trail entry 2 (update {entry['update_id']}): payload is {{'catatan': 'disisipkan'}}; "
        "the case's timeline says {}"
    )


def _sign_again(signer: Signer) -> Callable[[Files], None]:
    """Replace the manifest's key and signature with `signer`'s (the cases' stay as they were)."""

    def tamper(files: Files) -> None:
        listed = json.loads(files["manifest.json"])
        listed["signing"] = {
            "algorithm": "Ed25519",
            "key_id": signer.key_id,
            "public_key": signer.public.encoded,
        }
        pem = signer.public.pem.encode()
        listed["files"] = {"public-key.pem": _sha256(pem)}
        files["public-key.pem"] = pem
        files["manifest.json"] = json_bytes(listed)
        files["manifest.sig"] = signer.sign(files["manifest.json"])

    return tamper


def _resigned_problems(files: Files, trusted_id: str) -> dict[str, list[str]]:
    other = PublicKey.from_text(json.loads(files["manifest.json"])["signing"]["public_key"])
    problems = {
        "archive/signature": [
            f"the archive is signed by key {other.key_id}, not by the key you trust ({trusted_id})"
        ]
    }
    for entry in json.loads(files["manifest.json"])["cases"]:
        case_id = entry["case_id"]
        problems[f"{case_id}/signature"] = [
            f"{case_id}/case.sig is not key {other.key_id}'s signature of {case_id}/case.json: "
            "the statement changed after it was signed, or another key signed it"
        ]
    return problems


# ---------------------------------------------------------------------------- the corpus


def _corpus_entry(name: str) -> CorpusEntry:
    [entry] = [entry for entry in load_manifest().entries if entry.name == name]
    return entry


def _corpus_archive(
    entry: CorpusEntry, signer: Signer, *, filing: bool, code_version: str | None = None
) -> Files:
    """The export of a closed corpus case, its trail written as the code that made it did
    (`filing`: with the filing's entry first), signed by `signer`."""
    runs = [RunHistory(history.run_id, history) for history in load_runs(entry)]
    end = parse_run(runs[-1], len(runs)).result
    assert end is not None, f"{entry.name} is not a closed case"
    actions = [timeline for timeline in end.timeline if timeline.kind is EntryKind.ACTION]
    recorded = actions
    if filing:  # as a v4 case writes it (a v3 case's filing gets it only when forged)
        filed = next(timeline for timeline in end.timeline if timeline.kind is EntryKind.FILED)
        update = {"idempotency_key": "filing", "payload": _filing_payload(runs)}
        recorded = [filed.model_copy(update=update), *actions]
    case_id = entry.workflow_id
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        append_audit(session, case_id, recorded)
    with Session(engine) as session:
        trail = AuditTrail.of(case_id, audit_trail(session, case_id)).model_dump(mode="json")
    engine.dispose()
    rows = AuditTrail.model_validate(trail).entries
    documents = [
        {"sha256": sha256, "stored": "ok", "matches": True} for sha256 in document_hashes(end, rows)
    ]
    now = datetime.now(UTC)
    exported = exported_case(
        case_id,
        history_document(runs),
        trail,
        documents,
        [],
        exported_at=now,
        namespace="default",
        signer=signer,
    )
    files = dict(exported.files)
    listed = manifest(now, "default", {"cases": [case_id]}, [exported.entry], signer)
    if code_version is not None:
        listed["code"]["version"] = code_version

    class Sink:
        def write(self, path: str, data: bytes) -> None:
            files[path] = data

    write_manifest(Sink(), listed, signer)
    return files


def _filing_payload(runs: list[RunHistory]) -> dict[str, Any]:
    from models.audit import filing_payload

    case = parse_run(runs[0], 1).case
    assert case is not None
    return filing_payload(case)


async def test_old_cases_verify_without_the_filing_in_the_trail_and_new_ones_need_it(
    tmp_path: Path,
) -> None:
    signer = Signer.generate()
    old, new = _corpus_entry("v3-ksdd-agreement"), _corpus_entry("v4-ksdd-agreement")
    assert "filing-in-trail" not in old.patches and "filing-in-trail" in new.patches

    made_before = await _verify(_write(tmp_path / "v3", _corpus_archive(old, signer, filing=False)))
    assert made_before.ok, _failed(made_before)
    made_since = await _verify(_write(tmp_path / "v4", _corpus_archive(new, signer, filing=True)))
    assert made_since.ok, _failed(made_since)
    [case] = made_since.cases
    assert (case.runs, case.events) == (new.runs, new.events)

    without = await _verify(_write(tmp_path / "v4-", _corpus_archive(new, signer, filing=False)))
    assert _failed(without) == {
        f"{new.workflow_id}/trail": [
            "missing: run 1 (" + load_runs(new)[0].run_id + ") filed the case; the trail has no "
            "entry for the filing (it must be entry 1)"
        ]
    }
    forged = await _verify(_write(tmp_path / "v3+", _corpus_archive(old, signer, filing=True)))
    assert _failed(forged) == {
        f"{old.workflow_id}/trail": [
            "extra: trail entry 1 (file_case) records a filing, but run 1 filed the case before "
            "the filing was put in the trail",
            # That code let an action delivered with the start come before the filing.
            "trail entry 2 (timeline 1) comes after entry 1 (timeline 3): out of order",
        ]
    }


async def test_an_archive_of_newer_workflow_code_is_refused_plainly(tmp_path: Path) -> None:
    newer = f"v{int(CODE_VERSION.removeprefix('v')) + 1}"  # a release after this build
    entry = _corpus_entry("v4-sinergi-president")
    files = _corpus_archive(entry, Signer.generate(), filing=True, code_version=newer)
    report = await _verify(_write(tmp_path / newer, files))
    assert _failed(report) == {
        f"{entry.workflow_id}/replay": [
            f"cannot replay: the archive was made by workflow code {newer}, and this build has "
            f"{CODE_VERSION}; verify it with a release that has {newer}"
        ]
    }


async def test_the_filing_opens_the_trail_even_when_an_action_comes_with_the_start(
    dev_env: WorkflowEnvironment,
) -> None:
    engine = shared_read_model()
    filing = ksdd_filing()
    async with running_worker(dev_env.client, engine) as queue:
        case = await CaseDriver.file(dev_env.client, queue, filing)
        # Sent at once, so the case's first workflow task holds it beside the start.
        await case.act(OPERATOR, "accept_filing")
        await settled(case.handle)
    with Session(engine) as session:
        trail = audit_trail(session, case.handle.id)
    assert [(row.seq, row.timeline_seq, row.action) for row in trail] == [
        (1, 1, "file_case"),
        (2, 2, "accept_filing"),
    ]
    filed = trail[0]
    assert (filed.update_id, filed.actor_key, filed.actor_role) == ("filing", "op-1", "operator")
    assert filed.payload["filing_sha256"] == entry_hash(filing.model_dump(mode="json"))
