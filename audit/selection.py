"""Which cases an audit covers: every case of the read model, those Temporal's visibility finds,
or those named, each known to the read model or to Temporal."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from models.tables import CaseRecord


def read_model_case_ids(engine: Engine) -> list[str]:
    """Every case of the read model, in case-id order."""
    with Session(engine) as session:
        return list(session.exec(select(CaseRecord.case_id).order_by(col(CaseRecord.case_id))))


def known_in_read_model(engine: Engine, case_ids: Sequence[str]) -> set[str]:
    """Those of `case_ids` the read model holds."""
    with Session(engine) as session:
        found = session.exec(
            select(CaseRecord.case_id).where(col(CaseRecord.case_id).in_(case_ids))
        )
        return set(found)


async def known_to_temporal(client: Client, case_id: str) -> bool:
    """Whether Temporal holds the case (a case the read model lost is still auditable)."""
    try:
        await client.get_workflow_handle(case_id).describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def visibility_case_ids(client: Client, query: str) -> list[str]:
    """The cases a Temporal visibility query finds, in case-id order; a query Temporal refuses
    raises its INVALID_ARGUMENT `RPCError`."""
    return sorted({execution.id async for execution in client.list_workflows(query)})
