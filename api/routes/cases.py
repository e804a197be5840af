"""`/v1/cases`: filing, the operators' worklist, one case, its timeline."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

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
from api.duplicates import DisputeGate, refuse_possible_duplicate
from api.errors import PROBLEM_RESPONSES, Forbidden, Unavailable
from api.filing import claim_case_id, filing_hash, filing_key, refuse_nul, renumber
from api.messages.catalogue import msg
from api.routes.route import unroutable
from api.schemas import CasePage, CasePublic, Timeline, TimelineItem
from api.worklist import Worklist, worklist
from api.worklist_filters import (
    CASE_TYPES,
    FORUMS,
    SECTORS,
    STATUSES,
    CaseTypeValue,
    ForumValue,
    ProvinceValue,
    SectorValue,
    StatusValue,
    check_awaiting,
    check_province,
    check_stage,
    one_of,
)
from models.case import CASE_ID_PATTERN, CaseFiling, Side
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
# This process's filings, one per dispute at a time (api/duplicates.py says why).
_DISPUTES = DisputeGate()

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
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {**PROBLEM_RESPONSES[422], "description": "No such case."}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {**PROBLEM_RESPONSES[422], "description": "Outside this key's role or scope."}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {**PROBLEM_RESPONSES[422], "description": "Idempotency-Key reused."}
}
FILING_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        **PROBLEM_RESPONSES[422],
        "description": "Kunci idempotensi dipakai untuk pengajuan lain (`idempotency_key_reused`), "
        "atau perkara terbuka dengan pihak, nomor perjanjian dan pokok perselisihan yang sama "
        "sudah ada (`possible_duplicate`, dinamai di `duplicates`; ajukan dengan `force=true` "
        "bila memang perkara lain) / The Idempotency-Key was used for another filing, or an "
        "open case has the same parties, agreement number and subject (`possible_duplicate`, "
        "named in `duplicates`; file with `force=true` if it is another case).",
    }
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
    responses=PROBLEM_RESPONSES | FORBIDDEN | FILING_CONFLICT | UNAVAILABLE,
)
async def file_case(
    filing: Annotated[CaseFiling, Body(openapi_examples=FILING_EXAMPLES)],
    caller: CallerDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    force: ForceQuery = False,
) -> CasePublic:
    """Ajukan perkara: dirutekan (R1–R8), disematkan ke pedoman yang berlaku, lalu dimulai.

    File a case: it is routed (R1–R8), pinned to the current guideline and started. A filing
    matching an open case (same parties, agreement number, subject) is refused unless `force`.
    """
    _may_file(caller, filing)
    body = filing.model_dump(mode="json")  # once: checked, then fingerprinted
    refuse_nul(body)
    guideline = default_guideline()
    try:
        routing = route_filing(filing, guideline, load_regions())
    except (RegionCodeError, RoutingError) as error:
        raise unroutable(error, "body", _parties_at_fault(filing, error)) from None
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    temporal: Client = request.app.state.temporal
    # Until its case is in the read model, where the next filing of the dispute will find it;
    # a confirmed filing (`force`) checks nothing, so it waits for no other.
    async with nullcontext() if force else _DISPUTES.hold(filing):
        case_id, replayed = await run_in_threadpool(
            claim_case_id,
            engine,
            key_id=caller.key_id,
            idempotency_key=idempotency_key,
            fingerprint=filing_hash(body),
            now=datetime.now(UTC),
            # A retry of a filing numbered before is that filing, never a duplicate of itself.
            check_new=None if force else partial(refuse_possible_duplicate, engine, filing),
        )
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        case_id = await _start(
            temporal,
            engine,
            settings,
            caller=caller,
            idempotency_key=idempotency_key,
            case=CaseInput(
                case_id=case_id,
                filing=filing,
                routing=routing,
                pinned=default_pinned(),
                filed_by=caller.actor(),
            ),
            replayed=replayed,
        )
    return await run_in_threadpool(read_case, engine, caller, case_id)


async def _start(
    temporal: Client,
    engine: Engine,
    settings: Settings,
    *,
    caller: Caller,
    idempotency_key: str | None,
    case: CaseInput,
    replayed: bool,
) -> str:
    """Start the case and await its filing in the read model; the id it ends up under."""
    case_id = case.case_id
    for _ in range(MAX_RENUMBERING):
        if replayed and await run_in_threadpool(_exists, engine, case_id):
            break
        case = case.model_copy(update={"case_id": case_id})
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
            raise Unavailable("filing_pending", msg("filing_pending", case_id=case_id)) from None
        except RPCError:
            raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None
    else:
        raise Unavailable("numbering", msg("numbering"))
    return case_id


def _may_file(caller: Caller, filing: CaseFiling) -> None:
    if caller.role is Role.OPERATOR:
        return
    if caller.role is Role.PARTY:
        requesting = [p.party_id for p in filing.parties if p.side is Side.REQUESTING]
        if caller.scope in requesting:
            return
        raise Forbidden("wrong_scope", msg("wrong_scope.filing", scope=caller.scope))
    raise Forbidden("wrong_role", msg("wrong_role.filing", role=caller.role.value))


def _parties_at_fault(filing: CaseFiling, error: RegionCodeError | RoutingError) -> list[str | int]:
    """Where in the filing routing failed: the region code no region has, else the parties."""
    if isinstance(error, RegionCodeError):
        for index, party in enumerate(filing.parties):
            if party.region_code == error.code:
                return ["parties", index, "region_code"]
    return ["parties"]


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

    Cases the caller may see, soonest due first, filtered and paged by cursor. A filter value
    that names nothing (an unknown stage, forum, province, type, sector, status or `awaiting`)
    is 422 `unknown_filter_value` with the allowed values, never an empty page.
    """
    filters = Worklist(
        stage=check_stage(session, stage),
        forum=one_of("forum", forum, FORUMS, msg("filter.forum")),
        province=check_province(province),
        case_type=one_of("type", case_type, CASE_TYPES, msg("filter.case_type")),
        sector=one_of("sector", sector, SECTORS, msg("filter.sector")),
        party=party,
        overdue=overdue,
        status=one_of("status", status, STATUSES, msg("filter.status")),
        q=q,
        awaiting=check_awaiting(session, caller, awaiting),
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
