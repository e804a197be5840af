"""Auditing a case: its history across every run, and verifying it against the record.

Temporal's event history is the authoritative record. Verifying a case replays every run against
the current workflow code and cross-checks the history with the read model and the audit trail,
naming each discrepancy and where it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHistory,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from audit.archive import ArchiveDamaged, CaseArchives
from audit.checks import (
    DocumentChecker,
    ReadModelEvidence,
    TemporalEvidence,
    document_hashes,
    document_problems,
    read_model_evidence,
    record_checks,
    state_problems,
)
from audit.replaying import HistoryReplayer, ReplayStream, case_replayer
from audit.runs import (
    CLOSED_EVENTS,
    ParsedRun,
    RunHistory,
    decode_payloads,
    parse_run,
)
from models.pedoman import PinnedGuideline
from models.state import (
    CaseInput,
    CaseView,
)
from models.tables import CaseRecord
from models.verification import Check, CheckName, VerifyReport
from workflows.case_workflow import CaseWorkflow
from workflows.concurrency import as_ready

# A running case answers `view` from a worker; a missing worker must not stall a verification.
QUERY_TIMEOUT = timedelta(seconds=10)

# ------------------------------------------------------------------------- histories


async def case_runs(client: Client, case_id: str, *, whole: bool = True) -> list[RunHistory]:
    """Every run of the case, first to last (following continue-as-new back from the latest).

    Not `whole`: the runs Temporal still holds, when retention has deleted earlier ones.
    """
    runs: list[RunHistory] = []
    run_id: str | None = None
    while True:
        try:
            history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        except RPCError as error:
            if whole or not runs or error.status is not RPCStatusCode.NOT_FOUND:
                raise
            run_id = None
        else:
            runs.append(RunHistory(run_id=history.run_id, history=history))
            started = history.events[0].workflow_execution_started_event_attributes
            run_id = started.continued_execution_run_id or None
        if run_id is None:
            runs.reverse()
            return runs


async def load_case_runs(
    client: Client, case_id: str, archives: CaseArchives | None
) -> list[RunHistory]:
    """Every run of the case: from Temporal while it holds the case, else from its archive.

    Raises Temporal's NOT_FOUND `RPCError` when neither has the case, and `ArchiveDamaged` when
    its archive is not the one recorded.
    """
    try:
        return await case_runs(client, case_id)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND or archives is None:
            raise
        archived = await asyncio.to_thread(archives.runs, case_id)
        if archived is None:
            raise
        return archived


def pinned_guideline(runs: Sequence[RunHistory]) -> PinnedGuideline:
    """The guideline the case was pinned to, as its first run's input records it."""
    started = runs[0].history.events[0].workflow_execution_started_event_attributes
    return decode_payloads(started.input, CaseInput).pinned


def history_document(runs: Sequence[RunHistory]) -> dict[str, Any]:
    """Every run's history for auditors, each run in the JSON Temporal's CLI and UI read."""
    pinned = pinned_guideline(runs)
    return {
        "case_id": runs[0].history.workflow_id,
        "guideline_version": pinned.guideline.version,
        "guideline_hash": pinned.content_hash,
        # `{"events": [...]}` per run is what `WorkflowHistory.from_json` and
        # `temporal workflow show --output json` use; the run id beside it is ignored by both.
        "runs": [
            {"run_id": run.run_id, "events": run.history.to_json_dict()["events"]} for run in runs
        ],
    }


# ------------------------------------------------------------------------- replaying


async def replay_problems(
    runs: Sequence[RunHistory], replayer: Replayer | HistoryReplayer
) -> list[str]:
    """Each run that does not replay against the workflow code, and why."""
    if not runs:
        return ["there is no history to replay"]
    if isinstance(replayer, Replayer):
        async with replayer.workflow_replay_iterator(_each(runs)) as results:
            failures = [result.replay_failure async for result in results]
    else:
        failures = list(await asyncio.gather(*(replayer.replay(run.history) for run in runs)))
    return [
        f"run {index} ({run.run_id}) does not replay: {type(failure).__name__}: {failure}"
        for index, (run, failure) in enumerate(zip(runs, failures, strict=True), start=1)
        if failure is not None
    ]


_IN_FLIGHT = (
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
)


def without_task_in_flight(runs: Sequence[RunHistory]) -> list[RunHistory]:
    """A running case's runs, its last cut before a workflow task it has not completed.

    The replayer waits for such a task's completion, which a fetched history never gets (the
    case is busy a moment after each action, writing its trail); up to it, the history is whole.
    """
    if not runs:
        return []
    last = runs[-1]
    events = list(last.history.events)
    end = len(events)
    while end and events[end - 1].event_type in _IN_FLIGHT:
        end -= 1
    if not any(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED for e in events[:end]):
        return list(runs[:-1])  # a run just begun (continued as new): nothing ran yet
    if end == len(events):
        return list(runs)
    cut = WorkflowHistory(last.history.workflow_id, events[:end])
    return [*runs[:-1], RunHistory(run_id=last.run_id, history=cut)]


async def _each(runs: Sequence[RunHistory]) -> AsyncIterator[WorkflowHistory]:
    for run in runs:
        yield run.history


# ------------------------------------------------------------------------- verifying


_MOVING_ATTEMPTS = 3


async def verify_case(
    client: Client,
    engine: Engine,
    case_id: str,
    *,
    replayer: Replayer | HistoryReplayer | None = None,
    documents: DocumentChecker | None = None,
    runs: Sequence[RunHistory] | None = None,
    archives: CaseArchives | None = None,
) -> VerifyReport:
    """Replay the case and cross-check its history, read model, audit chain and documents.

    `runs` verifies histories from elsewhere (an export) instead of fetching them; Temporal,
    while it still holds the case, is asked how many runs and events there are. Once it no
    longer does, the case's archive in `archives` has them.
    """
    for _ in range(_MOVING_ATTEMPTS):
        temporal, stored = await asyncio.gather(
            _from_temporal(client, case_id, runs, archives),
            asyncio.to_thread(read_model_evidence, engine, case_id),
        )
        history = [parse_run(run, index) for index, run in enumerate(temporal.runs, start=1)]
        closed = _closed(temporal, stored, history)
        end = await _end_state(client, case_id, history, temporal, closed)
        view = end if isinstance(end, CaseView) else None
        # A running case may continue as new between reading its history and its view (it
        # waits for its trail first, so a moment after an action): then read it again.
        if closed or runs is not None or view is None or view.runs == len(history):
            break
    replayable = temporal.runs if closed else without_task_in_flight(temporal.runs)
    replaying = asyncio.create_task(replay_problems(replayable, replayer or case_replayer()))
    if view is not None and not closed:
        # Read again after the view: an action the view says is not yet in the trail may be
        # written there by now, and any other must be there already.
        stored = await asyncio.to_thread(read_model_evidence, engine, case_id)
    continuity, chain, trail = record_checks(
        case_id, history, temporal, stored.trail, view, closed=closed
    )
    checks = [
        Check.of(CheckName.REPLAY, await replaying),
        continuity,
        Check.of(CheckName.STATE, state_problems(case_id, stored, end)),
        chain,
        trail,
    ]
    if documents is not None:
        hashes = document_hashes(view, stored.trail)
        problems = await asyncio.to_thread(document_problems, documents, hashes)
        checks.append(Check.of(CheckName.DOCUMENTS, problems))
    version, content_hash = _guideline(history, stored.record)
    return VerifyReport(
        case_id=case_id,
        ok=all(check.ok for check in checks),
        guideline_version=version,
        guideline_hash=content_hash,
        runs=len(history),
        events=sum(len(run.events) for run in history),
        checks=checks,
    )


def _guideline(runs: list[ParsedRun], record: CaseRecord | None) -> tuple[str | None, str | None]:
    """The pinned guideline's version and hash: from the history, else the read model."""
    if runs and runs[0].case is not None:
        pinned = runs[0].case.pinned
        return pinned.guideline.version, pinned.content_hash
    if record is not None:
        return record.guideline_version, record.guideline_hash
    return None, None


async def verify_cases(
    client: Client,
    engine: Engine,
    case_ids: Iterable[str] | AsyncIterable[str],
    *,
    concurrency: int = 8,
    replayer: HistoryReplayer | None = None,
    documents: DocumentChecker | None = None,
    archives: CaseArchives | None = None,
) -> AsyncIterator[VerifyReport]:
    """Verify many cases, `concurrency` at a time; yields each report as it is ready.

    Fetching and reading the read model for some cases overlaps with replaying others. Every
    history goes through `replayer`: by default one in-process replay worker (none is started
    per case); a `ProcessReplayer` replays on several cores.
    """
    async with AsyncExitStack() as stack:
        stream = replayer or await stack.enter_async_context(ReplayStream())

        async def verify(case_id: str) -> VerifyReport:
            return await verify_case(
                client, engine, case_id, replayer=stream, documents=documents, archives=archives
            )

        async for report in as_ready(case_ids, verify, concurrency):
            yield report


# ------------------------------------------------------------------------- evidence


async def _from_temporal(
    client: Client,
    case_id: str,
    runs: Sequence[RunHistory] | None,
    archives: CaseArchives | None,
) -> TemporalEvidence:
    try:
        # Described first: a closed case's history can then only be whole or cut short.
        latest = await client.get_workflow_handle(case_id).describe()
        return TemporalEvidence(
            runs if runs is not None else await case_runs(client, case_id), latest
        )
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
    if runs is not None:
        return TemporalEvidence(runs)  # an export of a case past Temporal's retention
    if archives is not None:
        try:
            archived = await asyncio.to_thread(archives.runs, case_id)
        except ArchiveDamaged as damaged:
            return TemporalEvidence([], missing=str(damaged))
        if archived is not None:
            return TemporalEvidence(archived)  # past Temporal's retention: its archive
    return TemporalEvidence(
        [], missing=f"Temporal holds no history of case {case_id}, and it has no archive"
    )


def _closed(temporal: TemporalEvidence, stored: ReadModelEvidence, runs: list[ParsedRun]) -> bool:
    if temporal.latest is not None:
        return temporal.latest.status is not WorkflowExecutionStatus.RUNNING
    # Temporal no longer knows the case: the read model and the history itself tell.
    closed_record = stored.record is not None and stored.record.status == "closed"
    return closed_record or (bool(runs) and runs[-1].ended in CLOSED_EVENTS)


async def _end_state(
    client: Client, case_id: str, runs: list[ParsedRun], temporal: TemporalEvidence, closed: bool
) -> CaseView | str:
    """The state the case is in: its result, or the running case's view; else why unknown."""
    if temporal.missing:
        return temporal.missing
    if closed:
        last = runs[-1] if runs else None
        if last is None or last.result is None:
            where = last.name if last else "the history"
            return f"{where} holds no case result (cut short, or the run failed)"
        return last.result
    try:
        return await client.get_workflow_handle(case_id).query(
            CaseWorkflow.view, rpc_timeout=QUERY_TIMEOUT
        )
    except (RPCError, WorkflowQueryFailedError) as error:
        return f"the running case did not answer its view query: {error}"
