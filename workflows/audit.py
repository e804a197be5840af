"""Auditing a case: its history across every run, and verifying it against the record.

Temporal's event history is the authoritative record. Verifying a case replays every run against
the current workflow code and cross-checks the history with the read model and the audit trail,
naming each discrepancy and where it is.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHistory,
    WorkflowQueryFailedError,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer

from models.audit import check_chain
from models.pedoman import PinnedGuideline
from models.state import (
    ActionRequest,
    ActionResult,
    CaseInput,
    CaseStatus,
    CaseView,
    EntryKind,
)
from models.tables import AuditEntry, CaseRecord, TimelineRecord
from models.verification import Check, CheckName, VerifyReport
from workflows.case_workflow import CaseWorkflow
from workflows.concurrency import as_ready
from workflows.replaying import HistoryReplayer, ReplayStream, case_replayer
from workflows.starter import TAKE_ACTION

WORKFLOW_TYPE = "Case"
# A running case answers `view` from a worker; a missing worker must not stall a verification.
QUERY_TIMEOUT = timedelta(seconds=10)

_T = TypeVar("_T")
_CONTINUED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
_CLOSED = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    }
)


@dataclass(frozen=True)
class RunHistory:
    """One workflow run of a case and its event history."""

    run_id: str
    history: WorkflowHistory


class DocumentChecker(Protocol):
    """Checks a stored document against the SHA-256 a case recorded for it."""

    def check(self, sha256: str) -> str | None:
        """None when the stored content hashes to `sha256`, else a one-line problem."""
        ...


# ------------------------------------------------------------------------- histories


async def case_runs(client: Client, case_id: str) -> list[RunHistory]:
    """Every run of the case, first to last (following continue-as-new back from the latest)."""
    runs: list[RunHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        runs.append(RunHistory(run_id=history.run_id, history=history))
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            runs.reverse()
            return runs


def pinned_guideline(runs: Sequence[RunHistory]) -> PinnedGuideline:
    """The guideline the case was pinned to, as its first run's input records it."""
    started = runs[0].history.events[0].workflow_execution_started_event_attributes
    return _decode(started.input, CaseInput).pinned


def history_document(runs: Sequence[RunHistory], pinned: PinnedGuideline) -> dict[str, Any]:
    """Every run's history for auditors, each run in the JSON Temporal's CLI and UI read."""
    if not runs:
        raise ValueError("a history document needs at least one run")
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


async def _replay(runs: Sequence[RunHistory], replayer: Replayer | HistoryReplayer) -> list[str]:
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


async def _each(runs: Sequence[RunHistory]) -> AsyncIterator[WorkflowHistory]:
    for run in runs:
        yield run.history


# ------------------------------------------------------------------------- verifying


async def verify_case(
    client: Client,
    engine: Engine,
    case_id: str,
    *,
    replayer: Replayer | HistoryReplayer | None = None,
    documents: DocumentChecker | None = None,
    runs: Sequence[RunHistory] | None = None,
) -> VerifyReport:
    """Replay the case and cross-check its history, read model, audit chain and documents.

    `runs` verifies histories from elsewhere (an export) instead of fetching them; Temporal,
    while it still holds the case, is asked how many runs and events there are.
    """
    temporal, stored = await asyncio.gather(
        _from_temporal(client, case_id, runs), asyncio.to_thread(_read_model, engine, case_id)
    )
    history = [_parse(run, index) for index, run in enumerate(temporal.runs, start=1)]
    closed = _closed(temporal, stored, history)
    # The replay goes on while a running case answers its query.
    replaying = asyncio.create_task(_replay(temporal.runs, replayer or case_replayer()))
    end = await _end_state(client, case_id, history, temporal, closed)
    view = end if isinstance(end, CaseView) else None
    checks = [
        Check.of(CheckName.REPLAY, await replaying),
        Check.of(CheckName.CONTINUITY, _continuity(case_id, history, temporal, closed, view)),
        Check.of(CheckName.STATE, _state(case_id, stored, end)),
        Check.of(CheckName.CHAIN, [str(problem) for problem in check_chain(stored.trail)]),
        Check.of(CheckName.TRAIL, _trail(history, stored.trail, view, running=not closed)),
    ]
    if documents is not None:
        hashes = _document_hashes(view, stored.trail)
        problems = await asyncio.to_thread(_documents, documents, hashes)
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


def _guideline(runs: list[_Run], record: CaseRecord | None) -> tuple[str | None, str | None]:
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
) -> AsyncIterator[VerifyReport]:
    """Verify many cases, `concurrency` at a time; yields each report as it is ready.

    Fetching and reading the read model for some cases overlaps with replaying others. Every
    history goes through `replayer`: by default one in-process replay worker (none is started
    per case); a `ProcessReplayer` replays on several cores.
    """
    async with AsyncExitStack() as stack:
        stream = replayer or await stack.enter_async_context(ReplayStream())

        async def verify(case_id: str) -> VerifyReport:
            return await verify_case(client, engine, case_id, replayer=stream, documents=documents)

        async for report in as_ready(case_ids, verify, concurrency):
            yield report


# ------------------------------------------------------------------------- evidence


@dataclass
class _Temporal:
    """What Temporal holds of a case: its runs, and how it describes the latest."""

    runs: Sequence[RunHistory]
    latest: WorkflowExecutionDescription | None = None
    missing: str | None = None


async def _from_temporal(
    client: Client, case_id: str, runs: Sequence[RunHistory] | None
) -> _Temporal:
    try:
        # Described first: a closed case's history can then only be whole or cut short.
        latest = await client.get_workflow_handle(case_id).describe()
        return _Temporal(runs if runs is not None else await case_runs(client, case_id), latest)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
    if runs is not None:
        return _Temporal(runs)  # an export of a case past Temporal's retention
    return _Temporal([], missing=f"Temporal holds no history of case {case_id} (past retention?)")


def _closed(temporal: _Temporal, stored: _ReadModel, runs: list[_Run]) -> bool:
    if temporal.latest is not None:
        return temporal.latest.status is not WorkflowExecutionStatus.RUNNING
    # Temporal no longer knows the case: the read model and the history itself tell.
    closed_record = stored.record is not None and stored.record.status == "closed"
    return closed_record or (bool(runs) and runs[-1].ended in _CLOSED)


async def _end_state(
    client: Client, case_id: str, runs: list[_Run], temporal: _Temporal, closed: bool
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


@dataclass
class _ReadModel:
    record: CaseRecord | None
    timeline: list[TimelineRecord]
    trail: list[AuditEntry]


def _read_model(engine: Engine, case_id: str) -> _ReadModel:
    with Session(engine) as session:
        return _ReadModel(
            record=session.get(CaseRecord, case_id),
            timeline=list(
                session.exec(
                    select(TimelineRecord)
                    .where(TimelineRecord.case_id == case_id)
                    .order_by(col(TimelineRecord.seq))
                )
            ),
            trail=list(
                session.exec(
                    select(AuditEntry)
                    .where(AuditEntry.case_id == case_id)
                    .order_by(col(AuditEntry.seq))
                )
            ),
        )


# ------------------------------------------------------------------------- reading a run


@dataclass
class _Update:
    """A `take_action` update in a run: its request and, once completed, its outcome."""

    update_id: str
    request: ActionRequest | None
    completed: bool = False
    result: ActionResult | None = None


@dataclass
class _Run:
    """What the checks need from one run's events."""

    index: int
    run_id: str
    events: Sequence[HistoryEvent]
    workflow_type: str = ""
    continues: str = ""
    input: Payloads | None = None
    case: CaseInput | None = None
    continued_as: str | None = None
    continued_with: Payloads | None = None
    result: CaseView | None = None
    updates: list[_Update] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"run {self.index} ({self.run_id})"

    @property
    def ended(self) -> EventType.ValueType | None:
        return self.events[-1].event_type if self.events else None


def _parse(run: RunHistory, index: int) -> _Run:
    parsed = _Run(index=index, run_id=run.run_id, events=run.history.events)
    updates: dict[str, _Update] = {}
    for event in parsed.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = event.workflow_execution_started_event_attributes
            parsed.workflow_type = started.workflow_type.name
            parsed.continues = started.continued_execution_run_id
            parsed.input = started.input
            parsed.case = _read(parsed, started.input, CaseInput, "its input")
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            if request.input.name != TAKE_ACTION:  # `filed` confirms the filing; not an action
                continue
            update_id = request.meta.update_id
            action = _read(parsed, request.input.args, ActionRequest, f"update {update_id}")
            updates[update_id] = _Update(update_id=update_id, request=action)
            parsed.updates.append(updates[update_id])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            completed = event.workflow_execution_update_completed_event_attributes
            update = updates.get(completed.meta.update_id)
            if update is None:
                continue
            update.completed = True
            if completed.outcome.HasField("success"):
                what = f"the outcome of update {update.update_id}"
                update.result = _read(parsed, completed.outcome.success, ActionResult, what)
        elif kind == _CONTINUED:
            continued = event.workflow_execution_continued_as_new_event_attributes
            parsed.continued_as = continued.new_execution_run_id
            parsed.continued_with = continued.input
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            outcome = event.workflow_execution_completed_event_attributes.result
            parsed.result = _read(parsed, outcome, CaseView, "its result")
    return parsed


def _decode(payloads: Payloads, kind: type[_T]) -> _T:
    value = pydantic_data_converter.payload_converter.from_payloads(
        list(payloads.payloads), [kind]
    )[0]
    if not isinstance(value, kind):
        raise TypeError(f"decoded a {type(value).__name__}, not a {kind.__name__}")
    return value


def _read(run: _Run, payloads: Payloads, kind: type[_T], what: str) -> _T | None:
    try:
        return _decode(payloads, kind)
    except Exception as error:  # any payload an altered history holds must be reported
        run.unreadable.append(f"{run.name}: {what} is not a readable {kind.__name__}: {error}")
        return None


def _event_name(kind: EventType.ValueType | None) -> str:
    return EventType.Name(kind).removeprefix("EVENT_TYPE_") if kind is not None else "nothing"


# ------------------------------------------------------------------------- the checks


def _continuity(
    case_id: str, runs: list[_Run], temporal: _Temporal, closed: bool, end: CaseView | None
) -> list[str]:
    """Runs chain into each other whole, with one case and one pinned guideline."""
    if temporal.missing:
        return [temporal.missing]
    problems: list[str] = []
    for run in runs:
        problems += run.unreadable + _run_problems(case_id, run, runs[0])
    for previous, run in pairwise(runs):
        problems += _link_problems(previous, run)
    if not runs:
        return problems
    last = runs[-1]
    if closed and last.ended not in _CLOSED:
        problems.append(
            f"{last.name} ends with event {len(last.events)} ({_event_name(last.ended)}) though "
            "the case is closed: its history is cut short"
        )
    latest = temporal.latest
    if latest is not None and closed:
        if latest.run_id != last.run_id:
            problems.append(
                f"Temporal's last run is {latest.run_id}, but the history ends at {last.name}: "
                "runs are missing"
            )
        elif latest.history_length != len(last.events):
            problems.append(
                f"{last.name} has {len(last.events)} events where Temporal holds "
                f"{latest.history_length}: its history is cut short"
            )
    elif latest is not None and latest.run_id not in {run.run_id for run in runs}:
        problems.append(f"Temporal's current run {latest.run_id} is missing from the history")
    if end is not None and end.runs != len(runs):
        problems.append(f"the case counts {end.runs} runs; the history has {len(runs)}")
    return problems


def _run_problems(case_id: str, run: _Run, first: _Run) -> list[str]:
    problems: list[str] = []
    for position, event in enumerate(run.events, start=1):
        if event.event_id != position:
            problems.append(
                f"{run.name}: event {event.event_id} stands where event {position} should: "
                "events are missing"
            )
            break
    if run.workflow_type != WORKFLOW_TYPE:
        problems.append(f"{run.name} is a {run.workflow_type or 'headless'} workflow, not a case")
    case = run.case
    if case is None:
        return problems
    if case.case_id != case_id:
        problems.append(f"{run.name} is the run of case {case.case_id}")
    pinned = case.pinned
    if pinned.guideline.content_hash() != pinned.content_hash:
        problems.append(f"{run.name}: the pinned guideline does not match its content hash")
    if first.case is not None and pinned.content_hash != first.case.pinned.content_hash:
        problems.append(
            f"{run.name} is pinned to guideline {pinned.content_hash}, run 1 to "
            f"{first.case.pinned.content_hash}"
        )
    if run.index == 1 and case.state is not None:
        problems.append(f"{run.name} starts with a carried state: the run before it is missing")
    if run.index > 1 and case.state is None:
        problems.append(f"{run.name} starts afresh instead of carrying the case's state")
    if case.state is not None and case.state.runs != run.index:
        problems.append(f"{run.name} carries runs={case.state.runs}; it is run {run.index}")
    return problems


def _link_problems(previous: _Run, run: _Run) -> list[str]:
    problems: list[str] = []
    if previous.ended != _CONTINUED:
        problems.append(
            f"{previous.name} ends with {_event_name(previous.ended)}, not a continue-as-new, "
            f"yet {run.name} follows it"
        )
    elif previous.continued_as != run.run_id:
        problems.append(
            f"{previous.name} continued as run {previous.continued_as}, not {run.run_id}"
        )
    if run.continues != previous.run_id:
        problems.append(
            f"{run.name} continues run {run.continues or 'nothing'}, not {previous.name}"
        )
    if previous.continued_with is not None and previous.continued_with != run.input:
        problems.append(f"{run.name} starts with another input than {previous.name} handed on")
    before = previous.case.state if previous.case else None
    after = run.case.state if run.case else None
    if before is not None and after is not None and after.version < before.version:
        problems.append(
            f"{run.name} starts at version {after.version}, behind {previous.name}'s "
            f"{before.version}"
        )
    return problems


def _state(case_id: str, stored: _ReadModel, end: CaseView | str) -> list[str]:
    """The read model shows the state the history ends in (or the running case is in)."""
    record = stored.record
    if record is None:
        return [f"the read model has no case {case_id}"]
    if isinstance(end, str):
        return [end]
    source = "the history's result" if end.status is CaseStatus.CLOSED else "the running case"
    expected: dict[str, object] = {
        "stage": end.stage,
        "status": end.status.value,
        "closing_state": end.closing_state.value if end.closing_state else None,
        "version": end.version,
        "guideline_hash": end.guideline_hash,
    }
    problems: list[str] = []
    for name, value in expected.items():
        if getattr(record, name) != value:
            problems.append(
                f"read model {name} is {getattr(record, name)!r}; {source} says {value!r}"
            )
        if record.detail.get(name) != value:
            problems.append(
                f"read model detail {name} is {record.detail.get(name)!r}; {source} says {value!r}"
            )
    return problems + _timeline_problems(stored.timeline, end, source)


def _timeline_problems(rows: list[TimelineRecord], end: CaseView, source: str) -> list[str]:
    recorded = {row.seq: row for row in rows}
    expected = {entry.seq: entry for entry in end.timeline}
    problems: list[str] = []
    if len(rows) != len(end.timeline):
        problems.append(
            f"read model timeline has {len(rows)} entries; {source} has {len(end.timeline)}"
        )
    for seq in sorted(expected.keys() - recorded.keys()):
        problems.append(f"timeline entry {seq} ({expected[seq].kind}) is not in the read model")
    for seq in sorted(recorded.keys() - expected.keys()):
        problems.append(f"read model timeline entry {seq} is not in {source}")
    for seq in sorted(recorded.keys() & expected.keys()):
        row, entry = recorded[seq], expected[seq]
        if (row.kind, row.action) != (entry.kind.value, entry.action):
            problems.append(
                f"timeline entry {seq} is {row.kind} {row.action or ''} in the read model; "
                f"{source} has {entry.kind.value} {entry.action or ''}"
            )
    return problems


def _trail(
    runs: list[_Run], trail: list[AuditEntry], end: CaseView | None, *, running: bool
) -> list[str]:
    """One trail entry per accepted action in the history, and no other."""
    problems: list[str] = []
    applied: dict[str, list[tuple[_Run, _Update]]] = defaultdict(list)
    pending: set[str] = set()
    for run in runs:
        for update in run.updates:
            if not update.completed:
                # The last run of a running case may be applying it now; anywhere else the
                # completion was lost.
                pending.add(update.update_id)
                if not (running and run is runs[-1]):
                    problems.append(
                        f"update {update.update_id} was accepted in {run.name} and never completed"
                    )
            elif update.result is not None and not update.result.duplicate:
                applied[update.update_id].append((run, update))
    entries: dict[str, list[AuditEntry]] = defaultdict(list)
    for entry in trail:
        entries[entry.update_id].append(entry)
    for update_id, found in applied.items():
        run, update = found[0]
        if len(found) > 1:
            where = ", ".join(again.name for again, _ in found)
            problems.append(f"update {update_id} was applied {len(found)} times: {where}")
        matching = entries.get(update_id, [])
        action = update.request.action if update.request else "an action"
        if not matching:
            problems.append(
                f"missing: {run.name} applied update {update_id} ({action}); the trail has no "
                "entry for it"
            )
        elif len(matching) > 1:
            seqs = ", ".join(str(entry.seq) for entry in matching)
            problems.append(f"update {update_id} has {len(matching)} trail entries ({seqs})")
        for entry in matching:
            problems += _request_problems(entry, update.request)
    for update_id, extra in entries.items():
        if update_id not in applied and update_id not in pending:
            problems += [
                f"extra: trail entry {entry.seq} ({entry.action}, update {update_id}) matches "
                "no accepted update in the history"
                for entry in extra
            ]
    return problems + _order_problems(trail) + _content_problems(trail, end)


def _request_problems(entry: AuditEntry, request: ActionRequest | None) -> list[str]:
    if request is None:
        return []
    actor = request.actor
    expected = {
        "action": request.action,
        "actor_key": actor.key_id,
        "actor_role": actor.role.value,
        "actor_scope": actor.scope,
        "on_behalf_of": actor.on_behalf_of,
    }
    return [
        f"trail entry {entry.seq} (update {entry.update_id}): {name} is "
        f"{getattr(entry, name)!r}; the update says {value!r}"
        for name, value in expected.items()
        if getattr(entry, name) != value
    ]


def _order_problems(trail: list[AuditEntry]) -> list[str]:
    problems: list[str] = []
    for before, after in pairwise(trail):
        if after.timeline_seq <= before.timeline_seq:
            problems.append(
                f"trail entry {after.seq} (timeline {after.timeline_seq}) comes after entry "
                f"{before.seq} (timeline {before.timeline_seq}): out of order"
            )
    return problems


def _content_problems(trail: list[AuditEntry], end: CaseView | None) -> list[str]:
    if end is None:
        return []
    actions = {
        entry.idempotency_key: entry for entry in end.timeline if entry.kind is EntryKind.ACTION
    }
    problems: list[str] = []
    for row in trail:
        entry = actions.get(row.update_id)
        if entry is None:
            continue  # reported above: no accepted update, or still being applied
        expected: dict[str, object] = {
            "timeline_seq": entry.seq,
            "at": entry.at,
            "stage_before": entry.stage_before,
            "stage_after": entry.stage_after,
            "payload": entry.payload,
            "documents": entry.documents,
        }
        problems += [
            f"trail entry {row.seq} (update {row.update_id}): {name} is "
            f"{getattr(row, name)!r}; the case's timeline says {value!r}"
            for name, value in expected.items()
            if getattr(row, name) != value
        ]
    return problems


def _document_hashes(end: CaseView | None, trail: list[AuditEntry]) -> dict[str, str]:
    """Every document's SHA-256 the case records, with where it is recorded."""
    found: dict[str, str] = {}
    if end is not None:
        for attached in end.documents:
            found.setdefault(attached.document.sha256, attached.document.name)
        for thread in end.legal_opinions:
            if thread.document is not None:
                found.setdefault(thread.document.sha256, f"legal opinion {thread.thread}")
        for entry in end.timeline:
            for sha256 in entry.documents:
                found.setdefault(sha256, f"timeline entry {entry.seq}")
    for row in trail:
        for sha256 in row.documents:
            found.setdefault(sha256, f"trail entry {row.seq}")
    return found


def _documents(checker: DocumentChecker, hashes: dict[str, str]) -> list[str]:
    problems: list[str] = []
    for sha256, where in sorted(hashes.items()):
        problem = checker.check(sha256)
        if problem is not None:
            problems.append(f"document {sha256} ({where}): {problem}")
    return problems
