"""Who may do what over HTTP: every role and scope against every kind of action, and reads.

The matrix answers each cell with `allowed`, `wrong_role` or `wrong_scope`. Refused callers all
try on one case, which must show no trace of them afterwards; an allowed caller whose action moves
or closes the case gets a case of its own, so every allowed cell is tested from the same stage.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from models.roles import Role
from tests.api_harness import Api, ksdd_filing_json, ksdpk_filing_json
from tests.rev2_paper import with_berita_acara

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG, BOGOR, SEMARANG = "32.04", "32.73", "32.01", "33.74"
COMPANY = "NIB-8120000000001"


@dataclass(frozen=True)
class Who:
    """A caller: the key's role and scope, and the party an operator records for."""

    label: str
    role: Role
    scope: str | None = None
    on_behalf_of: str | None = None


OPERATOR = Who("operator", Role.OPERATOR)
GWPP_IN = Who("gwpp 32", Role.GWPP, "32")
GWPP_OUT = Who("gwpp 33", Role.GWPP, "33")
MINISTER = Who("minister", Role.MINISTER)
PARTY_BANDUNG = Who("party 32.04", Role.PARTY, BANDUNG)
PARTY_KOTA = Who("party 32.73", Role.PARTY, KOTA_BANDUNG)
PARTY_OUT = Who("party 32.01", Role.PARTY, BOGOR)
PROSECUTOR_IN = Who("prosecutor 32", Role.PROSECUTOR, "32")
PROSECUTOR_OUT = Who("prosecutor 35", Role.PROSECUTOR, "35")
PROSECUTOR_NATIONAL = Who("prosecutor national", Role.PROSECUTOR)
ADJUDICATOR = Who("adjudicator", Role.ADJUDICATOR)
# D9: an institution's key sees only the cases that recorded it (tests/test_rev2_adjudicators.py).
ADJUDICATOR_BANI = Who("adjudicator BANI", Role.ADJUDICATOR, "BANI")
AUDITOR = Who("auditor", Role.AUDITOR)
ADMIN = Who("admin", Role.ADMIN)
FOR_BANDUNG = Who("operator for 32.04", Role.OPERATOR, on_behalf_of=BANDUNG)
FOR_KOTA = Who("operator for 32.73", Role.OPERATOR, on_behalf_of=KOTA_BANDUNG)
FOR_STRANGER = Who("operator for 32.01", Role.OPERATOR, on_behalf_of=BOGOR)
PARTY_COMPANY = Who("party company", Role.PARTY, COMPANY)

# Every role, in and out of scope: each scenario answers for all of them.
ROSTER = (
    OPERATOR,
    GWPP_IN,
    GWPP_OUT,
    MINISTER,
    PARTY_BANDUNG,
    PARTY_KOTA,
    PARTY_OUT,
    PROSECUTOR_IN,
    PROSECUTOR_OUT,
    PROSECUTOR_NATIONAL,
    ADJUDICATOR,
    AUDITOR,
    ADMIN,
)
# Recording for a party only makes sense for a party's action; these rows join those scenarios.
ON_BEHALF = (FOR_BANDUNG, FOR_KOTA, FOR_STRANGER)
# A key that cannot see the case is refused before the validator: out of scope.
UNSEEN = frozenset({GWPP_OUT.label, PARTY_OUT.label, PROSECUTOR_OUT.label})

PROSECUTOR_KEJARI = Who("prosecutor 32.04", Role.PROSECUTOR, BANDUNG)
# The Kejaksaan offices a request is addressed to (pedoman.md §9 D7).
KEJATI = {"office": "kejati", "region_code": "32"}
KEJARI = {"office": "kejari", "region_code": BANDUNG}

Step = tuple[Who, str, dict[str, Any]]
ACCEPT: Step = (OPERATOR, "accept_filing", {})
RESPOND: Step = (PARTY_KOTA, "submit_response", {"summary": "Tanggapan tertulis"})
DEADLOCK: Step = (PARTY_BANDUNG, "declare_deadlock", with_berita_acara("Tidak mufakat"))
TO_MUSYAWARAH = (ACCEPT, RESPOND)
TO_GWPP = (ACCEPT, RESPOND, DEADLOCK)


def _reason(_: int) -> dict[str, Any]:
    return {"reason": "Alasan yang cukup jelas"}


def _with_berita_acara(_: int) -> dict[str, Any]:
    """A reason with its berita acara, as 2026.2 asks of a deadlock or a failed facilitation
    (§9 D11)."""
    return with_berita_acara("Alasan yang cukup jelas")


def _none(_: int) -> dict[str, Any]:
    return {}


def _document(n: int) -> dict[str, Any]:
    digest = hashlib.sha256(f"dokumen {n}".encode()).hexdigest()
    return {"name": f"ba-{n}.pdf", "doc_type": "berita_acara", "sha256": digest, "size": 2048}


@dataclass(frozen=True)
class Scenario:
    """One action kind in one stage, with who may take it."""

    name: str
    action: str
    payload: Callable[[int], dict[str, Any]]  # given how many callers took it before
    allowed: frozenset[str]
    setup: tuple[Step, ...] = ()
    out_of_scope: frozenset[str] = UNSEEN
    rows: tuple[Who, ...] = ROSTER
    filing: Callable[[], dict[str, Any]] = ksdd_filing_json
    fresh: bool = False  # the action moves or closes the case: one case per allowed caller
    # Callers whose role may take the action but whom something else refuses: their outcome.
    otherwise: tuple[tuple[str, str], ...] = ()


def _labels(*who: Who) -> frozenset[str]:
    return frozenset(w.label for w in who)


FORUM_OR_OPERATOR = _labels(OPERATOR, GWPP_IN)
ANYONE_INVOLVED = _labels(
    OPERATOR, GWPP_IN, PARTY_BANDUNG, PARTY_KOTA, PROSECUTOR_IN, PROSECUTOR_NATIONAL, ADJUDICATOR
)
# At intake the operator conducts the stage (§9 D1): the GWPP is not yet the forum there.
AT_INTAKE = ANYONE_INVOLVED - _labels(GWPP_IN)

SCENARIOS = [
    Scenario(
        "forum stage action (gwpp)",
        "close_without_agreement",
        _with_berita_acara,
        allowed=_labels(GWPP_IN),
        setup=TO_GWPP,
        rows=ROSTER + ON_BEHALF,
        # Recording for someone who is not a party of the case is out of scope, whatever the
        # action; recording a party's share of a forum's action is the wrong role.
        out_of_scope=UNSEEN | _labels(FOR_STRANGER),
        fresh=True,
    ),
    Scenario(
        # R5 (kab/kota of two provinces): the Minister is the forum and GWPP 33 can see the case.
        "forum stage action (minister)",
        "close_without_agreement",
        _with_berita_acara,
        allowed=_labels(MINISTER),
        setup=(
            ACCEPT,
            (Who("party 33.74", Role.PARTY, SEMARANG), "submit_response", {"summary": "Jawab"}),
            DEADLOCK,
        ),
        out_of_scope=_labels(PARTY_KOTA, PARTY_OUT, PROSECUTOR_OUT),
        filing=lambda: ksdd_filing_json(BANDUNG, SEMARANG),
        fresh=True,
    ),
    Scenario(
        "responding party's stage action",
        "submit_response",
        lambda _: {"summary": "Tanggapan tertulis"},
        allowed=_labels(PARTY_KOTA, FOR_KOTA),
        setup=(ACCEPT,),
        rows=ROSTER + ON_BEHALF,
        # The requesting party is in the case but on the wrong side; an operator recording for
        # it (or for a stranger) is refused the same way.
        out_of_scope=UNSEEN | _labels(PARTY_BANDUNG, FOR_BANDUNG, FOR_STRANGER),
        fresh=True,
    ),
    Scenario(
        "any party's stage action",
        "declare_deadlock",
        _with_berita_acara,
        allowed=_labels(PARTY_BANDUNG, PARTY_KOTA, FOR_BANDUNG, FOR_KOTA),
        setup=TO_MUSYAWARAH,
        rows=ROSTER + ON_BEHALF,
        out_of_scope=UNSEEN | _labels(FOR_STRANGER),
        fresh=True,
        # The forum declares it too in 2026.2, but only on a party's absence from consecutive
        # meetings (§9 D10): without an absent_party named, the payload lacks its ground.
        otherwise=((GWPP_IN.label, "422 urn:mufakat:problem:bad_payload"),),
    ),
    Scenario(
        "operator action",
        "accept_filing",
        _none,
        allowed=_labels(OPERATOR),  # intake is the operator's alone (§9 D1)
        fresh=True,
    ),
    Scenario(
        "legal-opinion request",
        "request_legal_opinion",
        lambda n: {"question": f"Apakah klausul {n} mengikat?", "addressee": KEJATI},
        # At intake the operator conducts the stage: the GWPP is not yet the forum (D1).
        allowed=_labels(OPERATOR, PARTY_BANDUNG, PARTY_KOTA),
    ),
    Scenario(
        # At intake the operator conducts a KSDPK case; the company is not a government party.
        "legal-opinion request (KSDPK)",
        "request_legal_opinion",
        lambda n: {"question": f"Apakah klausul {n} mengikat?", "addressee": KEJATI},
        allowed=_labels(OPERATOR, PARTY_KOTA),  # at intake the Minister is not the forum (D1)
        rows=(*ROSTER, PARTY_COMPANY),
        out_of_scope=UNSEEN | _labels(PARTY_BANDUNG, PARTY_COMPANY),
        filing=ksdpk_filing_json,
    ),
    Scenario(
        "legal-opinion submission",
        "submit_legal_opinion",
        lambda n: {"thread": n + 1, "opinion": "Klausul mengikat para pihak"},
        allowed=_labels(PROSECUTOR_IN, PROSECUTOR_NATIONAL),
        # One open thread for each prosecutor that may answer.
        setup=(
            (OPERATOR, "request_legal_opinion", {"question": "Pertama", "addressee": KEJATI}),
            (OPERATOR, "request_legal_opinion", {"question": "Kedua", "addressee": KEJATI}),
        ),
    ),
    Scenario(
        # Addressed to a Kejari (D7): only its keys and JAM Datun answer; the Kejati may not.
        "legal-opinion submission (Kejari)",
        "submit_legal_opinion",
        lambda n: {"thread": n + 1, "opinion": "Klausul mengikat para pihak"},
        allowed=_labels(PROSECUTOR_KEJARI, PROSECUTOR_NATIONAL),
        rows=(*ROSTER, PROSECUTOR_KEJARI),
        out_of_scope=UNSEEN | _labels(PROSECUTOR_IN),
        setup=(
            (OPERATOR, "request_legal_opinion", {"question": "Pertama", "addressee": KEJARI}),
            (OPERATOR, "request_legal_opinion", {"question": "Kedua", "addressee": KEJARI}),
        ),
    ),
    Scenario(
        # Confidential until its requester (here the operator's office) discloses it (D6).
        "legal-opinion disclosure",
        "disclose_legal_opinion",
        lambda _: {"thread": 1},
        allowed=_labels(OPERATOR),
        rows=ROSTER + ON_BEHALF,
        # The other parties (or an operator for them) are not its requester; at intake the
        # operator conducts the stage, so the GWPP is not the forum (D1).
        out_of_scope=UNSEEN
        | _labels(PARTY_BANDUNG, PARTY_KOTA, FOR_BANDUNG, FOR_KOTA, FOR_STRANGER),
        setup=((OPERATOR, "request_legal_opinion", {"question": "Sah?", "addressee": KEJATI}),),
    ),
    Scenario("attach_document", "attach_document", _document, allowed=AT_INTAKE),
    Scenario("add_note", "add_note", lambda n: {"text": f"Catatan {n}"}, allowed=AT_INTAKE),
    Scenario(
        # Once the GWPP facilitates, it is the forum and notes the case (§9 D1).
        "add_note (gwpp_facilitation)",
        "add_note",
        lambda n: {"text": f"Catatan {n}"},
        allowed=ANYONE_INVOLVED,
        setup=TO_GWPP,
    ),
    Scenario(
        "extend_deadline",
        "extend_deadline",
        _reason,
        allowed=FORUM_OR_OPERATOR,
        setup=TO_GWPP,  # gwpp_facilitation allows one extension without the parties' consent
        fresh=True,
    ),
    Scenario("pause_clock", "pause_clock", _reason, allowed=_labels(OPERATOR), fresh=True),
    Scenario(
        "pause_clock (gwpp_facilitation)",
        "pause_clock",
        _reason,
        allowed=FORUM_OR_OPERATOR,
        setup=TO_GWPP,
        fresh=True,
    ),
    Scenario(
        # An R1 case escalated to the Minister: he pauses, the GWPP no longer may (§9 D1).
        "pause_clock (escalated)",
        "pause_clock",
        _reason,
        allowed=_labels(OPERATOR, MINISTER),
        setup=(*TO_GWPP, (GWPP_IN, "declare_unable", with_berita_acara("Di luar kewenangan"))),
        fresh=True,
    ),
    Scenario(
        "resume_clock",
        "resume_clock",
        _reason,
        allowed=_labels(OPERATOR),
        setup=((OPERATOR, "pause_clock", {"reason": "Menunggu dokumen"}),),
        fresh=True,
    ),
    Scenario(
        "withdraw",
        "withdraw",
        _reason,
        allowed=_labels(PARTY_BANDUNG, FOR_BANDUNG),
        rows=ROSTER + ON_BEHALF,
        out_of_scope=UNSEEN | _labels(PARTY_KOTA, FOR_KOTA, FOR_STRANGER),
        fresh=True,
    ),
]


async def _act(
    api: Api, case_id: str, who: Who, action: str, payload: dict[str, Any]
) -> httpx.Response:
    extra = {} if who.on_behalf_of is None else {"on_behalf_of": who.on_behalf_of}
    return await api.act(case_id, who.role, who.scope, action, **extra, **payload)


async def _case(api: Api, filing: dict[str, Any], setup: tuple[Step, ...] = ()) -> str:
    filed = await api.file(filing)
    assert filed.status_code == 201, filed.text
    case_id: str = filed.json()["case_id"]
    for who, action, payload in setup:
        response = await _act(api, case_id, who, action, payload)
        assert response.status_code == 200, response.text
    return case_id


async def _trace(api: Api, case_id: str) -> tuple[int, list[int]]:
    """The case's version and timeline, which a refusal must leave as they were."""
    detail = (await api.get(f"/v1/cases/{case_id}")).json()
    timeline = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    return detail["version"], [item["seq"] for item in timeline]


def _outcome(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "allowed"
    problem_type = str(response.json().get("type", ""))
    if response.status_code == 403 and problem_type.startswith(PROBLEM):
        return problem_type.removeprefix(PROBLEM)
    return f"{response.status_code} {problem_type}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_authorization_matrix(api: Api, scenario: Scenario) -> None:
    expected = {
        who.label: "allowed"
        if who.label in scenario.allowed
        else ("wrong_scope" if who.label in scenario.out_of_scope else "wrong_role")
        for who in scenario.rows
    } | dict(scenario.otherwise)
    case_id = await _case(api, scenario.filing(), scenario.setup)
    before = await _trace(api, case_id)
    refused = [who for who in scenario.rows if who.label not in scenario.allowed]
    # Refusals change nothing, so they may all arrive at once.
    answers = await asyncio.gather(
        *(_act(api, case_id, who, scenario.action, scenario.payload(0)) for who in refused)
    )
    actual = {who.label: _outcome(answer) for who, answer in zip(refused, answers, strict=True)}
    assert await _trace(api, case_id) == before, "a refusal left a trace in the case"

    allowed = [who for who in scenario.rows if who.label in scenario.allowed]
    for n, who in enumerate(allowed):
        target = case_id
        if scenario.fresh and n > 0:
            target = await _case(api, scenario.filing(), scenario.setup)
        answer = await _act(api, target, who, scenario.action, scenario.payload(n))
        actual[who.label] = _outcome(answer)
        if answer.status_code == 200:
            body = answer.json()
            assert body["action"] == scenario.action and body["duplicate"] is False
    assert actual == expected


# ---------------------------------------------------------------- reads


async def _listed(api: Api, who: Who) -> set[str]:
    response = await api.get("/v1/cases", who.role, who.scope, limit=200)
    assert response.status_code == 200, response.text
    return {item["case_id"] for item in response.json()["items"]}


async def test_each_key_sees_only_its_cases(api: Api) -> None:
    jabar = await _case(api, ksdd_filing_json(BANDUNG, KOTA_BANDUNG))
    jateng = await _case(api, ksdd_filing_json("33.02", SEMARANG))
    company = await _case(api, ksdpk_filing_json("court"))
    everything = {jabar, jateng, company}
    sees = {
        OPERATOR: everything,
        MINISTER: everything,
        ADJUDICATOR: everything,
        ADJUDICATOR_BANI: set(),
        AUDITOR: everything,
        ADMIN: everything,
        PROSECUTOR_NATIONAL: everything,
        PARTY_BANDUNG: {jabar},
        PARTY_KOTA: {jabar, company},
        PARTY_COMPANY: {company},
        PARTY_OUT: set(),
        GWPP_IN: {jabar, company},
        GWPP_OUT: {jateng},
        PROSECUTOR_IN: {jabar, company},
        PROSECUTOR_OUT: set(),
    }
    for who, visible in sees.items():
        assert await _listed(api, who) == visible, who.label
        for case_id in everything:
            detail = await api.get(f"/v1/cases/{case_id}", who.role, who.scope)
            timeline = await api.get(f"/v1/cases/{case_id}/timeline", who.role, who.scope)
            if case_id in visible:
                assert detail.status_code == 200 and timeline.status_code == 200, who.label
                assert detail.json()["case_id"] == case_id
            else:
                for refused in (detail, timeline):
                    assert refused.status_code == 403, (who.label, refused.text)
                    assert refused.json()["type"] == PROBLEM + "wrong_scope"
                    assert case_id in refused.json()["detail"]
        stats = (await api.get("/v1/stats", who.role, who.scope)).json()
        assert stats["open_cases"] == len(visible), who.label


@pytest.mark.parametrize("reader", [AUDITOR, ADMIN], ids=lambda w: w.label)
async def test_read_only_keys_take_no_action(api: Api, reader: Who) -> None:
    case_id = await _case(api, ksdd_filing_json())
    before = await _trace(api, case_id)
    detail = (await api.get(f"/v1/cases/{case_id}", reader.role)).json()
    assert detail["allowed_actions"] == []
    # Whatever the action, even one that does not exist, the answer is about the key.
    for action, payload in [
        ("accept_filing", {}),
        ("add_note", {"text": "Catatan auditor"}),
        ("withdraw", {"reason": "Dicabut"}),
        ("no_such_action", {}),
    ]:
        refused = await api.act(case_id, reader.role, None, action, **payload)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == PROBLEM + "wrong_role"
    filed = await api.file(ksdd_filing_json(), reader.role)
    assert filed.status_code == 403 and filed.json()["type"] == PROBLEM + "wrong_role"
    assert await _trace(api, case_id) == before


async def test_filing_by_role(api: Api) -> None:
    # A party files only as a requesting party of its own case; only operators file for others.
    assert (await api.file(ksdd_filing_json(), Role.PARTY, BANDUNG)).status_code == 201
    as_responding = await api.file(ksdd_filing_json(), Role.PARTY, KOTA_BANDUNG)
    assert as_responding.status_code == 403
    assert as_responding.json()["type"] == PROBLEM + "wrong_scope"
    for role, scope in [(Role.GWPP, "32"), (Role.MINISTER, None), (Role.PROSECUTOR, "32")]:
        refused = await api.file(ksdd_filing_json(), role, scope)
        assert refused.status_code == 403 and refused.json()["type"] == PROBLEM + "wrong_role"
    assert await _listed(api, PARTY_BANDUNG) == await _listed(api, OPERATOR)


async def test_operator_on_behalf_of_a_party_is_recorded_with_both(api: Api) -> None:
    case_id = await _case(api, ksdd_filing_json(), TO_MUSYAWARAH)
    before = await _trace(api, case_id)
    # Only an operator records for someone else; anyone else naming a party is refused.
    for who in [
        Who("party for the other party", Role.PARTY, BANDUNG, on_behalf_of=KOTA_BANDUNG),
        Who("party for itself", Role.PARTY, BANDUNG, on_behalf_of=BANDUNG),
        Who("gwpp for a party", Role.GWPP, "32", on_behalf_of=BANDUNG),
    ]:
        refused = await _act(api, case_id, who, "declare_deadlock", with_berita_acara("Buntu"))
        assert refused.status_code == 403, (who.label, refused.text)
        assert refused.json()["type"] == PROBLEM + "wrong_role"
        assert "operator" in refused.json()["detail"]
    assert await _trace(api, case_id) == before

    taken = await _act(api, case_id, FOR_BANDUNG, "declare_deadlock", with_berita_acara("Buntu"))
    assert taken.status_code == 200, taken.text
    seq = taken.json()["seq"]
    timeline = (await api.get(f"/v1/cases/{case_id}/timeline", Role.AUDITOR)).json()["items"]
    entry = next(item for item in timeline if item["seq"] == seq)
    assert entry["action"] == "declare_deadlock"
    assert entry["actor_role"] == "operator" and entry["actor_scope"] is None
    assert entry["on_behalf_of"] == BANDUNG
    # The key that acted is the operator's, not the party's.
    operator_key = api.token(Role.OPERATOR).split("_")[1]
    assert entry["actor_key"] == operator_key
    # A party's own action carries no on_behalf_of.
    own = await _act(api, case_id, PARTY_KOTA, "add_note", {"text": "Catatan pihak"})
    own_entry = next(
        item
        for item in (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
        if item["seq"] == own.json()["seq"]
    )
    assert own_entry["actor_role"] == "party" and own_entry["actor_scope"] == KOTA_BANDUNG
    assert own_entry["on_behalf_of"] is None


async def test_allowed_actions_depend_on_the_caller(api: Api) -> None:
    case_id = await _case(api, ksdd_filing_json(), TO_MUSYAWARAH)
    # Nothing reported yet (no confirm_agreement), no paused clock (no resume_clock), no open
    # legal-opinion thread (no submit_legal_opinion).
    party_steps = {"report_agreement", "declare_deadlock"}
    shared = {"attach_document", "add_note"}
    clocks = {"extend_deadline", "pause_clock"}
    bandung = party_steps | shared | {"request_legal_opinion", "withdraw"}
    expected: dict[Who, set[str] | None] = {
        PARTY_BANDUNG: bandung,
        PARTY_KOTA: bandung - {"withdraw"},  # only the requesting party withdraws
        # The operator's own actions and every party's, which it may record on their behalf.
        # 2026.2: only Bina Adwil recounts a deadline with a new calendar (§9 D20).
        # Both schedule the meetings of musyawarah (§9 D10); the GWPP is R1's forum there.
        OPERATOR: bandung | clocks | {"recompute_deadline", "schedule_meeting"},
        GWPP_IN: shared | clocks | {"request_legal_opinion", "schedule_meeting"},
        MINISTER: set(),  # not the forum of an R1 case
        PROSECUTOR_IN: shared,
        PROSECUTOR_NATIONAL: shared,
        ADJUDICATOR: shared,
        AUDITOR: set(),
        ADMIN: set(),
        GWPP_OUT: None,  # cannot read the case at all
        PARTY_OUT: None,
        PROSECUTOR_OUT: None,
    }
    for who, actions in expected.items():
        response = await api.get(f"/v1/cases/{case_id}", who.role, who.scope)
        if actions is None:
            assert response.status_code == 403, who.label
            continue
        assert response.status_code == 200, who.label
        allowed = [item["action"] for item in response.json()["allowed_actions"]]
        assert len(allowed) == len(set(allowed)), who.label
        assert set(allowed) == actions, who.label
