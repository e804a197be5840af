"""`mufakat reindex`: the read model rebuilt from Temporal matches the one projections wrote."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models.roles import Role
from models.tables import CaseDeadline, CaseParty, CaseRecord, TimelineRecord
from tests.api_harness import Api, ksdd_filing_json, ksdpk_filing_json
from workflows.reindex import clear_cases, reindex


def snapshot(api: Api) -> dict[str, Any]:
    with Session(api.app.state.engine) as session:
        cases = {
            r.case_id: (r.stage, r.status, r.version, r.due_at)
            for r in session.exec(select(CaseRecord))
        }
        timeline = [
            (t.case_id, t.seq, t.action)
            for t in session.exec(
                select(TimelineRecord).order_by(
                    col(TimelineRecord.case_id), col(TimelineRecord.seq)
                )
            )
        ]
        parties = sorted((p.case_id, p.party_id) for p in session.exec(select(CaseParty)))
        deadlines = sorted(
            (d.case_id, d.clock, d.due_at) for d in session.exec(select(CaseDeadline))
        )
    return {"cases": cases, "timeline": timeline, "parties": parties, "deadlines": deadlines}


async def test_reindex_rebuilds_the_read_model(api: Api) -> None:
    open_case = (await api.file(ksdd_filing_json())).json()["case_id"]
    await api.act(open_case, Role.OPERATOR, None, "accept_filing")
    await api.act(open_case, Role.PARTY, "32.04", "request_legal_opinion", question="Sahkah PKS?")
    closed_case = (await api.file(ksdpk_filing_json())).json()["case_id"]
    await api.act(closed_case, Role.PARTY, "32.73", "withdraw", reason="Sudah berdamai")
    before = snapshot(api)
    assert set(before["cases"]) == {open_case, closed_case}

    clear_cases(api.app.state.engine)
    assert snapshot(api)["cases"] == {}
    queue = api.app.state.settings.task_queue
    report = await reindex(
        api.app.state.temporal, api.app.state.engine, query=f"TaskQueue = '{queue}'"
    )
    assert sorted(report.projected) == sorted([open_case, closed_case]) and not report.failed
    assert snapshot(api) == before
    # Reindexing again over a current read model changes nothing.
    await reindex(api.app.state.temporal, api.app.state.engine, query=f"TaskQueue = '{queue}'")
    assert snapshot(api) == before
