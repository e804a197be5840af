"""Applying an action in a case's workflow: what taking an action and uploading a document share.

The case's workflow alone decides whether an action was applied: a retry under the same key is
sent to it again (the key is the update id), and its answer says which request applied the
action. Nothing here answers "already done" from the read model, which may hold a write of a
workflow task that failed after making it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import (
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.messages.catalogue import Message, msg
from api.messages.fields import field_problem, relayed_problems, summary
from api.problems import REFUSAL_STATUS, ApiProblem, Conflict, Forbidden, NotFound, Unavailable
from api.services.backend import Backend
from api.services.case_view import READ_ONLY_ROLES, available_to, check_case
from models.roles import Role
from models.state import ActionRequest, ActionResult, request_fingerprint
from models.tables import CaseRecord
from workflows.refusals import RefusalCode
from workflows.starter import take_action


@dataclass(frozen=True)
class Applied:
    """An action the case has applied, and whether this request was the one that applied it."""

    result: ActionResult
    duplicate: bool


def may_act(caller: Caller, on_behalf_of: str | None, reads_only: Message) -> None:
    """Refuse a key that only reads, and a record on a party's behalf by anyone but an operator
    (or a prosecutor, whom the case's rules let act only for a party whose SKK it holds).

    `reads_only` ends the refusal of a read-only key (`msg("reads_only.actions")`).
    """
    if caller.role in READ_ONLY_ROLES:
        raise Forbidden(
            "wrong_role",
            msg("wrong_role.reads_only", role=caller.role.value, reads_only=reads_only),
        )
    # A prosecutor may hold a party's SKK (pedoman.md §9 D7): its case's rules decide that.
    if on_behalf_of is not None and caller.role not in (Role.OPERATOR, Role.PROSECUTOR):
        raise Forbidden("wrong_role", msg("wrong_role.on_behalf"))


def action_key(caller: Caller, idempotency_key: str) -> str:
    """The action's idempotency key (its update id) as recorded: per API key, so two agencies
    can never collide on the same key text."""
    return f"{caller.key_id}/{idempotency_key}"


async def act(
    backend: Backend,
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
    result = await _apply(backend, case_id, asked, key)
    if result.action != action or result.fingerprint not in (None, fingerprint):
        raise Conflict(
            "idempotency_key_reused",
            msg(
                "idempotency_key_reused.action",
                action=result.action,
                seq=result.seq,
                case_id=case_id,
            ),
            earlier_action=result.action,
            earlier_seq=result.seq,
        )
    # The server answers a repeated update id with the first outcome as it was; the delivery it
    # names tells whether this request applied the action or an earlier one did.
    duplicate = result.duplicate or result.request_id not in (None, delivery)
    return Applied(result=result, duplicate=duplicate)


async def ensure_visible(engine: Engine, caller: Caller, case_id: str) -> None:
    """404 for no such case, 403 for a case outside the key's scope."""
    await run_in_threadpool(_check_visible, engine, caller, case_id)


def _check_visible(engine: Engine, caller: Caller, case_id: str) -> None:
    with Session(engine) as session:
        check_case(session, caller, case_id)


async def _apply(backend: Backend, case_id: str, action: ActionRequest, key: str) -> ActionResult:
    settings = backend.settings
    try:
        # Bounded: with no worker, or a case stuck on a failing task, the server would hold the
        # request for as long as the caller waits. The update stays admitted; a retry with the
        # same key waits for it again, or finds its outcome.
        async with asyncio.timeout(settings.action_timeout_seconds):
            handle = backend.temporal.get_workflow_handle(case_id)
            return await take_action(handle, action, key=key)
    except WorkflowUpdateFailedError as failure:
        refused = _refusal(failure)
        if not isinstance(refused, Unavailable):
            # What this key may do instead: its own actions now, not the stage's for any role.
            allowed = await run_in_threadpool(available_to, backend.engine, action.actor, case_id)
            _offer(refused, allowed)
        raise refused from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        seconds = f"{settings.action_timeout_seconds:g}"
        raise Unavailable("action_pending", msg("action_pending", seconds=seconds)) from None
    except RPCError as error:
        raise await run_in_threadpool(_rpc_problem, backend.engine, case_id, error) from None


def _refusal(failure: WorkflowUpdateFailedError) -> ApiProblem:
    """The problem for the case's refusal, its detail from the catalogue by the refusal's id."""
    cause = failure.cause
    if not isinstance(cause, ApplicationError) or cause.type is None:
        return Unavailable("action_failed", msg("action_failed"))
    try:
        code = RefusalCode(cause.type)
    except ValueError:
        return Unavailable("action_failed", msg("action_failed"))
    details: dict[str, Any] = dict(cause.details[0]) if cause.details else {}
    details.pop("code", None)
    # A worker of a release before the catalogue sends no id: its own message stands.
    message_id = str(details.pop("message_id", ""))
    detail = Message(message_id, details, fallback=cause.message)
    extra: dict[str, Any] = {}
    if "stage" in details:
        extra["stage"] = details["stage"]
    if "allowed" in details:
        extra["allowed_actions"] = details["allowed"]
    problem = REFUSAL_STATUS[code]
    if problem.status == 422:
        # Every 422 lists what is invalid: the validator's `errors`, else the one field named.
        errors = relayed_problems(details.get("errors") or [])
        if errors:
            detail = summary(errors)
        else:
            field = details.get("field")
            where = [field] if field else []
            errors = [field_problem("body", where, message_id or code.value, detail)]
        extra["errors"] = errors
    return problem(code.value, detail, **extra)


def _offer(refused: ApiProblem, allowed: list[str]) -> None:
    """Name what this key may do instead: in `allowed_actions`, and where the detail names the
    stage's actions (and an `errors` item repeats it)."""
    refused.extra["allowed_actions"] = allowed
    named = refused.detail
    if isinstance(named, Message) and "allowed" in named.params:
        refused.detail = replace(named, params={**named.params, "allowed": allowed})
        for item in refused.extra.get("errors", []):
            if item["message"] == named:
                item["message"] = refused.detail


def _rpc_problem(engine: Engine, case_id: str, error: RPCError) -> ApiProblem:
    if error.status is RPCStatusCode.NOT_FOUND:
        with Session(engine) as session:
            record = session.get(CaseRecord, case_id)
        if record is not None and record.status == "closed":
            closed = msg("case_closed", case_id=case_id, closing_state=record.closing_state)
            return Conflict("case_closed", closed)
        return NotFound("unknown_case", msg("unknown_case.not_running", case_id=case_id))
    return Unavailable("temporal_unavailable", msg("temporal_unavailable"))
