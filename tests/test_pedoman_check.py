"""The guideline checker: the shipped guidelines pass, each broken graph is named, and the
constructs of revision 2 (2026.2) are accepted where they are used right."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from models.case import CaseType
from models.guidelines import SHIPPED_VERSIONS, shipped_guideline
from models.pedoman import ClosingState, Fact
from models.pedoman_check import FACT_VALUES, Problem, check_guideline, closing_states_reached

Raw = dict[str, Any]


def shipped(version: str = "2026.1") -> Raw:
    """A fresh copy of a shipped guideline's raw mapping, safe to break. The breakages below
    name 2026.1's stages, which never change."""
    source = resources.files("models").joinpath("data", f"pedoman-{version}.toml")
    return copy.deepcopy(tomllib.loads(source.read_text(encoding="utf-8")))


def stage(data: Raw, track: str, name: str) -> Raw:
    found: Raw = next(s for s in data["tracks"][track]["stages"] if s["name"] == name)
    return found


def action(stage_data: Raw, name: str) -> Raw:
    found: Raw = next(a for a in stage_data["actions"] if a["name"] == name)
    return found


def remove_action(stage_data: Raw, name: str) -> None:
    stage_data["actions"] = [a for a in stage_data["actions"] if a["name"] != name]


@pytest.mark.parametrize("version", SHIPPED_VERSIONS)
def test_each_shipped_guideline_has_no_problems(version: str) -> None:
    assert check_guideline(shipped(version)) == []


@pytest.mark.parametrize("version", SHIPPED_VERSIONS)
def test_the_tracks_together_reach_every_closing_state(version: str) -> None:
    guideline = shipped_guideline(version)
    reached = set().union(*(closing_states_reached(guideline, t) for t in CaseType))
    # award_annulled came with revision 2 (pedoman.md §9 D14).
    never = {ClosingState.AWARD_ANNULLED} if version == "2026.1" else set()
    assert reached == set(ClosingState) - never


def test_each_track_reaches_its_own_closing_states() -> None:
    guideline = shipped_guideline("2026.1")
    assert ClosingState.TAKEOVER in closing_states_reached(guideline, CaseType.KSDD)
    assert ClosingState.TAKEOVER not in closing_states_reached(guideline, CaseType.KSDPK)
    assert ClosingState.LAPSED in closing_states_reached(guideline, CaseType.KSDPK)
    sinergi = closing_states_reached(guideline, CaseType.SINERGI)
    assert ClosingState.REFERRED_TO_PRESIDENT in sinergi
    assert ClosingState.GWPP_DECISION not in sinergi


def test_every_fact_has_the_values_it_can_take() -> None:
    # A fact without a domain would make the checker fail on the first `when` naming it.
    assert set(FACT_VALUES) == set(Fact)


def _unreachable(data: Raw) -> None:
    remove_action(stage(data, "KSDPK", "adr_mediation"), "record_agreement")


def _no_way_out(data: Raw) -> None:
    decision = stage(data, "KSDD", "minister_decision")
    decision["actions"] = []
    del decision["timeout"]


def _nowhere(data: Raw) -> None:
    action(stage(data, "KSDD", "gwpp_decision"), "issue_decision")["to"] = "nowhere"


def _governor(data: Raw) -> None:
    stage(data, "KSDD", "gwpp_decision")["actors"][0] = "governor"


def _misspelt_as_action(data: Raw) -> None:
    stage(data, "KSDPK", "adr_mediation")["timeout"]["action"] = "declare_faild"


def _switch_missing_a_case(data: Raw) -> None:
    del action(stage(data, "KSDD", "musyawarah"), "declare_deadlock")["to"]["cases"]["minister"]


def _duplicate_stage(data: Raw) -> None:
    stages = data["tracks"]["KSDD"]["stages"]
    stages.append(copy.deepcopy(stages[1]))


def _duplicate_action(data: Raw) -> None:
    court = stage(data, "KSDPK", "court")
    court["actions"].append(copy.deepcopy(court["actions"][0]))


def _goto_without_to(data: Raw) -> None:
    del stage(data, "KSDD", "gwpp_facilitation")["timeout"]["to"]


def _two_ends(data: Raw) -> None:
    action(stage(data, "SINERGI", "coordination"), "record_agreement")["close"] = "agreement"


def _proposal_without_to(data: Raw) -> None:
    del action(stage(data, "KSDD", "musyawarah"), "report_agreement")["to"]


def _confirms_unknown(data: Raw) -> None:
    musyawarah = stage(data, "KSDPK", "musyawarah")
    action(musyawarah, "confirm_agreement")["confirms"] = "report_agrement"


def _no_outcome_on_the_way(data: Raw) -> None:
    del data["tail"][0]["actions"][0]["outcome"]


def _timeout_without_limit(data: Raw) -> None:
    del stage(data, "SINERGI", "consultation")["limit"]


def _missing_entry(data: Raw) -> None:
    data["entry_stage"] = "registrasi"


def _loop(data: Raw) -> None:
    # gwpp_decision and minister_facilitation only lead to each other, and neither closes.
    decision = stage(data, "KSDD", "gwpp_decision")
    remove_action(decision, "issue_decision")
    facilitation = stage(data, "KSDD", "minister_facilitation")
    facilitation["actions"] = [action(facilitation, "close_without_agreement")]
    action(facilitation, "close_without_agreement")["to"] = "gwpp_decision"
    facilitation["timeout"]["to"] = "gwpp_decision"


def _unknown_when_value(data: Raw) -> None:
    data["tail"][2]["actions"][0]["when"]["mandatory_cooperation"] = ["ya"]


BROKEN: list[tuple[Callable[[Raw], None], str]] = [
    (_unreachable, "KSDPK: stage settlement_registration: unreachable from intake"),
    (_no_way_out, "KSDD: stage minister_decision: no way out"),
    (
        _nowhere,
        "KSDD: stage gwpp_decision, action issue_decision: "
        "transition to nowhere: no stage 'nowhere' in this track",
    ),
    (
        _governor,
        "tracks.KSDD.stages[2] (gwpp_decision).actors[0]: unknown role 'governor' "
        "(known: operator, forum, gwpp,",
    ),
    (
        _misspelt_as_action,
        "KSDPK: stage adr_mediation, timeout: as_action names unknown action 'declare_faild'",
    ),
    (
        _switch_missing_a_case,
        "KSDD: stage musyawarah, action declare_deadlock: switch on forum does not cover: minister",
    ),
    (
        _duplicate_stage,
        "KSDD: stage gwpp_facilitation: stage name used more than once",
    ),
    (_duplicate_action, "KSDPK: stage court, action register_settlement: action name used more"),
    (_goto_without_to, "KSDD: stage gwpp_facilitation, timeout: kind goto needs `to`"),
    (
        _two_ends,
        "SINERGI: stage coordination, action record_agreement: more than one of to, close",
    ),
    (_proposal_without_to, "KSDD: stage musyawarah, action report_agreement: a proposal"),
    (
        _confirms_unknown,
        "KSDPK: stage musyawarah, action confirm_agreement: "
        "confirms unknown proposal 'report_agrement'",
    ),
    (
        _no_outcome_on_the_way,
        "KSDD/KSDPK/SINERGI: stage implementation, action confirm_implemented: "
        "close_with_outcome is reachable on a path where no action set an outcome",
    ),
    (_timeout_without_limit, "SINERGI: stage consultation, timeout: a timeout rule but no limit"),
    (_missing_entry, "KSDD/KSDPK/SINERGI: entry_stage: no stage 'registrasi' in this track"),
    (_loop, "KSDD: stage gwpp_decision: the case can never close from here"),
    (
        _unknown_when_value,
        "stage enforcement, action order_takeover: when mandatory_cooperation has unknown value",
    ),
]


@pytest.mark.parametrize(("breakage", "expected"), BROKEN, ids=[b.__name__ for b, _ in BROKEN])
def test_a_broken_guideline_is_refused_with_the_problem_named(
    breakage: Callable[[Raw], None], expected: str
) -> None:
    data = shipped()
    breakage(data)
    lines = [str(problem) for problem in check_guideline(data)]
    assert any(expected in line for line in lines), lines


def test_a_problem_is_one_line_naming_where_it_is() -> None:
    data = shipped()
    _nowhere(data)
    [problem] = check_guideline(data)
    assert problem == Problem(
        "KSDD: stage gwpp_decision, action issue_decision",
        "transition to nowhere: no stage 'nowhere' in this track",
    )
    assert "\n" not in str(problem)


def test_a_switch_value_outside_the_facts_domain_is_named() -> None:
    data = shipped()
    cases = action(stage(data, "KSDPK", "musyawarah"), "declare_deadlock")["to"]["cases"]
    cases["mediasi"] = cases.pop("mediation")
    lines = [str(problem) for problem in check_guideline(data)]
    assert (
        "KSDPK: stage musyawarah, action declare_deadlock: switch on clause_route has unknown "
        "value(s): mediasi (known: arbitration, court, mediation)"
    ) in lines
    assert any("does not cover: mediation" in line for line in lines)


def test_a_misspelt_key_is_a_problem_not_ignored() -> None:
    data = shipped()
    stage(data, "KSDD", "gwpp_decision")["timout"] = {"kind": "overdue"}
    problems = [str(p) for p in check_guideline(data)]
    assert any("timout" in p for p in problems), problems


# ---------------------------------------------------------------- revision 2's constructs


def revised() -> Raw:
    """2026.1 with one of each construct revision 2 brought, used as it is meant to be."""
    data = shipped()
    court = stage(data, "KSDPK", "court")
    # A stage with no limit that only reminds (D15), and an institution recorded on the way in.
    for key in ("limit", "timeout", "extension"):
        del court[key]
    court["monitor_every"] = "90HKal"
    judgment = action(court, "register_judgment")
    judgment["to"] = "appeal_window"
    del judgment["outcome"]
    # A window whose expiry establishes the outcome (D15), left early by an institution record.
    data["tracks"]["KSDPK"]["stages"].append(
        {
            "name": "appeal_window",
            "title": "Tenggang banding",
            "actors": ["party"],
            "limit": "14HKal",
            "limit_rolls_forward": True,
            "legal_basis": "UU 20/1947 Pasal 7",
            "proposed_default": True,
            "timeout": {
                "kind": "goto",
                "to": "implementation",
                "records": "inkracht",
                "outcome": "court_judgment",
            },
            "actions": [
                {
                    "name": "file_appeal",
                    "actors": ["party"],
                    "payload": "institution",
                    "effect": "record_institution",
                    "to": "court",
                }
            ],
        }
    )
    # Responses collected per responding party, the silent ones named on expiry (D3).
    notice = data["opening"][2]
    action(notice, "submit_response")["every_party_of"] = "responding"
    notice["timeout"]["missing_of"] = "submit_response"
    # A party's withdrawal closes the case only when no requesting party is left (D4).
    action({"actions": data["common_actions"]}, "withdraw")["effect"] = "withdraw_party"
    # A takeover that requires recorded guidance (D2), switching on the route's taking-over body.
    enforcement = data["tail"][2]
    enforcement["actions"].insert(
        0,
        {
            "name": "record_takeover_guidance",
            "actors": ["forum"],
            "payload": "record",
            "records": "takeover_guidance",
            "when": {"case_type": ["KSDD"], "takeover_by": ["gwpp", "minister"]},
        },
    )
    takeover = action(enforcement, "order_takeover")
    takeover["requires"] = ["takeover_guidance"]
    takeover["when"]["takeover_by"] = ["gwpp"]
    return data


def test_revision_2_constructs_used_right_have_no_problems() -> None:
    assert check_guideline(revised()) == []


def test_a_timeout_outcome_is_carried_to_the_close_with_outcome() -> None:
    data = revised()
    # Without the window's outcome, implementation could close with none set on that path.
    del stage(data, "KSDPK", "appeal_window")["timeout"]["outcome"]
    assert [str(p) for p in check_guideline(data)] == [
        "KSDPK: stage implementation, action confirm_implemented: "
        "close_with_outcome is reachable on a path where no action set an outcome"
    ]


def _no_limit_nor_monitoring(data: Raw) -> None:
    del stage(data, "KSDPK", "court")["monitor_every"]


def _overdue_with_outcome(data: Raw) -> None:
    stage(data, "KSDD", "minister_decision")["timeout"]["outcome"] = "minister_decision"


def _missing_of_unknown(data: Raw) -> None:
    data["opening"][2]["timeout"]["missing_of"] = "submit_respons"


def _missing_of_not_per_party(data: Raw) -> None:
    del action(data["opening"][2], "submit_response")["every_party_of"]


def _requires_never_recorded(data: Raw) -> None:
    del data["tail"][2]["actions"][0]["records"]


def _unknown_takeover_body(data: Raw) -> None:
    action(data["tail"][2], "order_takeover")["when"]["takeover_by"] = ["governor"]


def _common_action_with_to(data: Raw) -> None:
    action({"actions": data["common_actions"]}, "add_note")["to"] = "intake"


def _common_close_by_a_note(data: Raw) -> None:
    action({"actions": data["common_actions"]}, "add_note")["close"] = "withdrawn"


REVISION_2_MISTAKES: list[tuple[Callable[[Raw], None], str]] = [
    (
        _no_limit_nor_monitoring,
        "KSDPK: stage court: no limit and no monitor_every: nothing would ever fire here",
    ),
    (
        _overdue_with_outcome,
        "KSDD: stage minister_decision, timeout: kind overdue does not take `outcome`",
    ),
    (
        _missing_of_unknown,
        "KSDD/KSDPK/SINERGI: stage notice, timeout: missing_of names 'submit_respons', not a "
        "per-party action of this stage (per-party actions here: submit_response)",
    ),
    (
        _missing_of_not_per_party,
        "KSDD/KSDPK/SINERGI: stage notice, timeout: missing_of names 'submit_response', not a "
        "per-party action of this stage (per-party actions here: none)",
    ),
    (
        _requires_never_recorded,
        "KSDD: stage enforcement, action order_takeover: requires takeover_guidance, which no "
        "action or timeout of this track records",
    ),
    (
        _unknown_takeover_body,
        "KSDD/KSDPK/SINERGI: stage enforcement, action order_takeover: "
        "when takeover_by has unknown value(s): governor",
    ),
    (
        _common_action_with_to,
        "KSDD/KSDPK/SINERGI: common action add_note: `to` in an action of every open stage",
    ),
    (
        _common_close_by_a_note,
        "KSDD/KSDPK/SINERGI: common action add_note: effect add_note cannot move or close",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "expected"),
    REVISION_2_MISTAKES,
    ids=[m.__name__ for m, _ in REVISION_2_MISTAKES],
)
def test_a_revision_2_construct_used_wrong_is_named(
    mistake: Callable[[Raw], None], expected: str
) -> None:
    data = revised()
    mistake(data)
    lines = [str(problem) for problem in check_guideline(data)]
    assert any(line.startswith(expected) for line in lines), lines
