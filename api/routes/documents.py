"""`/v1/cases/{id}/documents`: upload a document into a case, list them, download one."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from api.deps import (
    BackendDep,
    CallerDep,
    CaseIdPath,
    IdempotencyKeyRequired,
    SessionDep,
    StoreDep,
)
from api.problems import (
    DOCUMENT_CONFLICT,
    DOCUMENT_DAMAGED,
    FORBIDDEN,
    NOT_FOUND,
    PROBLEM_RESPONSES,
    TOO_LARGE,
    UNAVAILABLE,
)
from api.schemas import DocumentList, DocumentOut
from api.services import documents
from api.services.backend import backend_of
from models.payloads import DocumentType

# Room for the multipart envelope around the file: boundaries, part headers, the form fields.
FORM_ALLOWANCE = 64 * 1024


class _BoundedUpload(APIRoute):
    """Refuses a body over the configured size as it arrives, before it is spooled to disk."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            largest = backend_of(request.app).settings.documents_max_bytes
            limit = largest + FORM_ALLOWANCE
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise documents.too_large(largest)
            received = 0

            async def receive() -> Message:
                # A chunked upload declares no length: count what arrives instead.
                nonlocal received
                message = await request.receive()
                received += len(message.get("body", b""))
                if received > limit:
                    raise documents.too_large(largest)
                return message

            try:
                return await handle(Request(request.scope, receive))
            except StarletteHTTPException:
                # FastAPI reports any failure while parsing the form as a 400.
                if received > limit:
                    raise documents.too_large(largest) from None
                raise

        return bounded


router = APIRouter(prefix="/v1/cases", tags=["documents"], route_class=_BoundedUpload)


Sha256Path = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 dokumen / The document's SHA-256")
]


@router.post(
    "/{case_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Unggah dokumen / Upload a document",
    response_description="Dokumen yang tercatat dalam perkara / The document as recorded in "
    "the case",
    responses=PROBLEM_RESPONSES
    | NOT_FOUND
    | FORBIDDEN
    | DOCUMENT_CONFLICT
    | TOO_LARGE
    | UNAVAILABLE,
)
async def upload_document(
    case_id: CaseIdPath,
    caller: CallerDep,
    backend: BackendDep,
    response: Response,
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
    uploaded = await documents.upload_document(
        backend,
        caller,
        case_id,
        file.file,
        file_name=file.filename,
        media_type=file.content_type,
        doc_type=doc_type,
        idempotency_key=idempotency_key,
        name=name,
        on_behalf_of=on_behalf_of,
    )
    if uploaded.duplicate:
        response.headers["Idempotent-Replayed"] = "true"
    return uploaded


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
    return documents.list_documents(session, caller, case_id)


@router.get(
    "/{case_id}/documents/{sha256}",
    response_class=Response,
    summary="Unduh dokumen / Download a document",
    response_description="Isi dokumen, persis seperti tercatat / The document's content, "
    "exactly as recorded",
    responses={
        200: {"content": {"application/octet-stream": {}}},
        **(PROBLEM_RESPONSES | NOT_FOUND | FORBIDDEN | DOCUMENT_DAMAGED),
    },
)
def download_document(
    case_id: CaseIdPath, sha256: Sha256Path, caller: CallerDep, session: SessionDep, store: StoreDep
) -> Response:
    """Isi dokumen yang tercatat dalam perkara, hanya bila masih cocok dengan hash-nya.

    The content of a document recorded in the case, only while it still matches its hash.
    """
    download = documents.open_document(session, store, caller, case_id, sha256)
    return Response(
        content=download.content,
        media_type=download.document.media_type,
        headers=download.headers(),
    )
