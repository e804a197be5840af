"""An acknowledged action is applied exactly once, and only the workflow says whether it was.

Each test here failed on the code before issue 7: the API answered retries as duplicates from
the read model, a reused key with another payload was silently dropped, concurrent retries were
told they applied the action, a request with no worker never answered, a raised `version` froze
the case shown, and `reindex` left a corrupted row as it was.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.audit_trail import append_audit
from api.app import create_app
from models.limits import MAX_ACTION_BYTES
from models.roles import Role
from models.settings import get_settings
from models.state import ActionRequest, TimelineEntry
from models.tables import AuditEntry, CaseRecord, TimelineRecord
from tests.api_harness import Api, ksdd_filing_json
from tests.cases import OPERATOR, settled
from tests.test_reindex import snapshot
from workflows.reindex import reindex
from workflows.starter import take_action
from workflows.worker import build_worker

PROBLEM = "urn:mufakat:problem:"


async def _timeline(api: Api, case_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    return items


async def test_a_reused_key_with_another_payload_is_refused_naming_the_action(api: Api) -> None:
    case_id = await api.case()
    first = await api.act(case_id, Role.OPERATOR, None, "add_note", key="k-1", text="Satu")
    assert first.status_code == 200 and first.json()["duplicate"] is False
    seq = first.json()["seq"]
    # Even sent later, after another action: the key's payload is remembered by the workflow.
    other = await api.act(case_id, Role.OPERATOR, None, "add_note", text="Lain")
    assert other.status_code == 200, other.text
    reused = await api.act(case_id, Role.OPERATOR, None, "add_note", key="k-1", text="Dua")
    assert reused.status_code == 409, reused.text
    body = reused.json()
    assert body["type"] == PROBLEM + "idempotency_key_reused"
    assert (body["earlier_action"], body["earlier_seq"]) == ("add_note", seq)
    notes = [item["payload"] for item in await _timeline(api, case_id) if item["kind"] == "action"]
    assert notes == [{"text": "Satu"}, {"text": "Lain"}]
    # The same request again is still a plain retry.
    again = await api.act(case_id, Role.OPERATOR, None, "add_note", key="k-1", text="Satu")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["seq"] == seq


async def test_of_twenty_identical_requests_exactly_one_applied_the_action(api: Api) -> None:
    case_id = await api.case()
    answers = await asyncio.gather(
        *(
            api.act(case_id, Role.OPERATOR, None, "add_note", key="serentak", text="Sekali")
            for _ in range(20)
        )
    )
    assert [answer.status_code for answer in answers] == [200] * 20
    assert len({answer.json()["seq"] for answer in answers}) == 1
    assert sorted(answer.json()["duplicate"] for answer in answers) == [False] + [True] * 19
    actions = [item for item in await _timeline(api, case_id) if item["kind"] == "action"]
    assert len(actions) == 1


async def test_a_key_raced_by_two_actions_answers_only_the_one_applied(api: Api) -> None:
    case_id = await api.case()
    notes = [
        api.act(case_id, Role.OPERATOR, None, "add_note", key="rebutan", text="Catatan")
        for _ in range(10)
    ]
    completions = [
        api.act(case_id, Role.OPERATOR, None, "request_completion", key="rebutan", missing=["PKS"])
        for _ in range(10)
    ]
    answers = await asyncio.gather(*notes, *completions)
    asked = ["add_note"] * 10 + ["request_completion"] * 10
    applied = {answer.json()["action"] for answer in answers if answer.status_code == 200}
    assert len(applied) == 1, "one action took the key"
    (winner,) = applied
    for action, answer in zip(asked, answers, strict=True):
        if action == winner:
            assert answer.status_code == 200, answer.text
        else:
            assert answer.status_code == 409, answer.text
            assert answer.json()["earlier_action"] == winner
    assert (
        sum(answer.status_code == 200 and not answer.json()["duplicate"] for answer in answers) == 1
    )


@asynccontextmanager
async def _api_without_worker(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Api, str]]:
    """The production app with a one-second limit on actions, and no worker (yet)."""
    queue = f"api-{uuid.uuid4()}"
    settings = get_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        task_queue=queue,
        action_timeout_seconds=1.0,
    )
    app = create_app(settings)
    app.state.temporal = dev_env.client
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        yield Api(app=app, client=http), queue
    app.state.engine.dispose()


async def test_with_no_worker_a_request_is_refused_in_time_and_its_retry_answers(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    async with _api_without_worker(dev_env, database_url, tmp_path) as (api, queue):
        filing = await api.file(ksdd_filing_json(), key="berkas-1")
        assert filing.status_code == 503, filing.text
        assert filing.json()["type"] == PROBLEM + "filing_pending"
        assert int(filing.headers["retry-after"]) > 0
        worker = build_worker(dev_env.client, read_model=api.app.state.engine, task_queue=queue)
        async with worker:
            filed = await api.file(ksdd_filing_json(), key="berkas-1")
            assert filed.status_code == 201, filed.text
            case_id = filed.json()["case_id"]
        # The worker is gone: the action waits one second, then is 503 with Retry-After.
        started = asyncio.get_running_loop().time()
        pending = await api.act(case_id, Role.OPERATOR, None, "add_note", key="n-1", text="A")
        waited = asyncio.get_running_loop().time() - started
        assert pending.status_code == 503, pending.text
        assert pending.json()["type"] == PROBLEM + "action_pending"
        assert int(pending.headers["retry-after"]) > 0
        assert waited < 10, f"answered after {waited:.1f} s"
        async with build_worker(dev_env.client, read_model=api.app.state.engine, task_queue=queue):
            # The new worker first catches the case up (its history, the outbox write the gone
            # worker left): a retry meanwhile is 503 again, and the same key answers once it is.
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                retried = await api.act(
                    case_id, Role.OPERATOR, None, "add_note", key="n-1", text="A"
                )
                if retried.status_code != 503 or asyncio.get_running_loop().time() > deadline:
                    break
            assert retried.status_code == 200, retried.text
            actions = [item for item in await _timeline(api, case_id) if item["kind"] == "action"]
            assert [item["idempotency_key"].split("/")[1] for item in actions] == ["n-1"]
            await api.settled(case_id)


async def test_a_raised_version_does_not_freeze_the_case(api: Api) -> None:
    case_id = await api.case()
    with Session(api.app.state.engine) as session, session.begin():
        session.execute(
            update(CaseRecord).where(col(CaseRecord.case_id) == case_id).values(version=10**6)
        )
    accepted = await api.act(case_id, Role.OPERATOR, None, "accept_filing")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["case"]["stage"] == "notice"
    shown = (await api.get(f"/v1/cases/{case_id}")).json()
    assert shown["stage"] == "notice" and shown["version"] < 10**6


async def test_reindex_repairs_every_derivable_row_and_never_the_trail(api: Api) -> None:
    case_id = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.OPERATOR, None, "add_note", {"text": "Catatan"}),
    )
    await api.settled(case_id)
    engine = api.app.state.engine
    before = snapshot(api)
    with Session(engine) as session:
        trail = [entry.entry_hash for entry in session.exec(select(AuditEntry))]
    with Session(engine) as session, session.begin():
        session.execute(
            update(CaseRecord)
            .where(col(CaseRecord.case_id) == case_id)
            .values(stage="closed", version=10**6, projected_run=10**6, detail={})
        )
        session.execute(
            update(TimelineRecord)
            .where(col(TimelineRecord.case_id) == case_id, col(TimelineRecord.seq) == 2)
            .values(action="withdraw")
        )
        session.execute(
            TimelineRecord.__table__.delete().where(  # type: ignore[attr-defined]
                col(TimelineRecord.case_id) == case_id, col(TimelineRecord.seq) == 1
            )
        )
        session.add(
            TimelineRecord(
                case_id=case_id,
                seq=99,
                at=datetime.now(UTC),
                kind="action",
                stage_before="notice",
                stage_after="notice",
                payload={},
                documents=[],
            )
        )
    assert snapshot(api) != before
    queue = api.app.state.settings.task_queue
    report = await reindex(api.app.state.temporal, engine, query=f"TaskQueue = '{queue}'")
    assert report.projected == [case_id] and not report.failed
    assert snapshot(api) == before
    with Session(engine) as session:
        assert [entry.entry_hash for entry in session.exec(select(AuditEntry))] == trail
    # And the next action is projected over the repaired row as usual.
    noted = await api.act(case_id, Role.OPERATOR, None, "add_note", text="Sesudah")
    assert (
        noted.status_code == 200 and noted.json()["case"]["version"] > before["cases"][case_id][2]
    )


async def test_verify_names_a_trail_entry_no_action_made(api: Api) -> None:
    case_id = await api.case((Role.OPERATOR, None, "add_note", {"text": "Asli"}))
    await api.settled(case_id)
    with Session(api.app.state.engine) as session:
        real = session.exec(
            select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.seq == 2)
        ).one()  # entry 1 is the filing
    # A well-chained forgery: the chain holds, the history does not know it.
    with Session(api.app.state.engine) as session, session.begin():
        forged = TimelineEntry.model_validate(
            {
                "seq": 50,
                "at": datetime.now(UTC),
                "kind": "action",
                "stage_before": real.stage_before,
                "stage_after": real.stage_after,
                "action": "add_note",
                "actor": {"key_id": real.actor_key, "role": real.actor_role},
                "idempotency_key": f"{real.actor_key}/palsu",
                "payload": {"text": "Tidak pernah terjadi"},
            }
        )
        append_audit(session, case_id, [forged])
    report = (
        await api.client.post(f"/v1/cases/{case_id}/verify", headers=api.headers(Role.AUDITOR))
    ).json()
    assert report["ok"] is False
    failed = {check["name"]: check["problems"] for check in report["checks"] if not check["ok"]}
    assert list(failed) == ["trail"]
    assert failed["trail"] == [
        f"extra: trail entry 3 (add_note, update {real.actor_key}/palsu) matches no accepted "
        "update in the history"
    ]


async def test_the_workflow_refuses_a_payload_past_its_limit(api: Api) -> None:
    """Past the API (any Temporal client): the validator refuses, the case goes on."""
    case_id = await api.case()
    handle = api.app.state.temporal.get_workflow_handle(case_id)
    big = ActionRequest(
        action="add_note", actor=OPERATOR, payload={"text": "x", "junk": "y" * MAX_ACTION_BYTES}
    )
    try:
        await take_action(handle, big, key="besar")
    except WorkflowUpdateFailedError as refused:
        assert isinstance(refused.cause, ApplicationError)
        assert refused.cause.details[0]["message_id"] == "bad_payload.too_large"
        assert refused.cause.details[0]["limit"] == MAX_ACTION_BYTES
    else:
        raise AssertionError("an oversized payload was applied")
    small = ActionRequest(action="add_note", actor=OPERATOR, payload={"text": "kecil"})
    assert (await take_action(handle, small, key="kecil")).duplicate is False
    await settled(handle)
