"""What the services answer with: cases as callers see them, pages, timelines, statistics,
documents, and what auditors read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models.case import Agreement, Dispute, Party, RequestLetter
from models.forum import Routing
from models.meetings import Meeting
from models.payloads import DocumentRef
from models.pedoman import ClosingState, PayloadKind
from models.roles import Role
from models.state import AttachedDocument, CaseStatus, LegalOpinionThread, PartyStep

# A deadline in local time (README "Waktu / Times"), the same four fields wherever one is shown.
DUE_AT = (
    "Saat tenggat berakhir, dalam UTC / The instant the limit ends, in UTC: 00:00 local time "
    "after its last day, e.g. `2026-12-14T17:00:00Z` ends 14 December in WIB."
)
DUE_LOCAL = (
    "Saat yang sama dalam waktu setempat `zone`, dengan selisih UTC / The same instant in the "
    "local time of `zone`, with its UTC offset."
)
DUE_DATE_LOCAL = (
    "Hari terakhir untuk bertindak, tanggal setempat: hari terakhir yang berakhir paling lambat "
    "pada `due_local` (tenggat pukul 00:00 berarti akhir hari sebelumnya) / The last day to act, "
    "as a local date: the last day that ends by `due_local` (a due time of 00:00 is the end of "
    "the day before)."
)
ZONE = (
    "WIB, WITA atau WIT: zona kantor yang menangani tahap (gubernur untuk tahap GWPP, Jakarta "
    "untuk Menteri), selain itu zona pedoman / WIB, WITA or WIT: the zone of the office "
    "conducting the stage (the governor's for a GWPP stage, Jakarta for the Minister's), "
    "otherwise the guideline's `timezone`."
)
TIMEZONE = "Nama zona IANA / The zone's IANA name."


class DeadlinePublic(BaseModel):
    """A running clock: when it is due, counted how, from which calendar."""

    clock: str = Field(description="`stage`, or `legal_opinion:N` for a legal-opinion thread.")
    stage: str
    due_at: datetime = Field(description=DUE_AT, examples=["2026-12-14T17:00:00Z"])
    due_local: datetime = Field(description=DUE_LOCAL, examples=["2026-12-15T00:00:00+07:00"])
    due_date_local: date = Field(description=DUE_DATE_LOCAL, examples=["2026-12-14"])
    zone: str = Field(description=ZONE, examples=["WIB"])
    timezone: str = Field(description=TIMEZONE, examples=["Asia/Jakarta"])
    limit: str = Field(examples=["14HK"])
    day_type: str = Field(examples=["HK"])
    calendar_version: str = Field(examples=["holidays-0.109"])
    provisional: bool = Field(
        description="Tenggat sementara / A year in the window is provisional "
        "(`provisional_years`): the due date may move."
    )
    provisional_years: list[int] = Field(
        default_factory=list,
        description="Tahun yang hari liburnya masih bisa berubah / The years in the window whose "
        "days off may still move: dates still estimates, or no confirmed SKB cuti bersama "
        "recorded (`GET /v1/calendar/decrees`).",
        examples=[[2027]],
    )
    overdue: bool
    paused: bool


class AllowedActionPublic(BaseModel):
    """An action this key may take now: the case's validator would accept it with a valid
    payload of `payload_kind`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "action": "sign_agreement",
                    "payload_kind": "record",
                    "description": "Setiap pihak menandatangani berita acara kesepakatan.",
                    "on_own_behalf": False,
                    "on_behalf_of": ["32.73"],
                    "threads": [],
                }
            ]
        }
    )

    action: str = Field(examples=["sign_agreement"])
    payload_kind: PayloadKind = Field(
        description="Jenis muatan tindakan / The payload this action takes."
    )
    description: str = Field(default="", description="Dari pedoman / From the guideline.")
    on_own_behalf: bool = Field(
        description="Kunci ini boleh mengambilnya atas namanya sendiri (tanpa `on_behalf_of`) / "
        "This key may take it in its own name (without `on_behalf_of`)."
    )
    on_behalf_of: list[str] = Field(
        default_factory=list,
        description="Operator: pihak yang tindakannya boleh dicatat dengan `on_behalf_of` / "
        "Operators: the parties (ids) it may record this action for, with `on_behalf_of`.",
    )
    threads: list[int] = Field(
        default_factory=list,
        description="Untuk `submit_legal_opinion`: utas pendapat hukum terbuka yang boleh "
        "dijawab / For `submit_legal_opinion`: the open legal-opinion threads it may answer "
        "(the payload's `thread`).",
    )


class AwaitedPublic(BaseModel):
    """Who the case waits for, for which actions, by when (`workflows/awaiting.py` has the rule:
    the stage's own actors for its own actions, the parties that have not confirmed or signed,
    the prosecutor for each open legal-opinion thread)."""

    role: Role = Field(examples=["party"])
    scope: str | None = Field(
        description="Kode wilayah atau id pihak; kode provinsi GWPP; kosong untuk peran "
        "nasional dan untuk kejaksaan yang wilayahnya mencakup perkara / A party's id, the GWPP's "
        "province code; null for a national role, and for the prosecutor (any office whose area "
        "covers the case).",
        examples=["32.73"],
    )
    name: str = Field(examples=["Pemerintah Kota Bandung"])
    actions: list[str] = Field(examples=[["sign_agreement"]])
    clock: str = Field(
        description="`stage`, atau `legal_opinion:N` / `stage`, or `legal_opinion:N`: the clock "
        "in `deadlines` it is awaited by."
    )
    deadline: DeadlinePublic | None = Field(
        description="Tenggatnya / By when: that clock, as in `deadlines`; null when the stage "
        "has no clock."
    )


class ProgressPublic(BaseModel):
    """A step every party must take (a reported agreement's confirmation, an every-party
    action such as signing the berita acara): who has taken it, who has not."""

    action: str = Field(examples=["sign_agreement"])
    done_by: list[str] = Field(description="Sudah / Parties that have taken it (or confirmed).")
    missing: list[str] = Field(description="Belum / Parties that have not.")
    proposed_by: str | None = Field(
        default=None, description="For a reported agreement: the party that reported it."
    )
    confirmed_with: str | None = Field(
        default=None,
        description="For a reported agreement: the action the others confirm it with.",
        examples=["confirm_agreement"],
    )


class CasePublic(BaseModel):
    """A case as the caller may see it, with the actions this caller may take now."""

    case_id: str = Field(examples=["PKD-2026-000123"])
    case_type: str
    title: str
    sectors: list[str]
    urusan: str | None
    stage: str
    stage_title: str
    status: CaseStatus
    closing_state: ClosingState | None
    outcome: ClosingState | None
    routing: Routing
    deadline: DeadlinePublic | None = Field(description="The stage's clock, when it runs.")
    deadlines: list[DeadlinePublic] = Field(description="Every running clock.")
    overdue: bool
    paused: bool
    parties: list[Party]
    agreement: Agreement
    dispute: Dispute
    request_letter: RequestLetter | None = Field(
        default=None,
        description="Surat permohonan / The request letter the filing carried (pedoman.md §9 D12).",
    )
    legal_opinions: list[LegalOpinionThread]
    documents: list[AttachedDocument]
    responses: list[PartyStep] = Field(
        default_factory=list,
        description="Tanggapan tiap pihak (mis. setiap termohon) / Each party's response to a "
        "per-party action, e.g. every responding party's (pedoman.md §9 D3).",
    )
    withdrawals: list[PartyStep] = Field(
        default_factory=list,
        description="Pemohon yang mencabut sementara perkara berlanjut / Requesting parties that "
        "withdrew while the case went on (pedoman.md §9 D4).",
    )
    meetings: list[Meeting] = Field(
        default_factory=list,
        description="Rapat yang dijadwalkan dan dicatat, tiap rapat dengan tahapnya / Meetings "
        "scheduled and recorded, each naming its stage (pedoman.md §9 D10).",
    )
    finality: str | None = Field(
        default=None,
        description="Kekuatan keputusan yang dilaksanakan / What binds the decision being carried "
        "out (pedoman.md §9 D13): `final_by_law`, `final_by_guideline_proposed`, "
        "`binding_by_guideline_proposed` or `open_to_objection`; null when none applies.",
    )
    monitor_at: datetime | None = Field(
        default=None,
        description="Pengingat pemantauan berikutnya dari tahap tanpa batas waktu / The next "
        "monitoring reminder of a stage with no limit (pedoman.md §9 D15).",
    )
    recorded: dict[str, str]
    allowed_actions: list[AllowedActionPublic] = Field(
        description="Tindakan yang kini boleh diambil kunci ini: tepat yang akan diterima / "
        "What this key may do now: exactly the actions the case would accept from it with a "
        "valid payload (none for a closed case or a read-only key)."
    )
    awaiting: list[AwaitedPublic] = Field(
        description="Siapa yang harus bertindak berikutnya / Who must act next, and by when."
    )
    progress: list[ProgressPublic] = Field(
        description="Siapa yang sudah mengonfirmasi atau menandatangani / Who has confirmed or "
        "signed what so far."
    )
    version: int
    filed_at: datetime
    updated_at: datetime
    guideline_version: str
    guideline_hash: str


class CaseSummary(BaseModel):
    """One row of the operators' worklist."""

    case_id: str
    case_type: str
    title: str
    stage: str
    status: str
    closing_state: str | None
    forum: str
    routing_rule: str
    gwpp_province: str | None
    due_at: datetime | None = Field(description=DUE_AT)
    due_local: datetime | None = Field(description=DUE_LOCAL)
    due_date_local: date | None = Field(description=DUE_DATE_LOCAL)
    zone: str | None = Field(description=ZONE, examples=["WITA"])
    timezone: str | None = Field(description=TIMEZONE, examples=["Asia/Makassar"])
    overdue: bool
    paused: bool
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class ActionOut(BaseModel):
    """The accepted action and the case after it."""

    seq: int = Field(description="The action's place in the case's timeline.")
    action: str
    stage_before: str
    duplicate: bool = Field(description="True when this key was applied before: nothing changed.")
    case: CasePublic


class TimelineItem(BaseModel):
    seq: int
    at: AwareDatetime | datetime
    kind: str
    action: str | None
    stage_before: str
    stage_after: str
    actor_key: str | None
    actor_role: str | None
    actor_scope: str | None
    on_behalf_of: str | None
    idempotency_key: str | None
    detail: str
    payload: dict[str, Any]
    documents: list[str]


class Timeline(BaseModel):
    case_id: str
    items: list[TimelineItem]


class StatsTrends(BaseModel):
    """Overdue cases by forum, working days spent per stage, cases filed and closed per month."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "overdue_by_forum": {"gwpp": 1},
                    "median_working_days_by_stage": {"intake": 2.0, "musyawarah": 21.5},
                    "finished_stays_by_stage": {"intake": 3, "musyawarah": 2},
                    "filed_by_month": {"2026-03": 2, "2026-04": 1},
                    "closed_by_month": {"2026-03": 0, "2026-04": 1},
                }
            ]
        }
    )

    overdue_by_forum: dict[str, int] = Field(
        description="Open cases past their stage's deadline, by forum (they add up to "
        "`overdue_cases`)."
    )
    median_working_days_by_stage: dict[str, float] = Field(
        description="Median working days (hari kerja, WIB) of the finished stays in each stage; "
        "a stay still running is not counted."
    )
    finished_stays_by_stage: dict[str, int] = Field(
        description="How many finished stays each median is taken over."
    )
    filed_by_month: dict[str, int] = Field(
        description="Cases filed per month (YYYY-MM, WIB), every month from the first filing "
        "or closing to the last, in order."
    )
    closed_by_month: dict[str, int] = Field(
        description="Cases closed per month (YYYY-MM, WIB), the same months as `filed_by_month`."
    )


class Stats(StatsTrends):
    """Open cases by stage, forum, province and sector, what is overdue, and the trends."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "open_cases": 3,
                    "closed_cases": 1,
                    "by_stage": {"musyawarah": 2, "gwpp_facilitation": 1},
                    "by_forum": {"gwpp": 2, "dispute_clause": 1},
                    "by_province": {"32": 3},
                    "by_sector": {"infrastruktur": 2, "investasi": 1},
                    "overdue_cases": 1,
                    "overdue_legal_opinions": 0,
                    "overdue_by_forum": {"gwpp": 1},
                    "median_working_days_by_stage": {"intake": 2.0, "musyawarah": 21.5},
                    "finished_stays_by_stage": {"intake": 3, "musyawarah": 2},
                    "filed_by_month": {"2026-03": 2, "2026-04": 1},
                    "closed_by_month": {"2026-03": 0, "2026-04": 1},
                }
            ]
        }
    )

    open_cases: int
    closed_cases: int
    by_stage: dict[str, int]
    by_forum: dict[str, int]
    by_province: dict[str, int]
    by_sector: dict[str, int]
    overdue_cases: int
    overdue_legal_opinions: int


class DocumentOut(BaseModel):
    """The recorded document and the action that recorded it."""

    seq: int = Field(description="The attach_document action's place in the case's timeline.")
    duplicate: bool = Field(description="True when this key was applied before: nothing changed.")
    document: DocumentRef


class DocumentList(BaseModel):
    case_id: str
    items: list[AttachedDocument]


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


class SigningKey(BaseModel):
    """The Ed25519 key that signs this instance's audit exports (`mufakat audit export`)."""

    key_id: str = Field(description="SHA-256 (hex) of the raw public key.")
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="The raw 32-byte public key, base64url without padding.")
    public_key_pem: str = Field(description="SubjectPublicKeyInfo PEM, as openssl reads it.")
    jwk: dict[str, str] = Field(description="The key as a JWK (RFC 8037, `kty` OKP).")
