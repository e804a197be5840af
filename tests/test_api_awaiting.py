"""`allowed_actions`, `awaiting` and the worklist's `awaiting` filter over HTTP, against the real
workflow: what a key is offered is what its case accepts, who the case waits for is listed with
by when, and an unknown filter value is a 422 naming the allowed ones."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from alembic import command
from sqlmodel import Session, col, select

from models.guidelines import SHIPPED_VERSIONS, default_guideline, shipped_guideline
from models.pedoman import PayloadKind
from models.roles import Role
from models.tables import CaseAwaiting
from storage import migrate
from tests.api_harness import Api, Step, ksdd_filing_json, ksdpk_filing_json
from tests.rev2_paper import formal_decision, with_berita_acara
from workflows.availability import REPRESENTATIVE_PAYLOADS
from workflows.reindex import clear_cases, reindex

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG, COMPANY = "32.04", "32.73", "NIB-8120000000001"
ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPOND: Step = (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan"})
REPORT: Step = (Role.PARTY, BANDUNG, "report_agreement", {"terms": "Biaya dibagi dua"})
CONFIRM: Step = (Role.PARTY, KOTA_BANDUNG, "confirm_agreement", {})
SIGN: Step = (Role.PARTY, BANDUNG, "sign_agreement", {"reference": "BA-1/2026"})
DEADLOCK: Step = (Role.PARTY, BANDUNG, "declare_deadlock", with_berita_acara("Buntu"))
# Addressed to the Kejati of West Java (§9 D7): its keys (and national ones) answer.
ASK: Step = (
    Role.PARTY,
    BANDUNG,
    "request_legal_opinion",
    {"question": "Sahkah PKS ini?", "addressee": {"office": "kejati", "region_code": "32"}},
)
# What is only computed from the case's view (no query of its own) runs on one backend.
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
REFUSALS = {
    "wrong_stage",
    "case_closed",
    "already_done",
    "not_applicable",
    "missing_confirmation",
    "wrong_role",
    "wrong_scope",
    "bad_payload",
    "unknown_action",
}


async def _allowed(
    api: Api, case_id: str, role: Role, scope: str | None = None
) -> dict[str, dict[str, Any]]:
    response = await api.get(f"/v1/cases/{case_id}", role, scope)
    assert response.status_code == 200, response.text
    return {item["action"]: item for item in response.json()["allowed_actions"]}


async def _list(api: Api, **params: str) -> httpx.Response:
    """The operator's worklist with these filters (any name, `type` too)."""
    return await api.client.get("/v1/cases", params=params, headers=api.headers(Role.OPERATOR))


async def _detail(api: Api, case_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/cases/{case_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_allowed_actions_offer_only_what_the_case_accepts(api: Api) -> None:
    case_id = await api.case()
    # No extension in intake (or in notice): extend_deadline is not offered.
    at_intake = await _allowed(api, case_id, Role.OPERATOR)
    assert "extend_deadline" not in at_intake and "pause_clock" in at_intake
    assert at_intake["accept_filing"] == {
        "action": "accept_filing",
        "payload_kind": "none",
        "description": "Berkas lengkap: perkara diterima, forum dan aturan rute dicatat.",
        "on_own_behalf": True,
        "on_behalf_of": [],
        "threads": [],
    }
    for step in (ACCEPT, RESPOND):
        assert (await api.act(case_id, *step[:3], **step[3])).status_code == 200
    # Nothing reported yet: nobody is offered confirm_agreement.
    for scope in (BANDUNG, KOTA_BANDUNG):
        offered = await _allowed(api, case_id, Role.PARTY, scope)
        assert "report_agreement" in offered and "confirm_agreement" not in offered
    # No thread open: the prosecutor is not offered submit_legal_opinion; once one is, it is,
    # with the thread to answer.
    assert "submit_legal_opinion" not in await _allowed(api, case_id, Role.PROSECUTOR, "32")
    assert (await api.act(case_id, *ASK[:3], **ASK[3])).status_code == 200
    opinion = (await _allowed(api, case_id, Role.PROSECUTOR, "32"))["submit_legal_opinion"]
    assert opinion["threads"] == [1] and opinion["payload_kind"] == "legal_opinion"
    answered = await api.act(
        case_id, Role.PROSECUTOR, "32", "submit_legal_opinion", thread=1, opinion="Sah"
    )
    assert answered.status_code == 200, answered.text
    assert "submit_legal_opinion" not in await _allowed(api, case_id, Role.PROSECUTOR, "32")
    # musyawarah allows one extension, with every party's consent: offered once, then not (the
    # count is read from the case's timeline in the read model).
    operator = await _allowed(api, case_id, Role.OPERATOR)
    assert operator["extend_deadline"]["payload_kind"] == "extension"
    extended = await api.act(
        case_id,
        Role.OPERATOR,
        None,
        "extend_deadline",
        reason="Perlu waktu",
        consents=[BANDUNG, KOTA_BANDUNG],
    )
    assert extended.status_code == 200, extended.text
    assert "extend_deadline" not in await _allowed(api, case_id, Role.OPERATOR)
    again = await api.act(
        case_id, Role.OPERATOR, None, "extend_deadline", reason="Lagi", consents=[BANDUNG]
    )
    assert again.status_code == 409 and again.json()["type"] == PROBLEM + "not_applicable"
    # Signed by Kabupaten Bandung: only Kota Bandung is offered sign_agreement, and the operator
    # only on Kota Bandung's behalf.
    for step in (REPORT, CONFIRM, SIGN):
        response = await api.act(case_id, *step[:3], **step[3])
        assert response.status_code == 200, response.text
    assert "sign_agreement" not in await _allowed(api, case_id, Role.PARTY, BANDUNG)
    assert "sign_agreement" in await _allowed(api, case_id, Role.PARTY, KOTA_BANDUNG)
    signing = (await _allowed(api, case_id, Role.OPERATOR))["sign_agreement"]
    assert signing["on_own_behalf"] is False and signing["on_behalf_of"] == [KOTA_BANDUNG]
    assert signing["payload_kind"] == "record"


@ON_SQLITE
async def test_a_refusal_lists_what_this_key_may_do(api: Api) -> None:
    case_id = await api.case(ACCEPT, RESPOND)
    decision = formal_decision("keputusan_gubernur_wpp")
    refused = await api.act(case_id, Role.PARTY, BANDUNG, "issue_decision", **decision)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["type"] == PROBLEM + "wrong_stage" and body["stage"] == "musyawarah"
    # Kabupaten Bandung's own actions, not every role's of the stage.
    assert body["allowed_actions"] == [
        "report_agreement",
        "declare_deadlock",
        "request_legal_opinion",
        "attach_document",
        "add_note",
        "withdraw",
    ]
    # An operator recording for Kota Bandung is told what it may record for Kota Bandung.
    confirm = await api.act(
        case_id, Role.OPERATOR, None, "confirm_agreement", on_behalf_of=KOTA_BANDUNG
    )
    assert confirm.status_code == 409 and confirm.json()["type"] == PROBLEM + "missing_confirmation"
    assert confirm.json()["allowed_actions"] == [
        "report_agreement",
        "declare_deadlock",
        "request_legal_opinion",
        "attach_document",
        "add_note",
    ]


@ON_SQLITE
async def test_awaiting_says_who_must_act_and_by_when(api: Api) -> None:
    case_id = await api.case()
    detail = await _detail(api, case_id)
    stage_deadline = detail["deadline"]
    intake = ["accept_filing", "request_completion", "reject_out_of_scope"]
    assert detail["awaiting"] == [
        {
            "role": "operator",
            "scope": None,
            "name": "Sekretariat Bina Adwil Kemendagri",
            "actions": intake,
            "clock": "stage",
            "deadline": stage_deadline,
        },
        # Not the GWPP: at intake the operator conducts the stage (§9 D1).
    ]
    assert detail["progress"] == []
    for step in (ACCEPT, RESPOND, REPORT, ASK):
        assert (await api.act(case_id, *step[:3], **step[3])).status_code == 200
    detail = await _detail(api, case_id)
    thread = next(d for d in detail["deadlines"] if d["clock"] == "legal_opinion:1")
    # Reported by Kabupaten Bandung: the case waits for Kota Bandung's confirmation alone, and
    # for the prosecutor's opinion by the thread's own date.
    assert [(a["role"], a["scope"], a["name"], a["actions"]) for a in detail["awaiting"]] == [
        ("party", KOTA_BANDUNG, f"Pemda {KOTA_BANDUNG}", ["confirm_agreement"]),
        # The office the request is addressed to (§9 D7): the Kejati of West Java.
        ("prosecutor", "32", "Kejaksaan (Jaksa Pengacara Negara)", ["submit_legal_opinion"]),
    ]
    assert [a["deadline"] for a in detail["awaiting"]] == [detail["deadline"], thread]
    assert detail["progress"] == [
        {
            "action": "report_agreement",
            "done_by": [BANDUNG],
            "missing": [KOTA_BANDUNG],
            "proposed_by": BANDUNG,
            "confirmed_with": "confirm_agreement",
        }
    ]
    for step in (CONFIRM, SIGN):
        assert (await api.act(case_id, *step[:3], **step[3])).status_code == 200
    detail = await _detail(api, case_id)
    assert detail["stage"] == "agreement_recorded"
    assert [(a["role"], a["scope"], a["actions"]) for a in detail["awaiting"]] == [
        ("party", KOTA_BANDUNG, ["sign_agreement"]),
        ("prosecutor", "32", ["submit_legal_opinion"]),
    ]
    assert detail["progress"] == [
        {
            "action": "sign_agreement",
            "done_by": [BANDUNG],
            "missing": [KOTA_BANDUNG],
            "proposed_by": None,
            "confirmed_with": None,
        }
    ]
    closed = await api.case((Role.PARTY, BANDUNG, "withdraw", {"reason": "Sudah damai"}))
    assert (await _detail(api, closed))["awaiting"] == []


# name: (filing, steps): where each case waits.
WORKLIST: dict[str, tuple[dict[str, Any], list[Step]]] = {
    # Intake of an R1 case: the operator alone (§9 D1).
    "intake": (ksdd_filing_json(), []),
    # Notice: Kota Bandung must respond.
    "notice": (ksdd_filing_json(), [ACCEPT]),
    # musyawarah: both parties.
    "musyawarah": (ksdd_filing_json(), [ACCEPT, RESPOND]),
    # Reported by Kabupaten Bandung: Kota Bandung must confirm; a legal opinion is asked.
    "reported": (ksdd_filing_json(), [ACCEPT, RESPOND, REPORT, ASK]),
    # Past musyawarah, GWPP Jawa Barat facilitates (an R1 case): the GWPP alone.
    "facilitation": (ksdd_filing_json(), [ACCEPT, RESPOND, DEADLOCK]),
    # An R2 case (two provinces) past musyawarah: the Minister facilitates, alone.
    "provinces": (
        ksdd_filing_json("32", "33"),
        [
            ACCEPT,
            (Role.PARTY, "33", "submit_response", {"summary": "Tanggapan"}),
            (Role.PARTY, "32", "declare_deadlock", with_berita_acara("Buntu")),
        ],
    ),
    # Arbitration (KSDPK): the adjudicator of the institution recorded for it (D9).
    "arbitration": (
        ksdpk_filing_json("arbitration"),
        [
            ACCEPT,
            (Role.PARTY, COMPANY, "submit_response", {"summary": "Tanggapan"}),
            (Role.PARTY, KOTA_BANDUNG, "declare_deadlock", with_berita_acara("Buntu")),
            (Role.PARTY, COMPANY, "record_institution", {"institution": "BANI", "reference": "1"}),
            (Role.ADJUDICATOR, "BANI", "constitute_tribunal", {"reference": "Majelis 1/2026"}),
        ],
    ),
    # Withdrawn: nobody.
    "closed": (ksdd_filing_json(), [(Role.PARTY, BANDUNG, "withdraw", {"reason": "Damai"})]),
}
AWAITING: list[tuple[Role, str | None, dict[str, Any], set[str]]] = [
    # At intake the operator alone conducts the stage (§9 D1): neither GWPP nor Minister.
    (Role.OPERATOR, None, {"awaiting": "me"}, {"intake"}),
    (Role.GWPP, "32", {"awaiting": "me"}, {"facilitation"}),
    (Role.MINISTER, None, {"awaiting": "me"}, {"provinces"}),
    (Role.PARTY, KOTA_BANDUNG, {"awaiting": "me"}, {"notice", "musyawarah", "reported"}),
    (Role.PARTY, BANDUNG, {"awaiting": "me"}, {"musyawarah"}),
    (Role.PARTY, COMPANY, {"awaiting": "me"}, set()),
    (Role.PROSECUTOR, "32", {"awaiting": "me"}, {"reported"}),
    (Role.PROSECUTOR, "35", {"awaiting": "me"}, set()),  # not its area
    (Role.ADJUDICATOR, "BANI", {"awaiting": "me"}, {"arbitration"}),
    (Role.ADJUDICATOR, None, {"awaiting": "me"}, set()),  # BANI's case, not any adjudicator's
    (Role.OPERATOR, None, {"awaiting": KOTA_BANDUNG}, {"notice", "musyawarah", "reported"}),
    (Role.OPERATOR, None, {"awaiting": f"party:{BANDUNG}"}, {"musyawarah"}),
    (Role.OPERATOR, None, {"awaiting": "party"}, {"notice", "musyawarah", "reported"}),
    (Role.OPERATOR, None, {"awaiting": "gwpp:32"}, {"facilitation"}),
    (Role.OPERATOR, None, {"awaiting": "gwpp"}, {"facilitation"}),
    (Role.OPERATOR, None, {"awaiting": "minister"}, {"provinces"}),
    (Role.OPERATOR, None, {"awaiting": "prosecutor"}, {"reported"}),
    (Role.OPERATOR, None, {"awaiting": "operator"}, {"intake"}),
    (Role.OPERATOR, None, {"awaiting": "gwpp:33"}, set()),
    (Role.OPERATOR, None, {"awaiting": "33"}, set()),  # the province as a party: not awaited
    (
        Role.OPERATOR,
        None,
        {"awaiting": KOTA_BANDUNG, "stage": "musyawarah"},
        {"musyawarah", "reported"},
    ),
    (Role.OPERATOR, None, {"awaiting": "minister", "province": "33"}, {"provinces"}),
    (Role.OPERATOR, None, {"awaiting": "operator", "province": "33"}, set()),
    (Role.OPERATOR, None, {"awaiting": "party", "province": "33"}, set()),
    (Role.GWPP, "32", {"awaiting": KOTA_BANDUNG}, {"notice", "musyawarah", "reported"}),
]


async def test_worklist_filters_by_who_is_awaited(api: Api) -> None:
    ids: dict[str, str] = {}
    for name, (filing, steps) in WORKLIST.items():
        ids[name] = await api.case(*steps, filing=filing)
    by_id = {case_id: name for name, case_id in ids.items()}
    for role, scope, params, expected in AWAITING:
        response = await api.get("/v1/cases", role, scope, limit=200, **params)
        assert response.status_code == 200, (role, scope, params, response.text)
        found = [by_id[item["case_id"]] for item in response.json()["items"]]
        assert len(found) == len(expected) and set(found) == expected, (role, scope, params)
    # Paged one at a time, in the worklist's own order.
    everything = await api.get("/v1/cases", limit=200, awaiting=KOTA_BANDUNG)
    walked: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        extra: dict[str, Any] = {} if cursor is None else {"cursor": cursor}
        page = (await api.get("/v1/cases", limit=1, awaiting=KOTA_BANDUNG, **extra)).json()
        walked += [item["case_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [item["case_id"] for item in everything.json()["items"]]
    assert len(walked) == 3
    # Auditors and administrators only read: nobody waits for them.
    refused = await api.get("/v1/cases", Role.AUDITOR, awaiting="me")
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == PROBLEM + "unknown_filter_value"
    await _check_rebuilt(api)


async def _check_rebuilt(api: Api) -> None:
    """`reindex` and the migration that made the table both write the rows projections did."""
    engine = api.app.state.engine

    def rows() -> list[tuple[str, str, str]]:
        with Session(engine) as session:
            found = session.exec(
                select(CaseAwaiting).order_by(
                    col(CaseAwaiting.case_id), col(CaseAwaiting.role), col(CaseAwaiting.scope)
                )
            )
            return [(r.case_id, r.role, r.scope) for r in found]

    projected = rows()
    # intake 1 (operator), notice 1, musyawarah 2, reported 2 (Kota Bandung, the Kejati),
    # facilitation 1 (GWPP), provinces 1 (Minister), arbitration 1 (BANI), closed none.
    assert len(projected) == 9
    clear_cases(engine)
    queue = api.app.state.settings.task_queue
    report = await reindex(api.app.state.temporal, engine, query=f"TaskQueue = '{queue}'")
    assert not report.failed
    assert rows() == projected
    url = api.app.state.settings.database_url
    command.downgrade(migrate.alembic_config(url), "0006")
    migrate.upgrade(url)
    assert rows() == projected


UNKNOWN: list[tuple[str, str, str]] = [
    ("stage", "nonexistent", "musyawarah"),
    ("forum", "court", "dispute_clause"),
    ("province", "99", "32"),
    ("province", "32.04", "32"),  # a kabupaten, not a province
    ("type", "KSDX", "KSDPK"),
    ("sector", "kesehatan", "aset"),
    ("status", "pending", "closed"),
    ("awaiting", "nobody", "me"),  # a third-party id no case has
    ("awaiting", "99.99", "me"),
    ("awaiting", "gwpp:99", "gwpp:32"),
]


async def test_unknown_filter_values_are_refused_with_the_allowed_ones(api: Api) -> None:
    await api.case()
    for name, value, one_allowed in UNKNOWN:
        response = await _list(api, **{name: value})
        assert response.status_code == 422, (name, value, response.text)
        body = response.json()
        assert body["type"] == PROBLEM + "unknown_filter_value", body
        assert one_allowed in body["allowed_values"], body
        [error] = body["errors"]
        assert (error["in"], error["code"]) == ("query", "unknown_filter_value"), body
        expected = "/awaiting" if name == "awaiting" else f"/{name}"
        assert error["pointer"] == expected, body
    stages = (await _list(api, stage="nonexistent")).json()["allowed_values"]
    # Every shipped version's stages: a 2026.1 case may still be in one 2026.2 renamed (`court`).
    guidelines = [shipped_guideline(version) for version in SHIPPED_VERSIONS]
    shipped = {s for g in guidelines for t in g.tracks for s in g.stages_for(t)}
    assert set(stages) == shipped and len(stages) == len(shipped)
    provinces = (await _list(api, province="00")).json()["allowed_values"]
    assert len(provinces) == 38 and {"93", "94", "95", "96"} <= set(provinces)
    # A known value with no case is an empty page, not an error.
    known = [
        ("stage", "gwpp_decision"),
        ("province", "94"),
        ("awaiting", "gwpp:94"),
        ("awaiting", "94.01"),
        ("awaiting", "party:NIB-8120000000001"),  # a party, not awaited now
    ]
    await api.case(filing=ksdpk_filing_json())
    for name, value in known:
        empty = await _list(api, **{name: value})
        assert empty.status_code == 200 and empty.json()["items"] == [], (name, value)


def _payload(kind: str, item: dict[str, Any], parties: list[str]) -> dict[str, Any]:
    payload = dict(REPRESENTATIVE_PAYLOADS[PayloadKind(kind)])
    if kind == "extension":
        payload["consents"] = parties
    if item["threads"]:
        payload["thread"] = item["threads"][0]
    return payload


WALK_KEYS: list[tuple[Role, str | None]] = [
    (Role.OPERATOR, None),
    (Role.GWPP, "32"),
    (Role.MINISTER, None),
    (Role.PROSECUTOR, "32"),
    (Role.ADJUDICATOR, None),
]
ACTION_KINDS = {
    a.name: a.payload.value
    for stages in [default_guideline().stages_for(t) for t in default_guideline().tracks]
    for stage in stages.values()
    for a in stage.actions
} | {a.name: a.payload.value for a in default_guideline().common_actions}
COMMON = {a.name for a in default_guideline().common_actions}
# Actions that close a case, left out of the walk while others remain (it would end there).
CLOSING = {"withdraw", "reject_out_of_scope", "record_settlement", "record_lapse"}


@ON_SQLITE
async def test_a_random_walk_takes_only_listed_actions(api: Api) -> None:
    """Seeded random walks through real cases: a listed action, taken with a valid payload,
    is applied; an unlisted one is refused and leaves no trace."""
    chooser = random.Random(8)
    for filing, parties in [
        (ksdd_filing_json(), [BANDUNG, KOTA_BANDUNG]),
        (ksdpk_filing_json("mediation"), [KOTA_BANDUNG, COMPANY]),
    ]:
        case_id = await api.case(filing=filing)
        keys = [*WALK_KEYS, *((Role.PARTY, p) for p in parties)]
        for _ in range(10):
            listed: list[tuple[Role, str | None, str, dict[str, Any]]] = []
            unlisted: list[tuple[Role, str | None, str, dict[str, Any]]] = []
            for role, scope in keys:
                offered = await _allowed(api, case_id, role, scope)
                for name, kind in ACTION_KINDS.items():
                    item = offered.get(name)
                    payload = _payload(kind, item or {"threads": []}, parties)
                    capacities = [None, *(parties if role is Role.OPERATOR else [])]
                    for behalf in capacities:
                        extra = {} if behalf is None else {"on_behalf_of": behalf}
                        yes = item is not None and (
                            item["on_own_behalf"]
                            if behalf is None
                            else behalf in item["on_behalf_of"]
                        )
                        (listed if yes else unlisted).append(
                            (role, scope, name, {**payload, **extra})
                        )
            if not listed:
                break
            version = (await _detail(api, case_id))["version"]
            for role, scope, name, payload in chooser.sample(unlisted, 3):
                refused = await api.act(case_id, role, scope, name, **payload)
                assert refused.status_code in (403, 409, 422), (role, scope, name, refused.text)
                assert refused.json()["type"].removeprefix(PROBLEM) in REFUSALS, refused.text
            assert (await _detail(api, case_id))["version"] == version
            # Mostly the stage's own actions, so that the walk moves on through the stages.
            moving = [step for step in listed if step[2] not in CLOSING] or listed
            own = [step for step in moving if step[2] not in COMMON]
            role, scope, name, payload = chooser.choice(
                own if own and chooser.random() < 0.7 else moving
            )
            taken = await api.act(case_id, role, scope, name, **payload)
            assert taken.status_code == 200, (role, scope, name, payload, taken.text)
