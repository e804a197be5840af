"""`/v1/cases/{id}/history`, `/audit` and `/verify`: what auditors read and prove."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, PlainSerializer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.audit_trail import audit_trail
from api.auth import Caller
from api.case_view import check_case
from api.deps import CallerDep, SessionDep
from api.errors import PROBLEM_RESPONSES, Forbidden, NotFound, Unavailable
from api.routes.cases import FORBIDDEN, NOT_FOUND, UNAVAILABLE, CaseIdPath
from api.routes.documents import StoreDep
from models.audit import hashed_instant
from models.roles import Role
from models.tables import AuditEntry
from models.verification import VerifyReport
from workflows.audit import case_runs, history_document, verify_case
from workflows.replaying import case_replayer

router = APIRouter(prefix="/v1/cases", tags=["audit"])

# Verifying replays every run of a case, which only auditors and administrators ask for.
VERIFIERS = frozenset({Role.AUDITOR, Role.ADMIN})


class RunEvents(BaseModel):
    """One workflow run's history."""

    run_id: str
    events: list[dict[str, Any]] = Field(
        description="As `temporal workflow show --output json` writes them; "
        "`WorkflowHistory.from_json` reads this object."
    )


class HistoryDocument(BaseModel):
    """Every run of a case, first to last, with the guideline it was pinned to."""

    case_id: str
    guideline_version: str
    guideline_hash: str
    runs: list[RunEvents]


# The instant exactly as the entry's hash covers it, so the hash can be checked from this JSON.
HashedInstant = Annotated[datetime, PlainSerializer(hashed_instant, return_type=str)]


class AuditEntryPublic(BaseModel):
    """One accepted action; `entry_hash` is the SHA-256 of the other fields' canonical JSON."""

    case_id: str
    seq: int = Field(description="Position in the case's chain, from 1.")
    timeline_seq: int
    update_id: str = Field(description="The action's idempotency key (`<key id>/<key>`).")
    action: str
    at: HashedInstant
    actor_key: str
    actor_role: str
    actor_scope: str | None
    on_behalf_of: str | None
    stage_before: str
    stage_after: str
    payload: dict[str, Any]
    documents: list[str] = Field(description="SHA-256 of each document attached.")
    prev_hash: str
    entry_hash: str


class AuditTrail(BaseModel):
    case_id: str
    entries: list[AuditEntryPublic]

    @classmethod
    def of(cls, case_id: str, rows: list[AuditEntry]) -> AuditTrail:
        """The trail as served, from its rows."""
        entries = [AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows]
        return cls(case_id=case_id, entries=entries)


@router.get(
    "/{case_id}/history",
    response_model=HistoryDocument,
    summary="Riwayat Temporal / The Temporal event history",
    response_description="Setiap run perkara / Every run of the case",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | UNAVAILABLE,
)
async def get_history(case_id: CaseIdPath, caller: CallerDep, request: Request) -> dict[str, Any]:
    """Riwayat kejadian setiap run perkara (lintas continue-as-new), dengan pedomannya.

    The event history of every run of the case (across continue-as-new), with its guideline.
    """
    engine: Engine = request.app.state.engine
    temporal: Client = request.app.state.temporal
    await run_in_threadpool(_visible, engine, caller, case_id)
    try:
        runs = await case_runs(temporal, case_id)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise NotFound(
                "no_history", f"Temporal holds no history of case {case_id} (past its retention?)"
            ) from None
        raise Unavailable("temporal_unavailable", "the case service is unavailable") from None
    return history_document(runs)


@router.get(
    "/{case_id}/audit",
    response_model=AuditTrail,
    summary="Jejak audit / The audit trail",
    response_description="Setiap tindakan yang diterima, berantai hash / Every accepted action, "
    "hash-chained",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN,
)
def get_audit(case_id: CaseIdPath, caller: CallerDep, session: SessionDep) -> AuditTrail:
    """Jejak audit: siapa, kapan, kunci, isi, tahap sebelum/sesudah, hash dokumen dan rantai.

    The audit trail: who, when, key, payload, stage before and after, documents and the chain.
    """
    check_case(session, caller, case_id)
    return AuditTrail.of(case_id, audit_trail(session, case_id))


@router.post(
    "/{case_id}/verify",
    response_model=VerifyReport,
    summary="Verifikasi perkara / Verify a case",
    response_description="Hasil setiap pemeriksaan; `ok: false` bila ada yang gagal / Each "
    "check's result; `ok: false` when any failed",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | UNAVAILABLE,
)
async def verify(
    case_id: CaseIdPath, caller: CallerDep, request: Request, store: StoreDep
) -> VerifyReport:
    """Putar ulang riwayat dan cocokkan dengan read model, rantai audit dan dokumen.

    Replay the history and check it against the read model, the audit chain and the documents.
    """
    if caller.role not in VERIFIERS:
        raise Forbidden(
            "wrong_role", f"a case is verified by an auditor or an admin, not a {caller.role.value}"
        )
    engine: Engine = request.app.state.engine
    temporal: Client = request.app.state.temporal
    await run_in_threadpool(_visible, engine, caller, case_id)
    try:
        return await verify_case(
            temporal, engine, case_id, replayer=case_replayer(), documents=store
        )
    except RPCError:
        raise Unavailable("temporal_unavailable", "the case service is unavailable") from None


def _visible(engine: Engine, caller: Caller, case_id: str) -> None:
    with Session(engine) as session:
        check_case(session, caller, case_id)
