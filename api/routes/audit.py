"""`/v1/cases/{id}/history`, `/audit` and `/verify`: what auditors read and prove; and
`/v1/audit/public-key`, the key that signs the instance's audit exports."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BackendDep, CallerDep, CaseIdPath, SessionDep
from api.problems import FORBIDDEN, NOT_FOUND, PROBLEM_RESPONSES, UNAVAILABLE
from api.schemas import HistoryDocument, SigningKey
from api.services import audit
from models.audit import AuditTrail
from models.verification import VerifyReport

# Two prefixes (a case's audit, the instance's signing key), one router: `/v1/cases` spelled out.
router = APIRouter(tags=["audit"])


@router.get(
    "/v1/cases/{case_id}/history",
    response_model=HistoryDocument,
    summary="Riwayat Temporal / The Temporal event history",
    response_description="Setiap run perkara / Every run of the case",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | UNAVAILABLE,
)
async def get_history(
    case_id: CaseIdPath, caller: CallerDep, backend: BackendDep
) -> HistoryDocument:
    """Riwayat kejadian setiap run perkara (lintas continue-as-new), dengan pedomannya.

    The event history of every run of the case (across continue-as-new), with its guideline.
    """
    return await audit.history(backend, caller, case_id)


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
    return audit.trail(session, caller, case_id)


@router.post(
    "/v1/cases/{case_id}/verify",
    response_model=VerifyReport,
    summary="Verifikasi perkara / Verify a case",
    response_description="Hasil setiap pemeriksaan; `ok: false` bila ada yang gagal / Each "
    "check's result; `ok: false` when any failed",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | UNAVAILABLE,
)
async def verify(case_id: CaseIdPath, caller: CallerDep, backend: BackendDep) -> VerifyReport:
    """Putar ulang riwayat dan cocokkan dengan read model, rantai audit dan dokumen.

    Replay the history and check it against the read model, the audit chain and the documents.
    """
    return await audit.verify(backend, caller, case_id)


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
    backend: BackendDep,
) -> SigningKey:
    """Kunci publik Ed25519 yang menandatangani setiap ekspor audit instans ini; kunci API apa pun.

    The Ed25519 public key that signs every audit export of this instance, for any API key: a
    public key reveals nothing, so no role is refused, while the API keeps its rule that every
    `/v1` operation is authenticated. An auditor checks an export's origin against it
    (`mufakat audit verify-archive FILE --public-key ...`); one without a key of the instance gets
    the key id from it out of band (a letter, a call) and checks that (`--key-id`).
    """
    return await audit.public_key(backend, caller)
