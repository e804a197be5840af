"""Masuk / keluar: signing in with an API key, and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from sqlalchemy.engine import Engine
from starlette.responses import RedirectResponse, Response

from api.auth import caller_for_token
from api.konsol.render import page
from api.konsol.routing import konsol_router
from api.konsol.session import (
    KonsolCaller,
    end_session,
    safe_next,
    sign_in_token,
    sign_in_token_valid,
    start_session,
)
from api.konsol.texts import _
from api.problems import ApiProblem

router = konsol_router()


@router.get("")
async def home(caller: KonsolCaller) -> Response:
    """The console opens on the worklist."""
    return RedirectResponse("/konsol/perkara", status_code=303)


@router.get("/masuk")
async def sign_in_form(
    request: Request, lanjut: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    return _form(request, safe_next(lanjut))


@router.post("/masuk")
async def sign_in(
    request: Request,
    kunci: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    lanjut: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    next_path = safe_next(lanjut)
    if not sign_in_token_valid(request, csrf):
        return _form(request, next_path, _("Formulir kedaluwarsa; silakan masuk lagi."), 403)
    engine: Engine = request.app.state.engine
    try:
        caller = await caller_for_token(engine, kunci.strip())
    except ApiProblem:
        # One message for every bad key, so the form tells no one which keys exist.
        error = _("Kunci API tidak dikenali atau sudah dicabut. Periksa kunci lalu coba lagi.")
        return _form(request, next_path, error, 401)
    response = RedirectResponse(next_path, status_code=303)
    start_session(request, response, caller)
    return response


@router.post("/keluar")
async def sign_out(caller: KonsolCaller) -> Response:
    response = RedirectResponse("/konsol/masuk", status_code=303)
    end_session(response)
    return response


def _form(request: Request, next_path: str, error: str = "", status_code: int = 200) -> Response:
    # The token is made before the page so its cookie can go on the page's own answer.
    placeholder = Response()
    token = sign_in_token(request, placeholder)
    answer = page(
        request,
        "masuk.html",
        {"sign_in_csrf": token, "lanjut": next_path, "error": error},
        status_code=status_code,
    )
    for value in placeholder.headers.getlist("set-cookie"):
        answer.headers.append("set-cookie", value)
    return answer
