"""A first filing never attaches to a case Temporal already holds under the same id, while
retries of one filing (one filing key) always meet in one case."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment

from models.state import ActionRequest, CaseStatus
from tests.cases import OPERATOR, ksdd_filing, new_case_id, running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.starter import case_input, start_and_await_filing, take_action


@pytest.mark.parametrize("held", ["running", "without_worker", "closed"])
async def test_a_filing_under_a_known_id_is_refused(
    dev_env: WorkflowEnvironment, held: str
) -> None:
    case = case_input(case_id=new_case_id(), filing=ksdd_filing(), filed_by=OPERATOR)
    client = dev_env.client
    async with running_worker(client) as queue:
        await start_and_await_filing(client, case, task_queue=queue, filing_key="surat-1")
        if held == "closed":
            handle = client.get_workflow_handle_for(CaseWorkflow.run, case.case_id)
            close = ActionRequest(
                action="reject_out_of_scope", actor=OPERATOR, payload={"reason": "Uji"}
            )
            await take_action(handle, close, key="tutup")
            assert (await handle.result()).status is CaseStatus.CLOSED
        if held != "without_worker":
            with pytest.raises(WorkflowAlreadyStartedError):
                await start_and_await_filing(client, case, task_queue=queue, filing_key="surat-2")
    if held == "without_worker":
        # The case still runs, no worker polls it, and its own filing completed long ago.
        with pytest.raises(WorkflowAlreadyStartedError):
            await start_and_await_filing(client, case, task_queue=queue)


async def test_concurrent_retries_of_one_filing_meet_in_one_case(
    dev_env: WorkflowEnvironment,
) -> None:
    case = case_input(case_id=new_case_id(), filing=ksdd_filing(), filed_by=OPERATOR)
    async with running_worker(dev_env.client) as queue:
        versions = await asyncio.gather(
            start_and_await_filing(dev_env.client, case, task_queue=queue, filing_key="k"),
            *(
                start_and_await_filing(
                    dev_env.client, case, task_queue=queue, filing_key="k", retry=True
                )
                for _ in range(4)
            ),
        )
        assert len(set(versions)) == 1
        history = await dev_env.client.get_workflow_handle(case.case_id).fetch_history()
        started = [
            e for e in history.events if e.HasField("workflow_execution_started_event_attributes")
        ]
        assert len(started) == 1
