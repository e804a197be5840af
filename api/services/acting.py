"""Taking an action in a case: the one path every front end goes through.

The case's workflow alone decides whether an action was applied (api/services/applying.py says
why); this checks the key may act at all and may see the case, before anything is sent.
"""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter, ValidationError

from api.action_models import ActionBody
from api.auth import Caller
from api.messages.catalogue import msg
from api.messages.fields import validation_problems
from api.problems import invalid_request
from api.schemas import ActionOut
from api.services.applying import act, action_key, ensure_visible, may_act
from api.services.backend import Backend
from api.services.case_view import read_case

_ACTION_BODY: TypeAdapter[ActionBody] = TypeAdapter(ActionBody)


def parse_action(raw: dict[str, Any]) -> ActionBody:
    """The action a front end was sent, validated exactly as `POST .../actions` validates it.

    A payload that does not fit its action is 422 `bad_payload` listing every problem in
    `errors`; a malformed request around it (no `action`, a bad `on_behalf_of`) is 422
    `invalid_request`, each problem pointing into the body.
    """
    try:
        return _ACTION_BODY.validate_python(raw)
    except ValidationError as error:
        # Located as FastAPI locates a body's errors, so the items are the route's own.
        errors = [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        raise invalid_request(validation_problems(errors, raw)) from None


async def take_action(
    backend: Backend, caller: Caller, case_id: str, body: ActionBody, *, idempotency_key: str
) -> ActionOut:
    """Apply the action as this key (or, for an operator, on a party's behalf) and return the
    case after it; the same `idempotency_key` again answers the same action, changing nothing.
    """
    may_act(caller, body.on_behalf_of, msg("reads_only.actions"))
    await ensure_visible(backend.engine, caller, case_id)
    applied = await act(
        backend,
        caller,
        case_id,
        action=body.action,
        payload=body.payload(),
        on_behalf_of=body.on_behalf_of,
        key=action_key(caller, idempotency_key),
    )
    case = await run_in_threadpool(read_case, backend.engine, caller, case_id)
    result = applied.result
    return ActionOut(
        seq=result.seq,
        action=result.action,
        stage_before=result.stage_before,
        duplicate=applied.duplicate,
        case=case,
    )
