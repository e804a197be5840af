"""Auditing on both databases: complete histories, the chained trail, and tampering caught."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from audit.replaying import case_replayer
from audit.runs import RunHistory
from audit.verify import case_runs, verify_case, verify_cases
from audit.verify_pool import VerifierSetup, verify_in_processes
from models.audit import GENESIS, check_chain, entry_hash, hashed_content
from models.roles import Actor, Role
from models.state import ActionRequest
from models.tables import AuditEntry, CaseRecord
from models.verification import CheckName, VerifyReport
from tests.api_harness import Api, Step, ksdd_filing_json
from tests.conftest import SUGGEST_CONTINUE_AS_NEW_AFTER
from tests.rev2_paper import formal_decision
from workflows.starter import take_action

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


def _document(name: str, doc_type: str = "berita_acara") -> dict[str, Any]:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {"name": name, "doc_type": doc_type, "sha256": digest, "size": 2048}


def _decision(legal_form: str, name: str) -> dict[str, Any]:
    """A decision as signed (§9 D12), its signed document stored under its own hash."""
    return {**formal_decision(legal_form), "document": _document(name, "keputusan")}


# The paper 2026.2 asks for (§9 D11, D12), each a document the verification checks is stored.
PAPER = [
    _document("ba-musyawarah.pdf"),
    _document("ba-fasilitasi-gwpp.pdf"),
    _decision("keputusan_gubernur_wpp", "kep-gubernur.pdf")["document"],
    _document("ba-fasilitasi-menteri.pdf"),
    _decision("keputusan_mendagri", "kepmendagri.pdf")["document"],
]
TO_GWPP: list[Step] = [
    (Role.OPERATOR, None, "accept_filing", {}),
    (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"}),
    (Role.PARTY, BANDUNG, "declare_deadlock", {"reason": "Tidak mufakat", "document": PAPER[0]}),
]
TO_CLOSED: list[Step] = [
    (Role.GWPP, "32", "close_without_agreement", {"reason": "Gagal", "document": PAPER[1]}),
    (Role.GWPP, "32", "issue_decision", _decision("keputusan_gubernur_wpp", "kep-gubernur.pdf")),
    # A GWPP decision does not bind at once (§9 D13): Kota Bandung objects, and the Minister
    # facilitates, decides, and monitors the outcome (D2).
    (Role.PARTY, KOTA_BANDUNG, "object_to_decision", {"reason": "Pembagian tidak adil"}),
    (Role.MINISTER, None, "close_without_agreement", {"reason": "Gagal", "document": PAPER[3]}),
    (Role.MINISTER, None, "issue_decision", _decision("keputusan_mendagri", "kepmendagri.pdf")),
    (Role.MINISTER, None, "confirm_implemented", {"reference": "LAP-1"}),
]
STORED_PAPER: dict[str, str | None] = {document["sha256"]: None for document in PAPER}
# An exported archive's own checks (manifest, signature) are not the live verification's.
EVERY_CHECK = {name.value for name in CheckName} - {"manifest", "signature"}


async def _verify(api: Api, case_id: str, **options: Any) -> VerifyReport:
    state = api.app.state
    return await verify_case(state.temporal, state.engine, case_id, **options)


def _failed(report: VerifyReport) -> dict[str, list[str]]:
    return {check.name.value: check.problems for check in report.checks if not check.ok}


async def test_history_of_a_continued_case_has_every_run(api: Api) -> None:
    case_id = await api.case()
    first = await api.act(case_id, Role.OPERATOR, None, "add_note", key="awal", text="Pertama")
    assert first.status_code == 200, first.text
    for n in range(SUGGEST_CONTINUE_AS_NEW_AFTER // 4):
        note = await api.act(case_id, Role.OPERATOR, None, "add_note", text=f"Catatan {n}")
        assert note.status_code == 200, note.text
    # A retry after continue-as-new reaches the workflow, which answers it as a duplicate: the
    # history then holds the key twice, and verify must count it once.
    handle = api.app.state.temporal.get_workflow_handle(case_id)
    operator_key = api.tokens[(Role.OPERATOR, None)].split("_")[1]  # mk_<key id>_<secret>
    retry = ActionRequest(
        action="add_note",
        actor=Actor(key_id=operator_key, role=Role.OPERATOR),
        payload={"text": "Pertama"},
    )
    again = await take_action(handle, retry, key=f"{operator_key}/awal")
    assert again.duplicate
    await api.settled(case_id)

    history = await api.get(f"/v1/cases/{case_id}/history", Role.AUDITOR)
    assert history.status_code == 200, history.text
    document = history.json()
    assert document["case_id"] == case_id and len(document["guideline_hash"]) == 64
    assert len(document["runs"]) >= 2, "the case should have continued as new"
    applied_in = [run for run in document["runs"] if f"{operator_key}/awal" in json.dumps(run)]
    assert len(applied_in) == 2, "the retried key should be in the first run and the last"
    # Each run is the JSON Temporal's tools read: it parses back whole and replays.
    parsed = [WorkflowHistory.from_json(case_id, run) for run in document["runs"]]
    for run, events in zip(document["runs"], parsed, strict=True):
        assert events.run_id == run["run_id"] and len(events.events) == len(run["events"])
        await case_replayer().replay_workflow(events)

    report = await api.client.post(f"/v1/cases/{case_id}/verify", headers=api.headers(Role.AUDITOR))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["ok"], body
    assert {check["name"] for check in body["checks"]} == EVERY_CHECK
    assert body["runs"] == len(document["runs"]) and body["events"] == sum(
        len(run["events"]) for run in document["runs"]
    )

    closing = await api.act(case_id, Role.OPERATOR, None, "reject_out_of_scope", reason="Usai")
    assert closing.status_code == 200, closing.text
    closed = await _verify(api, case_id)
    assert closed.ok, _failed(closed)
    # An export verifies as the live history does; without its first run it says so.
    export = (await api.get(f"/v1/cases/{case_id}/history", Role.AUDITOR)).json()["runs"]
    runs = [RunHistory(run["run_id"], WorkflowHistory.from_json(case_id, run)) for run in export]
    exported = await _verify(api, case_id, runs=runs)
    assert exported.ok and exported.runs == closed.runs, _failed(exported)
    headless = await _verify(api, case_id, runs=runs[1:])
    assert "the run before it is missing" in " ".join(_failed(headless)["continuity"])


async def test_trail_has_one_chained_entry_per_accepted_action(api: Api) -> None:
    started = datetime.now(UTC)
    case_id = await api.case()
    named_berita_acara = {"berita_acara_sha256": _document("ba-1.pdf")["sha256"]}
    steps: list[tuple[Role, str | None, str, str, dict[str, Any]]] = [
        (Role.OPERATOR, None, "terima", "accept_filing", {}),
        (Role.PARTY, KOTA_BANDUNG, "tanggapan", "submit_response", {"summary": "Tanggapan"}),
        (Role.OPERATOR, None, "lampiran", "attach_document", _document("ba-1.pdf")),
        # The berita acara (§9 D11) is the one attached a step before, named by its hash.
        (
            Role.OPERATOR,
            None,
            "buntu",
            "declare_deadlock",
            {"reason": "Buntu", **named_berita_acara},
        ),
    ]
    for role, scope, key, action, payload in steps:
        extra = {"on_behalf_of": BANDUNG} if action == "declare_deadlock" else {}
        response = await api.act(case_id, role, scope, action, key=key, **extra, **payload)
        assert response.status_code == 200, response.text
    # A retried key and a refused action leave the trail as it is.
    retried = await api.act(case_id, Role.OPERATOR, None, "accept_filing", key="terima")
    assert retried.json()["duplicate"] is True
    refused = await api.act(case_id, Role.OPERATOR, None, "accept_filing", key="lagi")
    assert refused.status_code == 409

    # The requesting party reads the trail of its own case (written once each action's task
    # committed: a moment after the answers).
    await api.settled(case_id)
    trail = await api.get(f"/v1/cases/{case_id}/audit", Role.PARTY, BANDUNG)
    assert trail.status_code == 200, trail.text
    filing, *entries = trail.json()["entries"]
    # The filing opens the trail: who filed it, when, and its hash.
    assert (filing["seq"], filing["action"], filing["update_id"]) == (1, "file_case", "filing")
    assert (filing["actor_role"], filing["actor_scope"], filing["timeline_seq"]) == (
        "operator",
        None,
        1,
    )
    assert len(filing["payload"]["filing_sha256"]) == 64 and filing["prev_hash"] == "0" * 64
    assert [entry["action"] for entry in entries] == [step[3] for step in steps]
    assert [entry["seq"] for entry in entries] == [2, 3, 4, 5]
    # Every hash can be recomputed from the JSON alone, and each covers the one before it.
    assert check_chain(SimpleNamespace(**entry) for entry in [filing, *entries]) == []
    assert all(entry_hash(hashed_content(e)) == e["entry_hash"] for e in [filing, *entries])
    for entry, (role, scope, key, _, payload) in zip(entries, steps, strict=True):
        assert entry["update_id"].endswith(f"/{key}")
        assert entry["actor_role"] == role.value and entry["actor_scope"] == scope
        assert started <= datetime.fromisoformat(entry["at"]) <= datetime.now(UTC)
        # The payload as the workflow checked it: what was sent, with its defaults filled in.
        assert payload.items() <= entry["payload"].items()
    accept, _, attach, deadlock = entries
    assert (accept["stage_before"], accept["stage_after"]) == ("intake", "notice")
    assert attach["documents"] == [_document("ba-1.pdf")["sha256"]]
    assert deadlock["on_behalf_of"] == BANDUNG and deadlock["actor_role"] == "operator"
    assert (deadlock["stage_before"], deadlock["stage_after"]) == (
        "musyawarah",
        "gwpp_facilitation",
    )
    report = await _verify(api, case_id)
    assert report.ok, _failed(report)


async def test_verify_an_honest_case_with_a_legal_opinion_and_an_extension(api: Api) -> None:
    case_id = await api.case(
        *TO_GWPP[:2],
        (
            Role.OPERATOR,
            None,
            "request_legal_opinion",
            # Addressed to the Kejati of West Java (§9 D7), whose key answers it.
            {
                "question": "Apakah PKS mengikat?",
                "addressee": {"office": "kejati", "region_code": "32"},
            },
        ),
        (Role.PROSECUTOR, "32", "submit_legal_opinion", {"thread": 1, "opinion": "Mengikat"}),
        TO_GWPP[2],
        (Role.GWPP, "32", "extend_deadline", {"reason": "Menunggu data biaya"}),
        (Role.OPERATOR, None, "attach_document", _document("notulen.pdf")),
    )
    running = await api.client.post(f"/v1/cases/{case_id}/verify", headers=api.headers(Role.ADMIN))
    assert running.status_code == 200, running.text
    # The app's store holds no content for the attached hash, and says so.
    assert _failed(VerifyReport.model_validate(running.json())).keys() == {"documents"}
    for role, scope, action, payload in TO_CLOSED:
        assert (await api.act(case_id, role, scope, action, **payload)).status_code == 200

    stored = _document("notulen.pdf")["sha256"]
    shelf = _Shelf({stored: None, **STORED_PAPER})
    report = await _verify(api, case_id, documents=shelf)
    assert report.ok, _failed(report)
    assert shelf.asked == {stored, *STORED_PAPER}
    detail = (await api.get(f"/v1/cases/{case_id}", Role.AUDITOR)).json()
    assert (report.guideline_version, report.guideline_hash) == (
        detail["guideline_version"],
        detail["guideline_hash"],
    )
    altered = await _verify(
        api, case_id, documents=_Shelf({**STORED_PAPER, stored: "hash mismatch: 9f86d0…"})
    )
    assert _failed(altered) == {
        "documents": [f"document {stored} (notulen.pdf): hash mismatch: 9f86d0…"]
    }


class _Shelf:
    """A document store that knows only the problems it is given."""

    def __init__(self, problems: dict[str, str | None]) -> None:
        self.problems = problems
        self.asked: set[str] = set()

    def check(self, sha256: str) -> str | None:
        self.asked.add(sha256)
        return self.problems.get(sha256, "missing")


# ---------------------------------------------------------------------------- tampering


def _edit_payload(session: Session, case_id: str) -> None:
    row = _entry(session, case_id, 3)
    row.payload = {"summary": "Tanggapan yang diubah"}
    session.add(row)


def _delete_entry(session: Session, case_id: str) -> None:
    session.delete(_entry(session, case_id, 3))


def _swap_entries(session: Session, case_id: str) -> None:
    first, second = _entry(session, case_id, 1), _entry(session, case_id, 2)
    second.seq = -2
    session.flush()
    first.seq = 2
    session.flush()
    second.seq = 1


def _forge_entry(session: Session, case_id: str) -> None:
    last = session.exec(
        select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(col(AuditEntry.seq).desc())
    ).first()
    assert last is not None
    forged = AuditEntry.model_validate(
        {
            **last.model_dump(),
            "seq": last.seq + 1,
            "timeline_seq": last.timeline_seq + 1,
            "update_id": "palsu/1",
            "action": "add_note",
            "payload": {"text": "Tidak pernah terjadi"},
            "prev_hash": last.entry_hash,
        }
    )
    # Forged with a valid hash: the chain alone cannot tell, the history can.
    forged.entry_hash = entry_hash(hashed_content(forged))
    session.add(forged)


def _rechain_edit(session: Session, case_id: str) -> None:
    rows = list(
        session.exec(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(col(AuditEntry.seq))
        )
    )
    rows[2].payload = {"summary": "Tanggapan yang diubah"}
    for before, row in pairwise(rows):
        row.prev_hash = before.entry_hash
        row.entry_hash = entry_hash(hashed_content(row))
        session.add(row)


def _refile(session: Session, case_id: str) -> None:
    """The filing's entry says another key filed the case, re-chained to look whole."""
    rows = _rows(session, case_id)
    rows[0].actor_key = "palsu"
    _rechain(session, rows)


def _drop_filing(session: Session, case_id: str) -> None:
    """The filing's entry removed and the rest renumbered and re-chained from the start."""
    rows = _rows(session, case_id)
    session.delete(rows[0])
    session.flush()
    kept = [AuditEntry.model_validate({**row.model_dump(), "seq": row.seq - 1}) for row in rows[1:]]
    for row in rows[1:]:
        session.delete(row)
    session.flush()
    kept[0].prev_hash = GENESIS
    kept[0].entry_hash = entry_hash(hashed_content(kept[0]))
    _rechain(session, kept)


def _rows(session: Session, case_id: str) -> list[AuditEntry]:
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(col(AuditEntry.seq))
        )
    )


def _rechain(session: Session, rows: list[AuditEntry]) -> None:
    rows[0].entry_hash = entry_hash(hashed_content(rows[0]))
    session.add(rows[0])
    for before, row in pairwise(rows):
        row.prev_hash = before.entry_hash
        row.entry_hash = entry_hash(hashed_content(row))
        session.add(row)


def _edit_stage(session: Session, case_id: str) -> None:
    record = session.get(CaseRecord, case_id)
    assert record is not None
    record.stage = "musyawarah"
    session.add(record)


def _entry(session: Session, case_id: str, seq: int) -> AuditEntry:
    row = session.get(AuditEntry, (case_id, seq))
    assert row is not None
    return row


TAMPERS: list[tuple[Callable[[Session, str], None], dict[str, str]]] = [
    (_edit_payload, {"chain": "entry 3: its content no longer matches", "trail": "payload is"}),
    (_delete_entry, {"chain": "entry 4: expected entry 3", "trail": "the trail has no entry"}),
    (_swap_entries, {"chain": "entry 1: does not follow", "trail": "out of order"}),
    (_forge_entry, {"trail": "extra: trail entry 11 (add_note, update palsu/1) matches no"}),
    (_rechain_edit, {"trail": "trail entry 3 (update "}),
    (
        _refile,
        {"trail": "trail entry 1 (update filing): actor_key is 'palsu'; the filing in run 1"},
    ),
    (_drop_filing, {"trail": "the trail has no entry for the filing (it must be entry 1)"}),
    (_edit_stage, {"state": "read model stage is 'musyawarah'"}),
]


async def test_verify_catches_and_names_each_tampering(api: Api) -> None:
    case_id = await api.case(*TO_GWPP, *TO_CLOSED)
    engine: Engine = api.app.state.engine
    honest = _snapshot(engine, case_id)
    for tamper, expected in TAMPERS:
        with Session(engine) as session, session.begin():
            tamper(session, case_id)
        report = await _verify(api, case_id)
        failed = _failed(report)
        assert failed.keys() == expected.keys(), (tamper.__name__, failed)
        for check, text in expected.items():
            assert text in " | ".join(failed[check]), (tamper.__name__, failed[check])
        _restore(engine, case_id, honest)

    # A history cut short, as an export might be: verify says which run and how.
    runs = await case_runs(api.app.state.temporal, case_id)
    last = runs[-1].history
    cut = WorkflowHistory(last.workflow_id, last.events[:-3])
    report = await _verify(api, case_id, runs=[*runs[:-1], RunHistory(runs[-1].run_id, cut)])
    failed = _failed(report)
    continuity = " | ".join(failed["continuity"])
    assert "though the case is closed: its history is cut short" in continuity
    assert f"has {len(cut.events)} events where Temporal holds {len(last.events)}" in continuity
    assert "holds no case result" in " ".join(failed["state"])
    assert (await _verify(api, case_id)).ok


def _snapshot(engine: Engine, case_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with Session(engine) as session:
        record = session.get(CaseRecord, case_id)
        assert record is not None
        trail = session.exec(select(AuditEntry).where(AuditEntry.case_id == case_id))
        return record.model_dump(), [row.model_dump() for row in trail]


def _restore(
    engine: Engine, case_id: str, snapshot: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    record, trail = snapshot
    with Session(engine) as session, session.begin():
        for row in session.exec(select(AuditEntry).where(AuditEntry.case_id == case_id)):
            session.delete(row)
        session.flush()
        session.add_all(AuditEntry.model_validate(row) for row in trail)
        current = session.get(CaseRecord, case_id)
        assert current is not None
        current.stage = record["stage"]
        session.add(current)


# ---------------------------------------------------------------------------- who may audit


async def test_only_auditors_and_admins_verify_and_auditors_read_every_case(api: Api) -> None:
    case_id = await api.case(filing=ksdd_filing_json("35.07", "35.73"))
    path = f"/v1/cases/{case_id}/verify"
    for role, scope in [(Role.OPERATOR, None), (Role.PARTY, "35.07"), (Role.GWPP, "35")]:
        refused = await api.client.post(path, headers=api.headers(role, scope))
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == "urn:mufakat:problem:wrong_role"
    for role in (Role.AUDITOR, Role.ADMIN):
        allowed = await api.client.post(path, headers=api.headers(role))
        assert allowed.status_code == 200 and allowed.json()["ok"], allowed.text
    for what in ("history", "audit"):
        read = await api.get(f"/v1/cases/{case_id}/{what}", Role.AUDITOR)
        assert read.status_code == 200, read.text
        stranger = await api.get(f"/v1/cases/{case_id}/{what}", Role.PARTY, BANDUNG)
        assert stranger.status_code == 403, stranger.text
    unknown = await api.client.post(
        "/v1/cases/PKD-2026-999999/verify", headers=api.headers(Role.AUDITOR)
    )
    assert unknown.status_code == 404, unknown.text


async def test_verify_cases_reports_each_case(api: Api) -> None:
    case_ids = [await api.case(*TO_GWPP[:1]) for _ in range(3)]
    case_ids.append(await api.case(*TO_GWPP, *TO_CLOSED))
    state = api.app.state
    reports = [
        report
        async for report in verify_cases(state.temporal, state.engine, case_ids, concurrency=2)
    ]
    assert sorted(report.case_id for report in reports) == sorted(case_ids)
    assert all(report.ok for report in reports), [_failed(report) for report in reports]
    # Verifying in another process, as `audit verify --all` does, finds the same.
    setup = VerifierSetup.like(state.temporal, state.engine, None, sandboxed=False)
    again = [
        report
        async for report in verify_in_processes(
            state.temporal, state.engine, case_ids, processes=1, setup=setup, batch=2
        )
    ]
    assert sorted(again, key=_by_case) == sorted(reports, key=_by_case)


def _by_case(report: VerifyReport) -> str:
    return report.case_id


@workflow.defn(name="Case")
class _ChangedCase:
    """The case workflow after an incompatible change: it now waits a day before anything."""

    @workflow.run
    async def run(self, case: dict[str, Any]) -> None:
        await workflow.sleep(timedelta(days=1))


async def test_verify_names_a_run_the_current_code_cannot_replay(api: Api) -> None:
    case_id = await api.case(*TO_GWPP[:1])
    changed = Replayer(
        workflows=[_ChangedCase],
        data_converter=pydantic_data_converter,
        # The sandbox would re-import this test module, which imports far more than workflows may.
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    report = await _verify(api, case_id, replayer=changed)
    runs = await case_runs(api.app.state.temporal, case_id)
    assert _failed(report).keys() == {"replay"}
    [problem] = _failed(report)["replay"]
    assert problem.startswith(f"run 1 ({runs[0].run_id}) does not replay: NondeterminismError")
