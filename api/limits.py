"""Request limits at the edge: too many headers, too large a body, JSON too deep or not Unicode.

Checked before routing, so that no such request reaches a parser, a database or a workflow: a
body over the limit is refused from its Content-Length (or as it streams in) without being
read, and a JSON body is checked whole before FastAPI parses it again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.messages.catalogue import Message as Text
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import answer, invalid_request, problem
from models.limits import (
    MAX_ACTION_BYTES,
    MAX_FILING_BYTES,
    MAX_HEADER_BYTES,
    MAX_HEADER_COUNT,
    MAX_JSON_BODY_BYTES,
    MAX_JSON_DEPTH,
)

_ACTIONS = re.compile(r"/v1/cases/[^/]+/actions/?")
# Uploads have their own limit (`documents_max_bytes`), enforced by their route as they stream.
_UPLOADS = re.compile(r"/v1/cases/[^/]+/documents/?")
_FILINGS = re.compile(r"/v1/cases/?")


def body_limit(path: str) -> int | None:
    """The most bytes a request body to this path may have; None where the route limits it."""
    if _UPLOADS.fullmatch(path):
        return None
    if _ACTIONS.fullmatch(path):
        return MAX_ACTION_BYTES
    if _FILINGS.fullmatch(path):
        return MAX_FILING_BYTES
    return MAX_JSON_BODY_BYTES


def head_refusal(scope: Scope) -> Text | None:
    """Why a request's headers are refused, or None; servers that bound them refuse earlier."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    if len(headers) > MAX_HEADER_COUNT:
        return msg("headers_too_large.count", limit=MAX_HEADER_COUNT, count=len(headers))
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
    size += sum(len(name) + len(value) + 4 for name, value in headers)  # ": " and CRLF
    if size > MAX_HEADER_BYTES:
        return msg("headers_too_large.size", limit=MAX_HEADER_BYTES)
    return None


def json_refusal(body: bytes) -> tuple[list[str | int], str, Text] | None:
    """Where, which kind (`errors` code) and why a JSON body is refused, or None; malformed
    JSON is FastAPI's to report."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return [], "utf8_invalid", msg("field.utf8_invalid", position=error.start)
    try:
        document = json.loads(text)
    except RecursionError:
        return _too_deep()
    except ValueError:
        return None
    for path, value in _walk(document):
        if isinstance(value, dict | list) and len(path) >= MAX_JSON_DEPTH:
            return _too_deep()
        if isinstance(value, str) and not _is_unicode(value):
            # JSON can spell half a surrogate pair ("\ud800"), which no Unicode text holds.
            return path, "lone_surrogate", msg("field.lone_surrogate")
    return None


def _too_deep() -> tuple[list[str | int], str, Text]:
    return [], "json_too_deep", msg("field.json_too_deep", limit=MAX_JSON_DEPTH)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(document: Any) -> Iterator[tuple[list[str | int], Any]]:
    # Iterative: the depth is what is being checked, so it must not cost recursion.
    stack: list[tuple[list[str | int], Any]] = [([], document)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append(([*path, key], key))  # keys are text too
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, index], item) for index, item in enumerate(value))


def _too_large(request: Request, limit: int) -> JSONResponse:
    too_large = msg("payload_too_large", path=request.url.path, limit=limit)
    return problem(413, "payload_too_large", too_large, request)


def _invalid(request: Request, where: list[str | int], code: str, message: Text) -> JSONResponse:
    # A key can be the invalid text itself: named escaped, or the answer could not be encoded.
    path = [
        p if isinstance(p, int) else p.encode("utf-8", "backslashreplace").decode() for p in where
    ]
    return answer(invalid_request([field_problem("body", path, code, message)]), request)


def _is_json(request: Request) -> bool:
    # As FastAPI decides whether to parse a body as JSON.
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class RequestLimits:
    """ASGI middleware refusing what models.limits bounds, before any route sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = head_refusal(scope)
        if refused is not None:
            headers = problem(431, "headers_too_large", refused, request)
            await headers(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # Answered unread: the server discards the rest and keeps the connection.
            await _too_large(request, limit)(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left: nobody to answer
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(request, limit)(scope, receive, send)
                return
            more = message.get("more_body", False)
        refusal = json_refusal(bytes(body)) if body and _is_json(request) else None
        if refusal is not None:
            await _invalid(request, *refusal)(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then the server's own messages (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


LIMITS_DESCRIPTION = (
    "\n\n### Batas / Limits\n\n"
    "| permintaan / request | batas / limit | jawaban / answer |\n"
    "|---|---|---|\n"
    f"| badan tindakan / action body | {MAX_ACTION_BYTES // 1024} KiB | 413 `payload_too_large` |\n"
    f"| pengajuan / filing | {MAX_FILING_BYTES // 1024} KiB | 413 `payload_too_large` |\n"
    f"| JSON bersarang / JSON nesting | {MAX_JSON_DEPTH} tingkat / levels | 422 "
    "`invalid_request` |\n"
    "| teks / text | Unicode yang sah / valid Unicode | 422 `invalid_request` |\n"
    f"| header / headers | {MAX_HEADER_BYTES // 1024} KiB, {MAX_HEADER_COUNT} buah / at most "
    f"{MAX_HEADER_COUNT} | 431 `headers_too_large` |\n\n"
    "Panjang setiap teks ada di skemanya (`maxLength`); dokumen diunggah ke "
    "`/v1/cases/{id}/documents`, tidak pernah dikirim dalam tindakan. "
    "*Each text field's `maxLength` is in its schema; documents are uploaded to "
    "`/v1/cases/{id}/documents`, never sent in an action.*"
)


def install_request_limits(app: FastAPI) -> None:
    """Refuse oversized or malformed requests before routing, and say so in the OpenAPI."""
    app.add_middleware(RequestLimits)
    app.description += LIMITS_DESCRIPTION
