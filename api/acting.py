"""Taking an action on a case: the one path every front end (JSON routes, uploads) goes through.

The case's workflow alone decides whether an action was applied: a retry under the same key is
sent to it again (the key is the update id), and its answer says which request applied the
action. Nothing here answers "already done" from the read model, which may hold a write of a
workflow task that failed after making it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.case_view import READ_ONLY_ROLES, check_case
from api.errors import REFUSAL_STATUS, ApiProblem, Conflict, Forbidden, NotFound, Unavailable
from models.roles import Role
from models.settings import Settings
from models.state import ActionRequest, ActionResult, request_fingerprint
from models.tables import CaseRecord
from workflows.refusals import RefusalCode
from workflows.starter import take_action


@dataclass(frozen=True)
class Applied:
    """An action the case has applied, and whether this request was the one that applied it."""

    result: ActionResult
    duplicate: bool


def may_act(caller: Caller, on_behalf_of: str | None, reads_only: str) -> None:
    """Refuse a key that only reads, and a record on a party's behalf by anyone but an operator.

    `reads_only` ends the refusal of a read-only key ("it takes no actions").
    """
    if caller.role in READ_ONLY_ROLES:
        raise Forbidden("wrong_role", f"a {caller.role.value} key only reads; {reads_only}")
    if on_behalf_of is not None and caller.role is not Role.OPERATOR:
        raise Forbidden("wrong_role", "only an operator records actions on a party's behalf")


def action_key(caller: Caller, idempotency_key: str) -> str:
    """The action's idempotency key (its update id) as recorded: per API key, so two agencies
    can never collide on the same key text."""
    return f"{caller.key_id}/{idempotency_key}"


async def act(
    request: Request,
    caller: Caller,
    case_id: str,
    *,
    action: str,
    payload: dict[str, Any],
    on_behalf_of: str | None,
    key: str,
) -> Applied:
    """Apply an action in its case's workflow, once per key, with a specific yes or no.

    The caller has checked the case is visible to this key (`ensure_visible`), before anything
    else it does for the action. A key already used for another action or payload is 409
    `idempotency_key_reused`, naming the action it applied.
    """
    fingerprint = request_fingerprint(action, payload, on_behalf_of)
    delivery = uuid.uuid4().hex
    asked = ActionRequest(
        action=action,
        actor=caller.actor(on_behalf_of),
        payload=payload,
        fingerprint=fingerprint,
        request_id=delivery,
    )
    result = await _apply(request, case_id, asked, key)
    if result.action != action or result.fingerprint not in (None, fingerprint):
        raise Conflict(
            "idempotency_key_reused",
            f"this Idempotency-Key was used for {result.action} (seq {result.seq}) in case "
            f"{case_id} with another payload; send this request with a new key",
            earlier_action=result.action,
            earlier_seq=result.seq,
        )
    # The server answers a repeated update id with the first outcome as it was; the delivery it
    # names tells whether this request applied the action or an earlier one did.
    duplicate = result.duplicate or result.request_id not in (None, delivery)
    return Applied(result=result, duplicate=duplicate)


async def ensure_visible(request: Request, caller: Caller, case_id: str) -> None:
    """404 for no such case, 403 for a case outside the key's scope."""
    engine: Engine = request.app.state.engine
    await run_in_threadpool(_check_visible, engine, caller, case_id)


def _check_visible(engine: Engine, caller: Caller, case_id: str) -> None:
    with Session(engine) as session:
        check_case(session, caller, case_id)


async def _apply(request: Request, case_id: str, action: ActionRequest, key: str) -> ActionResult:
    temporal: Client = request.app.state.temporal
    settings: Settings = request.app.state.settings
    try:
        # Bounded: with no worker, or a case stuck on a failing task, the server would hold the
        # request for as long as the caller waits. The update stays admitted; a retry with the
        # same key waits for it again, or finds its outcome.
        async with asyncio.timeout(settings.action_timeout_seconds):
            return await take_action(temporal.get_workflow_handle(case_id), action, key=key)
    except WorkflowUpdateFailedError as failure:
        raise _refusal(failure) from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise Unavailable(
            "action_pending",
            f"the case did not answer within {settings.action_timeout_seconds:g} s; retry "
            "with the same Idempotency-Key",
        ) from None
    except RPCError as error:
        engine: Engine = request.app.state.engine
        raise await run_in_threadpool(_rpc_problem, engine, case_id, error) from None


def _refusal(failure: WorkflowUpdateFailedError) -> ApiProblem:
    cause = failure.cause
    if not isinstance(cause, ApplicationError) or cause.type is None:
        return Unavailable("action_failed", "the action could not be applied; retry later")
    try:
        code = RefusalCode(cause.type)
    except ValueError:
        return Unavailable("action_failed", "the action could not be applied; retry later")
    details: dict[str, Any] = cause.details[0] if cause.details else {}
    extra: dict[str, Any] = {}
    if "stage" in details:
        extra["stage"] = details["stage"]
    if "allowed" in details:
        extra["allowed_actions"] = details["allowed"]
    return REFUSAL_STATUS[code](code.value, cause.message, **extra)


def _rpc_problem(engine: Engine, case_id: str, error: RPCError) -> ApiProblem:
    if error.status is RPCStatusCode.NOT_FOUND:
        with Session(engine) as session:
            record = session.get(CaseRecord, case_id)
        if record is not None and record.status == "closed":
            return Conflict(
                "case_closed",
                f"case {case_id} is closed ({record.closing_state}); no action is possible",
            )
        return NotFound("unknown_case", f"there is no running case {case_id}")
    return Unavailable("temporal_unavailable", "the case service is unavailable; retry later")
