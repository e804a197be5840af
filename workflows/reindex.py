"""Rebuilding the read model from Temporal, the authoritative record of every case."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.service import RPCError

from activities.projection import ProjectionActivities
from models.state import CaseProjection
from models.tables import (
    CaseAwaiting,
    CaseDeadline,
    CaseParty,
    CaseProvince,
    CaseRecord,
    CaseSector,
    TimelineRecord,
)
from workflows.concurrency import as_ready

ALL_CASES = "WorkflowType = 'Case'"


@dataclass
class ReindexReport:
    """What a rebuild did: cases written, and the ones that could not be read."""

    projected: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def clear_cases(engine: Engine) -> None:
    """Empty the case tables (keys, guidelines and filing keys stay)."""
    with Session(engine) as session, session.begin():
        children = (
            TimelineRecord,
            CaseDeadline,
            CaseAwaiting,
            CaseSector,
            CaseProvince,
            CaseParty,
        )
        for table in (*children, CaseRecord):
            session.execute(delete(table))


async def reindex(
    client: Client, engine: Engine, *, query: str = ALL_CASES, concurrency: int = 8
) -> ReindexReport:
    """Project every case the visibility query finds; safe to run beside a live worker."""
    writer = ProjectionActivities(engine)
    report = ReindexReport()

    async def one(case_id: str) -> None:
        try:
            # A closed case answers by replaying its history: slow, but authoritative.
            projection = await client.get_workflow_handle(case_id).query(
                "projection", result_type=CaseProjection
            )
            await asyncio.to_thread(writer.write, projection, rebuild=True)
        except RPCError as error:
            report.failed[case_id] = error.message
            return
        report.projected.append(case_id)

    case_ids = {execution.id async for execution in client.list_workflows(query)}
    async for _ in as_ready(sorted(case_ids), one, concurrency):
        pass
    report.projected.sort()
    return report
