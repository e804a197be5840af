"""Halaman perkara: one case, its forms, its documents.

- `GET /konsol/perkara/{id}`: the case as this key may see it (a party opening another party's
  case gets the API's 404 or 403, and sees nothing of it).
- `POST /konsol/perkara/{id}/tindakan`: an action from one of the page's forms, parsed back into
  the action's body and taken through the services, under the idempotency key the form was
  rendered with (a double submit is one action). Accepted: the case again, with a notice (htmx
  swaps the case in; a plain form is redirected to it). Refused: the form again as it was sent,
  with the refusal in Indonesian beside it, and nothing changed.
- `POST /konsol/perkara/{id}/dokumen`: an upload (file picker or drag and drop), recorded in the
  case like the API's upload; `GET /konsol/perkara/{id}/dokumen/{sha256}` downloads a document,
  only while it still matches its hash.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response
from starlette.types import Message

from api.auth import Caller
from api.deps import BackendDep
from api.konsol.action_forms import (
    ON_BEHALF,
    field_errors,
    form_values,
    payload_from_form,
)
from api.konsol.case_page import CasePage, case_page, refused_form
from api.konsol.names import action_name
from api.konsol.render import is_htmx, page
from api.konsol.routing import KonsolRoute, konsol_router
from api.konsol.session import KonsolCaller
from api.konsol.texts import _
from api.problems import ApiProblem
from api.services import documents
from api.services.acting import parse_action, take_action
from api.services.backend import Backend, backend_of
from models.payloads import DocumentType

router = konsol_router()

# A key the form made (uuid4 hex); anything else is replaced, so no key sent here can overflow
# what the case records (`<key id>/<key>`).
_KEY = re.compile(r"^[0-9a-f]{32}$")
# Room for the multipart envelope around an uploaded file: boundaries, headers, the fields.
FORM_ALLOWANCE = 64 * 1024


@router.get("/perkara/{case_id}")
def show(
    request: Request,
    case_id: str,
    caller: KonsolCaller,
    backend: BackendDep,
    diterima: Annotated[str | None, Query(max_length=64)] = None,
    dokumen: Annotated[str | None, Query(max_length=64)] = None,
    diajukan: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The case page; after a form, with a notice of what was accepted."""
    found = case_page(backend, caller, case_id, datetime.now(UTC))
    notice = _notice(found, diterima, dokumen)
    if diajukan:  # the filing form lands here
        notice = _("Perkara %(case_id)s telah diajukan.") % {"case_id": found.case.case_id}
    return _page(request, found, notice)


@router.post("/perkara/{case_id}/tindakan")
async def act(
    request: Request, case_id: str, caller: KonsolCaller, backend: BackendDep
) -> Response:
    """Take the action a form was filled in for."""
    form = await request.form()
    sent = _texts(form)
    action = _first(sent, "tindakan")[:64]
    key = _key(_first(sent, "kunci"))
    on_behalf_of = _first(sent, ON_BEHALF) or None
    before = await run_in_threadpool(case_page, backend, caller, case_id, datetime.now(UTC))
    spec = refused_form(before, action, on_behalf_of, key)
    payload = payload_from_form(spec.fields, sent, before.choices)
    body: dict[str, Any] = {"action": action, **payload}
    if on_behalf_of is not None:
        body["on_behalf_of"] = on_behalf_of
    try:
        await take_action(backend, caller, case_id, parse_action(body), idempotency_key=key)
    except ApiProblem as problem:
        errors, other = field_errors(spec.fields, problem.extra.get("errors", []), before.explain)
        refusal = " ".join([before.explain(problem.detail), *other])
        refused = spec.refused(form_values(sent), refusal, errors)
        if is_htmx(request):
            answer = page(
                request,
                "perkara_tindakan.html",
                {"form": refused, "case_id": case_id, "open": True},
                status_code=problem.status,
            )
            answer.headers["HX-Retarget"] = "#" + refused.dom_id
            answer.headers["HX-Reswap"] = "outerHTML"
            return answer
        return _page(request, before.with_form(refused), "", status_code=problem.status)
    notice = _("Tindakan «%(action)s» diterima.") % {"action": spec.label}
    return await _after(request, backend, caller, case_id, notice, f"?diterima={action}")


class _BoundedUpload(KonsolRoute):
    """Refuses an upload over the configured size as it arrives, before it is spooled to disk."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            largest = backend_of(request.app).settings.documents_max_bytes
            received = 0

            async def receive() -> Message:
                nonlocal received
                message = await request.receive()
                received += len(message.get("body", b""))
                if received > largest + FORM_ALLOWANCE:
                    raise documents.too_large(largest)
                return message

            return await handle(Request(request.scope, receive))

        return bounded


async def upload(
    request: Request, case_id: str, caller: KonsolCaller, backend: BackendDep
) -> Response:
    """Store a document and record it in the case."""
    try:
        return await _store(request, case_id, caller, backend)
    finally:
        await request.close()  # the form's spooled files, on every way out


async def _store(request: Request, case_id: str, caller: Caller, backend: Backend) -> Response:
    largest = backend.settings.documents_max_bytes
    length = request.headers.get("content-length", "")
    before = await run_in_threadpool(case_page, backend, caller, case_id, datetime.now(UTC))
    if length.isdigit() and int(length) > largest + FORM_ALLOWANCE:
        # Said before the file is read: its size is already known from the request.
        too_large = before.explain(documents.too_large(largest).detail)
        return _upload_refused(request, before, too_large, 413)
    form = await request.form()
    sent = _texts(form)
    key = _key(_first(sent, "kunci"))
    chosen = form.get("berkas")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return _upload_refused(request, before, _("Pilih berkas yang akan diunggah."), 422, key)
    try:
        doc_type = DocumentType(_first(sent, "jenis"))
    except ValueError:
        return _upload_refused(request, before, _("Pilih jenis dokumen dari daftar."), 422, key)
    try:
        stored = await documents.upload_document(
            backend,
            caller,
            case_id,
            chosen.file,
            file_name=chosen.filename,
            media_type=chosen.content_type,
            doc_type=doc_type,
            idempotency_key=key,
            name=_first(sent, "nama").strip()[:255] or None,
            on_behalf_of=_first(sent, ON_BEHALF) or None,
        )
    except ApiProblem as problem:
        return _upload_refused(request, before, before.explain(problem.detail), problem.status, key)
    document = stored.document
    notice = _("Dokumen «%(name)s» tersimpan dalam perkara (SHA-256 %(sha256)s).") % {
        "name": document.name,
        "sha256": document.sha256,
    }
    return await _after(request, backend, caller, case_id, notice, f"?dokumen={document.sha256}")


router.add_api_route(
    "/perkara/{case_id}/dokumen",
    upload,
    methods=["POST"],
    route_class_override=_BoundedUpload,
)


@router.get("/perkara/{case_id}/dokumen/{sha256}")
def download(case_id: str, sha256: str, caller: KonsolCaller, backend: BackendDep) -> Response:
    """A document's content, exactly as recorded."""
    with Session(backend.engine) as session:
        found = documents.open_document(session, backend.documents, caller, case_id, sha256)
    return Response(
        content=found.content, media_type=found.document.media_type, headers=found.headers()
    )


async def _after(
    request: Request, backend: Backend, caller: Caller, case_id: str, notice: str, query: str
) -> Response:
    """The answer to an accepted form: the case again with the notice (htmx swaps it in), or,
    for a plain form, a redirect to the case page, which a reload does not submit again."""
    if not is_htmx(request):
        return RedirectResponse(f"/konsol/perkara/{case_id}{query}", status_code=303)
    after = await run_in_threadpool(case_page, backend, caller, case_id, datetime.now(UTC))
    return _page(request, after, notice, block="perkara")


def _upload_refused(
    request: Request, found: CasePage, why: str, status: int, key: str | None = None
) -> Response:
    if found.upload is None:
        return _page(request, found, "", status_code=status)
    refused = replace(found.upload, idempotency_key=key or found.upload.idempotency_key, error=why)
    if is_htmx(request):
        answer = page(
            request,
            "perkara_unggah.html",
            {"upload": refused, "case_id": found.case.case_id},
            status_code=status,
        )
        answer.headers["HX-Retarget"] = "#unggah"
        answer.headers["HX-Reswap"] = "outerHTML"
        return answer
    return _page(request, replace(found, upload=refused), "", status_code=status)


def _page(
    request: Request,
    found: CasePage,
    notice: str,
    *,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    context = {"p": found, "notice": notice, "section": "perkara", "oob": block is not None}
    return page(request, "perkara.html", context, status_code=status_code, block=block)


def _notice(found: CasePage, action: str | None, sha256: str | None) -> str:
    """The notice after a plain form's redirect: what was accepted."""
    if action:
        return _("Tindakan «%(action)s» diterima.") % {"action": action_name(action)}
    recorded = next((d for d in found.documents if d.sha256 == sha256), None)
    if recorded is not None:
        return _("Dokumen «%(name)s» tersimpan dalam perkara (SHA-256 %(sha256)s).") % {
            "name": recorded.name,
            "sha256": recorded.sha256,
        }
    return ""


def _texts(form: FormData) -> dict[str, list[str]]:
    """The form's text fields (a file is read where it is expected)."""
    texts: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            texts.setdefault(name, []).append(value)
    return texts


def _first(sent: dict[str, list[str]], name: str) -> str:
    return next(iter(sent.get(name, [])), "")


def _key(sent: str) -> str:
    return sent if _KEY.fullmatch(sent) else uuid.uuid4().hex
