"""`/v1/cases/{id}/history`, `/audit` and `/verify`: what auditors read and prove; and
`/v1/audit/public-key`, the key that signs the instance's audit exports."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.audit_trail import audit_trail
from activities.document_store import archive_store
from api.auth import Caller
from api.case_view import check_case
from api.deps import CallerDep, SessionDep
from api.errors import PROBLEM_RESPONSES, ApiProblem, Forbidden, NotFound, Unavailable
from api.messages.catalogue import explained, msg
from api.routes.cases import FORBIDDEN, NOT_FOUND, UNAVAILABLE, CaseIdPath
from api.routes.documents import StoreDep
from models.audit import AuditTrail
from models.roles import Role
from models.signing import PublicKey
from models.verification import VerifyReport
from workflows.audit import history_document, load_case_runs, verify_case
from workflows.audit_archive import ArchiveDamaged, CaseArchives
from workflows.audit_signing import instance_signer
from workflows.replaying import case_replayer

# Two prefixes (a case's audit, the instance's signing key), one router: `/v1/cases` spelled out.
router = APIRouter(tags=["audit"])

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


@router.get(
    "/v1/cases/{case_id}/history",
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
        # Once Temporal's retention has dropped the case, from its archive.
        runs = await load_case_runs(temporal, case_id, _archives(request))
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise NotFound("no_history", msg("no_history", case_id=case_id)) from None
        raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None
    except ArchiveDamaged as damaged:
        raise HistoryDamaged("archive_damaged", explained(damaged)) from None
    return history_document(runs)


@router.get(
    "/v1/cases/{case_id}/audit",
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
    "/v1/cases/{case_id}/verify",
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
        raise Forbidden("wrong_role", msg("wrong_role.audit", role=caller.role.value))
    engine: Engine = request.app.state.engine
    temporal: Client = request.app.state.temporal
    await run_in_threadpool(_visible, engine, caller, case_id)
    try:
        return await verify_case(
            temporal,
            engine,
            case_id,
            replayer=case_replayer(),
            documents=store,
            archives=_archives(request),
        )
    except RPCError:
        raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None


class SigningKey(BaseModel):
    """The Ed25519 key that signs this instance's audit exports (`mufakat audit export`)."""

    key_id: str = Field(description="SHA-256 (hex) of the raw public key.")
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="The raw 32-byte public key, base64url without padding.")
    public_key_pem: str = Field(description="SubjectPublicKeyInfo PEM, as openssl reads it.")
    jwk: dict[str, str] = Field(description="The key as a JWK (RFC 8037, `kty` OKP).")


@router.get(
    "/v1/audit/public-key",
    response_model=SigningKey,
    summary="Kunci publik tanda tangan audit / The audit signing public key",
    response_description="Kunci yang menandatangani ekspor audit / The key that signs audit "
    "exports",
    responses=PROBLEM_RESPONSES,
)
async def get_public_key(
    caller: CallerDep,  # any role: authenticated, never refused
    request: Request,
) -> dict[str, Any]:
    """Kunci publik Ed25519 yang menandatangani setiap ekspor audit instans ini; kunci API apa pun.

    The Ed25519 public key that signs every audit export of this instance, for any API key: a
    public key reveals nothing, so no role is refused, while the API keeps its rule that every
    `/v1` operation is authenticated. An auditor checks an export's origin against it
    (`mufakat audit verify-archive FILE --public-key ...`); one without a key of the instance gets
    the key id from it out of band (a letter, a call) and checks that (`--key-id`).
    """
    public: PublicKey | None = getattr(request.app.state, "signing_key", None)
    if public is None:
        settings = request.app.state.settings
        engine: Engine = request.app.state.engine
        # Made on first use when no export has been signed yet: the same key the exports get.
        signer = await run_in_threadpool(instance_signer, engine, settings.audit_signing_key_file)
        public = signer.public
        request.app.state.signing_key = public
    return public.description()


def _visible(engine: Engine, caller: Caller, case_id: str) -> None:
    with Session(engine) as session:
        check_case(session, caller, case_id)


class HistoryDamaged(ApiProblem):
    """The only copy left of a case's history (its archive) is not the one recorded."""

    status = 500


def _archives(request: Request) -> CaseArchives:
    """Closed cases' archives, where the settings keep them (made once per app)."""
    archives: CaseArchives | None = getattr(request.app.state, "case_archives", None)
    if archives is None:
        store = archive_store(request.app.state.settings)
        archives = CaseArchives(request.app.state.engine, store)
        request.app.state.case_archives = archives
    return archives
