"""The case page's forms without script, as plain HTTP: accepted and redirected (on SQLite and
PostgreSQL), refused with the user's values kept, a double submit taken once, an upload over the
limit explained, and htmx's partial answers."""

from __future__ import annotations

import re
from typing import Any

import httpx

from models.roles import Role
from tests.api_harness import Api
from tests.konsol.console import ON_SQLITE

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_KEY = re.compile(r'id="tindakan-declare-deadlock".*?name="kunci" value="([0-9a-f]{32})"', re.S)


async def _signed_in(client: httpx.AsyncClient, token: str) -> None:
    form = await client.get("/konsol/masuk")
    found = _CSRF.search(form.text)
    assert found is not None
    answer = await client.post("/konsol/masuk", data={"kunci": token, "csrf": found[1]})
    assert answer.status_code == 303


async def _form(client: httpx.AsyncClient, case_id: str) -> tuple[str, str]:
    """The case page's CSRF token and the key of its deadlock form."""
    page = await client.get(f"/konsol/perkara/{case_id}")
    assert page.status_code == 200, page.text
    csrf, key = _CSRF.search(page.text), _KEY.search(page.text)
    assert csrf is not None and key is not None
    return csrf[1], key[1]


async def _actions(api: Api, case_id: str) -> list[dict[str, Any]]:
    items = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    return [i for i in items if i["kind"] == "action"]


async def _musyawarah(api: Api) -> str:
    return await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, "32.73", "submit_response", {"summary": "Tanggapan tertulis"}),
    )


async def _berita_acara(api: Api, case_id: str) -> str:
    """A berita acara in the case, for a deadlock to name (pedoman.md §9 D11): its SHA-256."""
    return await api.attached(case_id, b"%PDF-1.4\n% BA musyawarah\n")


async def test_a_plain_form_is_taken_once_and_redirected_to_the_case(api: Api) -> None:
    case_id = await _musyawarah(api)
    berita_acara = await _berita_acara(api, case_id)
    await _signed_in(api.client, api.token(Role.PARTY, "32.04"))
    csrf, key = await _form(api.client, case_id)
    sent = {
        "csrf": csrf,
        "tindakan": "declare_deadlock",
        "kunci": key,
        "isian.reason": "Tiga kali musyawarah tanpa mufakat.",
        "isian.berita_acara_sha256": berita_acara,
    }
    for _ in range(2):  # a double click sends the same form twice
        answer = await api.client.post(f"/konsol/perkara/{case_id}/tindakan", data=sent)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/konsol/perkara/{case_id}?diterima=declare_deadlock"
    landed = await api.client.get(answer.headers["location"])
    assert "Tindakan «Nyatakan musyawarah buntu» diterima." in landed.text
    deadlocks = [a for a in await _actions(api, case_id) if a["action"] == "declare_deadlock"]
    assert len(deadlocks) == 1
    assert deadlocks[0]["idempotency_key"].endswith("/" + key)


@ON_SQLITE
async def test_a_refused_plain_form_comes_back_with_its_values_and_why(api: Api) -> None:
    case_id = await _musyawarah(api)
    await _signed_in(api.client, api.token(Role.PARTY, "32.04"))
    csrf, key = await _form(api.client, case_id)
    before = await _actions(api, case_id)
    sent = {"csrf": csrf, "tindakan": "declare_deadlock", "kunci": key, "isian.reason": "ab"}
    answer = await api.client.post(f"/konsol/perkara/{case_id}/tindakan", data=sent)
    assert answer.status_code == 422
    assert "Ditolak:" in answer.text
    assert 'class="field-error" id="declare-deadlock-reason-galat"' in answer.text
    assert ">ab</textarea>" in answer.text
    assert f'name="kunci" value="{key}"' in answer.text  # sent again, still one action
    assert await _actions(api, case_id) == before


@ON_SQLITE
async def test_htmx_gets_the_refused_form_alone_and_the_case_when_accepted(api: Api) -> None:
    case_id = await _musyawarah(api)
    berita_acara = await _berita_acara(api, case_id)
    await _signed_in(api.client, api.token(Role.PARTY, "32.04"))
    csrf, key = await _form(api.client, case_id)
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
    refused = await api.client.post(
        f"/konsol/perkara/{case_id}/tindakan",
        data={"tindakan": "declare_deadlock", "kunci": key, "isian.reason": ""},
        headers=htmx,
    )
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#tindakan-declare-deadlock"
    assert refused.text.lstrip().startswith('<details class="action-form"')
    accepted = await api.client.post(
        f"/konsol/perkara/{case_id}/tindakan",
        data={
            "tindakan": "declare_deadlock",
            "kunci": key,
            "isian.reason": "Buntu total.",
            "isian.berita_acara_sha256": berita_acara,
        },
        headers=htmx,
    )
    assert accepted.status_code == 200
    assert "<html" not in accepted.text
    assert 'id="pemberitahuan"' in accepted.text and 'hx-swap-oob="true"' in accepted.text
    assert 'id="perkara"' in accepted.text
    assert "Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat" in accepted.text


@ON_SQLITE
async def test_an_upload_over_the_limit_is_explained_and_stores_nothing(api: Api) -> None:
    case_id = await api.case((Role.OPERATOR, None, "accept_filing", {}))
    await _signed_in(api.client, api.token(Role.PARTY, "32.04"))
    page = await api.client.get(f"/konsol/perkara/{case_id}")
    csrf = _CSRF.search(page.text)
    assert csrf is not None
    settings = api.app.state.settings
    limit = settings.documents_max_bytes
    settings.documents_max_bytes = 1000
    try:
        for headers in [{}, {"HX-Request": "true", "X-CSRF-Token": csrf[1]}]:
            answer = await api.client.post(
                f"/konsol/perkara/{case_id}/dokumen",
                data={"csrf": csrf[1], "jenis": "berita_acara"},
                files={"berkas": ("besar.pdf", b"x" * 1001, "application/pdf")},
                headers=headers,
            )
            assert answer.status_code == 413
            assert "Tidak tersimpan:" in answer.text
            assert "1000" in answer.text
        # Far over the limit: refused as it arrives, before the file is spooled.
        for headers in [{}, {"HX-Request": "true", "X-CSRF-Token": csrf[1]}]:
            answer = await api.client.post(
                f"/konsol/perkara/{case_id}/dokumen",
                data={"csrf": csrf[1], "jenis": "berita_acara"},
                files={"berkas": ("besar.pdf", b"x" * 100_000, "application/pdf")},
                headers=headers,
            )
            assert answer.status_code == 413
            assert "dokumen paling besar 1000 byte" in answer.text.lower()
        no_type = await api.client.post(
            f"/konsol/perkara/{case_id}/dokumen",
            data={"csrf": csrf[1], "jenis": "bukan_jenis"},
            files={"berkas": ("kecil.pdf", b"x", "application/pdf")},
        )
        assert no_type.status_code == 422
        assert "Pilih jenis dokumen dari daftar." in no_type.text
    finally:
        settings.documents_max_bytes = limit
    documents = (await api.get(f"/v1/cases/{case_id}/documents")).json()["items"]
    assert documents == []


@ON_SQLITE
async def test_a_form_without_the_session_token_changes_nothing(api: Api) -> None:
    case_id = await _musyawarah(api)
    await _signed_in(api.client, api.token(Role.PARTY, "32.04"))
    _, key = await _form(api.client, case_id)
    before = await _actions(api, case_id)
    forged = await api.client.post(
        f"/konsol/perkara/{case_id}/tindakan",
        data={"tindakan": "declare_deadlock", "kunci": key, "isian.reason": "Dari situs lain"},
    )
    assert forged.status_code == 403
    assert await _actions(api, case_id) == before
