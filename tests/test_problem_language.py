"""Problem details in Bahasa Indonesia unless the caller prefers English, with the same types.

Over HTTP against the real app, its worker and Temporal: one problem of each family (401, 403,
404, 409 from the case's workflow, 413, 422, 503), asked for without a language and with
`Accept-Language: en`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from models.case import REGION_CODE_PATTERN
from models.limits import MAX_ACTION_BYTES
from models.roles import Role
from models.settings import Settings
from tests.api_harness import Api, Step, ksdd_filing_json
from tests.dev_instance import free_port
from tests.rev2_paper import formal_decision, with_berita_acara
from tests.test_health import _api

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPOND: Step = (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan"})


@dataclass(frozen=True)
class Said:
    """A problem's title and detail in one language."""

    title: str
    detail: str


def _problem(response: httpx.Response, status: int, code: str, language: str) -> dict[str, Any]:
    """The problem body, checked for its status, stable type and the language it says it is in."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == language
    assert response.headers["vary"] == "Accept-Language"
    body: dict[str, Any] = response.json()
    assert (body["type"], body["status"]) == (PROBLEM + code, status)
    return body


async def _send(
    api: Api,
    method: str,
    path: str,
    language: str | None,
    role: Role | None = Role.OPERATOR,
    scope: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    headers = api.headers(role, scope, key=str(uuid.uuid4())) if role is not None else {}
    if language is not None:
        headers["Accept-Language"] = language
    return await api.client.request(method, path, headers=headers, **kwargs)


async def test_each_family_speaks_indonesian_unless_asked_for_english(api: Api) -> None:
    case_id = await api.case(ACCEPT, RESPOND)  # in musyawarah
    actions = f"/v1/cases/{case_id}/actions"
    deadlock = {"action": "declare_deadlock", **with_berita_acara("Buntu")}
    cases: list[tuple[str, str, str, dict[str, Any], int, str, Said, Said]] = [
        (
            "GET",
            "/v1/cases",
            "no key",
            {"role": None},
            401,
            "missing_credentials",
            Said(
                "Kunci API tidak dikirim", "kirim kunci API sebagai Authorization: Bearer <kunci>"
            ),
            Said("No API key sent", "send the API key as Authorization: Bearer <key>"),
        ),
        (
            "POST",
            actions,
            "the workflow refuses the role",
            {"role": Role.MINISTER, "json": deadlock},
            403,
            "wrong_role",
            Said(
                "Peran kunci tidak sesuai",
                # 2026.2: the forum may declare it too (§9 D10), the Minister is not R1's forum.
                "declare_deadlock diambil oleh party atau forum, bukan oleh minister (operator "
                "dapat mencatatnya untuk suatu pihak dengan on_behalf_of)",
            ),
            Said(
                "Not allowed for this key's role",
                "declare_deadlock is taken by party or forum, not by minister (an operator may "
                "record it for a party with on_behalf_of)",
            ),
        ),
        (
            "GET",
            "/v1/regions/99.99",
            "no such region",
            {},
            404,
            "unknown_region",
            Said("Kode wilayah tidak dikenal", "tidak ada wilayah dengan kode 99.99"),
            Said("Unknown region code", "unknown region code 99.99"),
        ),
        (
            "GET",
            "/v1/tidak-ada",
            "no such route",
            {},
            404,
            "not_found",
            Said("Tidak ditemukan", "tidak ada apa pun di /v1/tidak-ada"),
            Said("Not found", "nothing is at /v1/tidak-ada"),
        ),
        (
            "POST",
            actions,
            "the workflow refuses the stage's state",
            {"json": {"action": "resume_clock", "reason": "Lanjutkan"}},
            409,
            "not_applicable",
            Said("Tindakan tidak berlaku", "jam tahap musyawarah tidak sedang dijeda"),
            Said("Action does not apply", "the clock of musyawarah is not paused"),
        ),
        (
            "POST",
            actions,
            "too large",
            {"json": {"action": "add_note", "text": "x" * MAX_ACTION_BYTES}},
            413,
            "payload_too_large",
            Said(
                "Permintaan terlalu besar",
                f"badan permintaan ke {actions} paling besar {MAX_ACTION_BYTES} byte",
            ),
            Said(
                "Payload too large",
                f"the request body to {actions} may have at most {MAX_ACTION_BYTES} bytes",
            ),
        ),
    ]
    for method, path, name, kwargs, status, code, indonesian, english in cases:
        for language, header in (("id", None), ("id", "id"), ("en", "en")):
            said = english if language == "en" else indonesian
            response = await _send(api, method, path, header, **kwargs)
            body = _problem(response, status, code, language)
            assert (body["title"], body["detail"]) == (said.title, said.detail), name


async def test_a_refusal_names_the_stage_and_its_actions_in_either_language(api: Api) -> None:
    case_id = await api.case(ACCEPT, RESPOND)
    decision = {"action": "issue_decision", **formal_decision("keputusan_gubernur_wpp")}
    path = f"/v1/cases/{case_id}/actions"
    indonesian = await _send(api, "POST", path, None, Role.GWPP, "32", json=decision)
    english = await _send(api, "POST", path, "en", Role.GWPP, "32", json=decision)
    said = _problem(indonesian, 409, "wrong_stage", "id")
    # What this key may do instead, named in the detail as in `allowed_actions`.
    *others, last = said["allowed_actions"]
    assert others and said["stage"] == "musyawarah"
    assert said["title"] == "Tindakan tidak diizinkan pada tahap ini"
    assert said["detail"] == (
        "issue_decision tidak diizinkan pada tahap musyawarah; yang diizinkan di sini: "
        f"{', '.join(others)}, dan {last}"
    )
    said = _problem(english, 409, "wrong_stage", "en")
    assert said["title"] == "Action not allowed in this stage"
    assert said["detail"] == (
        "issue_decision is not allowed in stage musyawarah; allowed here: "
        f"{', '.join(others)}, and {last}"
    )


async def test_a_422_lists_every_problem_with_its_pointer(api: Api) -> None:
    filing = ksdd_filing_json()
    filing["title"] = "TP"
    del filing["parties"][0]["name"]
    filing["parties"][1]["region_code"] = "32-73"
    filing["sectors"] = ["pelayanan_publik", "pariwisata_luar_angkasa"]
    sectors = "'pelayanan_publik', 'investasi', 'pengadaan_barang_jasa', 'infrastruktur'"
    messages = {
        "id": [
            "paling sedikit 3 karakter",
            f"harus salah satu dari {sectors}, atau 'aset'",
            "wajib diisi",
            f"harus cocok dengan pola {REGION_CODE_PATTERN}",
        ],
        "en": [
            "String should have at least 3 characters",
            f"Input should be {sectors}, or 'aset'",
            "Field required",
            f"String should match pattern '{REGION_CODE_PATTERN}'",
        ],
    }
    details = {
        "id": "permintaan tidak sah di 4 tempat; yang pertama di body /title: paling sedikit 3 "
        "karakter",
        "en": "the request is invalid in 4 places; the first at body /title: String should have "
        "at least 3 characters",
    }
    for language in ("id", "en"):
        response = await _send(api, "POST", "/v1/cases", language, json=filing)
        body = _problem(response, 422, "invalid_request", language)
        assert [(e["in"], e["pointer"], e["code"]) for e in body["errors"]] == [
            ("body", "/title", "string_too_short"),
            ("body", "/sectors/1", "enum"),
            ("body", "/parties/0/name", "missing"),
            ("body", "/parties/1/region_code", "string_pattern_mismatch"),
        ]
        assert [e["message"] for e in body["errors"]] == messages[language]
        assert body["detail"] == details[language]
    query = await _send(api, "GET", "/v1/calendar/deadline", None)
    body = _problem(query, 422, "invalid_request", "id")
    assert body["errors"] == [
        {"in": "query", "pointer": "/start", "code": "missing", "message": "wajib diisi"},
        {"in": "query", "pointer": "/limit", "code": "missing", "message": "wajib diisi"},
    ]
    assert body["detail"] == (
        "permintaan tidak sah di 2 tempat; yang pertama di query /start: wajib diisi"
    )


async def test_a_refusal_answered_422_lists_the_field_it_names(api: Api) -> None:
    case_id = await api.case(ACCEPT, RESPOND)
    path = f"/v1/cases/{case_id}/actions"
    extension = {
        "action": "extend_deadline",
        "reason": "Perlu waktu",
        "consents": [BANDUNG, KOTA_BANDUNG, "32.01"],
    }
    refused = await _send(api, "POST", path, None, json=extension)
    body = _problem(refused, 422, "bad_payload", "id")
    why = "consents: bukan pihak dalam perkara ini: 32.01"
    assert (body["title"], body["detail"]) == ("Isi tindakan tidak sah", why)
    assert body["errors"] == [
        {"in": "body", "pointer": "/consents", "code": "bad_payload.consents", "message": why}
    ]
    unknown = await _send(api, "POST", path, "en", json={"action": "approve_everything"})
    body = _problem(unknown, 422, "unknown_action", "en")
    *others, last = body["allowed_actions"]  # what this key (an operator) may do instead
    assert body["detail"] == (
        'unknown action "approve_everything"; in stage musyawarah the actions are: '
        f"{', '.join(others)}, and {last}"
    )
    assert body["errors"] == [
        {"in": "body", "pointer": "/action", "code": "unknown_action", "message": body["detail"]}
    ]


async def test_the_language_is_negotiated(api: Api) -> None:
    detail = {"id": "tidak ada wilayah dengan kode 99.99", "en": "unknown region code 99.99"}
    for accept_language, language in [
        ("en-US,en;q=0.9", "en"),
        ("fr, en;q=0.5", "en"),
        ("fr-FR, de;q=0.8", "id"),
        ("en;q=0.4, id;q=0.6", "id"),
        ("id;q=0.4, en-GB;q=0.6", "en"),
        ("*", "id"),
    ]:
        response = await _send(api, "GET", "/v1/regions/99.99", accept_language)
        body = _problem(response, 404, "unknown_region", language)
        assert body["detail"] == detail[language], accept_language


async def test_not_ready_in_either_language(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, temporal_port=free_port())
    async with _api(settings) as http:
        indonesian = await http.get("/readyz")
        english = await http.get("/readyz", headers={"Accept-Language": "en"})
    said = _problem(indonesian, 503, "not_ready", "id")
    assert (said["title"], said["detail"]) == ("Belum siap", "tidak menjawab: Temporal")
    said = _problem(english, 503, "not_ready", "en")
    assert (said["title"], said["detail"]) == ("Not ready", "not answering: Temporal")
    assert said["unavailable"] == ["temporal"]


async def test_the_apis_own_checks_speak_either_language(api: Api) -> None:
    case_id = await api.case()
    unknown_region = ksdd_filing_json("32.04", "32.99")
    where = "body /parties/1/region_code"
    cases: list[tuple[str, str, dict[str, Any], int, str, str, str]] = [
        (
            "GET",
            "/v1/cases/PKD-2026-999999",
            {},
            404,
            "unknown_case",
            "tidak ada perkara PKD-2026-999999",
            "there is no case PKD-2026-999999",
        ),
        (
            "GET",
            f"/v1/cases/{case_id}",
            {"role": Role.PARTY, "scope": "32.01"},
            403,
            "wrong_scope",
            f"perkara {case_id} di luar cakupan kunci ini (party 32.01)",
            f"case {case_id} is outside the scope of this key (party 32.01)",
        ),
        (
            "POST",
            f"/v1/cases/{case_id}/actions",
            {"role": Role.AUDITOR, "json": {"action": "add_note", "text": "Catatan"}},
            403,
            "wrong_role",
            "kunci auditor hanya membaca; kunci ini tidak mengambil tindakan",
            "a key with role auditor only reads; it takes no actions",
        ),
        (
            "POST",
            f"/v1/cases/{case_id}/verify",
            {},
            403,
            "wrong_role",
            "perkara diverifikasi oleh auditor atau admin, bukan oleh operator",
            "a case is verified by an auditor or an admin; this key has role operator",
        ),
        (
            "POST",
            "/v1/cases",
            {"role": Role.MINISTER, "json": ksdd_filing_json()},
            403,
            "wrong_role",
            "perkara diajukan oleh operator atau pihak, bukan oleh minister",
            "cases are filed by an operator or a party; this key has role minister",
        ),
        (
            "POST",
            "/v1/cases",
            {"role": Role.PARTY, "scope": KOTA_BANDUNG, "json": ksdd_filing_json()},
            403,
            "wrong_scope",
            "kunci pihak hanya mengajukan sebagai pihak pemohon; 32.73 bukan pemohon di sini",
            "a party key files only as a requesting party; 32.73 is not one here",
        ),
        (
            "POST",
            "/v1/cases",
            {"json": unknown_region},
            422,
            "unroutable",
            f"permintaan tidak sah di {where}: perkara ini tidak dapat diarahkan ke forum mana "
            "pun: tidak ada wilayah dengan kode 32.99",
            f"the request is invalid at {where}: no forum can be found for this case: unknown "
            "region code 32.99",
        ),
        (
            "GET",
            "/v1/cases?forum=court",
            {},
            422,
            "unknown_filter_value",
            'forum: "court" bukan forum penyelesaian; yang dikenal: gwpp, minister, atau '
            "dispute_clause",
            'forum: "court" is not a forum; allowed: gwpp, minister, or dispute_clause',
        ),
        (
            "GET",
            "/v1/cases?awaiting=me",
            {"role": Role.ADMIN},
            422,
            "unknown_filter_value",
            "awaiting: kunci admin hanya membaca dan tidak pernah ditunggu; mintalah suatu peran "
            "atau pihak",
            "awaiting: a key with role admin only reads and is never awaited; ask for a role or "
            "a party instead",
        ),
        (
            "GET",
            "/v1/cases?cursor=!!!",
            {},
            422,
            "invalid_cursor",
            "cursor: bukan kursor yang diberikan API ini",
            "cursor: not a cursor this API gave out",
        ),
        (
            "GET",
            "/v1/cases?q=TPA%00",
            {},
            422,
            "invalid_request",
            "permintaan tidak sah di query /q: karakter NUL tidak diperbolehkan",
            "the request is invalid at query /q: a NUL character is not allowed",
        ),
    ]
    for method, path, kwargs, status, code, indonesian, english in cases:
        for language, header in (("id", None), ("en", "en")):
            response = await _send(api, method, path, header, **kwargs)
            body = _problem(response, status, code, language)
            assert body["detail"] == (english if language == "en" else indonesian), path
            if status == 422 and code != "invalid_cursor":
                assert body["errors"][0]["message"] in body["detail"], body
