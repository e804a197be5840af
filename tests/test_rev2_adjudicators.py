"""Adjudicators scoped to an institution (pedoman.md §9 D9): keys, the rules, the API's reads.

An adjudicator key carries its institution (`PN-BANDUNG`, `BANI`). Under 2026.2, in the KSDPK
stages an institution conducts, only the keys of the institution recorded for the case act, and
such a key sees only the cases that recorded it; a national key acts there nowhere but keeps
acting, and seeing, wherever a guideline does not scope adjudicators (2026.1).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.case import DisputeRoute
from models.regions import load_regions
from models.roles import Actor, Role
from models.state import ActionRequest, CaseState
from tests.api_harness import Api, ksdd_filing_json, ksdpk_filing_json
from tests.cases import OPERATOR, ksdpk_filing, new_case_id
from tests.rev2_paper import BERITA_ACARA
from workflows.refusals import Refusal
from workflows.rules import CaseRules
from workflows.starter import case_input

PROBLEM = "urn:mufakat:problem:"
CITY, COMPANY = "32.73", "NIB-8120000000001"
PN, BANI = "PN-BANDUNG", "BANI"


def _rules(version: str) -> CaseRules:
    case = case_input(
        case_id=new_case_id(),
        filing=ksdpk_filing(DisputeRoute.ARBITRATION),
        filed_by=OPERATOR,
        guideline_version=version,
    )
    return CaseRules(case.pinned.guideline, case.filing, case.routing)


def _state(stage: str, recorded: dict[str, str]) -> CaseState:
    return CaseState(
        case_id="PKD-2026-000001",
        stage=stage,
        filed_at=datetime(2026, 3, 2, tzinfo=UTC),
        filed_by=OPERATOR,
        recorded=recorded,
    )


def _answer(rules: CaseRules, state: CaseState, scope: str | None, action: str) -> str:
    actor = Actor(key_id="adjudicator", role=Role.ADJUDICATOR, scope=scope)
    request = ActionRequest(action=action, actor=actor, payload={"reference": "R-1"})
    try:
        rules.check(state, request)
    except Refusal as refusal:
        return refusal.message_id
    return "allowed"


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize("scope", [None, PN, BANI, "BANI:Jakarta", "adhoc.2026-07"])
def test_an_adjudicator_key_takes_an_institution_or_none(scope: str | None) -> None:
    from api.auth import validate_scope

    assert validate_scope(Role.ADJUDICATOR, scope, load_regions()) == scope


@pytest.mark.parametrize("scope", ["", "PN Bandung", "B", "x" * 121])
def test_an_adjudicator_scope_that_is_no_institution_is_refused(scope: str) -> None:
    from api.auth import validate_scope

    with pytest.raises(ValueError) as refused:
        validate_scope(Role.ADJUDICATOR, scope, load_regions())
    assert f"adjudicator scope {scope!r} is not an institution id" in str(refused.value)


# ---------------------------------------------------------------- the rules


def test_only_the_recorded_institution_acts_as_adjudicator_in_2026_2() -> None:
    rules = _rules("2026.2")
    nobody = _state("arbitration", {})
    bani = _state("arbitration", {"institution": BANI, f"institution:{BANI}": "tribunal_formation"})
    answers = {
        (stage_state, scope): _answer(rules, state, scope, "close_hearings")
        for stage_state, state in (("none recorded", nobody), ("BANI recorded", bani))
        for scope in (None, BANI, PN)
    }
    assert answers == {
        ("none recorded", None): "wrong_scope.no_institution",
        ("none recorded", BANI): "wrong_scope.no_institution",
        ("none recorded", PN): "wrong_scope.no_institution",
        ("BANI recorded", None): "wrong_scope.institution",
        ("BANI recorded", BANI): "allowed",
        ("BANI recorded", PN): "wrong_scope.institution",
    }
    # An adjudicator of another institution is offered nothing there.
    pn_key = Actor(key_id="pn", role=Role.ADJUDICATOR, scope=PN)
    assert rules.allowed(bani, pn_key) == []
    assert "close_hearings" in [
        a.name for a in rules.allowed(bani, pn_key.model_copy(update={"scope": BANI}))
    ]


def test_a_2026_1_case_takes_any_adjudicator_key_as_before() -> None:
    rules = _rules("2026.1")
    state = _state("arbitration", {})
    answers = {scope: _answer(rules, state, scope, "register_award") for scope in (None, BANI, PN)}
    assert answers == {None: "allowed", BANI: "allowed", PN: "allowed"}


# ---------------------------------------------------------------- over HTTP


async def _listed(api: Api, scope: str | None) -> set[str]:
    response = await api.get("/v1/cases", Role.ADJUDICATOR, scope, limit=200)
    assert response.status_code == 200, response.text
    return {item["case_id"] for item in response.json()["items"]}


async def test_the_court_recorded_for_a_case_alone_acts_and_sees_it(api: Api) -> None:
    court_case = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, COMPANY, "submit_response", {"summary": "Tanggapan PT Tirta"}),
        (
            Role.PARTY,
            CITY,
            "declare_deadlock",
            {"reason": "Tiga kali musyawarah buntu", "document": BERITA_ACARA},
        ),
        filing=ksdpk_filing_json("court"),
    )
    other_case = await api.case(filing=ksdd_filing_json())
    detail = (await api.get(f"/v1/cases/{court_case}")).json()
    assert detail["stage"] == "lawsuit_filing"

    # Before the lawsuit is filed no court is known: no adjudicator key acts.
    national = await api.act(court_case, Role.ADJUDICATOR, None, "order_mediation", reference="x")
    assert national.status_code == 403, national.text
    assert national.json()["type"] == PROBLEM + "wrong_scope"
    assert "record_institution" in national.json()["detail"]

    filed = await api.act(
        court_case, Role.PARTY, CITY, "file_lawsuit", institution=PN, reference="112/Pdt.G/2026"
    )
    assert filed.status_code == 200, filed.text
    await api.settled(court_case)
    assert await _listed(api, PN) == {court_case}
    assert await _listed(api, BANI) == set()
    # A national key keeps seeing every case (it still acts in 2026.1 cases).
    assert {court_case, other_case} <= await _listed(api, None)
    hidden = await api.get(f"/v1/cases/{court_case}", Role.ADJUDICATOR, BANI)
    assert hidden.status_code == 403, hidden.text
    shown = await api.get(f"/v1/cases/{court_case}", Role.ADJUDICATOR, PN)
    assert shown.status_code == 200 and shown.json()["recorded"]["institution"] == PN

    # BANI's key cannot see the case, so it is refused as out of scope before the rules.
    bani = await api.act(court_case, Role.ADJUDICATOR, BANI, "order_mediation", reference="x")
    assert (bani.status_code, bani.json()["type"]) == (403, PROBLEM + "wrong_scope")
    national = await api.act(court_case, Role.ADJUDICATOR, None, "order_mediation", reference="x")
    assert national.status_code == 403, national.text
    assert f"({PN})" in national.json()["detail"]
    ordered = await api.act(
        court_case, Role.ADJUDICATOR, PN, "order_mediation", reference="Penetapan mediasi"
    )
    assert ordered.status_code == 200, ordered.text
    assert ordered.json()["case"]["stage"] == "court_mediation"
