"""`GET /health`: is the API up, and can it reach Temporal?"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError

# Short enough for a load balancer's probe; a healthy frontend answers in milliseconds.
PROBE_TIMEOUT_SECONDS = 2.0
UNREACHABLE_TYPE = "urn:mufakat:problem:temporal-unreachable"

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The service is up and Temporal answers."""

    status: Literal["ok"] = "ok"
    temporal: Literal["serving"] = "serving"
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
    response_model=Health,
    responses={
        503: {
            "description": "Temporal is unreachable (RFC 9457 problem details).",
            "content": {"application/problem+json": {}},
        }
    },
)
async def get_health(request: Request) -> Health | JSONResponse:
    """Report whether the API is up and Temporal is serving."""
    client: Client = request.app.state.temporal
    if await temporal_answers(client):
        return Health(namespace=client.namespace)
    return JSONResponse(
        status_code=503,
        media_type="application/problem+json",
        content={
            "type": UNREACHABLE_TYPE,
            "title": "Temporal is unreachable",
            "status": 503,
            "detail": "The workflow service did not answer; cases cannot be read or acted on.",
            "temporal": "unreachable",
            "namespace": client.namespace,
        },
    )
