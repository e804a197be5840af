"""The worker: the case workflow and its activities on one task queue."""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendar import WorkingDayCalendar
from activities.deadlines import DeadlineActivities
from activities.notifications import NotificationActivities
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
) -> Worker:
    """A worker running cases on `task_queue`, projecting them into the `read_model` database."""
    deadlines = DeadlineActivities(calendar or WorkingDayCalendar())
    notifications = NotificationActivities()
    projection = ProjectionActivities(read_model)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow],
        activities=[
            deadlines.compute_deadline,
            deadlines.extend_deadline,
            deadlines.resume_deadline,
            deadlines.recompute_deadline,
            notifications.notify,
            projection.project_case,
            projection.record_trail,
        ],
        activity_executor=activity_executor,
        # Let running activities finish on SIGTERM; the supervisor waits 15 s before killing.
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
