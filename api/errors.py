"""Errors as RFC 9457 problem details: one hierarchy, mapped to HTTP in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from workflows.refusals import RefusalCode

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:mufakat:problem:"
# Every 503 tells the client when to try again (RFC 9110 §10.2.3): outages here are short.
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("mufakat.api")


class Problem(BaseModel):
    """RFC 9457 problem details; `type` is stable, `detail` says exactly what went wrong."""

    type: str = Field(examples=["urn:mufakat:problem:wrong_stage"])
    title: str = Field(examples=["Action not allowed in this stage"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["issue_decision is not allowed in stage musyawarah"])
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For 422: every invalid field, with its location."
    )
    stage: str | None = None
    allowed_actions: list[str] | None = None
    unavailable: list[str] | None = Field(
        default=None, description="For not_ready: what does not answer (temporal, read_model)."
    )
    earlier_action: str | None = Field(
        default=None, description="For idempotency_key_reused: the action the key applied."
    )
    earlier_seq: int | None = Field(
        default=None, description="For idempotency_key_reused: that action's timeline seq."
    )


class ApiProblem(Exception):
    """Raise to answer with a problem; `code` becomes the stable `type`."""

    status = 400
    title = "Bad request"

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


class Unauthorized(ApiProblem):
    status = 401
    title = "Not authenticated"


class Forbidden(ApiProblem):
    status = 403
    title = "Not allowed for this key"


class NotFound(ApiProblem):
    status = 404
    title = "Not found"


class Conflict(ApiProblem):
    status = 409
    title = "Conflicts with the case's state"


class Unprocessable(ApiProblem):
    status = 422
    title = "Invalid request"


class Unavailable(ApiProblem):
    status = 503
    title = "Service unavailable"


def problem(
    status: int, code: str, title: str, detail: str, request: Request | None, **extra: Any
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + code,
        title=title,
        status=status,
        detail=detail,
        instance=str(request.url.path) if request is not None else None,
        **extra,
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(
        status_code=status,
        content=jsonable_encoder(body.model_dump(exclude_none=True)),
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _api_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return problem(error.status, error.code, error.title, error.detail, request, **error.extra)


async def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in error.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    where = ".".join(str(part) for part in first["loc"])
    return problem(
        422,
        "invalid_request",
        "Invalid request",
        f"{where}: {first['msg']}",
        request,
        errors=errors,
    )


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}.get(
        error.status_code, f"http_{error.status_code}"
    )
    response = problem(error.status_code, code, str(error.detail), str(error.detail), request)
    # Keep the headers the exception carries, such as the `Allow` a 405 must send (RFC 9110).
    response.headers.update(error.headers or {})
    if error.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


def _allowed_methods(request: Request) -> str:
    # Starlette's 405 names only the first route that matched the path, so `POST /v1/cases`
    # would answer `Allow: GET, HEAD` though it is a POST route too: list every route's methods.
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


async def _database(request: Request, error: Exception) -> JSONResponse:
    # Handled here rather than as an unexpected error: the answer is a 503 the client can retry,
    # and the HTTP connection stays open (Starlette re-raises what reaches the `Exception`
    # handler, and uvicorn then drops the connection).
    if not _connection_lost(error):
        return await _unexpected(request, error)
    log.warning("read model unavailable on %s %s: %s", request.method, request.url.path, error)
    return problem(
        503,
        "read_model_unavailable",
        "Basis data baca tidak tersedia / Read model unavailable",
        "Basis data perkara (read model) tidak dapat dihubungi; ulangi sebentar lagi / The case "
        "database (read model) cannot be reached; retry shortly.",
        request,
    )


def _connection_lost(error: Exception) -> bool:
    """An error of the database connection (refused, dropped, timed out), not of the query."""
    if isinstance(error, PoolTimeoutError | OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


NOT_READY_TITLE = "Belum siap / Not ready"
NOT_READY_NAMES = {"temporal": "Temporal", "read_model": "basis data baca / read model"}


def not_ready(request: Request, unavailable: list[str]) -> JSONResponse:
    """`/readyz`'s 503: naming each dependency (`temporal`, `read_model`) that did not answer."""
    names = ", ".join(NOT_READY_NAMES[name] for name in unavailable)
    return problem(
        503,
        "not_ready",
        NOT_READY_TITLE,
        f"Tidak menjawab / Not answering: {names}",
        request,
        unavailable=unavailable,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # The log keeps the trace; the caller learns only that it was not their fault.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500, "internal", "Internal error", "the service failed to answer; it is logged", request
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with problem details, never a stack trace or SQL."""
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeoutError, _database)
    app.add_exception_handler(Exception, _unexpected)


# Each refusal of a case's workflow, as the HTTP status an integrator acts on.
REFUSAL_STATUS: dict[RefusalCode, type[ApiProblem]] = {
    RefusalCode.WRONG_STAGE: Conflict,
    RefusalCode.CASE_CLOSED: Conflict,
    RefusalCode.ALREADY_DONE: Conflict,
    RefusalCode.NOT_APPLICABLE: Conflict,
    RefusalCode.MISSING_CONFIRMATION: Conflict,
    RefusalCode.WRONG_ROLE: Forbidden,
    RefusalCode.WRONG_SCOPE: Forbidden,
    RefusalCode.BAD_PAYLOAD: Unprocessable,
    RefusalCode.UNKNOWN_ACTION: Unprocessable,
}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}
    for status, description in {
        400: "Malformed request.",
        401: "Missing or unknown API key.",
        403: "The key's role or scope does not allow this.",
        422: "A field is invalid; `errors` lists each one.",
        503: "A service is unavailable (`read_model_unavailable`: the case database); retry "
        "after `Retry-After` seconds.",
    }.items()
}
