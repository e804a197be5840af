"""The golden corpus for both shipped guidelines: every scenario is pinned to a guideline version,
the recorder files it under that version, and each recorded history shows the version its
scenario says it does."""

from __future__ import annotations

import json
from pathlib import Path

from models.case import CaseType
from models.guidelines import SHIPPED_VERSIONS
from tests.histories import scenarios, scenarios_2026_2
from tests.histories.corpus import MANIFEST, load_manifest, load_runs, run_files
from tests.histories.record import SCENARIOS, record
from workflows.case_workflow import CODE_VERSION

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


def test_each_scenario_is_pinned_to_a_shipped_version_under_a_name_of_its_own() -> None:
    assert len(BY_NAME) == len(SCENARIOS)
    assert {scenario.guideline_version for scenario in SCENARIOS} == set(SHIPPED_VERSIONS)


def test_the_first_scenarios_stay_on_2026_1_and_the_new_ones_run_2026_2() -> None:
    # Recorded again on new code, the first scenarios must still show 2026.1 cases: those are the
    # cases that keep running after 2026.2 becomes the default.
    assert {s.guideline_version for s in scenarios.SCENARIOS} == {"2026.1"}
    assert {s.guideline_version for s in scenarios_2026_2.SCENARIOS} == {"2026.2"}
    assert len(scenarios.SCENARIOS) == 16


def test_2026_2_scenarios_cover_every_track_and_path_of_the_first_ones() -> None:
    revised = {s.name.removesuffix("-2026.2") for s in scenarios_2026_2.SCENARIOS}
    for path in (
        "ksdd-agreement",
        "ksdd-gwpp-decision",
        "ksdd-minister",
        "ksdpk-mediation",
        "ksdpk-arbitration",
        "ksdpk-court",
        "sinergi-agreement",
        "sinergi-president",
    ):
        assert path in revised, path
    tracks = {name.split("-")[0].upper() for name in revised}
    assert {t.value for t in CaseType} <= tracks


def test_each_recorded_history_shows_its_scenarios_guideline_version() -> None:
    for entry in load_manifest().entries:
        if entry.scenario not in BY_NAME:
            continue  # a retired scenario: its entries stand for cases still running
        assert entry.guideline_version == BY_NAME[entry.scenario].guideline_version, entry.name
        started = load_runs(entry)[0].events[0].workflow_execution_started_event_attributes
        case_input = json.loads(started.input.payloads[0].data)
        assert case_input["pinned"]["guideline"]["version"] == entry.guideline_version, entry.name


def test_the_newest_code_has_recorded_every_scenario() -> None:
    """A scenario added to the registry is recorded with the code that added it
    (`python -m tests.histories.record --code-version vN`): otherwise nothing proves its cases
    keep replaying. Fails between adding a scenario and recording the corpus."""
    newest = {e.scenario for e in load_manifest().entries if e.code_version == CODE_VERSION}
    assert sorted(set(BY_NAME) - newest) == []


async def test_the_recorder_files_a_2026_1_scenario_under_2026_1(tmp_path: Path) -> None:
    before = MANIFEST.read_text(encoding="utf-8")
    await record("v0", ["ksdd-gwpp-decision"], corpus=tmp_path)
    [entry] = load_manifest(tmp_path / MANIFEST.name).entries
    assert (entry.name, entry.guideline_version, entry.status) == (
        "v0-ksdd-gwpp-decision",
        "2026.1",
        "closed",
    )
    # The dev server suggests continue-as-new early, so the case may take several runs.
    recorded = sorted(path.name for path in (tmp_path / entry.name).iterdir())
    assert recorded == sorted(path.name for path in run_files(entry, tmp_path))
    for history in load_runs(entry, tmp_path):
        started = history.events[0].workflow_execution_started_event_attributes
        case_input = json.loads(started.input.payloads[0].data)
        assert case_input["pinned"]["guideline"]["version"] == "2026.1"
    assert MANIFEST.read_text(encoding="utf-8") == before  # the real corpus is untouched
