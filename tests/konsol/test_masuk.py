"""Signing in to the console: the cookie, CSRF on every form, revocation, redirects, headers."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from http.cookies import SimpleCookie

import httpx
from playwright.async_api import Browser
from sqlmodel import Session

from api.auth import revoke_key
from api.konsol.mount import CONTENT_SECURITY_POLICY
from api.konsol.session import COOKIE
from models.roles import Role
from tests.api_harness import Api
from tests.konsol.console import ON_SQLITE, console

pytestmark = ON_SQLITE

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _sign_in(
    client: httpx.AsyncClient, token: str, lanjut: str = "/konsol"
) -> httpx.Response:
    form = await client.get("/konsol/masuk")
    found = _CSRF.search(form.text)
    assert found is not None
    return await client.post(
        "/konsol/masuk", data={"kunci": token, "csrf": found[1], "lanjut": lanjut}
    )


def _session_token(page_text: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page_text)
    assert found is not None
    return found[1]


async def test_signing_in_sets_a_signed_httponly_samesite_cookie_with_an_expiry(api: Api) -> None:
    signed_in = await _sign_in(api.client, api.token(Role.OPERATOR), "/konsol/perkara?status=open")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/konsol/perkara?status=open"
    cookies = [c for c in signed_in.headers.get_list("set-cookie") if c.startswith(COOKIE + "=")]
    assert len(cookies) == 1
    morsel = SimpleCookie(cookies[0])[COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/konsol"
    assert morsel["max-age"] == str(8 * 3600)
    assert morsel["secure"] == ""  # only with MUFAKAT_KONSOL_SECURE_COOKIE behind TLS
    # The key's secret never travels in the cookie, only its id.
    token = api.token(Role.OPERATOR)
    assert token.split("_")[2] not in morsel.value
    home = await api.client.get("/konsol")
    assert home.status_code == 303
    assert home.headers["location"] == "/konsol/perkara"


async def test_a_bad_key_is_refused_with_one_message_and_no_session(api: Api) -> None:
    for token in ["mk_000000000000_" + "x" * 43, "not a key", ""]:
        refused = await _sign_in(api.client, token)
        assert refused.status_code == 401
        assert "Kunci API tidak dikenali atau sudah dicabut" in refused.text
        assert not any(c.startswith(COOKIE + "=") for c in refused.headers.get_list("set-cookie"))
    assert (await api.client.get("/konsol")).headers["location"] == "/konsol/masuk?lanjut=/konsol"


async def test_the_sign_in_form_needs_its_own_token(api: Api) -> None:
    await api.client.get("/konsol/masuk")
    forged = await api.client.post(
        "/konsol/masuk", data={"kunci": api.token(Role.OPERATOR), "csrf": "forged", "lanjut": ""}
    )
    assert forged.status_code == 403
    assert "Formulir kedaluwarsa" in forged.text
    assert (await api.client.get("/konsol")).status_code == 303  # still signed out


async def test_every_unsafe_request_needs_the_session_csrf_token(api: Api) -> None:
    await _sign_in(api.client, api.token(Role.OPERATOR))
    page = await api.client.get("/konsol/masuk")  # any page carries the session's token
    signed = await api.client.get("/konsol/dasbor")
    token = _session_token(signed.text)
    assert page.status_code == 200
    refused = await api.client.post("/konsol/keluar")
    assert refused.status_code == 403
    assert "tidak membawa token sesi yang berlaku" in refused.text
    wrong = await api.client.post("/konsol/keluar", data={"csrf": token[:-2] + "xx"})
    assert wrong.status_code == 403
    assert (await api.client.get("/konsol")).headers["location"] == "/konsol/perkara"
    by_header = await api.client.post("/konsol/keluar", headers={"X-CSRF-Token": token})
    assert by_header.status_code == 303
    assert by_header.headers["location"] == "/konsol/masuk"
    assert (await api.client.get("/konsol")).headers["location"].startswith("/konsol/masuk")


async def test_a_key_revoked_after_sign_in_ends_its_session(api: Api) -> None:
    token = api.token(Role.PARTY, "32.04")
    await _sign_in(api.client, token)
    assert (await api.client.get("/konsol")).headers["location"] == "/konsol/perkara"
    with Session(api.app.state.engine) as session:
        revoke_key(session, token.split("_")[1], datetime.now(UTC))
    assert (await api.client.get("/konsol")).headers["location"] == "/konsol/masuk?lanjut=/konsol"


async def test_a_tampered_or_expired_cookie_is_no_session(api: Api) -> None:
    await _sign_in(api.client, api.token(Role.OPERATOR))
    value = api.client.cookies[COOKIE]
    api.client.cookies.clear()
    for tampered in [value[:-3] + "AAA", "x" + value[1:], value.split(".")[0]]:
        answer = await api.client.get("/konsol", headers={"Cookie": f"{COOKIE}={tampered}"})
        assert answer.headers["location"].startswith("/konsol/masuk"), tampered
    api.app.state.settings.konsol_session_hours = 1 / 3600  # one second
    try:
        await _sign_in(api.client, api.token(Role.OPERATOR))
        assert (await api.client.get("/konsol")).headers["location"] == "/konsol/perkara"
        await asyncio.sleep(2.2)
        assert (await api.client.get("/konsol")).headers["location"].startswith("/konsol/masuk")
    finally:
        api.app.state.settings.konsol_session_hours = 8.0


async def test_after_sign_in_the_console_never_sends_anyone_to_another_site(api: Api) -> None:
    for lanjut in ["https://example.org/", "//example.org/konsol", "/v1/cases", "/konsol\\@x"]:
        signed_in = await _sign_in(api.client, api.token(Role.OPERATOR), lanjut)
        assert signed_in.headers["location"] == "/konsol", lanjut


async def test_without_a_session_htmx_is_told_to_navigate_to_sign_in(api: Api) -> None:
    answer = await api.client.get(
        "/konsol/perkara",
        headers={"HX-Request": "true", "HX-Current-URL": "http://m/konsol/dasbor"},
    )
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == "/konsol/masuk?lanjut=/konsol/dasbor"


async def test_console_answers_carry_a_strict_content_security_policy(api: Api) -> None:
    for path in ["/konsol/masuk", "/konsol/static/vendor/htmx/htmx.min.js", "/konsol"]:
        answer = await api.client.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert (await api.client.get("/konsol/masuk")).headers["cache-control"] == "no-store"
    # The JSON API keeps its own headers; the console's policy is for pages.
    assert "content-security-policy" not in (await api.client.get("/health")).headers


async def test_signing_in_and_out_in_a_browser(api: Api, browser: Browser) -> None:
    async with console(api, browser, Role.GWPP, "32") as visit:
        assert "/konsol/perkara" in visit.page.url
        header = visit.page.get_by_role("navigation", name="Menu utama")
        await header.get_by_text("Sekretariat GWPP · 32").wait_for()
        await visit.page.get_by_role("button", name="Keluar").click()
        await visit.page.wait_for_url("**/konsol/masuk")
        await visit.open("/konsol/dasbor")
        await visit.page.wait_for_url("**/konsol/masuk?lanjut=/konsol/dasbor")
