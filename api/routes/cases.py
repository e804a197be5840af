"""`/v1/cases`: filing, the operators' worklist, one case, its timeline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.auth import Caller
from api.case_view import case_public, check_case, load_case, read_case
from api.deps import CallerDep, SessionDep
from api.errors import PROBLEM_RESPONSES, Forbidden, Unavailable, Unprocessable
from api.filing import claim_case_id, filing_hash, filing_key, refuse_nul, renumber
from api.schemas import CasePage, CasePublic, Timeline, TimelineItem
from api.worklist import Worklist, worklist
from models.case import CASE_ID_PATTERN, CaseFiling, CaseType, Sector, Side
from models.forum import ForumKind
from models.guidelines import default_guideline, default_pinned
from models.regions import RegionCodeError, load_regions
from models.roles import Role
from models.routing import RoutingError
from models.settings import Settings
from models.state import CaseInput
from models.tables import CaseRecord, TimelineRecord
from workflows.starter import route_filing, start_and_await_filing

router = APIRouter(prefix="/v1/cases", tags=["cases"])

# How many taken case numbers a filing skips before giving up (each costs one Temporal call).
MAX_RENUMBERING = 20

CaseIdPath = Annotated[
    str,
    Path(
        pattern=CASE_ID_PATTERN, description="Nomor perkara / Case id", examples=["PKD-2026-000123"]
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Kunci idempotensi / Retrying with the same key returns the same case.",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {**PROBLEM_RESPONSES[422], "description": "No such case."}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {**PROBLEM_RESPONSES[422], "description": "Outside this key's role or scope."}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {**PROBLEM_RESPONSES[422], "description": "Idempotency-Key reused."}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        **PROBLEM_RESPONSES[422],
        "description": "Layanan perkara tidak menjawab; ulangi dengan kunci yang sama / The case "
        "service did not answer; retry with the same Idempotency-Key.",
    }
}
FILING_EXAMPLES: dict[str, dict[str, Any]] = {
    "KSDD (R1)": {
        "summary": "Dua kabupaten/kota di Jawa Barat / Two kabupaten/kota of Jawa Barat",
        "value": {
            "case_type": "KSDD",
            "title": "Perselisihan pengelolaan TPA regional Legok Nangka",
            "sectors": ["pelayanan_publik", "infrastruktur"],
            "parties": [
                {
                    "kind": "kabupaten",
                    "side": "requesting",
                    "region_code": "32.04",
                    "name": "Pemerintah Kabupaten Bandung",
                },
                {
                    "kind": "kota",
                    "side": "responding",
                    "region_code": "32.73",
                    "name": "Pemerintah Kota Bandung",
                },
            ],
            "agreement": {"object": "Pengelolaan TPA regional", "pks_number": "PKS/12/2024"},
            "dispute": {"subject": "Pembagian biaya operasional", "categories": ["pendanaan"]},
        },
    },
    "KSDPK (R7)": {
        "summary": "Daerah dan badan usaha, klausul arbitrase / A region and a company, "
        "arbitration clause",
        "value": {
            "case_type": "KSDPK",
            "title": "Perselisihan konsesi air minum Kota Bandung",
            "sectors": ["investasi"],
            "parties": [
                {
                    "kind": "kota",
                    "side": "requesting",
                    "region_code": "32.73",
                    "name": "Pemerintah Kota Bandung",
                },
                {
                    "kind": "badan_usaha",
                    "side": "responding",
                    "third_party_id": "NIB-8120000000001",
                    "name": "PT Tirta Sejahtera",
                },
            ],
            "agreement": {
                "object": "Konsesi SPAM",
                "dispute_clause": {"route": "arbitration", "arbitration_allowed": True},
            },
            "dispute": {"subject": "Penyesuaian tarif", "categories": ["wanprestasi"]},
        },
    },
}


@router.post(
    "",
    status_code=201,
    response_model=CasePublic,
    summary="Ajukan perkara / File a case",
    response_description="Perkara yang diajukan / The filed case",
    responses=PROBLEM_RESPONSES | FORBIDDEN | CONFLICT | UNAVAILABLE,
)
async def file_case(
    filing: Annotated[CaseFiling, Body(openapi_examples=FILING_EXAMPLES)],
    caller: CallerDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CasePublic:
    """Ajukan perkara: dirutekan (R1–R8), disematkan ke pedoman yang berlaku, lalu dimulai.

    File a case: it is routed (R1–R8), pinned to the current guideline and started.
    """
    _may_file(caller, filing)
    body = filing.model_dump(mode="json")  # once: checked, then fingerprinted
    refuse_nul(body)
    guideline = default_guideline()
    try:
        routing = route_filing(filing, guideline, load_regions())
    except (RegionCodeError, RoutingError) as error:
        raise Unprocessable("unroutable", str(error)) from None
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    temporal: Client = request.app.state.temporal
    case_id, replayed = await run_in_threadpool(
        claim_case_id,
        engine,
        key_id=caller.key_id,
        idempotency_key=idempotency_key,
        fingerprint=filing_hash(body),
        now=datetime.now(UTC),
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    for _ in range(MAX_RENUMBERING):
        if replayed and await run_in_threadpool(_exists, engine, case_id):
            break
        case = CaseInput(
            case_id=case_id,
            filing=filing,
            routing=routing,
            pinned=default_pinned(),
            filed_by=caller.actor(),
        )
        try:
            # Bounded like an action: with no worker the server would hold the filing as long
            # as the caller waits.
            async with asyncio.timeout(settings.action_timeout_seconds):
                await start_and_await_filing(
                    temporal,
                    case,
                    task_queue=settings.task_queue,
                    retry=replayed,
                    filing_key=filing_key(caller.key_id, idempotency_key),
                )
            break
        except WorkflowAlreadyStartedError:
            if replayed:
                break  # our own earlier filing ran and closed; the read model has it
            # Temporal knows this id but the read model did not (e.g. restored from a backup):
            # never reuse it; take the next number.
            case_id = await run_in_threadpool(
                renumber,
                engine,
                key_id=caller.key_id,
                idempotency_key=idempotency_key,
                old_id=case_id,
                now=datetime.now(UTC),
            )
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            # The case may well be running: the same key finds it again rather than filing twice.
            raise Unavailable(
                "filing_pending",
                f"case {case_id} did not confirm its filing in time; retry with the same key",
            ) from None
        except RPCError:
            raise Unavailable(
                "temporal_unavailable", "the case service is unavailable; retry later"
            ) from None
    else:
        raise Unavailable("numbering", "could not find a free case number; retry later")
    return await run_in_threadpool(read_case, engine, caller, case_id)


def _may_file(caller: Caller, filing: CaseFiling) -> None:
    if caller.role is Role.OPERATOR:
        return
    if caller.role is Role.PARTY:
        requesting = [p.party_id for p in filing.parties if p.side is Side.REQUESTING]
        if caller.scope in requesting:
            return
        raise Forbidden(
            "wrong_scope",
            f"a party key files only as a requesting party; {caller.scope} is not one here",
        )
    raise Forbidden("wrong_role", f"cases are filed by an operator or a party, not a {caller.role}")


def _exists(engine: Engine, case_id: str) -> bool:
    with Session(engine) as session:
        return session.get(CaseRecord, case_id) is not None


@router.get(
    "",
    response_model=CasePage,
    summary="Daftar kerja / The operators' worklist",
    response_description="Satu halaman perkara / One page of cases",
    responses=PROBLEM_RESPONSES,
)
def list_cases(
    caller: CallerDep,
    session: SessionDep,
    stage: Annotated[
        str | None, Query(max_length=64, description="Tahap / Stage", examples=["musyawarah"])
    ] = None,
    forum: Annotated[ForumKind | None, Query(description="Forum", examples=["gwpp"])] = None,
    province: Annotated[
        str | None,
        Query(pattern=r"^\d{2}$", description="Kode provinsi / Province code", examples=["32"]),
    ] = None,
    case_type: Annotated[
        CaseType | None, Query(alias="type", description="Jenis / Type", examples=["KSDD"])
    ] = None,
    sector: Annotated[
        Sector | None, Query(description="Sektor / Sector", examples=["infrastruktur"])
    ] = None,
    party: Annotated[
        str | None,
        Query(
            max_length=120,
            description="Pihak (kode wilayah atau id) / Party id",
            examples=["32.04", "NIB-8120000000001"],
        ),
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="Terlambat / Overdue only", examples=[True])
    ] = None,
    status: Annotated[
        Literal["open", "closed"] | None,
        Query(description="Terbuka/tertutup / Open or closed", examples=["open"]),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Cari judul / Title search", examples=["TPA"])
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=400, description="Dari `next_cursor` / From `next_cursor`"),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=200, description="Ukuran halaman / Page size", examples=[50])
    ] = 50,
) -> CasePage:
    """Perkara yang boleh dilihat pemanggil, tenggat terdekat lebih dulu, tersaring, per halaman.

    Cases the caller may see, soonest due first, filtered and paged by cursor.
    """
    filters = Worklist(
        stage=stage,
        forum=forum.value if forum else None,
        province=province,
        case_type=case_type.value if case_type else None,
        sector=sector.value if sector else None,
        party=party,
        overdue=overdue,
        status=status,
        q=q,
    )
    return worklist(session, caller, filters, cursor=cursor, limit=limit)


@router.get(
    "/{case_id}",
    response_model=CasePublic,
    summary="Perkara / One case",
    response_description="Perkara beserta tindakan yang boleh diambil pemanggil / The case and "
    "the actions this caller may take",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN,
)
def get_case(case_id: CaseIdPath, caller: CallerDep, session: SessionDep) -> CasePublic:
    """Perkara sebagaimana boleh dilihat pemanggil, dengan tindakan yang kini boleh diambilnya.

    The case as this caller may see it, with the actions it may take now.
    """
    return case_public(session, caller, load_case(session, caller, case_id))


@router.get(
    "/{case_id}/timeline",
    response_model=Timeline,
    summary="Riwayat / Every action and transition",
    response_description="Riwayat perkara / The case's timeline",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN,
)
def get_timeline(case_id: CaseIdPath, caller: CallerDep, session: SessionDep) -> Timeline:
    """Setiap tindakan dan perpindahan tahap perkara, berurutan.

    Every action and transition of the case, in order.
    """
    check_case(session, caller, case_id)
    rows = session.exec(
        select(TimelineRecord)
        .where(TimelineRecord.case_id == case_id)
        .order_by(col(TimelineRecord.seq))
    )
    return Timeline(
        case_id=case_id,
        items=[TimelineItem.model_validate(row, from_attributes=True) for row in rows],
    )
