"""Errors as RFC 9457 problem details: one hierarchy, mapped to HTTP in one place.

Every problem this API answers is built here: the `ApiProblem` hierarchy (one class per HTTP
status, the stable `type` as its code), the status each refusal of a case's workflow gets
(`REFUSAL_STATUS`), the health probes' 503s, and the OpenAPI description of each answer
(`PROBLEM_RESPONSES` and the per-status dicts below it). Services raise these; front ends only
render them (the JSON routes through the handlers installed here).

Raise a problem with its stable code (its `type`) and its detail as a catalogue message:

    raise NotFound("unknown_case", msg("unknown_case", case_id=case_id))

The detail is rendered when the answer is written, in the language the caller prefers
(`Accept-Language`; Bahasa Indonesia by default, English on `en`), and the `title` is the
catalogue's `title.<type>`: every problem type has one (api/messages/id.po and en.po; a test
checks each type raised here has both). A new message is an entry in both files, its `msgid`
the id and its `msgstr` the text, naming the same `{parameters}` in both (tests/test_messages.py
checks). The answer says which language it is in
(`Content-Language`) and that it depends on `Accept-Language` (`Vary`). A `Message` anywhere in
the extra fields (an `errors` item's message) is rendered too. A detail is always a `Message`,
never a sentence in one language; an error of models/ or workflows/ that says why (a
`RoutingError`, an `ArchiveDamaged`) names its own message: `explained(error)`.

A 422's `errors` lists every invalid part of the request (`FieldProblem`); `invalid_request()`
builds one from such items, with a detail naming how many there are and the first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from api.messages.catalogue import DEFAULT_LANGUAGE, Language, Message, msg, render, title
from api.messages.fields import ErrorItem, summary, validation_problems
from api.messages.language import negotiate
from workflows.refusals import RefusalCode

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:mufakat:problem:"
# Every 503 tells the client when to try again (RFC 9110 §10.2.3): outages here are short.
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("mufakat.api")


class FieldProblem(BaseModel):
    """One invalid part of a request: where it is, which kind of problem, and why."""

    model_config = ConfigDict(populate_by_name=True)

    in_: Literal["body", "query", "path", "header", "cookie"] = Field(
        alias="in", description="The part of the request.", examples=["body"]
    )
    pointer: str = Field(
        description="RFC 6901 JSON pointer inside that part; empty for the whole part.",
        examples=["/parties/0/region_code"],
    )
    code: str = Field(
        description="pydantic's error type (`missing`, `extra_forbidden`, `string_too_short`, "
        "`enum`, ...) or this API's own (`nul_character`, `json_too_deep`, `bad_payload.*`).",
        examples=["missing"],
    )
    message: str = Field(
        description="Why, in the language of the answer.", examples=["wajib diisi"]
    )


class Problem(BaseModel):
    """RFC 9457 problem details; `type` is stable, `detail` says exactly what went wrong.

    `title` and `detail` are in Bahasa Indonesia unless `Accept-Language` prefers English
    (`Content-Language` says which).
    """

    # Extension members beyond those listed here may appear (RFC 9457 §3.2).
    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:mufakat:problem:wrong_stage"])
    title: str = Field(examples=["Tindakan tidak diizinkan pada tahap ini"])
    status: int = Field(examples=[409])
    detail: str = Field(
        examples=[
            "issue_decision tidak diizinkan pada tahap musyawarah; yang diizinkan di sini: "
            "add_note, declare_deadlock, dan withdraw"
        ]
    )
    instance: str | None = None
    errors: list[FieldProblem] | None = Field(
        default=None, description="For 422: every invalid part of the request."
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
    duplicates: list[str] | None = Field(
        default=None, description="For possible_duplicate: the open cases the filing matches."
    )


class ApiProblem(Exception):
    """Raise to answer with a problem; `code` becomes the stable `type`, `detail` its detail.

    `extra` holds the problem's extension members (`stage`, `allowed_actions`, `errors`, ...).
    """

    status = 400

    def __init__(self, code: str, detail: Message, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.extra = extra

    def __str__(self) -> str:
        return f"{self.code}: {render(self.detail, DEFAULT_LANGUAGE)}"


class Unauthorized(ApiProblem):
    status = 401


class Forbidden(ApiProblem):
    status = 403


class NotFound(ApiProblem):
    status = 404


class Conflict(ApiProblem):
    status = 409


class Unprocessable(ApiProblem):
    status = 422


class ContentTooLarge(ApiProblem):
    status = 413


class Unavailable(ApiProblem):
    status = 503


class HistoryDamaged(ApiProblem):
    """The only copy left of a case's history (its archive) is not the one recorded."""

    status = 500


def invalid_request(problems: Sequence[ErrorItem], code: str = "invalid_request") -> Unprocessable:
    """A 422 listing every invalid part of the request; its detail names the first."""
    return Unprocessable(code, summary(problems), errors=list(problems))


def problem(
    status: int, code: str, detail: Message, request: Request | None, **extra: Any
) -> JSONResponse:
    """The answer for problem `code`, in the language the request prefers (Indonesian without one).

    Without a request (a refusal before the app sees one), the answer is in Indonesian.
    """
    language = (
        negotiate(request.headers.get("accept-language"))
        if request is not None
        else DEFAULT_LANGUAGE
    )
    body = Problem(
        type=PROBLEM_BASE + code,
        title=title(code, status, language),
        status=status,
        detail=render(detail, language),
        instance=str(request.url.path) if request is not None else None,
        **_localised(extra, language),
    )
    headers = {"Content-Language": language, "Vary": "Accept-Language"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return JSONResponse(
        status_code=status,
        content=jsonable_encoder(body.model_dump(exclude_none=True, by_alias=True)),
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _localised(value: Any, language: Language) -> Any:
    """Extension members with every `Message` in them rendered in the answer's language."""
    if isinstance(value, Message):
        return render(value, language)
    if isinstance(value, dict):
        return {key: _localised(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_localised(item, language) for item in value]
    return value


def answer(error: ApiProblem, request: Request | None) -> JSONResponse:
    """The answer for a raised problem (also where no handler runs: a middleware's refusal)."""
    return problem(error.status, error.code, error.detail, request, **error.extra)


async def _api_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return answer(error, request)


async def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = validation_problems(error.errors(), error.body)
    if not problems:
        return await _unexpected(request, error)
    return await _api_problem(request, invalid_request(problems))


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    path = request.url.path
    detail = {
        400: msg("bad_request", reason=error.detail),
        404: msg("not_found", path=path),
        405: msg("method_not_allowed", method=request.method, path=path),
    }.get(error.status_code, msg("http_error", reason=error.detail))
    code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}.get(
        error.status_code, f"http_{error.status_code}"
    )
    response = problem(error.status_code, code, detail, request)
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
    return problem(503, "read_model_unavailable", msg("read_model_unavailable"), request)


def _connection_lost(error: Exception) -> bool:
    """An error of the database connection (refused, dropped, timed out), not of the query."""
    if isinstance(error, PoolTimeoutError | OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


# `/health`'s problem type (`temporal-unreachable`) is older than the others' snake_case; kept.
UNREACHABLE = "temporal-unreachable"


def temporal_unreachable(request: Request, namespace: str) -> JSONResponse:
    """`/health`'s 503: Temporal does not answer in this namespace."""
    return problem(
        503, UNREACHABLE, msg(UNREACHABLE), request, temporal="unreachable", namespace=namespace
    )


def not_ready(request: Request, unavailable: list[str]) -> JSONResponse:
    """`/readyz`'s 503: naming each dependency (`temporal`, `read_model`) that did not answer."""
    names = [msg(f"dependency.{name}") for name in unavailable]
    detail = msg("not_ready", unavailable=names)
    return problem(503, "not_ready", detail, request, unavailable=unavailable)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # The log keeps the trace; the caller learns only that it was not their fault.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal", msg("internal"), request)


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

# Said of every problem answer in the OpenAPI: which language its title and detail are in.
LANGUAGE_NOTE = (
    " Judul dan rincian dalam Bahasa Indonesia; `Accept-Language: en` untuk bahasa Inggris. / "
    "Title and detail in Bahasa Indonesia; English with `Accept-Language: en`."
)

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "description": description + LANGUAGE_NOTE,
        "content": {PROBLEM_MEDIA_TYPE: {}},
    }
    for status, description in {
        400: "Malformed request.",
        401: "Missing or unknown API key.",
        403: "The key's role or scope does not allow this.",
        422: "A part of the request is invalid; `errors` lists each one (`in`, `pointer`, "
        "`code`, `message`).",
        503: "A service is unavailable (`read_model_unavailable`: the case database); retry "
        "after `Retry-After` seconds.",
    }.items()
}


def problem_response(description: str, *, model: bool = True) -> dict[str, Any]:
    """One answer of problem details in the OpenAPI, described as given (without the language
    note `PROBLEM_RESPONSES` adds)."""
    described: dict[str, Any] = {"model": Problem} if model else {}
    return described | {"description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


Responses = dict[int | str, dict[str, Any]]

# A case's problems, as the operations that read or change one describe them.
NOT_FOUND: Responses = {404: problem_response("No such case.")}
FORBIDDEN: Responses = {403: problem_response("Outside this key's role or scope.")}
UNAVAILABLE: Responses = {
    503: problem_response(
        "Layanan perkara tidak menjawab; ulangi dengan kunci yang sama / The case "
        "service did not answer; retry with the same Idempotency-Key."
    )
}
FILING_CONFLICT: Responses = {
    409: problem_response(
        "Kunci idempotensi dipakai untuk pengajuan lain (`idempotency_key_reused`), "
        "atau perkara terbuka dengan pihak, nomor perjanjian dan pokok perselisihan yang sama "
        "sudah ada (`possible_duplicate`, dinamai di `duplicates`; ajukan dengan `force=true` "
        "bila memang perkara lain) / The Idempotency-Key was used for another filing, or an "
        "open case has the same parties, agreement number and subject (`possible_duplicate`, "
        "named in `duplicates`; file with `force=true` if it is another case)."
    )
}
ACTION_CONFLICT: Responses = {
    409: problem_response(
        "Tidak boleh pada tahap atau keadaan ini / Not allowed in this stage or state."
    )
}
DOCUMENT_CONFLICT: Responses = {
    409: problem_response(
        "Tidak boleh pada tahap ini, atau kunci dipakai ulang / Not allowed now, "
        "or the Idempotency-Key was used for something else."
    )
}
DOCUMENT_DAMAGED: Responses = {
    409: problem_response(
        "Isi yang tersimpan hilang atau tidak cocok dengan hash-nya / The "
        "stored content is missing or no longer matches its hash."
    )
}
TOO_LARGE: Responses = {413: problem_response("Berkas terlalu besar / The file is too large.")}
UNKNOWN_REGION: Responses = {
    404: problem_response("Kode wilayah tidak dikenal / No region has this code.")
}
UNKNOWN_GUIDELINE_VERSION: Responses = {
    404: problem_response("Versi tidak dikenal / No guideline has this version (or this track).")
}
HEALTH_UNREACHABLE: Responses = {
    503: problem_response("Temporal is unreachable (RFC 9457 problem details).", model=False)
}
NOT_READY: Responses = {
    503: problem_response(
        "Temporal or the read model does not answer; `unavailable` names "
        "which (RFC 9457 problem details, with Retry-After)."
    )
}
