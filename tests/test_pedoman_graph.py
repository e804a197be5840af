"""Drawing the stage graph: every stage and action of a track, closing nodes, dashed timeouts.
The details are checked on 2026.1, which never changes; every shipped version is drawn whole."""

from __future__ import annotations

import pytest

from models.case import CaseType
from models.guidelines import SHIPPED_VERSIONS, shipped_guideline
from models.pedoman import Action, Guideline
from models.pedoman_graph import MOVING_EFFECTS, available, mermaid, stage_table


def default_guideline() -> Guideline:
    return shipped_guideline("2026.1")


def leads_somewhere(action: Action) -> bool:
    """An action drawn as an edge: one that moves or closes the case (a confirmation's edge is
    its proposal's; an action that only records something stays in its stage)."""
    ends = action.to is not None or action.close is not None or action.close_with_outcome
    return ends and action.effect in MOVING_EFFECTS and action.confirms is None


@pytest.mark.parametrize("version", SHIPPED_VERSIONS)
@pytest.mark.parametrize("case_type", list(CaseType))
def test_mermaid_shows_every_stage_and_action_of_the_track(
    case_type: CaseType, version: str
) -> None:
    guideline = shipped_guideline(version)
    chart = mermaid(guideline, case_type)
    assert chart.startswith("flowchart TD\n")
    for stage in guideline.stages_for(case_type).values():
        assert f"\n    {stage.name}[" in chart
        for action in stage.actions:
            if available(action, case_type) and leads_somewhere(action):
                assert f'|"{action.name}' in chart, action.name


def test_mermaid_labels_stages_and_branches_as_the_pedoman_names_them() -> None:
    chart = mermaid(default_guideline(), CaseType.KSDD)
    assert (
        'gwpp_facilitation["gwpp_facilitation<br/>'
        'Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat<br/>30HK"]'
    ) in chart
    assert 'musyawarah -->|"declare_deadlock [forum=gwpp]"| gwpp_facilitation' in chart
    assert 'musyawarah -->|"declare_deadlock [forum=minister]"| minister_facilitation' in chart
    # Only the KSDD branch of the opening's case_type switch exists in this track.
    assert "consultation" not in chart


def test_mermaid_draws_timeouts_dashed() -> None:
    chart = mermaid(default_guideline(), CaseType.KSDPK)
    assert 'completion -.->|"timeout"| closed_incomplete' in chart
    assert (
        'adr_mediation -.->|"timeout: declare_failed [clause_allows_arbitration=no]"| court'
    ) in chart


def test_mermaid_ends_in_closing_states() -> None:
    chart = mermaid(default_guideline(), CaseType.KSDD)
    assert 'closed_agreement(["closed: agreement"])' in chart
    assert 'closed_withdrawn(["closed: withdrawn"])' in chart
    for outcome in ("agreement", "gwpp_decision", "minister_decision"):
        assert f'implementation -->|"confirm_implemented"| closed_{outcome}' in chart
    assert "closed_execution_referred" not in chart  # refer_to_execution is KSDPK's


def test_stage_table_lists_each_stage_with_its_limit_actions_and_timeout() -> None:
    table = stage_table(default_guideline(), CaseType.KSDD)
    header, rule, *rows = table.splitlines()
    assert header.split()[:3] == ["stage", "actors", "limit"]
    assert set(rule) <= {"-", " "}
    musyawarah = next(row for row in rows if row.startswith("musyawarah "))
    assert "30HKal" in musyawarah
    assert "report_agreement (propose) → agreement_recorded" in musyawarah
    assert "goto → [forum=gwpp] gwpp_facilitation" in musyawarah
    assert "+30HKal x1, all parties" in table
    assert "order_takeover (when case_type=KSDD, mandatory_cooperation=yes)" in table
