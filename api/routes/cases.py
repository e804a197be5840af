"""`/v1/cases`: filing, the operators' worklist, one case, its timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response

from api.deps import BackendDep, CallerDep, CaseIdPath, EngineDep, SessionDep
from api.problems import FILING_CONFLICT, FORBIDDEN, NOT_FOUND, PROBLEM_RESPONSES, UNAVAILABLE
from api.schemas import CasePage, CasePublic, Timeline
from api.services import cases as case_reads
from api.services import filing as filings
from api.services.worklist_filters import (
    CaseTypeValue,
    ForumValue,
    ProvinceValue,
    SectorValue,
    StatusValue,
)
from models.case import CaseFiling

router = APIRouter(prefix="/v1/cases", tags=["cases"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Kunci idempotensi: ulangi dengan kunci yang sama untuk mendapat perkara yang "
        "sama; tanpa kunci, pengajuan ulang setelah jawaban hilang bisa membuat perkara ganda "
        "(yang masih terbuka dijawab 409 `possible_duplicate`) / Retrying with the same key "
        "returns the same case; without one, a retry after a lost answer may file the case "
        "twice (while it is open, 409 `possible_duplicate` says so).",
    ),
]
ForceQuery = Annotated[
    bool,
    Query(
        description="Tetap ajukan walau ada perkara terbuka yang sama (`possible_duplicate`) / "
        "File even though an open case has the same parties, agreement number and subject.",
    ),
]
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
    responses=PROBLEM_RESPONSES | FORBIDDEN | FILING_CONFLICT | UNAVAILABLE,
)
async def file_case(
    filing: Annotated[CaseFiling, Body(openapi_examples=FILING_EXAMPLES)],
    caller: CallerDep,
    backend: BackendDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    force: ForceQuery = False,
) -> CasePublic:
    """Ajukan perkara: dirutekan (R1–R8), disematkan ke pedoman yang berlaku, lalu dimulai.

    File a case: it is routed (R1–R8), pinned to the current guideline and started. A filing
    matching an open case (same parties, agreement number, subject) is refused unless `force`.
    """
    filed = await filings.file_case(
        backend, caller, filing, idempotency_key=idempotency_key, force=force
    )
    if filed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return filed.case


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
        str | None,
        Query(
            max_length=64,
            description="Tahap, id dari pedoman / Stage id, as the guideline names it",
            examples=["musyawarah"],
        ),
    ] = None,
    forum: Annotated[ForumValue | None, Query(description="Forum", examples=["gwpp"])] = None,
    province: Annotated[
        ProvinceValue | None,
        Query(description="Kode provinsi / Province code (one of the 38)", examples=["32"]),
    ] = None,
    case_type: Annotated[
        CaseTypeValue | None, Query(alias="type", description="Jenis / Type", examples=["KSDD"])
    ] = None,
    sector: Annotated[
        SectorValue | None, Query(description="Sektor / Sector", examples=["infrastruktur"])
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
        StatusValue | None,
        Query(description="Terbuka/tertutup / Open or closed", examples=["open"]),
    ] = None,
    awaiting: Annotated[
        str | None,
        Query(
            max_length=130,
            description="Menunggu tindakan siapa / Cases waiting for: `me` (this key's role "
            "and scope), a role (`operator`, `gwpp`, `minister`, `party`, `prosecutor`, "
            "`adjudicator`), `gwpp:<province code>`, or a party id (`32.04`, "
            "`NIB-8120000000001`; also `party:<id>`). Who a case waits for is its `awaiting`.",
            examples=["me", "32.73", "gwpp:32"],
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Cari judul, atau nomor perkara (utuh atau awalnya) / Title search, or a "
            "case id, whole or its beginning (`PKD-2026-0001`)",
            examples=["TPA", "PKD-2026-000123"],
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=400, description="Dari `next_cursor` / From `next_cursor`"),
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1, le=case_reads.MAX_PAGE, description="Ukuran halaman / Page size", examples=[50]
        ),
    ] = 50,
) -> CasePage:
    """Perkara yang boleh dilihat pemanggil, tenggat terdekat lebih dulu, tersaring, per halaman.

    Cases the caller may see, soonest due first, filtered and paged by cursor. A filter value
    that names nothing (an unknown stage, forum, province, type, sector, status or `awaiting`)
    is 422 `unknown_filter_value` with the allowed values, never an empty page.
    """
    query = case_reads.WorklistQuery(
        stage=stage,
        forum=forum,
        province=province,
        case_type=case_type,
        sector=sector,
        party=party,
        overdue=overdue,
        status=status,
        awaiting=awaiting,
        q=q,
    )
    return case_reads.list_cases(session, caller, query, cursor=cursor, limit=limit)


@router.get(
    "/{case_id}",
    response_model=CasePublic,
    summary="Perkara / One case",
    response_description="Perkara beserta tindakan yang boleh diambil pemanggil / The case and "
    "the actions this caller may take",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN,
)
def get_case(case_id: CaseIdPath, caller: CallerDep, engine: EngineDep) -> CasePublic:
    """Perkara sebagaimana boleh dilihat pemanggil, dengan tindakan yang kini boleh diambilnya.

    The case as this caller may see it, with the actions it may take now.
    """
    return case_reads.read_case(engine, caller, case_id)


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
    return case_reads.timeline(session, caller, case_id)
