"""What a case carries when it is filed (pedoman.md §7)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from models.roles import Actor
from models.time import DayType

CASE_ID_PATTERN = r"^PKD-\d{4}-\d{6}$"
REGION_CODE_PATTERN = r"^\d{2}(\.\d{2})?$"

CaseId = Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]


def _not_a_timestamp(value: object) -> object:
    # Lax validation reads a number as a Unix timestamp, so `"pks_date": 0` became 1970-01-01.
    if isinstance(value, int | float):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")
    return value


# A date as written in a document: ISO text (or a `date` in Python), never a number.
DocumentDate = Annotated[date, BeforeValidator(_not_a_timestamp)]


def case_id(year: int, sequence: int) -> str:
    """The human-readable case id, e.g. `PKD-2026-000123`."""
    return f"PKD-{year:04d}-{sequence:06d}"


class CaseType(StrEnum):
    """Region–region, region–third party, or centre–region."""

    KSDD = "KSDD"
    KSDPK = "KSDPK"
    SINERGI = "SINERGI"


class PartyKind(StrEnum):
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"
    KEMENTERIAN_LEMBAGA = "kementerian_lembaga"
    BADAN_USAHA = "badan_usaha"
    PERORANGAN = "perorangan"
    ORGANISASI = "organisasi"


REGION_KINDS = frozenset({PartyKind.PROVINSI, PartyKind.KABUPATEN, PartyKind.KOTA})
GOVERNMENT_KINDS = REGION_KINDS | {PartyKind.KEMENTERIAN_LEMBAGA}


class Side(StrEnum):
    """Pemohon (the party that files) or termohon (the party that responds)."""

    REQUESTING = "requesting"
    RESPONDING = "responding"


class Counsel(BaseModel):
    kind: str = Field(description="`jpn` (Jaksa Pengacara Negara, with SKK) or `private`.")
    name: str = Field(min_length=1, max_length=200)
    skk_number: str | None = Field(default=None, max_length=100)
    # D7: the SKK's date and the Kejaksaan office holding it (a Kejari by kabupaten/kota code,
    # a Kejati by province code; none: JAM Datun). Its keys may act on the party's behalf.
    # Left empty they are not written, so a filing made before D7 dumps (and hashes, in its
    # audit-trail entry) exactly as it did when it was filed. (`exclude_if`, not a serializer:
    # the OpenAPI document keeps one schema for input and output.)
    skk_date: DocumentDate | None = Field(
        default=None, exclude_if=lambda value: value is None, description="Tanggal SKK / SKK date."
    )
    office: Annotated[str, StringConstraints(pattern=REGION_CODE_PATTERN)] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Kejaksaan yang memegang SKK: kode kabupaten/kota (Kejari) atau provinsi "
        "(Kejati); kosong untuk JAM Datun / The office holding the SKK.",
    )

    def holds_skk(self) -> bool:
        """A Jaksa Pengacara Negara with a recorded SKK: its office represents the party."""
        return self.kind == "jpn" and bool(self.skk_number)


class Party(BaseModel):
    """A party: a region by its Kemendagri code, or a ministry/third party by its registered id."""

    kind: PartyKind
    side: Side
    region_code: Annotated[str, StringConstraints(pattern=REGION_CODE_PATTERN)] | None = None
    third_party_id: str | None = Field(default=None, min_length=1, max_length=120)
    name: str = Field(min_length=1, max_length=200)
    representative: str | None = Field(default=None, max_length=200)
    power_of_attorney: str | None = Field(default=None, max_length=200)
    counsel: Counsel | None = None

    @model_validator(mode="after")
    def _identified(self) -> Party:
        if self.kind in REGION_KINDS:
            if self.region_code is None:
                raise ValueError(f"a {self.kind.value} party needs its region_code")
            is_province = re.fullmatch(r"\d{2}", self.region_code) is not None
            if is_province != (self.kind is PartyKind.PROVINSI):
                raise ValueError(
                    f"region_code {self.region_code} does not fit party kind {self.kind.value}"
                )
        elif self.third_party_id is None:
            raise ValueError(f"a {self.kind.value} party needs its third_party_id")
        return self

    @property
    def party_id(self) -> str:
        """The id a party's key is scoped to: its region code or its third-party id."""
        return self.region_code if self.region_code is not None else str(self.third_party_id)

    @property
    def is_government(self) -> bool:
        return self.kind in GOVERNMENT_KINDS


class DisputeRoute(StrEnum):
    """The route a KSDPK agreement's dispute clause names (PP 28/2018 Pasal 21)."""

    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    COURT = "court"


class DisputeClause(BaseModel):
    """The agreement's dispute clause: the first route, and whether arbitration may follow."""

    route: DisputeRoute
    # Strict numbers and booleans: lax validation would read `"arbitration_allowed": 0` as false
    # and `"musyawarah_days": true` as 1 day, where a filing must be refused as malformed.
    arbitration_allowed: bool = Field(default=False, strict=True)
    musyawarah_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        strict=True,
        description="The agreement's own musyawarah period, in `musyawarah_day_type` days.",
    )
    # D17: an agreement may count its period in working days ("20 hari kerja"); calendar days
    # (the default) is how every filing before revision 2 was read.
    # Left at its default it is not written, so a filing made before D17 dumps (and hashes, in
    # its audit-trail entry) exactly as it did when it was filed.
    musyawarah_day_type: DayType = Field(
        default=DayType.HKAL,
        exclude_if=lambda value: value is DayType.HKAL,
        description="HK (hari kerja) or HKal (hari kalender), as the agreement counts its period.",
    )


class Agreement(BaseModel):
    """The cooperation agreement (KB/PKS) the dispute arises from."""

    kb_number: str | None = Field(default=None, max_length=120)
    kb_date: DocumentDate | None = None
    pks_number: str | None = Field(default=None, max_length=120)
    pks_date: DocumentDate | None = None
    object: str = Field(min_length=1, max_length=2000)
    term: str | None = Field(default=None, max_length=200)
    dispute_clause: DisputeClause | None = None
    dprd_approval_ref: str | None = Field(default=None, max_length=200)
    mandatory_cooperation: bool = Field(default=False, strict=True)


class DisputeCategory(StrEnum):
    WANPRESTASI = "wanprestasi"
    PENDANAAN = "pendanaan"
    ASET_HASIL = "aset_hasil"
    TAFSIR_KLAUSUL = "tafsir_klausul"
    PERGANTIAN_PIMPINAN = "pergantian_pimpinan"
    PERUBAHAN_REGULASI = "perubahan_regulasi"
    KEWENANGAN = "kewenangan"
    KERJA_SAMA_WAJIB_TIDAK_DILAKSANAKAN = "kerja_sama_wajib_tidak_dilaksanakan"
    FORCE_MAJEURE = "force_majeure"
    PAILIT_PIHAK_KETIGA = "pailit_pihak_ketiga"
    BATAS_WILAYAH = "batas_wilayah"


class Sector(StrEnum):
    PELAYANAN_PUBLIK = "pelayanan_publik"
    INVESTASI = "investasi"
    PENGADAAN_BARANG_JASA = "pengadaan_barang_jasa"
    INFRASTRUKTUR = "infrastruktur"
    ASET = "aset"


class Dispute(BaseModel):
    subject: str = Field(min_length=1, max_length=2000)
    categories: list[DisputeCategory] = Field(min_length=1)
    # Strict, like DisputeClause's fields: `false` or `1e3` is no amount of Rupiah.
    amount_claimed: int | None = Field(default=None, ge=0, strict=True, description="Rupiah.")
    relief_sought: str | None = Field(default=None, max_length=2000)
    public_service_impact: str | None = Field(default=None, max_length=2000)


class Delegation(StrEnum):
    """How a letter or decision is signed for someone else (atas nama / untuk beliau)."""

    NONE = "none"
    ATAS_NAMA = "a.n."
    UNTUK_BELIAU = "u.b."


class Signatory(BaseModel):
    """Penandatangan / Who signed a letter or a decision (pedoman.md §9 D12)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        min_length=1, max_length=200, description="Nama / Name", examples=["Dr. H. Ahmad Fauzi"]
    )
    position: str = Field(
        min_length=1,
        max_length=300,
        description="Jabatan / Position",
        examples=["Sekretaris Daerah Provinsi Jawa Barat"],
    )
    delegation: Delegation = Field(
        default=Delegation.NONE,
        description="Ditandatangani a.n. atau u.b. pejabat lain / Signed a.n. (on behalf of) or "
        "u.b. (for) another official",
        examples=["a.n."],
    )
    for_official: str | None = Field(
        default=None,
        max_length=300,
        description="Pejabat yang diwakili, bila a.n./u.b. / The official signed for",
        examples=["Gubernur Jawa Barat"],
    )

    @model_validator(mode="after")
    def _names_the_official(self) -> Signatory:
        if (self.delegation is Delegation.NONE) != (self.for_official is None):
            raise ValueError("for_official names whom a.n./u.b. signs for, and only then")
        return self


class RequestLetter(BaseModel):
    """Surat permohonan / The letter that asks for the dispute's resolution (§9 D12)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str = Field(
        min_length=1, max_length=200, description="Nomor surat", examples=["000.1/123/Pem"]
    )
    date: DocumentDate = Field(description="Tanggal surat / Letter date")
    signatory: Signatory = Field(description="Penandatangan / The letter's signatory")


class CaseFiling(BaseModel):
    """Everything a filing carries (pedoman.md §7)."""

    case_type: CaseType
    title: str = Field(min_length=3, max_length=300)
    sectors: list[Sector] = Field(min_length=1)
    urusan: str | None = Field(default=None, max_length=200, description="Government affair.")
    parties: list[Party] = Field(min_length=2, max_length=40)
    agreement: Agreement
    dispute: Dispute
    # Not written while unset, so a filing made before D12 dumps (and hashes, in its
    # audit-trail entry) exactly as it did when it was filed.
    request_letter: RequestLetter | None = Field(
        default=None,
        exclude_if=lambda letter: letter is None,
        description="Surat permohonan: nomor, tanggal, penandatangan; wajib bila pedoman "
        "memintanya (2026.2) / The request letter, required where the guideline says so.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CaseFiling:
        ids = [p.party_id for p in self.parties]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"party listed twice: {', '.join(duplicates)}")
        if not any(p.side is Side.REQUESTING for p in self.parties):
            raise ValueError("at least one party must be the requesting party")
        if not any(p.side is Side.RESPONDING for p in self.parties):
            raise ValueError("at least one party must be the responding party")
        regions = [p for p in self.parties if p.kind in REGION_KINDS]
        if not regions:
            raise ValueError("a cooperation dispute needs at least one region as a party")
        third = [p for p in self.parties if p.kind not in GOVERNMENT_KINDS]
        ministries = [p for p in self.parties if p.kind is PartyKind.KEMENTERIAN_LEMBAGA]
        if self.case_type is CaseType.KSDD and (third or ministries):
            raise ValueError("a KSDD case has only regions as parties")
        if self.case_type is CaseType.KSDPK:
            if not third:
                raise ValueError("a KSDPK case needs a third party")
            if self.agreement.dispute_clause is None:
                raise ValueError("a KSDPK case needs the agreement's dispute_clause")
        if self.case_type is CaseType.SINERGI and not ministries:
            raise ValueError("a SINERGI case needs a ministry or agency (kementerian_lembaga)")
        return self

    def party(self, party_id: str) -> Party | None:
        return next((p for p in self.parties if p.party_id == party_id), None)


class Filed(BaseModel):
    """Who filed the case and when."""

    by: Actor
