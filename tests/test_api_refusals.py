"""Every refusal over HTTP: its status, a problem+json body that says exactly why, no trace.

Each refusal is followed by a look at the case's version and timeline, which must be as they
were: a refused request leaves nothing behind (pedoman.md §6).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlmodel import Session

from api.auth import create_key, revoke_key
from models.roles import Role
from tests.api_harness import Api, Step, ksdd_filing_json
from tests.rev2_paper import BERITA_ACARA, formal_decision, with_berita_acara

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
# What must never reach a caller: a trace, a file path, SQL or a driver's name.
LEAKS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "sqlite3", "SELECT ", "INSERT ", "/.venv/")


def assert_problem(
    response: httpx.Response, status: int, code: str, *fragments: str
) -> dict[str, Any]:
    """A problem details body with this status and type, whose detail names every fragment."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + code, body
    assert body["status"] == status and body["title"] and body["detail"], body
    for fragment in fragments:
        assert fragment in body["detail"], (fragment, body["detail"])
    for leak in LEAKS:
        assert leak not in response.text, (leak, response.text)
    return body


ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPOND: Step = (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan"})


async def _trace(api: Api, case_id: str) -> tuple[int, list[dict[str, Any]]]:
    detail = (await api.get(f"/v1/cases/{case_id}")).json()
    timeline = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    return detail["version"], timeline


@dataclass(frozen=True)
class Refused:
    """An action that must be refused, and how."""

    role: Role
    scope: str | None
    action: str
    status: int
    code: str
    fragments: tuple[str, ...]
    payload: dict[str, Any] = field(default_factory=dict)


# In musyawarah of an R1 case (Kabupaten Bandung requests, Kota Bandung responds).
IN_MUSYAWARAH = [
    Refused(
        Role.GWPP,
        "32",
        "issue_decision",
        409,
        "wrong_stage",
        ("issue_decision", "musyawarah"),
        formal_decision("keputusan_gubernur_wpp"),
    ),
    Refused(
        Role.MINISTER,
        None,
        "declare_deadlock",
        403,
        "wrong_role",
        ("declare_deadlock", "minister"),
        with_berita_acara("Buntu"),
    ),
    # Out of the key's scope: the GWPP of another province cannot even see the case...
    Refused(Role.GWPP, "33", "add_note", 403, "wrong_scope", ("di luar cakupan",), {"text": "x"}),
    # ...and a party of the case on the wrong side is refused by the guideline's rules.
    Refused(
        Role.PARTY,
        KOTA_BANDUNG,
        "withdraw",
        403,
        "wrong_scope",
        ("withdraw", "requesting_party", KOTA_BANDUNG),
        {"reason": "Dicabut"},
    ),
    Refused(
        Role.PARTY, BANDUNG, "declare_deadlock", 422, "bad_payload", ("body /reason: wajib diisi",)
    ),
    Refused(
        Role.PARTY,
        BANDUNG,
        "declare_deadlock",
        422,
        "bad_payload",
        ("body /reason: paling sedikit 3 karakter",),
        {"reason": "x", "document": BERITA_ACARA},
    ),
    Refused(
        Role.PARTY,
        BANDUNG,
        "declare_deadlock",
        422,
        "bad_payload",
        ("body /reason: harus teks",),
        {"reason": 5, "document": BERITA_ACARA},
    ),
    Refused(
        Role.PARTY,
        BANDUNG,
        "declare_deadlock",
        422,
        "bad_payload",
        ("body /verdict: kolom ini tidak dikenal",),
        {**with_berita_acara("Buntu"), "verdict": "menang"},
    ),
    Refused(
        Role.OPERATOR, None, "approve_everything", 422, "unknown_action", ("approve_everything",)
    ),
    Refused(
        Role.OPERATOR,
        None,
        "extend_deadline",
        409,
        "missing_confirmation",
        ("persetujuan setiap pihak", BANDUNG, KOTA_BANDUNG),
        {"reason": "Perlu waktu"},
    ),
    Refused(
        Role.OPERATOR,
        None,
        "extend_deadline",
        409,
        "missing_confirmation",
        (KOTA_BANDUNG,),
        {"reason": "Perlu waktu", "consents": [BANDUNG]},
    ),
    Refused(
        Role.OPERATOR,
        None,
        "extend_deadline",
        422,
        "bad_payload",
        ("consents: bukan pihak dalam perkara ini: 32.01",),
        {"reason": "Perlu waktu", "consents": [BANDUNG, KOTA_BANDUNG, "32.01"]},
    ),
    Refused(
        Role.PARTY,
        KOTA_BANDUNG,
        "confirm_agreement",
        409,
        "missing_confirmation",
        ("report_agreement",),
    ),
    Refused(
        Role.OPERATOR,
        None,
        "resume_clock",
        409,
        "not_applicable",
        ("tidak sedang dijeda",),
        {"reason": "Lanjutkan"},
    ),
]


# What the forum (or an operator in its own name) may do in musyawarah, in the guideline's order.
FORUM_IN_MUSYAWARAH = [
    "request_legal_opinion",
    "attach_document",
    "add_note",
    "extend_deadline",
    "pause_clock",
    "schedule_meeting",  # 2026.2 (§9 D10); recording one waits for a meeting scheduled
]
# An operator in its own name may also recount the deadline with a new calendar (2026.2, D20).
OPERATOR_IN_MUSYAWARAH = [
    "request_legal_opinion",
    "attach_document",
    "add_note",
    "extend_deadline",
    "pause_clock",
    "recompute_deadline",
    "schedule_meeting",
]


async def test_each_refusal_is_specific_and_leaves_no_trace(api: Api) -> None:
    case_id = await api.case(ACCEPT, RESPOND)
    before = await _trace(api, case_id)
    for refused in IN_MUSYAWARAH:
        response = await api.act(
            case_id, refused.role, refused.scope, refused.action, **refused.payload
        )
        body = assert_problem(response, refused.status, refused.code, *refused.fragments)
        assert body["instance"] == f"/v1/cases/{case_id}/actions"
        if refused.code in ("wrong_stage", "unknown_action"):
            # Which stage the case is in, and what this key may do there instead (a GWPP or an
            # operator in its own name: not the parties' declare_deadlock).
            assert body["stage"] == "musyawarah", body
            expected = (
                OPERATOR_IN_MUSYAWARAH if refused.role is Role.OPERATOR else FORUM_IN_MUSYAWARAH
            )
            assert body["allowed_actions"] == expected, body
        assert await _trace(api, case_id) == before, refused


async def test_already_done(api: Api) -> None:
    case_id = await api.case(ACCEPT, RESPOND)
    reported = await api.act(
        case_id, Role.PARTY, BANDUNG, "report_agreement", terms="Biaya dibagi dua"
    )
    assert reported.status_code == 200, reported.text
    await api.act(case_id, Role.OPERATOR, None, "pause_clock", reason="Menunggu berkas")
    before = await _trace(api, case_id)
    for role, scope, action, payload, fragment in [
        (Role.PARTY, KOTA_BANDUNG, "report_agreement", {"terms": "Lain"}, BANDUNG),
        (Role.PARTY, BANDUNG, "confirm_agreement", {}, f"{BANDUNG} sudah mengonfirmasi"),
        (Role.GWPP, "32", "pause_clock", {"reason": "Lagi"}, "sudah dijeda"),
    ]:
        response = await api.act(case_id, role, scope, action, **payload)
        assert_problem(response, 409, "already_done", fragment)
        assert await _trace(api, case_id) == before


async def test_closed_case(api: Api) -> None:
    case_id = await api.case((Role.PARTY, BANDUNG, "withdraw", {"reason": "Sudah damai"}))
    closed = (await api.get(f"/v1/cases/{case_id}")).json()
    assert closed["status"] == "closed" and closed["closing_state"] == "withdrawn"
    assert closed["allowed_actions"] == []
    before = await _trace(api, case_id)
    for role, scope, action, payload in [
        (Role.OPERATOR, None, "add_note", {"text": "Catatan"}),
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, BANDUNG, "withdraw", {"reason": "Sekali lagi"}),
    ]:
        response = await api.act(case_id, role, scope, action, **payload)
        assert_problem(response, 409, "case_closed", case_id, "withdrawn")
    assert await _trace(api, case_id) == before


async def test_unknown_case(api: Api) -> None:
    missing = "PKD-1999-000001"
    for response in [
        await api.act(missing, Role.OPERATOR, None, "add_note", text="Catatan"),
        await api.get(f"/v1/cases/{missing}"),
        await api.get(f"/v1/cases/{missing}/timeline"),
    ]:
        assert_problem(response, 404, "unknown_case", missing)


async def test_unauthenticated(api: Api) -> None:
    case_id = await api.case()
    before = await _trace(api, case_id)
    with Session(api.app.state.engine) as session:
        key, revoked = create_key(
            session, role=Role.OPERATOR, scope=None, name="dicabut", now=datetime.now(UTC)
        )
        revoke_key(session, key.key_id, datetime.now(UTC))
    unknown = "mk_000000000000_" + "A" * 43
    for authorization, code in [
        (None, "missing_credentials"),
        ("Basic b3BlcmF0b3I6cmFoYXNpYQ==", "missing_credentials"),
        ("Bearer nonsense", "invalid_key"),
        (f"Bearer {unknown}", "invalid_key"),
        # The right key id with a wrong secret is as unknown as no key at all.
        (f"Bearer {api.token(Role.OPERATOR)[:-4]}AAAA", "invalid_key"),
        (f"Bearer {revoked}", "revoked_key"),
    ]:
        headers = {"Idempotency-Key": "k-401"}
        if authorization is not None:
            headers["Authorization"] = authorization
        for response in [
            await api.client.get("/v1/cases", headers=headers),
            await api.client.get(f"/v1/cases/{case_id}", headers=headers),
            await api.client.post(
                f"/v1/cases/{case_id}/actions",
                json={"action": "add_note", "text": "Catatan"},
                headers=headers,
            ),
            await api.client.post("/v1/cases", json=ksdd_filing_json(), headers=headers),
            # Authentication comes first: a malformed request is still a 401 without a key.
            await api.client.post("/v1/cases/bukan-nomor/actions", content=b"{", headers=headers),
        ]:
            assert_problem(response, 401, code)
            assert response.headers["www-authenticate"] == "Bearer"
    assert await _trace(api, case_id) == before
    assert len((await api.get("/v1/cases")).json()["items"]) == 1


def _cursor(position: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


async def test_malformed_requests(api: Api) -> None:
    case_id = await api.case()
    before = await _trace(api, case_id)
    operator = api.headers(Role.OPERATOR, key="k-422")
    json_headers = {**operator, "Content-Type": "application/json"}
    actions = f"/v1/cases/{case_id}/actions"
    note = {"action": "add_note", "text": "Catatan"}
    checks: list[tuple[str, httpx.Response, str, tuple[str, ...]]] = [
        (
            "malformed JSON",
            await api.client.post(actions, content=b'{"action": ', headers=json_headers),
            "invalid_request",
            ("JSON",),
        ),
        (
            "not an object",
            await api.client.post(actions, json=["add_note"], headers=operator),
            "invalid_request",
            ("body",),
        ),
        (
            "action of the wrong type",
            await api.client.post(actions, json={"action": 5}, headers=operator),
            "invalid_request",
            ("body /action",),
        ),
        (
            "no action",
            await api.client.post(actions, json={"text": "Catatan"}, headers=operator),
            "invalid_request",
            ("body /action",),
        ),
        (
            "on_behalf_of of the wrong type",
            await api.client.post(actions, json={**note, "on_behalf_of": 32}, headers=operator),
            "invalid_request",
            ("body /on_behalf_of",),
        ),
        (
            "on_behalf_of empty",
            await api.client.post(actions, json={**note, "on_behalf_of": ""}, headers=operator),
            "invalid_request",
            ("body /on_behalf_of",),
        ),
        (
            "on_behalf_of with a NUL",
            await api.client.post(
                actions, json={**note, "on_behalf_of": "32.04\x00"}, headers=operator
            ),
            "invalid_request",
            ("body /on_behalf_of",),
        ),
        (
            "no Idempotency-Key on an action",
            await api.client.post(actions, json=note, headers=api.headers(Role.OPERATOR)),
            "invalid_request",
            ("Idempotency-Key",),
        ),
        (
            "empty Idempotency-Key",
            await api.client.post(actions, json=note, headers={**operator, "Idempotency-Key": ""}),
            "invalid_request",
            ("Idempotency-Key",),
        ),
        (
            "overlong Idempotency-Key",
            await api.client.post(
                actions, json=note, headers={**operator, "Idempotency-Key": "k" * 188}
            ),
            "invalid_request",
            ("Idempotency-Key",),
        ),
        (
            "bad case id (action)",
            await api.client.post("/v1/cases/PKD-26-1/actions", json=note, headers=operator),
            "invalid_request",
            ("path /case_id",),
        ),
        (
            "bad case id (detail)",
            await api.get("/v1/cases/pkd-2026-000001"),
            "invalid_request",
            ("path /case_id",),
        ),
        (
            "bad case id (timeline)",
            await api.get("/v1/cases/PKD-2026-1/timeline"),
            "invalid_request",
            ("path /case_id",),
        ),
        (
            "filing that is not JSON",
            await api.client.post("/v1/cases", content=b"{", headers=json_headers),
            "invalid_request",
            ("JSON",),
        ),
        (
            "filing with a wrong type",
            await api.file({**ksdd_filing_json(), "sectors": "aset"}),
            "invalid_request",
            ("body /sectors",),
        ),
        (
            "filing with a NUL",
            await api.file({**ksdd_filing_json(), "title": "Judul\x00rusak"}),
            "invalid_request",
            ("body /title: karakter NUL",),
        ),
        (
            "filing with an unknown region",
            await api.file(ksdd_filing_json("32.04", "32.99")),
            "unroutable",
            ("32.99",),
        ),
        (
            "worklist filter of the wrong type",
            await api.get("/v1/cases", overdue="kadang"),
            "invalid_request",
            ("query /overdue",),
        ),
        (
            "worklist limit out of range",
            await api.get("/v1/cases", limit=0),
            "invalid_request",
            ("query /limit",),
        ),
        (
            "worklist text with a NUL",
            await api.get("/v1/cases", q="TPA\x00"),
            "invalid_request",
            ("q",),
        ),
        (
            "worklist party with a NUL",
            await api.get("/v1/cases", party="32.04\x00"),
            "invalid_request",
            ("party",),
        ),
        (
            "cursor that is not base64 JSON",
            await api.get("/v1/cases", cursor="!!!"),
            "invalid_cursor",
            ("cursor",),
        ),
        (
            "cursor with a naive instant",
            await api.get("/v1/cases", cursor=_cursor(["2026-01-01T00:00:00", case_id])),
            "invalid_cursor",
            ("cursor",),
        ),
        (
            "cursor with a NUL",
            await api.get("/v1/cases", cursor=_cursor([None, "PKD\x00"])),
            "invalid_cursor",
            ("cursor",),
        ),
    ]
    for name, response, code, fragments in checks:
        assert response.status_code == 422, (name, response.text)
        body = assert_problem(response, 422, code, *fragments)
        if code == "invalid_request" and "NUL" not in body["detail"]:
            # Schema errors list every invalid part of the request, where it is and why.
            assert body["errors"], (name, body)
            assert body["detail"].endswith(body["errors"][0]["message"]), (name, body)
    assert await _trace(api, case_id) == before
    assert len((await api.get("/v1/cases")).json()["items"]) == 1
