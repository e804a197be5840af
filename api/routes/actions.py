"""`POST /v1/cases/{id}/actions`: take an action synchronously, with a specific yes or no."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Caller
from api.case_view import READ_ONLY_ROLES, check_case, read_case
from api.deps import CallerDep
from api.errors import (
    PROBLEM_RESPONSES,
    ApiProblem,
    Conflict,
    Forbidden,
    NotFound,
    Unavailable,
    Unprocessable,
)
from api.routes.cases import FORBIDDEN, NOT_FOUND, UNAVAILABLE, CaseIdPath
from api.schemas import ActionIn, ActionOut, CasePublic
from models.roles import Role
from models.state import ActionRequest, ActionResult
from models.tables import CaseRecord, TimelineRecord
from workflows.refusals import RefusalCode
from workflows.starter import take_action

router = APIRouter(prefix="/v1/cases", tags=["actions"])

# Each refusal of the workflow's validator, as the HTTP status an integrator acts on.
_STATUS: dict[RefusalCode, type[ApiProblem]] = {
    RefusalCode.WRONG_STAGE: Conflict,
    RefusalCode.CASE_CLOSED: Conflict,
    RefusalCode.ALREADY_DONE: Conflict,
    RefusalCode.NOT_APPLICABLE: Conflict,
    RefusalCode.MISSING_CONFIRMATION: Conflict,
    RefusalCode.WRONG_ROLE: Forbidden,
    RefusalCode.WRONG_SCOPE: Forbidden,
    RefusalCode.BAD_PAYLOAD: Unprocessable,
    RefusalCode.UNKNOWN_ACTION: Unprocessable,
}

IdempotencyKeyRequired = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        # Recorded as "<12-character key id>/<key>" in a 200-character column: a longer key
        # would fail every projection of the case on PostgreSQL; so would a NUL.
        max_length=187,
        pattern=r"^[^\x00]+$",
        description="Kunci idempotensi / The same key again returns the same result, "
        "changing nothing.",
    ),
]


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
async def act(
    case_id: CaseIdPath,
    body: ActionIn,
    caller: CallerDep,
    request: Request,
    idempotency_key: IdempotencyKeyRequired,
) -> ActionOut:
    """Terapkan tindakan pedoman.md §5–§6 dan kembalikan perkara sesudahnya.

    Apply an action of pedoman.md §5–§6 and return the case after it.
    """
    may_act(caller, body.on_behalf_of, "it takes no actions")
    engine: Engine = request.app.state.engine
    key = action_key(caller, idempotency_key)
    earlier = await run_in_threadpool(earlier_action, engine, caller, case_id, key)
    if earlier is not None:
        return await run_in_threadpool(_duplicate, engine, caller, case_id, earlier, body.action)
    action = ActionRequest(
        action=body.action, actor=caller.actor(body.on_behalf_of), payload=body.payload()
    )
    result = await apply_action(request, case_id, action, key)
    case = await run_in_threadpool(read_case, engine, caller, case_id)
    return _out(result, case)


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


async def apply_action(
    request: Request, case_id: str, action: ActionRequest, key: str
) -> ActionResult:
    """Apply the action in its case's workflow; a refusal or failure as the problem to answer."""
    temporal: Client = request.app.state.temporal
    try:
        return await take_action(temporal.get_workflow_handle(case_id), action, key=key)
    except WorkflowUpdateFailedError as failure:
        raise _refusal(failure) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise Unavailable(
            "action_pending", "the case did not answer in time; retry with the same key"
        ) from None
    except RPCError as error:
        engine: Engine = request.app.state.engine
        raise await run_in_threadpool(_rpc_problem, engine, case_id, error) from None


def earlier_action(engine: Engine, caller: Caller, case_id: str, key: str) -> TimelineRecord | None:
    """Check the caller may see the case; return the entry this key already made there."""
    with Session(engine) as session:
        check_case(session, caller, case_id)
        return session.exec(
            select(TimelineRecord).where(
                TimelineRecord.case_id == case_id, TimelineRecord.idempotency_key == key
            )
        ).first()


def _duplicate(
    engine: Engine, caller: Caller, case_id: str, earlier: TimelineRecord, action: str
) -> ActionOut:
    # Temporal answers a repeated update id with the first outcome verbatim (duplicate: false),
    # so a retry is recognised here, from the key recorded with the action it applied.
    if earlier.action != action:
        raise Conflict(
            "idempotency_key_reused",
            f"this Idempotency-Key was used for {earlier.action} (seq {earlier.seq}) in case "
            f"{case_id}; send {action} with a new key",
        )
    return ActionOut(
        seq=earlier.seq,
        action=action,
        stage_before=earlier.stage_before,
        duplicate=True,
        case=read_case(engine, caller, case_id),
    )


def _out(result: ActionResult, case: CasePublic) -> ActionOut:
    return ActionOut(
        seq=result.seq,
        action=result.action,
        stage_before=result.stage_before,
        duplicate=result.duplicate,
        case=case,
    )


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
    return _STATUS[code](code.value, cause.message, **extra)


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
