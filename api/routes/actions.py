"""`POST /v1/cases/{id}/actions`: take an action synchronously, with a specific yes or no."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from api.acting import act, action_key, ensure_visible, may_act
from api.action_models import ActionBody, openapi_examples
from api.case_view import read_case
from api.deps import CallerDep, IdempotencyKeyRequired
from api.errors import PROBLEM_RESPONSES
from api.messages.catalogue import msg
from api.routes.cases import FORBIDDEN, NOT_FOUND, UNAVAILABLE, CaseIdPath
from api.schemas import ActionOut

router = APIRouter(prefix="/v1/cases", tags=["actions"])


@router.post(
    "/{case_id}/actions",
    response_model=ActionOut,
    summary="Lakukan tindakan / Take an action",
    response_description="Tindakan yang diterima dan perkara sesudahnya / The accepted action "
    "and the case after it",
    responses=PROBLEM_RESPONSES
    | NOT_FOUND
    | FORBIDDEN
    | {
        409: {
            **PROBLEM_RESPONSES[422],
            "description": "Tidak boleh pada tahap atau keadaan ini / Not allowed in this stage "
            "or state.",
        }
    }
    | UNAVAILABLE,
)
async def take(
    case_id: CaseIdPath,
    body: Annotated[ActionBody, Body(openapi_examples=openapi_examples())],
    caller: CallerDep,
    request: Request,
    idempotency_key: IdempotencyKeyRequired,
) -> ActionOut:
    """Terapkan tindakan pedoman.md §5–§6 dan kembalikan perkara sesudahnya.

    Apply an action of pedoman.md §5–§6 and return the case after it. Each action has its own
    body: `action`, `on_behalf_of` (operators only) and its payload's fields beside them (one
    schema per action; the payload kinds are components of their own). A payload that does not
    fit its action is 422 `bad_payload`, listing every problem in `errors` (an unknown field
    too); an action the case's guideline does not know is 422 `unknown_action`, naming the
    actions of its stage. The same Idempotency-Key again answers the same action
    (`duplicate: true`), changing nothing; the same key with another action or payload is 409
    `idempotency_key_reused`.
    """
    may_act(caller, body.on_behalf_of, msg("reads_only.actions"))
    await ensure_visible(request, caller, case_id)
    applied = await act(
        request,
        caller,
        case_id,
        action=body.action,
        payload=body.payload(),
        on_behalf_of=body.on_behalf_of,
        key=action_key(caller, idempotency_key),
    )
    engine: Engine = request.app.state.engine
    case = await run_in_threadpool(read_case, engine, caller, case_id)
    result = applied.result
    return ActionOut(
        seq=result.seq,
        action=result.action,
        stage_before=result.stage_before,
        duplicate=applied.duplicate,
        case=case,
    )
