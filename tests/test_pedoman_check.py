"""The guideline checker: the shipped default passes, and each broken graph is named."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from models.case import CaseType
from models.guidelines import DEFAULT_VERSION, default_guideline
from models.pedoman import ClosingState
from models.pedoman_check import Problem, check_guideline, closing_states_reached

Raw = dict[str, Any]


def shipped() -> Raw:
    """A fresh copy of the shipped guideline's raw mapping, safe to break."""
    source = resources.files("models").joinpath("data", f"pedoman-{DEFAULT_VERSION}.toml")
    return copy.deepcopy(tomllib.loads(source.read_text(encoding="utf-8")))


def stage(data: Raw, track: str, name: str) -> Raw:
    found: Raw = next(s for s in data["tracks"][track]["stages"] if s["name"] == name)
    return found


def action(stage_data: Raw, name: str) -> Raw:
    found: Raw = next(a for a in stage_data["actions"] if a["name"] == name)
    return found


def remove_action(stage_data: Raw, name: str) -> None:
    stage_data["actions"] = [a for a in stage_data["actions"] if a["name"] != name]


def test_the_shipped_guideline_has_no_problems() -> None:
    assert check_guideline(shipped()) == []


def test_the_tracks_together_reach_every_closing_state() -> None:
    guideline = default_guideline()
    reached = set().union(*(closing_states_reached(guideline, t) for t in CaseType))
    assert reached == set(ClosingState)


def test_each_track_reaches_its_own_closing_states() -> None:
    guideline = default_guideline()
    assert ClosingState.TAKEOVER in closing_states_reached(guideline, CaseType.KSDD)
    assert ClosingState.TAKEOVER not in closing_states_reached(guideline, CaseType.KSDPK)
    assert ClosingState.LAPSED in closing_states_reached(guideline, CaseType.KSDPK)
    sinergi = closing_states_reached(guideline, CaseType.SINERGI)
    assert ClosingState.REFERRED_TO_PRESIDENT in sinergi
    assert ClosingState.GWPP_DECISION not in sinergi


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
