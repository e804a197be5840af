"""What each kind of action carries (the `payload` of an action request)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.limits import MAX_TEXT_CHARS
from models.pedoman import PayloadKind


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
    """A document stored outside the workflow, known here by its SHA-256."""

    name: str = Field(min_length=1, max_length=255)
    doc_type: DocumentType
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=10 * 1024**3)
    media_type: str = Field(default="application/pdf", max_length=120)


class NoPayload(_Payload):
    pass


class Note(_Payload):
    text: str = Field(min_length=1, max_length=5000)


class Reason(_Payload):
    reason: str = Field(min_length=3, max_length=5000)


class CompletionRequest(_Payload):
    missing: list[str] = Field(min_length=1, max_length=50)
    reason: str | None = Field(default=None, max_length=5000)


class Response(_Payload):
    summary: str = Field(min_length=1, max_length=10000)
    document: DocumentRef | None = None


class AgreementTerms(_Payload):
    terms: str = Field(min_length=1, max_length=20000)
    document: DocumentRef | None = None


class Decision(_Payload):
    number: str = Field(min_length=1, max_length=200, description="Nomor keputusan.")
    summary: str = Field(min_length=1, max_length=20000)
    document: DocumentRef | None = None


class Record(_Payload):
    reference: str = Field(
        min_length=1, max_length=200, description="Register/akta/putusan number."
    )
    summary: str | None = Field(default=None, max_length=20000)
    document: DocumentRef | None = None


class ExtensionRequest(_Payload):
    reason: str = Field(min_length=3, max_length=5000)
    consents: list[str] = Field(
        default_factory=list,
        max_length=40,
        description="Party ids that agreed, where the stage needs every party's agreement.",
    )
    document: DocumentRef | None = None


class LegalOpinionRequest(_Payload):
    question: str = Field(min_length=3, max_length=10000)


class LegalOpinion(_Payload):
    thread: int = Field(ge=1, description="The legal-opinion thread this answers.")
    opinion: str = Field(min_length=3, max_length=MAX_TEXT_CHARS)
    document: DocumentRef | None = None


PAYLOADS: dict[PayloadKind, type[_Payload]] = {
    PayloadKind.NONE: NoPayload,
    PayloadKind.NOTE: Note,
    PayloadKind.REASON: Reason,
    PayloadKind.COMPLETION_REQUEST: CompletionRequest,
    PayloadKind.RESPONSE: Response,
    PayloadKind.AGREEMENT: AgreementTerms,
    PayloadKind.DECISION: Decision,
    PayloadKind.RECORD: Record,
    PayloadKind.DOCUMENT: DocumentRef,
    PayloadKind.EXTENSION: ExtensionRequest,
    PayloadKind.LEGAL_OPINION_REQUEST: LegalOpinionRequest,
    PayloadKind.LEGAL_OPINION: LegalOpinion,
}


class PayloadError(ValueError):
    """A payload that does not fit its action, with the first offending field named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"payload.{field}: {message}" if field else f"payload: {message}")
        self.field = field


def parse_payload(kind: PayloadKind, data: dict[str, object]) -> _Payload:
    """Validate an action's payload, or raise PayloadError naming the field."""
    try:
        return PAYLOADS[kind].model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise PayloadError(field, first["msg"]) from None


def documents_in(payload: _Payload) -> list[DocumentRef]:
    """Every document a payload carries, so its hash is recorded with the action."""
    if isinstance(payload, DocumentRef):
        return [payload]
    document = getattr(payload, "document", None)
    return [document] if isinstance(document, DocumentRef) else []
