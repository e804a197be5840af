"""Cases whose runs began before the outbox: they still call the `notify` activity inside the
action, as their histories say they did, and what it is told reaches the outbox all the same."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlmodel import Session, col, select
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment

from workflows.case_workflow import CaseWorkflow

# The workflow below runs in Temporal's sandbox: what it uses is passed through, as in
# workflows/case_workflow.py.
with workflow.unsafe.imports_passed_through():
    from models.state import CaseInput, CaseView
    from models.tables import NoticeRecord
    from tests.cases import OPERATOR, CaseDriver, ksdd_filing, shared_read_model
    from workflows.worker import build_worker


@workflow.defn(name="Case")
class CaseBeforeNotices(CaseWorkflow):
    """The case workflow as a run begun before the outbox runs it (its patch not taken)."""

    @workflow.run
    async def run(self, case: CaseInput) -> CaseView:
        return await super().run(case)

    def _notices_after_commit(self) -> bool:
        return False


async def test_a_run_begun_before_the_outbox_notifies_through_it(
    dev_env: WorkflowEnvironment,
) -> None:
    engine = shared_read_model()
    queue = f"legacy-{uuid.uuid4()}"
    async with build_worker(
        dev_env.client, read_model=engine, task_queue=queue, workflow=CaseBeforeNotices
    ):
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        moved = await case.act(OPERATOR, "accept_filing")
        view = await case.view()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with Session(engine) as session:
                records = list(
                    session.exec(
                        select(NoticeRecord).where(col(NoticeRecord.case_id) == view.case_id)
                    )
                )
            if records:
                break
            await asyncio.sleep(0.1)
    # One notice: the stage change the old code told of (no filing, no action required).
    [record] = records
    assert record.type == "mufakat.case.stage_changed"
    assert record.notice_id.startswith(f"{view.case_id}.r")
    assert record.body["stage"] == moved.stage == "notice"
    assert record.body["stage_title"] == view.stage_title
    assert record.body["case_title"] == view.title
    assert record.body["message"] == "the case moved from intake to notice"
    # Its history holds the `notify` activity and no marker of the outbox's patch.
    history = await case.handle.fetch_history()
    activities = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert activities.count("notify") == 1
    assert "record_notices" not in activities
