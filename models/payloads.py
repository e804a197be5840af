"""What each kind of action carries (the `payload` of an action request).

Every field says what it is in Bahasa Indonesia and English, with an example: the API publishes
these models in its OpenAPI document, one component per payload kind.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.limits import MAX_TEXT_CHARS
from models.pedoman import PayloadKind

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
    return [document] if isinstance(document, DocumentRef) else []
