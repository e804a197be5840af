"""What each kind of action carries (the `payload` of an action request).

Every field says what it is in Bahasa Indonesia and English, with an example: the API publishes
these models in its OpenAPI document, one component per payload kind.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from models.case import Signatory
from models.limits import MAX_TEXT_CHARS
from models.pedoman import LegalForm, PayloadKind

# A payload with thousands of unknown keys would otherwise answer with thousands of errors, each
# carried through the case's workflow; the first hundred say enough to fix a request.
MAX_REPORTED_ERRORS = 100

# An example document, as `attach_document` and every `document` field show it.
EXAMPLE_DOCUMENT: dict[str, Any] = {
    "name": "Berita Acara Musyawarah II TPA Legok Nangka.pdf",
    "doc_type": "berita_acara",
    "sha256": "9c1185a5c5e9fc54612808977ee8f548b2258d31b3b1a2ed3ac8c5ba1fa8c3a7",
    "size": 482133,
    "media_type": "application/pdf",
}


class DocumentType(StrEnum):
    BERITA_ACARA = "berita_acara"
    NOTULEN = "notulen"
    KEPUTUSAN = "keputusan"
    PUTUSAN = "putusan"
    SURAT_KUASA = "surat_kuasa"
    PENDAPAT_HUKUM = "pendapat_hukum"
    AKTA_PERDAMAIAN = "akta_perdamaian"
    SURAT = "surat"
    LAINNYA = "lainnya"


class _Payload(BaseModel):
    # An unknown field is a mistake the sender should hear about, not something to drop.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentRef(_Payload):
    """Dokumen yang disimpan di luar perkara, dikenali dari SHA-256-nya / A document stored
    outside the workflow, known here by its SHA-256."""

    name: str = Field(
        min_length=1,
        max_length=255,
        description="Nama berkas / File name",
        examples=[EXAMPLE_DOCUMENT["name"]],
    )
    doc_type: DocumentType = Field(
        description="Jenis dokumen / Document type", examples=[EXAMPLE_DOCUMENT["doc_type"]]
    )
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 isi berkas, heksadesimal huruf kecil / SHA-256 of the file's "
        "content, in lowercase hex",
        examples=[EXAMPLE_DOCUMENT["sha256"]],
    )
    size: int = Field(
        ge=0,
        le=10 * 1024**3,
        description="Ukuran berkas dalam byte / File size in bytes",
        examples=[EXAMPLE_DOCUMENT["size"]],
    )
    media_type: str = Field(
        default="application/pdf",
        max_length=120,
        description="Jenis media berkas / The file's media type",
        examples=[EXAMPLE_DOCUMENT["media_type"]],
    )


_DOCUMENT = "Dokumen pendukung yang sudah disimpan / A supporting document, already stored"


class NoPayload(_Payload):
    """Tanpa isi / Nothing beside the action."""


class Note(_Payload):
    """Catatan untuk berkas perkara / A note for the case's record."""

    text: str = Field(
        min_length=1,
        max_length=5000,
        description="Isi catatan / The note",
        examples=["Musyawarah kedua dijadwalkan 19 Maret 2026 di Kantor Bupati Bandung."],
    )


class Reason(_Payload):
    """Alasan tindakan / Why the action is taken."""

    reason: str = Field(
        min_length=3,
        max_length=5000,
        description="Alasan / Reason",
        examples=["Tiga kali musyawarah tidak mencapai mufakat tentang pembagian biaya."],
    )


class CompletionRequest(_Payload):
    """Kekurangan berkas / What the requesting party must still hand in."""

    missing: list[str] = Field(
        min_length=1,
        max_length=50,
        description="Berkas atau keterangan yang belum ada / Documents or information missing",
        examples=[["Salinan PKS Nomor PKS/12/2024", "Surat kuasa khusus"]],
    )
    reason: str | None = Field(
        default=None,
        max_length=5000,
        description="Penjelasan / Why they are needed",
        examples=["Lampiran perjanjian kerja sama belum disertakan."],
    )


class Submission(_Payload):
    """Tanggapan atau berkas yang dilengkapi / A party's written answer to the filing, or the
    completed filing."""

    summary: str = Field(
        min_length=1,
        max_length=10000,
        description="Ringkasan tanggapan / Summary of the response",
        examples=["Kota Bandung menolak pembagian biaya 60:40 dan mengusulkan 50:50."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class AgreementTerms(_Payload):
    """Kesepakatan para pihak / What the parties agreed."""

    terms: str = Field(
        min_length=1,
        max_length=20000,
        description="Isi kesepakatan / The terms agreed",
        examples=["Biaya operasional TPA Legok Nangka dibagi 50:50 mulai Tahun Anggaran 2027."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class Decision(_Payload):
    """Keputusan forum / A decision (keputusan) of the forum."""

    number: str = Field(
        min_length=1,
        max_length=200,
        description="Nomor keputusan / Decision number",
        examples=["100.3.3.2/Kep.45-Pem/2026"],
    )
    summary: str = Field(
        min_length=1,
        max_length=20000,
        description="Ringkasan isi keputusan / Summary of what is decided",
        examples=["Biaya operasional TPA dibagi 50:50; Kota Bandung membayar bagiannya."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class Record(_Payload):
    """Catatan register, akta, putusan atau berita acara / A record made elsewhere: a register,
    a deed, a judgment, a signed berita acara."""

    reference: str = Field(
        min_length=1,
        max_length=200,
        description="Nomor register, akta atau putusan / Register, deed or judgment number",
        examples=["112/Pdt.G/2026/PN Bdg"],
    )
    summary: str | None = Field(
        default=None,
        max_length=20000,
        description="Ringkasan / Summary",
        examples=["Putusan telah berkekuatan hukum tetap."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class ExtensionRequest(_Payload):
    """Perpanjangan tenggat / Why a stage's limit is extended, and who agreed."""

    reason: str = Field(
        min_length=3,
        max_length=5000,
        description="Alasan perpanjangan / Why the limit is extended",
        examples=["Para pihak menunggu hasil audit BPKP atas biaya operasional."],
    )
    consents: list[str] = Field(
        default_factory=list,
        max_length=40,
        description="Pihak yang menyetujui / Party ids that agreed, where the stage needs "
        "every party's agreement",
        examples=[["32.04", "32.73"]],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class LegalOpinionRequest(_Payload):
    """Permohonan pendapat hukum / The question put to the prosecutor (Jaksa Pengacara
    Negara)."""

    question: str = Field(
        min_length=3,
        max_length=10000,
        description="Pertanyaan hukum / The legal question",
        examples=["Apakah PKS/12/2024 tetap mengikat setelah pergantian kepala daerah?"],
    )


class LegalOpinion(_Payload):
    """Pendapat hukum Kejaksaan / The prosecutor's legal opinion, advisory."""

    thread: int = Field(
        ge=1,
        description="Nomor utas pendapat hukum yang dijawab / The legal-opinion thread this "
        "answers",
        examples=[1],
    )
    opinion: str = Field(
        min_length=3,
        max_length=MAX_TEXT_CHARS,
        description="Pendapat hukum / The legal opinion",
        examples=["PKS/12/2024 tetap mengikat; pergantian kepala daerah tidak mengakhirinya."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class InstitutionRecord(_Payload):
    """Lembaga yang menangani tahap ini / The institution conducting the stage (a Pengadilan
    Negeri, BANI, a mediator), and its register number for the case (pedoman.md §9 D9)."""

    institution: str = Field(
        pattern=r"^[A-Za-z0-9._:-]{2,120}$",
        description="Kode lembaga, sama dengan lingkup kunci adjudikatornya / The institution's "
        "id, as its adjudicator keys are scoped",
        examples=["PN-BANDUNG"],
    )
    reference: str = Field(
        min_length=1,
        max_length=200,
        description="Nomor perkara atau register di lembaga itu / The case's number there",
        examples=["112/Pdt.G/2026/PN Bdg"],
    )
    summary: str | None = Field(
        default=None,
        max_length=5000,
        description="Keterangan / Remarks",
        examples=["Gugatan didaftarkan melalui e-Court."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class ProsecutorOffice(StrEnum):
    """The Kejaksaan offices a legal opinion may be asked of (pedoman.md §9 D7)."""

    KEJARI = "kejari"  # Kejaksaan Negeri, by kabupaten/kota code
    KEJATI = "kejati"  # Kejaksaan Tinggi, by province code
    JAM_DATUN = "jam_datun"  # Jaksa Agung Muda Perdata dan Tata Usaha Negara, national


class Addressee(_Payload):
    """Kejaksaan yang dimintai pendapat hukum / The Kejaksaan office a request is addressed to."""

    office: ProsecutorOffice = Field(
        description="Kejari (kode kabupaten/kota), Kejati (kode provinsi) atau JAM Datun / "
        "Kejari (kabupaten/kota code), Kejati (province code) or JAM Datun",
        examples=["kejati"],
    )
    region_code: str | None = Field(
        default=None,
        pattern=r"^\d{2}(\.\d{2})?$",
        description="Kode wilayah kantor itu; kosong untuk JAM Datun / The office's region code; "
        "none for JAM Datun",
        examples=["32"],
    )

    @model_validator(mode="after")
    def _fits_office(self) -> Addressee:
        code = self.region_code
        if self.office is ProsecutorOffice.JAM_DATUN:
            if code is not None:
                raise ValueError("JAM Datun is national and takes no region_code")
        elif code is None:
            raise ValueError(f"a {self.office.value} is named by its region_code")
        elif (self.office is ProsecutorOffice.KEJATI) != (len(code) == 2):
            shape = (
                "a province code (32)"
                if self.office is ProsecutorOffice.KEJATI
                else ("a kabupaten/kota code (32.73)")
            )
            raise ValueError(f"a {self.office.value} is named by {shape}, not {code}")
        return self

    @property
    def scope(self) -> str | None:
        """The prosecutor key scope of the office: its region code, none for JAM Datun."""
        return self.region_code


class AddressedLegalOpinionRequest(_Payload):
    """Permohonan pendapat hukum kepada Kejaksaan tertentu / A legal question put to one
    Kejaksaan office (pedoman.md §9 D7)."""

    question: str = Field(
        min_length=3,
        max_length=10000,
        description="Pertanyaan hukum / The legal question",
        examples=["Apakah PKS/12/2024 tetap mengikat setelah pergantian kepala daerah?"],
    )
    addressee: Addressee = Field(
        description="Kejaksaan yang dituju / The office asked",
        examples=[{"office": "kejati", "region_code": "32"}],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


class LegalOpinionDisclosure(_Payload):
    """Membuka utas pendapat hukum kepada semua pihak / The requester shows a confidential
    legal-opinion thread to every party (pedoman.md §9 D6)."""

    thread: int = Field(
        ge=1,
        description="Nomor utas pendapat hukum / The legal-opinion thread",
        examples=[1],
    )


# ---------------------------------------------------------------- §9 D10–D12, D2 (2026.2)
# The paper the offices really produce: meetings and their minutes, berita acara, decisions in
# their legal form, an application for execution.


def _iso_date(value: object) -> object:
    # The API validates an action strictly, where a date takes no text: read it here, and never
    # a number (as DocumentDate).
    if isinstance(value, int | float):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")
    return date.fromisoformat(value) if isinstance(value, str) else value


# A date in an action's payload, written YYYY-MM-DD.
PayloadDate = Annotated[date, BeforeValidator(_iso_date)]

_BERITA_ACARA = (
    "Berita acara yang dilampirkan bersama tindakan ini / The berita acara, attached with this "
    "action"
)


class MeetingSchedule(_Payload):
    """Jadwal rapat / A meeting of the forum: when, where, who is invited, and its agenda
    (pedoman.md §9 D10)."""

    at: AwareDatetime = Field(
        description="Tanggal dan jam rapat, dengan zona waktu / Date and time, with its offset",
        examples=["2026-03-19T09:00:00+07:00"],
    )
    place: str | None = Field(
        default=None,
        max_length=500,
        description="Tempat rapat / Where it meets",
        examples=["Ruang Rapat Biro Pemerintahan, Gedung Sate, Bandung"],
    )
    online_link: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https://\S+$",
        description="Tautan rapat daring / The online meeting's link",
        examples=["https://vicon.jabarprov.go.id/r/tpa-legok-nangka"],
    )
    invitees: list[str] = Field(
        min_length=1,
        max_length=60,
        description="Undangan: pihak (kode) atau instansi / Who is invited: party ids or offices",
        examples=[["32.04", "32.73", "Biro Pemerintahan Setda Provinsi Jawa Barat"]],
    )
    agenda: str = Field(
        min_length=3,
        max_length=5000,
        description="Acara rapat / The agenda",
        examples=["Pembahasan pembagian biaya operasional TPA Legok Nangka."],
    )

    @model_validator(mode="after")
    def _somewhere(self) -> MeetingSchedule:
        if self.place is None and self.online_link is None:
            raise ValueError("a meeting needs a place, an online_link, or both")
        return self


class AttendanceStatus(StrEnum):
    HADIR = "hadir"
    TIDAK_HADIR = "tidak_hadir"
    DIWAKILI = "diwakili"


class Attendance(_Payload):
    """Kehadiran satu pihak / One party's attendance at a meeting."""

    party: str = Field(
        min_length=1, max_length=120, description="Pihak (kode) / The party id", examples=["32.73"]
    )
    status: AttendanceStatus = Field(
        description="hadir, tidak_hadir atau diwakili / present, absent or represented",
        examples=["diwakili"],
    )
    representative: str | None = Field(
        default=None,
        max_length=300,
        description="Wakil yang hadir, bila diwakili / Who attended for the party",
        examples=["Kepala Dinas Lingkungan Hidup Kota Bandung"],
    )
    letter: DocumentRef | None = Field(
        default=None,
        description="Surat tugas atau kuasa wakil itu / The representative's letter",
    )

    @model_validator(mode="after")
    def _represented_by_letter(self) -> Attendance:
        represented = self.status is AttendanceStatus.DIWAKILI
        if represented and (self.representative is None or self.letter is None):
            raise ValueError("a represented party names its representative and their letter")
        if not represented and (self.representative is not None or self.letter is not None):
            raise ValueError("only a represented party has a representative and a letter")
        return self


class MeetingRecord(_Payload):
    """Hasil rapat / Who attended a scheduled meeting, and its minutes (pedoman.md §9 D10)."""

    meeting: int = Field(
        ge=1, description="Nomor rapat yang dijadwalkan / The scheduled meeting", examples=[1]
    )
    attendance: list[Attendance] = Field(
        min_length=1,
        max_length=40,
        description="Kehadiran setiap pihak / Every party's attendance",
        examples=[[{"party": "32.04", "status": "hadir"}, {"party": "32.73", "status": "hadir"}]],
    )
    decided: str | None = Field(
        default=None,
        max_length=20000,
        description="Yang disepakati atau diputuskan rapat / What the meeting decided",
        examples=["Para pihak sepakat menunggu hasil audit BPKP."],
    )
    document: DocumentRef = Field(
        description="Notulen atau berita acara rapat / The minutes (notulen or berita acara)"
    )


class BeritaAcaraReason(_Payload):
    """Alasan dengan berita acara / Why, with the berita acara that records it (pedoman.md §9
    D11): attached with the action, or one already attached to the case named by its SHA-256."""

    reason: str = Field(
        min_length=3,
        max_length=5000,
        description="Alasan / Reason",
        examples=["Tiga kali musyawarah tidak mencapai mufakat tentang pembagian biaya."],
    )
    document: DocumentRef | None = Field(default=None, description=_BERITA_ACARA)
    berita_acara_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 berita acara yang sudah dilampirkan pada perkara / The SHA-256 of a "
        "berita acara already attached to the case",
        examples=[EXAMPLE_DOCUMENT["sha256"]],
    )

    @model_validator(mode="after")
    def _one_berita_acara(self) -> BeritaAcaraReason:
        if (self.document is None) == (self.berita_acara_sha256 is None):
            raise ValueError("name the berita acara once: attach it, or give berita_acara_sha256")
        if self.document is not None and self.document.doc_type is not DocumentType.BERITA_ACARA:
            raise ValueError("the document attached here must be a berita_acara")
        return self


class DeadlockRecord(BeritaAcaraReason):
    """Musyawarah buntu / Musyawarah failed, with its berita acara; the forum declares it only
    on a party's absence from consecutive meetings (pedoman.md §9 D10, D11)."""

    absent_party: str | None = Field(
        default=None,
        max_length=120,
        description="Pihak yang tidak hadir pada rapat-rapat berturut-turut, bila itu dasarnya / "
        "The party whose absence from consecutive meetings is the ground",
        examples=["32.73"],
    )


class FormalDecision(_Payload):
    """Keputusan forum dalam bentuk hukumnya / A forum's decision as signed: legal form,
    number, date, signatory, summary and the signed document (pedoman.md §9 D12)."""

    legal_form: LegalForm = Field(
        description="Keputusan Gubernur selaku Wakil Pemerintah Pusat atau Keputusan Menteri "
        "Dalam Negeri / The decision's legal form",
        examples=["keputusan_gubernur_wpp"],
    )
    number: str = Field(
        min_length=1,
        max_length=200,
        description="Nomor keputusan / Decision number",
        examples=["100.3.3.2/Kep.45-Pem/2026"],
    )
    date: PayloadDate = Field(
        description="Tanggal ditetapkan / Date signed", examples=["2026-05-04"]
    )
    signatory: Signatory = Field(description="Penandatangan / The decision's signatory")
    summary: str = Field(
        min_length=1,
        max_length=20000,
        description="Ringkasan isi keputusan / Summary of what is decided",
        examples=["Biaya operasional TPA dibagi 50:50; Kota Bandung membayar bagiannya."],
    )
    document: DocumentRef = Field(description="Keputusan yang ditandatangani / The signed decision")


class ExecutionReferral(_Payload):
    """Permohonan eksekusi kepada Ketua Pengadilan Negeri / The winning party's application to
    the head of the district court (UU 30/1999 Pasal 61-62; HIR Pasal 195, RBg Pasal 206).
    UU 1/2004 Pasal 50 bars seizing a region's property (uang, barang milik daerah): execution
    against a region is limited by it (pedoman.md §9 D2)."""

    court: str = Field(
        min_length=3,
        max_length=200,
        description="Pengadilan Negeri yang dimohon / The district court applied to",
        examples=["Pengadilan Negeri Bandung"],
    )
    register_number: str = Field(
        min_length=1,
        max_length=200,
        description="Nomor register permohonan eksekusi / The application's register number",
        examples=["12/Pdt.Eks/2026/PN Bdg"],
    )
    applied_on: PayloadDate = Field(
        description="Tanggal permohonan / Date of the application", examples=["2026-09-01"]
    )
    summary: str | None = Field(
        default=None,
        max_length=5000,
        description="Keterangan / Remarks",
        examples=["Eksekusi putusan arbitrase BANI Nomor 45/ARB/2026."],
    )
    document: DocumentRef | None = Field(default=None, description=_DOCUMENT)


PAYLOADS: dict[PayloadKind, type[_Payload]] = {
    PayloadKind.NONE: NoPayload,
    PayloadKind.NOTE: Note,
    PayloadKind.REASON: Reason,
    PayloadKind.COMPLETION_REQUEST: CompletionRequest,
    PayloadKind.RESPONSE: Submission,
    PayloadKind.AGREEMENT: AgreementTerms,
    PayloadKind.DECISION: Decision,
    PayloadKind.RECORD: Record,
    PayloadKind.DOCUMENT: DocumentRef,
    PayloadKind.EXTENSION: ExtensionRequest,
    PayloadKind.LEGAL_OPINION_REQUEST: LegalOpinionRequest,
    PayloadKind.LEGAL_OPINION: LegalOpinion,
    PayloadKind.ADDRESSED_LEGAL_OPINION_REQUEST: AddressedLegalOpinionRequest,
    PayloadKind.LEGAL_OPINION_DISCLOSURE: LegalOpinionDisclosure,
    PayloadKind.INSTITUTION: InstitutionRecord,
    PayloadKind.MEETING_SCHEDULE: MeetingSchedule,
    PayloadKind.MEETING_RECORD: MeetingRecord,
    PayloadKind.BERITA_ACARA: BeritaAcaraReason,
    PayloadKind.DEADLOCK: DeadlockRecord,
    PayloadKind.FORMAL_DECISION: FormalDecision,
    PayloadKind.EXECUTION_REFERRAL: ExecutionReferral,
}


class PayloadError(ValueError):
    """A payload that does not fit its action: the first offending field, and every problem.

    Each of `errors` is `{"in": "body", "pointer": "/reason", "code": "missing", "message":
    "Field required"}` (a JSON pointer into the payload, which sits at the top of an action's
    body; pydantic's error type and message), with `ctx` where the message has parameters.
    """

    def __init__(
        self, field: str, message: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(f"payload.{field}: {message}" if field else f"payload: {message}")
        self.field = field
        self.errors = errors or []

    @classmethod
    def of(cls, error: ValidationError) -> PayloadError:
        """Every problem pydantic found, the first named in the message."""
        found = error.errors(include_url=False)
        first = found[0]
        field = ".".join(str(part) for part in first["loc"])
        return cls(field, first["msg"], [_problem(each) for each in found[:MAX_REPORTED_ERRORS]])


def _problem(error: Any) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "in": "body",
        "pointer": json_pointer(error["loc"]),
        "code": error["type"],
        "message": error["msg"],
    }
    # Only plain values: the problem travels in a refusal through Temporal as JSON.
    ctx = {
        name: value
        for name, value in (error.get("ctx") or {}).items()
        if isinstance(value, str | int | float | bool)
    }
    if ctx:
        problem["ctx"] = ctx
    return problem


def json_pointer(where: Any) -> str:
    """RFC 6901: `("document", "size")` is `/document/size`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in where)


def parse_payload(kind: PayloadKind, data: dict[str, object]) -> _Payload:
    """Validate an action's payload, or raise PayloadError naming every problem."""
    try:
        return PAYLOADS[kind].model_validate(data)
    except ValidationError as error:
        raise PayloadError.of(error) from None


def documents_in(payload: _Payload) -> list[DocumentRef]:
    """Every document a payload carries, so its hash is recorded with the action."""
    if isinstance(payload, DocumentRef):
        return [payload]
    document = getattr(payload, "document", None)
    found = [document] if isinstance(document, DocumentRef) else []
    # A meeting's representatives' letters (§9 D10), after its minutes.
    for attendance in getattr(payload, "attendance", None) or []:
        if isinstance(attendance, Attendance) and attendance.letter is not None:
            found.append(attendance.letter)
    return found
