"""A case's documents: upload one (stored, then its hash recorded in the case), list, open.

The content stays outside the workflow, addressed by its SHA-256; the case records the hash,
name, type and size through the `attach_document` action, so an upload is an action like any
other (the same checks, the same Idempotency-Key rules).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO
from urllib.parse import quote

from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter
from sqlmodel import Session

from activities.document_store import DocumentStore
from api.auth import Caller
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import Conflict, ContentTooLarge, NotFound, invalid_request
from api.schemas import DocumentList, DocumentOut
from api.services.applying import Applied, act, action_key, ensure_visible, may_act
from api.services.backend import Backend
from api.services.case_view import load_case
from api.services.legal_opinions import may_see_every_thread, seen_documents
from models.payloads import DocumentRef, DocumentType
from models.state import AttachedDocument, CaseView
from models.tables import CaseRecord

# The pedoman's action (§6) that records a document's hash, name, type and size in a case.
ATTACH = "attach_document"
_MEDIA_TYPE = r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$"


def too_large(limit: int) -> ContentTooLarge:
    """The 413 for a document over `limit` bytes (`MUFAKAT_DOCUMENTS_MAX_BYTES`)."""
    return ContentTooLarge("document_too_large", msg("document_too_large", limit=limit))


async def upload_document(
    backend: Backend,
    caller: Caller,
    case_id: str,
    content: bytes | IO[bytes],
    *,
    file_name: str | None,
    media_type: str | None,
    doc_type: DocumentType,
    idempotency_key: str,
    name: str | None = None,
    on_behalf_of: str | None = None,
) -> DocumentOut:
    """Store the content, then record it in the case as this key (or, for an operator, on a
    party's behalf); `name` defaults to the file's own name, without any folder.

    `content` is the bytes, or a file to read them from (at most the configured limit is read:
    one byte more is 413 `document_too_large`). The same `idempotency_key` again records
    nothing new (`duplicate: true`).
    """
    may_act(caller, on_behalf_of, msg("reads_only.documents"))
    await ensure_visible(backend.engine, caller, case_id)  # before anything is stored
    limit = backend.settings.documents_max_bytes
    if isinstance(content, bytes):
        data = content
    else:
        data = await run_in_threadpool(content.read, limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    digest = await run_in_threadpool(lambda: hashlib.sha256(data).hexdigest())
    document = DocumentRef(
        name=name or _file_name(file_name),
        doc_type=doc_type,
        sha256=digest,
        size=len(data),
        media_type=_media_type(media_type),
    )
    # Stored first: once the case records the hash, its content can be served and verified
    # (storing the same bytes again, for a retry, changes nothing).
    await run_in_threadpool(backend.documents.put, data, digest)
    applied: Applied = await act(
        backend,
        caller,
        case_id,
        action=ATTACH,
        payload=document.model_dump(mode="json"),
        on_behalf_of=on_behalf_of,
        key=action_key(caller, idempotency_key),
    )
    return DocumentOut(seq=applied.result.seq, duplicate=applied.duplicate, document=document)


def list_documents(session: Session, caller: Caller, case_id: str) -> DocumentList:
    """The documents recorded in the case, in order, with their hashes."""
    record = load_case(session, caller, case_id)
    return DocumentList(case_id=case_id, items=_documents(record, caller))


@dataclass(frozen=True)
class Download:
    """A recorded document's content, checked against its hash, and how to hand it over."""

    content: bytes
    document: DocumentRef

    def headers(self) -> dict[str, str]:
        """Its name as an attachment, its hash as the ETag, and no sniffing of its type."""
        return {
            "Content-Disposition": _attachment(self.document.name),
            "ETag": f'"{self.document.sha256}"',
            # The media type came from the uploader: never let a browser sniff or render it.
            "X-Content-Type-Options": "nosniff",
        }


def open_document(
    session: Session, store: DocumentStore, caller: Caller, case_id: str, sha256: str
) -> Download:
    """The content of a document recorded in the case, only while it still matches its hash
    (409 `document_missing` / `document_altered` otherwise)."""
    documents = _documents(load_case(session, caller, case_id), caller)
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
    return Download(content=data, document=recorded)


def _file_name(file_name: str | None) -> str:
    # Some clients send a full local path; only its last part names the document.
    name = PurePosixPath((file_name or "").replace("\\", "/")).name
    if not name or "\x00" in name or len(name) > 255:
        unusable = field_problem("body", ["file"], "invalid_name", msg("invalid_name"))
        raise invalid_request([unusable], "invalid_name")
    return name


def _media_type(content_type: str | None) -> str:
    media_type = (content_type or "").split(";")[0].strip().lower()
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


def _documents(record: CaseRecord, caller: Caller) -> list[AttachedDocument]:
    documents = _DOCUMENTS.validate_python(record.detail["documents"])
    if may_see_every_thread(caller):
        return documents
    # None attached with a legal-opinion thread this caller may not see (D6).
    return seen_documents(documents, CaseView.model_validate(record.detail), caller)
