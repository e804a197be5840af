"""`GET /health`: is the API up, and can it reach Temporal? `GET /readyz`: and the read model?"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError

from api.deps import BackendDep
from api.problems import HEALTH_UNREACHABLE, NOT_READY, not_ready, temporal_unreachable

# Short enough for a load balancer's probe; a healthy frontend answers in milliseconds.
PROBE_TIMEOUT_SECONDS = 2.0

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The service is up and Temporal answers."""

    status: Literal["ok"] = "ok"
    temporal: Literal["serving"] = "serving"
    namespace: str


class Ready(BaseModel):
    """The API can serve: Temporal answers and the read model takes a query."""

    status: Literal["ready"] = "ready"
    temporal: Literal["serving"] = "serving"
    read_model: Literal["available"] = "available"
    namespace: str


async def temporal_answers(client: Client) -> bool:
    """Whether the frontend answers; the call every client makes on connecting, so any role may."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            await client.workflow_service.get_system_info(GetSystemInfoRequest(), retry=False)
    except (RPCError, RuntimeError, TimeoutError):
        # Refused, timed out, TLS or auth failure (a lazy client's failed first connection is a
        # RuntimeError): all mean "unreachable" to a probe.
        return False
    return True


@router.get(
    "/health",
    summary="Kesehatan layanan / Health",
    response_model=Health,
    responses=HEALTH_UNREACHABLE,
)
async def get_health(request: Request, backend: BackendDep) -> Health | JSONResponse:
    """Report whether the API is up and Temporal is serving."""
    client = backend.temporal
    if await temporal_answers(client):
        return Health(namespace=client.namespace)
    return temporal_unreachable(request, client.namespace)


async def read_model_answers(engine: Engine) -> bool:
    """Whether the read model takes a query within the probe's timeout."""

    def select_one() -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            # Not the request thread pool: a probe stuck connecting is abandoned at the timeout
            # (its thread ends at the engine's connect timeout) and never holds up requests.
            await asyncio.to_thread(select_one)
    except (SQLAlchemyError, TimeoutError):
        return False
    return True


@router.get(
    "/readyz",
    summary="Kesiapan melayani / Readiness",
    response_model=Ready,
    responses=NOT_READY,
)
async def get_ready(request: Request, backend: BackendDep) -> Ready | JSONResponse:
    """Report whether the API can serve requests: Temporal answers and the read model too."""
    client = backend.temporal
    temporal, read_model = await asyncio.gather(
        temporal_answers(client), read_model_answers(backend.engine)
    )
    if temporal and read_model:
        return Ready(namespace=client.namespace)
    down = [name for name, up in (("temporal", temporal), ("read_model", read_model)) if not up]
    return not_ready(request, down)
