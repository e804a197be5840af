"""Signing in to the console: a key's token once, then a signed session cookie and CSRF tokens.

The cookie holds the key's id, the session's CSRF token and when it was issued, signed with the
instance's secret (itsdangerous, HMAC-SHA1 over a timestamped payload), never the key's secret.
It is HttpOnly (no script reads it), SameSite=Lax (no other site's form or request carries it;
a link from an e-mail still opens the page), limited to `/konsol`, and expires after
`MUFAKAT_KONSOL_SESSION_HOURS` both in the browser and in the signature's age. The key is looked
up on every request, so a key revoked since sign-in ends its sessions at once.

Every unsafe request (a form, an htmx post) carries the session's CSRF token, in the form's
`csrf` field or htmx's `X-CSRF-Token` header (static/konsol/konsol.js adds it); one without it
changes nothing. The sign-in form, which has no session yet, is protected the same way by a
short-lived signed cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from starlette.responses import Response

from api.auth import Caller, caller_for_key_id
from api.messages.catalogue import msg
from api.problems import ApiProblem
from models.settings import Settings

COOKIE = "mufakat_konsol"
SIGN_IN_COOKIE = "mufakat_konsol_masuk"
PATH = "/konsol"
SIGN_IN_SECONDS = 30 * 60  # the sign-in form's own token: long enough to find the key
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class SignInRequired(Exception):
    """No valid session: the page sends the browser to the sign-in form, then back to `next`."""

    next: str


class CsrfRefused(ApiProblem):
    status = 403


def konsol_secret(settings: Settings) -> str:
    """The secret that signs cookies: the configured one, else one kept in the data directory."""
    if settings.konsol_secret is not None:
        return settings.konsol_secret.get_secret_value()
    path: Path = settings.data_dir / "konsol-secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    # Created exclusively and readable by the owner only; a second API process starting at the
    # same moment reads the winner's secret instead of writing its own.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secret)
    return secret


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    secret: str = request.app.state.konsol_secret
    return URLSafeTimedSerializer(secret, salt=salt)


def _lifetime(request: Request) -> int:
    settings: Settings = request.app.state.settings
    return int(settings.konsol_session_hours * 3600)


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=settings.konsol_secure_cookie,
    )


def start_session(request: Request, response: Response, caller: Caller) -> None:
    """Sign `caller` in on this browser: a fresh session with its own CSRF token."""
    payload = {"k": caller.key_id, "c": secrets.token_urlsafe(32)}
    token = _serializer(request, "konsol-session").dumps(payload)
    _set(request, response, COOKIE, token, _lifetime(request))
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)


def end_session(response: Response) -> None:
    """Sign out: the browser forgets the session."""
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax")


def _session(request: Request) -> dict[str, Any] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        payload = _serializer(request, "konsol-session").loads(token, max_age=_lifetime(request))
    except BadSignature:  # tampered with, from another instance, or expired
        return None
    if not isinstance(payload, dict) or not {"k", "c"} <= payload.keys():
        return None
    return payload


def _return_to(request: Request) -> str:
    path = request.url.path
    if request.method != "GET" or request.headers.get("HX-Request") == "true":
        # After sign-in, a form's page, not the form's endpoint.
        path = request.headers.get("HX-Current-URL", "") or PATH
        path = "/" + path.split("://", 1)[-1].split("/", 1)[-1] if "://" in path else path
    elif request.url.query:
        path = f"{path}?{request.url.query}"
    return path


async def konsol_caller(request: Request) -> Caller:
    """The signed-in caller, with its CSRF token on `request.state`; else `SignInRequired`.

    An unsafe request must also carry the session's CSRF token.
    """
    session = _session(request)
    if session is None:
        raise SignInRequired(_return_to(request))
    engine: Engine = request.app.state.engine
    try:
        caller = await caller_for_key_id(engine, str(session["k"]))
    except ApiProblem:  # the key was revoked or deleted since sign-in
        raise SignInRequired(_return_to(request)) from None
    request.state.konsol_caller = caller
    request.state.konsol_csrf = str(session["c"])
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, str(session["c"]))
    return caller


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.form()  # parsed once; the route reads the same form again
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("konsol_csrf", msg("konsol_csrf"))


KonsolCaller = Annotated[Caller, Depends(konsol_caller)]


def sign_in_token(request: Request, response: Response) -> str:
    """A CSRF token for the sign-in form, with the cookie that proves it on submission."""
    token = secrets.token_urlsafe(32)
    signed = _serializer(request, "konsol-sign-in").dumps(token)
    _set(request, response, SIGN_IN_COOKIE, signed, SIGN_IN_SECONDS)
    return token


def sign_in_token_valid(request: Request, sent: str) -> bool:
    """Whether the sign-in form came back with the token its own cookie proves."""
    cookie = request.cookies.get(SIGN_IN_COOKIE)
    if not cookie or not sent:
        return False
    try:
        token = _serializer(request, "konsol-sign-in").loads(cookie, max_age=SIGN_IN_SECONDS)
    except BadSignature:
        return False
    return isinstance(token, str) and hmac.compare_digest(token.encode(), sent.encode())


def sign_in_location(next_path: str) -> str:
    """The sign-in page, asked to return to `next_path` afterwards."""
    return f"{PATH}/masuk?lanjut={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a console path only, never another site."""
    if value and value.startswith(PATH) and not value.startswith("//") and "\\" not in value:
        return value
    return PATH
