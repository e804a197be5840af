"""The worker: the case workflow and its activities on one task queue."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendar import WorkingDayCalendar
from activities.deadlines import DeadlineActivities
from activities.outbox import OutboxActivities
from activities.projection import ProjectionActivities
from workflows.case_workflow import CaseWorkflow

TASK_QUEUE = "mufakat-cases"


def build_worker(
    client: Client,
    *,
    read_model: Engine,
    task_queue: str = TASK_QUEUE,
    calendar: WorkingDayCalendar | None = None,
    activity_executor: Executor | None = None,
    on_notice: Callable[[], None] | None = None,
    workflow: type[CaseWorkflow] = CaseWorkflow,
) -> Worker:
    """A worker running cases on `task_queue`, projecting them into the `read_model` database;
    `on_notice` is called when notices reach the outbox (a dispatcher's wake-up). `workflow`
    is the case workflow's class (a test runs one as an earlier build ran it)."""
    deadlines = DeadlineActivities(calendar or WorkingDayCalendar())
    outbox = OutboxActivities(read_model, on_notice)
    projection = ProjectionActivities(read_model)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[workflow],
        activities=[
            deadlines.compute_deadline,
            deadlines.extend_deadline,
            deadlines.resume_deadline,
            deadlines.recompute_deadline,
            outbox.notify,
            outbox.record_notices,
            projection.project_case,
            projection.record_trail,
        ],
        activity_executor=activity_executor,
        # Let running activities finish on SIGTERM; the supervisor waits 15 s before killing.
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
