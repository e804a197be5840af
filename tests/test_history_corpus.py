"""The golden-history corpus replays on the current workflow code: no running case would break.

A failure names the corpus entry (tests/histories/manifest.json) whose case the change would
break; workflows/VERSIONING.md says what to do about it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from audit.runs import RunHistory, parse_run
from tests.histories.corpus import CORPUS, CorpusEntry, load_manifest, load_runs, patch_ids
from tests.histories.unguarded import UnguardedCaseWorkflow
from workflows.case_workflow import CODE_VERSION, FILING_IN_TRAIL, PATCHES, CaseWorkflow

ENTRIES = load_manifest().entries
EXAMPLE_PATCH = "notify-on-transition"


async def _each(histories: Iterable[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


async def _replay_failures(
    workflow: type, entries: list[CorpusEntry]
) -> dict[str, dict[int, Exception]]:
    """Replay every run of `entries` in one batch; failures by entry name, then run index."""
    run_of: dict[str, tuple[str, int]] = {}
    histories: list[WorkflowHistory] = []
    for entry in entries:
        for index, history in enumerate(load_runs(entry), start=1):
            run_of[history.run_id] = (entry.name, index)
            histories.append(history)
    # One replayer worker for the whole corpus: one per history would cost a worker start each.
    replayer = Replayer(workflows=[workflow], data_converter=pydantic_data_converter)
    results = await replayer.replay_workflows(_each(histories), raise_on_replay_failure=False)
    failures: dict[str, dict[int, Exception]] = {}
    for run_id, error in results.replay_failures.items():
        name, index = run_of[run_id]
        failures.setdefault(name, {})[index] = error
    return failures


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def corpus_failures() -> dict[str, dict[int, Exception]]:
    return await _replay_failures(CaseWorkflow, ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
async def test_history_replays_on_current_code(
    entry: CorpusEntry, corpus_failures: dict[str, dict[int, Exception]]
) -> None:
    failed = corpus_failures.get(entry.name, {})
    assert not failed, (
        f"{entry.name} (recorded on workflow code {entry.code_version}: {entry.description})"
        f" no longer replays, so running cases like it would break; guard the change with"
        f" workflow.patched (workflows/VERSIONING.md). Runs: "
        + "; ".join(f"{index}.json: {error}" for index, error in sorted(failed.items()))
    )


def test_manifest_lists_exactly_the_recorded_histories() -> None:
    listed = {entry.name for entry in ENTRIES}
    on_disk = {path.parent.name for path in CORPUS.glob("*/*.json")}
    assert listed == on_disk
    for entry in ENTRIES:
        runs = sorted(path.name for path in (CORPUS / entry.name).glob("*.json"))
        assert runs == sorted(f"{index}.json" for index in range(1, entry.runs + 1)), entry.name


def test_manifest_patches_match_the_histories() -> None:
    for entry in ENTRIES:
        recorded = sorted({p for history in load_runs(entry) for p in patch_ids(history)})
        assert recorded == entry.patches, entry.name


def test_corpus_exercises_both_branches_of_the_example_patch() -> None:
    # The old branch is proven by histories without the marker, the new one by those with it;
    # every path recorded before the patch is recorded after it too.
    before = {e.scenario for e in ENTRIES if EXAMPLE_PATCH not in e.patches}
    after = {e.scenario for e in ENTRIES if EXAMPLE_PATCH in e.patches}
    assert before and before <= after


async def test_the_same_change_without_its_guard_breaks_running_cases() -> None:
    """Shipping notify-on-transition without workflow.patched fails every pre-patch case."""
    old = [entry for entry in ENTRIES if EXAMPLE_PATCH not in entry.patches]
    failures = await _replay_failures(UnguardedCaseWorkflow, old)
    assert set(failures) == {entry.name for entry in old}
    for name, runs in failures.items():
        for error in runs.values():
            assert isinstance(error, NondeterminismError), f"{name}: {error!r}"


def test_the_workflow_names_the_newest_recorded_code_and_every_patch_it_took() -> None:
    """Audit exports name CODE_VERSION and PATCHES; `verify-archive` trusts them to refuse
    archives of newer code, so they must follow the corpus (VERSIONING.md, step 4)."""
    newest = max((entry.code_version for entry in ENTRIES), key=lambda v: int(v.lstrip("v")))
    assert newest == CODE_VERSION
    assert {patch for entry in ENTRIES for patch in entry.patches} == set(PATCHES)


def test_cases_filed_since_filing_in_trail_put_the_filing_first() -> None:
    for entry in ENTRIES:
        recorded = FILING_IN_TRAIL in entry.patches
        assert recorded == (int(entry.code_version.lstrip("v")) >= 4), entry.name
        runs = [RunHistory(history.run_id, history) for history in load_runs(entry)]
        end = parse_run(runs[-1], len(runs)).result
        if end is None or not recorded:
            continue  # still running when recorded, or filed before the rule
        filed = end.timeline[0]
        assert (filed.seq, filed.kind, filed.idempotency_key) == (1, "filed", "filing"), entry.name
