"""`/v1/cases/{id}/documents`: upload a document into a case, list them, download one."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Coroutine
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from activities.document_store import DocumentStore, document_store
from api.acting import act, action_key, ensure_visible, may_act
from api.case_view import load_case
from api.deps import CallerDep, IdempotencyKeyRequired, SessionDep
from api.errors import (
    PROBLEM_RESPONSES,
    ApiProblem,
    Conflict,
    NotFound,
    invalid_request,
)
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.routes.cases import FORBIDDEN, NOT_FOUND, UNAVAILABLE, CaseIdPath
from models.payloads import DocumentRef, DocumentType
from models.settings import Settings
from models.state import AttachedDocument
from models.tables import CaseRecord

# The pedoman's action (§6) that records a document's hash, name, type and size in a case.
ATTACH = "attach_document"
# Room for the multipart envelope around the file: boundaries, part headers, the form fields.
FORM_ALLOWANCE = 64 * 1024
_MEDIA_TYPE = r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$"


class ContentTooLarge(ApiProblem):
    status = 413


def _too_large(settings: Settings) -> ContentTooLarge:
    limit = settings.documents_max_bytes
    return ContentTooLarge("document_too_large", msg("document_too_large", limit=limit))


class _BoundedUpload(APIRoute):
    """Refuses a body over the configured size as it arrives, before it is spooled to disk."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            limit = settings.documents_max_bytes + FORM_ALLOWANCE
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise _too_large(settings)
            received = 0

            async def receive() -> Message:
                # A chunked upload declares no length: count what arrives instead.
                nonlocal received
                message = await request.receive()
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(settings)
                return message

            try:
                return await handle(Request(request.scope, receive))
            except StarletteHTTPException:
                # FastAPI reports any failure while parsing the form as a 400.
                if received > limit:
                    raise _too_large(settings) from None
                raise

        return bounded


router = APIRouter(prefix="/v1/cases", tags=["documents"], route_class=_BoundedUpload)


async def get_document_store(request: Request) -> DocumentStore:
    # Built once per app on first use: an S3 client is costly to create and safe to share.
    # Async, so it runs on the event loop: two first requests never build two clients.
    store: DocumentStore | None = getattr(request.app.state, "document_store", None)
    if store is None:
        store = document_store(request.app.state.settings)
        request.app.state.document_store = store
    return store


StoreDep = Annotated[DocumentStore, Depends(get_document_store)]
Sha256Path = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 dokumen / The document's SHA-256")
]


class DocumentOut(BaseModel):
    """The recorded document and the action that recorded it."""

    seq: int = Field(description="The attach_document action's place in the case's timeline.")
    duplicate: bool = Field(description="True when this key was applied before: nothing changed.")
    document: DocumentRef


class DocumentList(BaseModel):
    case_id: str
    items: list[AttachedDocument]


CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        **PROBLEM_RESPONSES[422],
        "description": "Tidak boleh pada tahap ini, atau kunci dipakai ulang / Not allowed now, "
        "or the Idempotency-Key was used for something else.",
    }
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {**PROBLEM_RESPONSES[422], "description": "Berkas terlalu besar / The file is too large."}
}


@router.post(
    "/{case_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Unggah dokumen / Upload a document",
    response_description="Dokumen yang tercatat dalam perkara / The document as recorded in "
    "the case",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | CONFLICT | TOO_LARGE | UNAVAILABLE,
)
async def upload_document(
    case_id: CaseIdPath,
    caller: CallerDep,
    request: Request,
    response: Response,
    store: StoreDep,
    idempotency_key: IdempotencyKeyRequired,
    file: Annotated[UploadFile, File(description="Berkas / The file")],
    doc_type: Annotated[DocumentType, Form(description="Jenis dokumen / Kind of document")],
    name: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=255,
            pattern=r"^[^\x00]+$",
            description="Nama dokumen; bawaan nama berkas / Its name; default the file's name",
        ),
    ] = None,
    on_behalf_of: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=120,
            pattern=r"^[^\x00]+$",
            description="Khusus operator: pihak yang diwakili / Operators only: the party "
            "this is recorded for",
        ),
    ] = None,
) -> DocumentOut:
    """Simpan berkas di luar alur kerja, lalu catat hash-nya lewat tindakan attach_document.

    Store the file outside the workflow, then record its hash through attach_document.
    """
    may_act(caller, on_behalf_of, msg("reads_only.documents"))
    await ensure_visible(request, caller, case_id)  # before anything is stored
    settings: Settings = request.app.state.settings
    if file.size is None or file.size > settings.documents_max_bytes:
        raise _too_large(settings)
    data = await file.read()
    digest = await run_in_threadpool(lambda: hashlib.sha256(data).hexdigest())
    document = DocumentRef(
        name=name or _file_name(file),
        doc_type=doc_type,
        sha256=digest,
        size=len(data),
        media_type=_media_type(file),
    )
    # Stored first: once the case records the hash, its content can be served and verified
    # (storing the same bytes again, for a retry, changes nothing).
    await run_in_threadpool(store.put, data, digest)
    applied = await act(
        request,
        caller,
        case_id,
        action=ATTACH,
        payload=document.model_dump(mode="json"),
        on_behalf_of=on_behalf_of,
        key=action_key(caller, idempotency_key),
    )
    if applied.duplicate:
        response.headers["Idempotent-Replayed"] = "true"
    return DocumentOut(seq=applied.result.seq, duplicate=applied.duplicate, document=document)


@router.get(
    "/{case_id}/documents",
    response_model=DocumentList,
    summary="Dokumen perkara / The case's documents",
    response_description="Setiap dokumen yang tercatat / Every recorded document",
    responses=PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN,
)
def list_documents(case_id: CaseIdPath, caller: CallerDep, session: SessionDep) -> DocumentList:
    """Dokumen yang tercatat dalam perkara, berurutan, dengan hash-nya.

    The documents recorded in the case, in order, with their hashes.
    """
    return DocumentList(case_id=case_id, items=_documents(load_case(session, caller, case_id)))


@router.get(
    "/{case_id}/documents/{sha256}",
    response_class=Response,
    summary="Unduh dokumen / Download a document",
    response_description="Isi dokumen, persis seperti tercatat / The document's content, "
    "exactly as recorded",
    responses={
        200: {"content": {"application/octet-stream": {}}},
        **(PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN),
        409: {
            **PROBLEM_RESPONSES[422],
            "description": "Isi yang tersimpan hilang atau tidak cocok dengan hash-nya / The "
            "stored content is missing or no longer matches its hash.",
        },
    },
)
def download_document(
    case_id: CaseIdPath, sha256: Sha256Path, caller: CallerDep, session: SessionDep, store: StoreDep
) -> Response:
    """Isi dokumen yang tercatat dalam perkara, hanya bila masih cocok dengan hash-nya.

    The content of a document recorded in the case, only while it still matches its hash.
    """
    documents = _documents(load_case(session, caller, case_id))
    recorded = next((d.document for d in documents if d.document.sha256 == sha256), None)
    if recorded is None:
        unknown = msg("unknown_document", case_id=case_id, sha256=sha256)
        raise NotFound("unknown_document", unknown)
    data = store.get(sha256)
    if data is None:
        raise Conflict("document_missing", msg("document_missing", sha256=sha256))
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        altered = msg("document_altered", sha256=sha256, actual=actual)
        raise Conflict("document_altered", altered)
    return Response(
        content=data,
        media_type=recorded.media_type,
        headers={
            "Content-Disposition": _attachment(recorded.name),
            "ETag": f'"{sha256}"',
            # The media type came from the uploader: never let a browser sniff or render it here.
            "X-Content-Type-Options": "nosniff",
        },
    )


def _file_name(file: UploadFile) -> str:
    # Some clients send a full local path; only its last part names the document.
    name = PurePosixPath((file.filename or "").replace("\\", "/")).name
    if not name or "\x00" in name or len(name) > 255:
        unusable = field_problem("body", ["file"], "invalid_name", msg("invalid_name"))
        raise invalid_request([unusable], "invalid_name")
    return name


def _media_type(file: UploadFile) -> str:
    media_type = (file.content_type or "").split(";")[0].strip().lower()
    if len(media_type) <= 120 and re.fullmatch(_MEDIA_TYPE, media_type):
        return media_type
    return "application/octet-stream"


def _attachment(name: str) -> str:
    # RFC 6266: a plain ASCII name as it is; any other in UTF-8 too, beside an ASCII stand-in.
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    if plain == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


# A case's documents, read from its detail without validating the whole case.
_DOCUMENTS = TypeAdapter(list[AttachedDocument])


def _documents(record: CaseRecord) -> list[AttachedDocument]:
    return _DOCUMENTS.validate_python(record.detail["documents"])
