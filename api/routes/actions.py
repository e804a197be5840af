"""`POST /v1/cases/{id}/actions`: take an action synchronously, with a specific yes or no."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from api.action_models import ActionBody, openapi_examples
from api.deps import BackendDep, CallerDep, CaseIdPath, IdempotencyKeyRequired
from api.problems import ACTION_CONFLICT, FORBIDDEN, NOT_FOUND, PROBLEM_RESPONSES, UNAVAILABLE
from api.schemas import ActionOut
from api.services.acting import take_action

router = APIRouter(prefix="/v1/cases", tags=["actions"])


@router.post(
    "/{case_id}/actions",
    response_model=ActionOut,
    summary="Lakukan tindakan / Take an action",
    response_description="Tindakan yang diterima dan perkara sesudahnya / The accepted action "
    "and the case after it",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | ACTION_CONFLICT | UNAVAILABLE,
)
async def take(
    case_id: CaseIdPath,
    body: Annotated[ActionBody, Body(openapi_examples=openapi_examples())],
    caller: CallerDep,
    backend: BackendDep,
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
    return await take_action(backend, caller, case_id, body, idempotency_key=idempotency_key)
