"""Filing a case: route it, pin the guideline, start its workflow (idempotent on the case id)."""

from __future__ import annotations

import contextlib
import uuid

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from models import search_attributes as sa
from models.case import CaseFiling
from models.forum import Routing
from models.guidelines import check_pinned, default_pinned, shipped_pinned
from models.pedoman import Guideline
from models.regions import RegionDirectory, load_regions
from models.roles import Actor
from models.routing import route
from models.state import ActionRequest, ActionResult, CaseInput, CaseView
from workflows.case_workflow import CaseWorkflow
from workflows.worker import TASK_QUEUE

TAKE_ACTION = "take_action"
FILED = "filed"


def route_filing(filing: CaseFiling, guideline: Guideline, regions: RegionDirectory) -> Routing:
    """The routing (R1–R8) of a filing under a guideline's open-question settings."""
    return route(
        filing.case_type,
        filing.parties,
        clause=filing.agreement.dispute_clause,
        regions=regions,
        open_questions=guideline.open_questions,
    )


def case_input(
    *, case_id: str, filing: CaseFiling, filed_by: Actor, guideline_version: str | None = None
) -> CaseInput:
    """The workflow input for a filing: routed, pinned to a shipped guideline (the default one
    unless a version is named) by its hash."""
    pinned = default_pinned() if guideline_version is None else shipped_pinned(guideline_version)
    routing = route_filing(filing, pinned.guideline, load_regions())
    return CaseInput(
        case_id=case_id, filing=filing, routing=routing, pinned=pinned, filed_by=filed_by
    )


def initial_search_attributes(case: CaseInput) -> TypedSearchAttributes:
    """What Temporal's UI can filter a case by from the start (no personal data)."""
    provinces = sorted(
        {p.region_code[:2] for p in case.filing.parties if p.region_code is not None}
    )
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_TYPE, case.filing.case_type.value),
            SearchAttributePair(sa.CASE_FORUM, case.routing.forum.value),
            SearchAttributePair(sa.CASE_PROVINCE, provinces),
            SearchAttributePair(sa.CASE_STAGE, case.pinned.guideline.entry_stage),
            SearchAttributePair(sa.CASE_STATUS, "open"),
        ]
    )


async def start_case(
    client: Client, case: CaseInput, *, task_queue: str = TASK_QUEUE
) -> WorkflowHandle[CaseWorkflow, CaseView]:
    """Start the case's workflow; filing the same case id again returns the running case."""
    check_pinned(case.pinned)
    return await client.start_workflow(
        CaseWorkflow.run,
        case,
        id=case.case_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=initial_search_attributes(case),
        static_summary=f"{case.filing.case_type.value}: {case.filing.title}",
    )


async def start_and_await_filing(
    client: Client,
    case: CaseInput,
    *,
    task_queue: str = TASK_QUEUE,
    retry: bool = False,
    filing_key: str | None = None,
) -> int:
    """Start the case and return once its filing is in the read model.

    A first filing refuses an id Temporal already holds (WorkflowAlreadyStartedError), so a
    numbering gone wrong can never attach a filing to another case; a retry of the same filing
    (`retry=True`) finds its own running case instead.

    `filing_key` names this one filing (the same for its retries, distinct from every other
    filing): it makes the update id. The server answers an update-with-start whose update id
    the workflow already knows with that update, whatever the conflict policy; that is what
    lets concurrent retries of one filing meet in one case, and why an id made of the case id
    alone would let a new filing "succeed" against another case held under that id. Without
    a key, every call is a filing of its own.
    """
    check_pinned(case.pinned)
    operation: WithStartWorkflowOperation[CaseWorkflow, CaseView] = WithStartWorkflowOperation(
        CaseWorkflow.run,
        case,
        id=case.case_id,
        task_queue=task_queue,
        id_conflict_policy=(
            WorkflowIDConflictPolicy.USE_EXISTING if retry else WorkflowIDConflictPolicy.FAIL
        ),
        # A closed case is never started again under its id.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=initial_search_attributes(case),
        static_summary=f"{case.filing.case_type.value}: {case.filing.title}",
    )
    try:
        version: int = await client.execute_update_with_start_workflow(
            FILED,
            start_workflow_operation=operation,
            id=f"filed-{case.case_id}-{filing_key or uuid.uuid4().hex}",
            result_type=int,
        )
    except WorkflowAlreadyStartedError:
        # The operation holds the same error for its handle; taking it here keeps asyncio from
        # logging it as "never retrieved" for every refused start.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await operation.workflow_handle()
        raise
    return version


async def file_case(
    client: Client,
    *,
    case_id: str,
    filing: CaseFiling,
    filed_by: Actor,
    task_queue: str = TASK_QUEUE,
    guideline_version: str | None = None,
) -> WorkflowHandle[CaseWorkflow, CaseView]:
    """Route, pin and start a case in one call."""
    case = case_input(
        case_id=case_id, filing=filing, filed_by=filed_by, guideline_version=guideline_version
    )
    return await start_case(client, case, task_queue=task_queue)


async def take_action(
    handle: WorkflowHandle[CaseWorkflow, CaseView], request: ActionRequest, *, key: str
) -> ActionResult:
    """Apply an action synchronously; `key` is its idempotency key (the update id)."""
    # By name: mypy cannot match an async update method against execute_update's overloads.
    result: ActionResult = await handle.execute_update(
        TAKE_ACTION, request, id=key, result_type=ActionResult
    )
    return result
