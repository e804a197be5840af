"""Who sees what (pedoman.md §9 D6–D8): a confidential legal-opinion thread, the office it is
addressed to, counsel holding a party's SKK, and the governor who is a party (R3).

The rules are pure and tested as such; the read side is tested through the real API over the
real workflow and read model: detail, timeline, documents, worklist and statistics.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from models.case import CaseFiling, CaseType
from models.forum import ForumKind, Routing, RoutingRule
from models.payloads import Addressee, ProsecutorOffice
from models.roles import Actor, Role
from models.state import LegalOpinionThread
from models.tables import CaseDeadline
from models.time import DayType, Deadline, Limit
from tests.api_harness import Api, ksdd_filing_json
from tests.cases import ksdd_filing
from workflows.legal_opinions import may_answer, office_covers, sees

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
KEJARI_BANDUNG = {"office": "kejari", "region_code": BANDUNG}
DOCUMENT = {
    "name": "surat-permohonan.pdf",
    "doc_type": "surat",
    "sha256": hashlib.sha256(b"surat permohonan pendapat hukum").hexdigest(),
    "size": 1024,
}


# ---------------------------------------------------------------- the rules, pure


def _thread(*, requester: str | None, addressee: Addressee | None) -> LegalOpinionThread:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    deadline = Deadline(
        started_at=now,
        limit=Limit(amount=14, day_type=DayType.HK),
        due_at=now + timedelta(days=20),
        due_date="2026-03-19",
        timezone="Asia/Jakarta",
        calendar_version="test",
    )
    return LegalOpinionThread(
        thread=1,
        requested_by=Actor(key_id="k", role=Role.PARTY, scope=requester),
        requested_at=now,
        stage="musyawarah",
        question="Apakah PKS mengikat?",
        deadline=deadline,
        addressee=addressee,
        requester_party=requester,
        confidential=True,
    )


R1 = Routing(rule=RoutingRule.R1, forum=ForumKind.GWPP, gwpp_province="32", explanation="R1")
R3 = Routing(rule=RoutingRule.R3, forum=ForumKind.MINISTER, explanation="R3")


def _r3_filing() -> CaseFiling:
    return ksdd_filing("32", BANDUNG)


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        (Role.PARTY, BANDUNG, True),  # the requester
        (Role.PARTY, KOTA_BANDUNG, False),  # the other party
        (Role.PROSECUTOR, BANDUNG, True),  # the Kejari asked
        (Role.PROSECUTOR, "32", False),  # the Kejati, not asked
        (Role.PROSECUTOR, None, True),  # JAM Datun
        (Role.GWPP, "32", True),  # the forum of an R1 case
        (Role.OPERATOR, None, True),
        (Role.MINISTER, None, True),
        (Role.AUDITOR, None, True),
        (Role.ADJUDICATOR, None, False),  # the forum only of KSDPK stages
    ],
)
def test_who_sees_a_confidential_thread(role: Role, scope: str | None, expected: bool) -> None:
    thread = _thread(
        requester=BANDUNG, addressee=Addressee(office=ProsecutorOffice.KEJARI, region_code=BANDUNG)
    )
    assert sees(thread, role, scope, ksdd_filing(BANDUNG, KOTA_BANDUNG), R1) is expected
    disclosed = thread.model_copy(update={"disclosed_at": thread.requested_at})
    assert sees(disclosed, role, scope, ksdd_filing(BANDUNG, KOTA_BANDUNG), R1) is True


def test_in_r3_the_governor_sees_as_the_party_it_is() -> None:
    kab = _thread(requester=BANDUNG, addressee=None)
    province = _thread(requester="32", addressee=None)
    assert sees(kab, Role.GWPP, "32", _r3_filing(), R3) is False
    assert sees(province, Role.GWPP, "32", _r3_filing(), R3) is True


def test_an_office_must_cover_a_party_and_only_it_answers() -> None:
    filing = ksdd_filing(BANDUNG, KOTA_BANDUNG)
    kejati = Addressee(office=ProsecutorOffice.KEJATI, region_code="32")
    assert office_covers(kejati, filing)
    assert not office_covers(Addressee(office=ProsecutorOffice.KEJATI, region_code="33"), filing)
    assert not office_covers(Addressee(office=ProsecutorOffice.KEJARI, region_code="32.01"), filing)
    assert office_covers(Addressee(office=ProsecutorOffice.JAM_DATUN), filing)
    thread = _thread(requester=BANDUNG, addressee=kejati)
    assert may_answer(thread, Actor(key_id="k", role=Role.PROSECUTOR, scope="32"))
    assert may_answer(thread, Actor(key_id="k", role=Role.PROSECUTOR))
    assert not may_answer(thread, Actor(key_id="k", role=Role.PROSECUTOR, scope=BANDUNG))
    assert filing.case_type is CaseType.KSDD


# ---------------------------------------------------------------- through the API


def _filing_with_counsel(
    requesting: str = BANDUNG, responding: str = KOTA_BANDUNG
) -> dict[str, Any]:
    """Kabupaten v Kota Bandung; Kota Bandung represented by its Kejari under an SKK."""
    filing = ksdd_filing_json(requesting, responding)
    filing["parties"][1]["counsel"] = {
        "kind": "jpn",
        "name": "Kejaksaan Negeri Kota Bandung",
        "skk_number": "SK-12/M.2.10/Gp/02/2026",
        "skk_date": "2026-02-10",
        "office": responding,
    }
    return filing


async def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _seen(api: Api, case_id: str, role: Role, scope: str | None) -> dict[str, Any]:
    """What a key sees of the case: its threads, documents, clocks, waits and timeline."""
    detail = await _ok(await api.get(f"/v1/cases/{case_id}", role, scope))
    timeline = await _ok(await api.get(f"/v1/cases/{case_id}/timeline", role, scope))
    documents = await _ok(await api.get(f"/v1/cases/{case_id}/documents", role, scope))
    return {
        "threads": [t["thread"] for t in detail["legal_opinions"]],
        "documents": [d["document"]["sha256"] for d in documents["items"]],
        "detail_documents": [d["document"]["sha256"] for d in detail["documents"]],
        "clocks": sorted(d["clock"] for d in detail["deadlines"]),
        "awaiting": sorted(a["clock"] for a in detail["awaiting"]),
        "actions": [i["action"] for i in timeline["items"] if i["action"]],
    }


async def _listed(api: Api, role: Role, scope: str | None, **filters: Any) -> set[str]:
    page = await _ok(await api.get("/v1/cases", role, scope, limit=200, **filters))
    return {item["case_id"] for item in page["items"]}


async def test_a_confidential_thread_is_seen_only_by_those_named_until_disclosed(
    api: Api,
) -> None:
    case_id = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}), filing=_filing_with_counsel()
    )
    asked = await api.act(
        case_id,
        Role.PARTY,
        BANDUNG,
        "request_legal_opinion",
        question="Apakah PKS/12/2024 tetap mengikat?",
        addressee=KEJARI_BANDUNG,
        document=DOCUMENT,
    )
    assert asked.status_code == 200, asked.text
    await api.settled(case_id)
    thread_actions = ["request_legal_opinion"]
    everything = {
        "threads": [1],
        "documents": [DOCUMENT["sha256"]],
        "detail_documents": [DOCUMENT["sha256"]],
        "clocks": ["legal_opinion:1", "stage"],
        "awaiting": ["legal_opinion:1", "stage"],
        "actions": ["accept_filing", *thread_actions],
    }
    nothing = {
        "threads": [],
        "documents": [],
        "detail_documents": [],
        "clocks": ["stage"],
        "awaiting": ["stage"],
        "actions": ["accept_filing"],
    }
    sees_all = [
        (Role.PARTY, BANDUNG),
        (Role.PROSECUTOR, BANDUNG),
        (Role.PROSECUTOR, None),
        (Role.GWPP, "32"),
        (Role.OPERATOR, None),
        (Role.AUDITOR, None),
    ]
    sees_none = [(Role.PARTY, KOTA_BANDUNG), (Role.PROSECUTOR, "32"), (Role.PROSECUTOR, "32.73")]
    for role, scope in sees_all:
        assert await _seen(api, case_id, role, scope) == everything, (role, scope)
    for role, scope in sees_none:
        assert await _seen(api, case_id, role, scope) == nothing, (role, scope)
        # Not in the list of cases that wait for a prosecutor either.
        assert case_id not in await _listed(api, role, scope, awaiting="prosecutor")
    assert case_id in await _listed(api, Role.OPERATOR, None, awaiting="prosecutor")

    # Its overdue deadline is counted only for those who see the thread. (Made overdue in the
    # read model: the workflow flags it 14 HK from now, the counting is what is tested here.)
    with Session(api.app.state.engine) as session:
        session.execute(
            update(CaseDeadline)
            .where(
                col(CaseDeadline.case_id) == case_id, col(CaseDeadline.clock) == "legal_opinion:1"
            )
            .values(overdue=True)
        )
        session.commit()
    for role, scope in sees_all:
        stats = await _ok(await api.get("/v1/stats", role, scope))
        assert stats["overdue_legal_opinions"] == 1, (role, scope)
    for role, scope in sees_none:
        stats = await _ok(await api.get("/v1/stats", role, scope))
        assert stats["overdue_legal_opinions"] == 0, (role, scope)

    # Only the office asked (or JAM Datun) answers: the Kejati is refused, the Kejari answers.
    opinion: dict[str, Any] = {"thread": 1, "opinion": "PKS tetap mengikat para pihak."}
    kejati = await api.act(case_id, Role.PROSECUTOR, "32", "submit_legal_opinion", **opinion)
    assert kejati.status_code == 403 and kejati.json()["type"] == PROBLEM + "wrong_scope"
    answered = await api.act(case_id, Role.PROSECUTOR, BANDUNG, "submit_legal_opinion", **opinion)
    assert answered.status_code == 200, answered.text
    await api.settled(case_id)
    assert await _seen(api, case_id, Role.PARTY, KOTA_BANDUNG) == nothing

    # Only the requester discloses it; then every party sees the whole thread.
    other = await api.act(case_id, Role.PARTY, KOTA_BANDUNG, "disclose_legal_opinion", thread=1)
    assert other.status_code == 403 and other.json()["type"] == PROBLEM + "wrong_scope"
    disclosed = await api.act(case_id, Role.PARTY, BANDUNG, "disclose_legal_opinion", thread=1)
    assert disclosed.status_code == 200, disclosed.text
    await api.settled(case_id)
    after = await _seen(api, case_id, Role.PARTY, KOTA_BANDUNG)
    assert after["threads"] == [1] and after["documents"] == [DOCUMENT["sha256"]]
    assert after["actions"] == [
        "accept_filing",
        "request_legal_opinion",
        "submit_legal_opinion",
        "disclose_legal_opinion",
    ]
    again = await api.act(case_id, Role.PARTY, BANDUNG, "disclose_legal_opinion", thread=1)
    assert again.status_code == 409, again.text


async def test_a_request_names_an_office_covering_a_party(api: Api) -> None:
    case_id = await api.case((Role.OPERATOR, None, "accept_filing", {}))
    for addressee in (
        {"office": "kejari", "region_code": "32.01"},  # Kabupaten Bogor is no party
        {"office": "kejati", "region_code": "33"},
    ):
        refused = await api.act(
            case_id,
            Role.OPERATOR,
            None,
            "request_legal_opinion",
            question="Sah?",
            addressee=addressee,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["pointer"] == "/addressee"
    shaped = await api.act(
        case_id,
        Role.OPERATOR,
        None,
        "request_legal_opinion",
        question="Sah?",
        addressee={"office": "kejati", "region_code": BANDUNG},
    )
    assert shaped.status_code == 422, shaped.text


async def test_counsel_holding_the_skk_acts_for_its_party(api: Api) -> None:
    case_id = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}), filing=_filing_with_counsel()
    )
    own = await api.act(
        case_id,
        Role.PROSECUTOR,
        KOTA_BANDUNG,
        "submit_response",
        on_behalf_of=KOTA_BANDUNG,
        summary="Tanggapan Kota Bandung melalui JPN",
    )
    assert own.status_code == 200, own.text
    timeline = await _ok(await api.get(f"/v1/cases/{case_id}/timeline", Role.AUDITOR))
    entry = next(i for i in timeline["items"] if i["seq"] == own.json()["seq"])
    assert (entry["actor_role"], entry["actor_scope"], entry["on_behalf_of"]) == (
        "prosecutor",
        KOTA_BANDUNG,
        KOTA_BANDUNG,
    )
    # Another office, or the same office for a party whose SKK it does not hold, is refused.
    for scope, party in ((BANDUNG, KOTA_BANDUNG), (KOTA_BANDUNG, BANDUNG)):
        refused = await api.act(
            case_id, Role.PROSECUTOR, scope, "add_note", on_behalf_of=party, text="Catatan"
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == PROBLEM + "wrong_role"
    # Its key is offered what it may record for the party, as an operator's is.
    detail = await _ok(await api.get(f"/v1/cases/{case_id}", Role.PROSECUTOR, KOTA_BANDUNG))
    note = next(a for a in detail["allowed_actions"] if a["action"] == "declare_deadlock")
    assert note["on_behalf_of"] == [KOTA_BANDUNG] and note["on_own_behalf"] is False


async def test_in_r3_the_governor_sees_the_case_as_a_party(api: Api) -> None:
    case_id = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}), filing=ksdd_filing_json("32", BANDUNG)
    )
    for scope, addressee in (
        (BANDUNG, KEJARI_BANDUNG),
        ("32", {"office": "kejati", "region_code": "32"}),
    ):
        asked = await api.act(
            case_id,
            Role.PARTY,
            scope,
            "request_legal_opinion",
            question="Sah?",
            addressee=addressee,
        )
        assert asked.status_code == 200, asked.text
    await api.settled(case_id)
    governor = await _seen(api, case_id, Role.GWPP, "32")
    assert governor["threads"] == [2] and governor["clocks"] == ["legal_opinion:2", "stage"]
    assert (await _seen(api, case_id, Role.MINISTER, None))["threads"] == [1, 2]
    # Still only a reader here: the Minister is the forum of an R3 case.
    detail = await _ok(await api.get(f"/v1/cases/{case_id}", Role.GWPP, "32"))
    assert [a["action"] for a in detail["allowed_actions"]] == []
