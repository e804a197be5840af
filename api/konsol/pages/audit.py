"""Jejak audit: a case's trail with its hash chain's status, verification, and the export.

Whoever may read the trail in the JSON API (`GET /v1/cases/{id}/audit`) may open the page, with
the same refusals; verifying and exporting are for auditors and administrators, as in the API
and the CLI. The export is the audit service's, the same signed `.tar.gz` as
`mufakat audit export CASE --archive`, which `mufakat audit verify-archive` checks offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.responses import Response

from api.action_models import shipped_guidelines
from api.auth import Caller
from api.deps import BackendDep
from api.konsol.names import stage_titles
from api.konsol.render import is_htmx, page
from api.konsol.routing import konsol_router
from api.konsol.session import KonsolCaller
from api.konsol.texts import _
from api.problems import ApiProblem
from api.services.audit import VERIFIERS, export_case, trail, verify
from api.services.backend import Backend
from api.services.cases import read_case
from models.audit import FILING_ACTION, AuditTrail, ChainProblem, check_chain
from models.verification import CheckName, VerifyReport

router = konsol_router()

CaseId = Annotated[str, Path(max_length=40)]

CHECKS = {
    CheckName.REPLAY: (
        _("Pemutaran ulang"),
        _("Riwayat setiap run diputar ulang terhadap kode alur kerja tanpa ketidakcocokan."),
    ),
    CheckName.CONTINUITY: (
        _("Kesinambungan run"),
        _("Run-run perkara (continue-as-new) bersambung tanpa celah."),
    ),
    CheckName.STATE: (
        _("Keadaan read model"),
        _("Keadaan hasil pemutaran ulang sama dengan yang tercatat di read model."),
    ),
    CheckName.CHAIN: (
        _("Rantai hash"),
        _("Setiap entri jejak cocok dengan hash-nya dan mengikuti hash entri sebelumnya."),
    ),
    CheckName.TRAIL: (
        _("Jejak dan riwayat"),
        _("Jejak audit memuat tepat tindakan yang diterima riwayat Temporal."),
    ),
    CheckName.DOCUMENTS: (
        _("Dokumen"),
        _("Isi setiap dokumen cocok dengan SHA-256 yang tercatat."),
    ),
    CheckName.MANIFEST: (_("Manifes"), _("Setiap berkas ekspor tercantum dengan SHA-256-nya.")),
    CheckName.SIGNATURE: (_("Tanda tangan"), _("Tanda tangan Ed25519 ekspor sah.")),
}


@dataclass(frozen=True)
class ChainStatus:
    """Whether the trail's hash chain holds, and each break in Indonesian."""

    ok: bool
    entries: int
    last_hash: str
    breaks: list[str]


@router.get("/perkara/{case_id}/audit")
def audit_page(
    request: Request, caller: KonsolCaller, backend: BackendDep, case_id: CaseId
) -> Response:
    return page(request, "audit.html", _context(backend, caller, case_id))


@router.post("/perkara/{case_id}/audit/verifikasi")
async def verify_case(
    request: Request, caller: KonsolCaller, backend: BackendDep, case_id: CaseId
) -> Response:
    """Replay and cross-check the case; the report in place of the button's answer area."""
    report: VerifyReport | None = None
    refusal: ApiProblem | None = None
    try:
        report = await verify(backend, caller, case_id)
    except ApiProblem as problem:
        refusal = problem
    extra = {
        "report": report,
        "refusal": refusal,
        "verified_at": datetime.now(UTC),
        "checks": CHECKS,
    }
    # A problem's own status, except that htmx swaps 4xx answers only: a server that could not
    # verify (503) is said in the report's place with a 200.
    status = 200
    if refusal is not None and (refusal.status < 500 or not is_htmx(request)):
        status = refusal.status
    if is_htmx(request):
        return page(
            request,
            "audit.html",
            {"case_id": case_id, **extra},
            status_code=status,
            block="laporan",
        )
    context = await run_in_threadpool(_context, backend, caller, case_id)
    return page(request, "audit.html", {**context, **extra}, status_code=status)


@router.get("/perkara/{case_id}/audit/ekspor")
async def download_export(caller: KonsolCaller, backend: BackendDep, case_id: CaseId) -> Response:
    """The case's signed export, as the CLI writes it."""
    exported = await export_case(backend, caller, case_id)
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.name}"'},
    )


def _context(backend: Backend, caller: Caller, case_id: str) -> dict[str, Any]:
    """The page's content; refused (404, 403) exactly as `GET /v1/cases/{id}/audit` is."""
    with Session(backend.engine) as session:
        audit_trail = trail(session, caller, case_id)
    return {
        "section": "perkara",
        "case_id": case_id,
        "case": read_case(backend.engine, caller, case_id),
        "trail": audit_trail,
        "chain": chain_status(audit_trail),
        "may_verify": caller.role in VERIFIERS,
        "actions": action_descriptions(),
        "stages": stage_titles(),
        "checks": CHECKS,
        "report": None,
        "refusal": None,
        "verified_at": None,
    }


def chain_status(audit_trail: AuditTrail) -> ChainStatus:
    """The chain checked as `mufakat audit verify` checks it, said in Indonesian."""
    entries = audit_trail.entries
    return ChainStatus(
        ok=not (breaks := check_chain(entries)),
        entries=len(entries),
        last_hash=entries[-1].entry_hash if entries else "",
        breaks=[_break(problem) for problem in breaks],
    )


def _break(problem: ChainProblem) -> str:
    if problem.problem.startswith("expected entry"):
        text = _("entri %(seq)s: urutan terputus (ada entri yang hilang atau berpindah)")
    elif problem.problem.startswith("does not follow"):
        text = _("entri %(seq)s: tidak mengikuti hash entri sebelumnya")
    else:
        text = _("entri %(seq)s: isinya tidak lagi cocok dengan hash-nya (telah diubah)")
    return text % {"seq": problem.seq}


@cache
def action_descriptions() -> dict[str, str]:
    """What each action does, in the newest shipped guideline that describes it."""
    described = {FILING_ACTION: _("Pengajuan perkara.")}
    for guideline in reversed(shipped_guidelines()):
        for action in guideline.every_action():
            if action.description:
                described.setdefault(action.name, action.description)
    return described
