"""The checks of a verification: each compares the history with the read model, the audit
trail or the stored documents, and names every discrepancy and where it is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol, TypeAlias

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import WorkflowExecutionDescription

from activities.audit_trail import audit_trail
from audit.runs import (
    CLOSED_EVENTS,
    CONTINUED,
    WORKFLOW_TYPE,
    ParsedRun,
    ParsedUpdate,
    RunHistory,
    event_name,
)
from models.audit import (
    FILING_ACTION,
    FILING_UPDATE_ID,
    AuditEntryPublic,
    check_chain,
    filing_payload,
)
from models.state import ActionRequest, CaseStatus, CaseView, EntryKind
from models.tables import AuditEntry, CaseRecord, TimelineRecord
from models.verification import Check, CheckName
from workflows.case_workflow import FILING_IN_TRAIL

# A trail entry as the read model holds it, or as an export (or the API) serves it.
TrailRow: TypeAlias = AuditEntry | AuditEntryPublic


class DocumentChecker(Protocol):
    """Checks a stored document against the SHA-256 a case recorded for it."""

    def check(self, sha256: str) -> str | None:
        """None when the stored content hashes to `sha256`, else a one-line problem."""
        ...


@dataclass
class TemporalEvidence:
    """What Temporal holds of a case: its runs, and how it describes the latest."""

    runs: Sequence[RunHistory]
    latest: WorkflowExecutionDescription | None = None
    missing: str | None = None


@dataclass
class ReadModelEvidence:
    """What the read model holds of a case: its row, its timeline and its audit trail."""

    record: CaseRecord | None
    timeline: list[TimelineRecord]
    trail: list[AuditEntry]


def read_model_evidence(engine: Engine, case_id: str) -> ReadModelEvidence:
    """The case's rows, read in one session."""
    with Session(engine) as session:
        return ReadModelEvidence(
            record=session.get(CaseRecord, case_id),
            timeline=list(
                session.exec(
                    select(TimelineRecord)
                    .where(TimelineRecord.case_id == case_id)
                    .order_by(col(TimelineRecord.seq))
                )
            ),
            trail=audit_trail(session, case_id),
        )


def continuity_problems(
    case_id: str,
    runs: list[ParsedRun],
    temporal: TemporalEvidence,
    closed: bool,
    end: CaseView | None,
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
    if closed and last.ended not in CLOSED_EVENTS:
        problems.append(
            f"{last.name} ends with event {len(last.events)} ({event_name(last.ended)}) though "
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


def _run_problems(case_id: str, run: ParsedRun, first: ParsedRun) -> list[str]:
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


def _link_problems(previous: ParsedRun, run: ParsedRun) -> list[str]:
    problems: list[str] = []
    if previous.ended != CONTINUED:
        problems.append(
            f"{previous.name} ends with {event_name(previous.ended)}, not a continue-as-new, "
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


def state_problems(case_id: str, stored: ReadModelEvidence, end: CaseView | str) -> list[str]:
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


def record_checks(
    case_id: str,
    runs: list[ParsedRun],
    temporal: TemporalEvidence,
    trail: Sequence[TrailRow],
    end: CaseView | None,
    *,
    closed: bool,
    pending: Collection[int] | None = None,
) -> list[Check]:
    """The checks of a case's record that need no server: the runs chain into each other, the
    trail's hash chain holds, and the trail is what the history applied.

    `audit verify` runs them on what Temporal and the read model hold, `audit verify-archive` on
    what an export holds. `end` is the case's state (its result, or the running case's view).
    """
    return [
        Check.of(CheckName.CONTINUITY, continuity_problems(case_id, runs, temporal, closed, end)),
        Check.of(CheckName.CHAIN, [str(problem) for problem in check_chain(trail)]),
        Check.of(
            CheckName.TRAIL, trail_problems(runs, trail, end, running=not closed, pending=pending)
        ),
    ]


def trail_problems(
    runs: list[ParsedRun],
    trail: Sequence[TrailRow],
    end: CaseView | None,
    *,
    running: bool,
    pending: Collection[int] | None = None,
) -> list[str]:
    """One trail entry per accepted action in the history (and the filing first), no other.

    `pending`: timeline seqs whose entries may still be on their way, of a running case (by
    default the ones its view says are being written).
    """
    problems: list[str] = []
    applied: dict[str, list[tuple[ParsedRun, ParsedUpdate]]] = defaultdict(list)
    accepted: set[str] = set()
    for run in runs:
        for update in run.updates:
            if not update.completed:
                # The last run of a running case may be applying it now; anywhere else the
                # completion was lost.
                accepted.add(update.update_id)
                if not (running and run is runs[-1]):
                    problems.append(
                        f"update {update.update_id} was accepted in {run.name} and never completed"
                    )
            elif update.result is not None and not update.result.duplicate:
                applied[update.update_id].append((run, update))
    entries: dict[str, list[TrailRow]] = defaultdict(list)
    for entry in trail:
        entries[entry.update_id].append(entry)
    # A running case writes an action to the trail once the task applying it has committed.
    if pending is None:
        pending = end.trail_pending if end is not None else ()
    trail_pending = set(pending) if running else set()
    problems += _filing_problems(runs, entries.pop(FILING_UPDATE_ID, []), trail_pending)
    for update_id, found in applied.items():
        run, update = found[0]
        if len(found) > 1:
            where = ", ".join(again.name for again, _ in found)
            problems.append(f"update {update_id} was applied {len(found)} times: {where}")
        matching = entries.get(update_id, [])
        action = update.request.action if update.request else "an action"
        if not matching and update.result is not None and update.result.seq in trail_pending:
            pass  # applied a moment ago: the trail is being written
        elif not matching:
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
        if update_id not in applied and update_id not in accepted:
            problems += [
                f"extra: trail entry {entry.seq} ({entry.action}, update {update_id}) matches "
                "no accepted update in the history"
                for entry in extra
            ]
    return problems + _order_problems(trail) + _content_problems(trail, end)


def _filing_problems(runs: list[ParsedRun], found: list[TrailRow], pending: set[int]) -> list[str]:
    """A case filed since `filing-in-trail` opens its trail with its filing, as run 1's input
    records it; a case filed before has no such entry."""
    first = runs[0] if runs else None
    case = first.case if first is not None else None
    if first is None or case is None or case.state is not None:
        return []  # run 1 is missing or unreadable, as continuity says: nothing to compare
    if FILING_IN_TRAIL not in first.patches:
        return [
            f"extra: trail entry {entry.seq} ({entry.action}) records a filing, but run 1 filed "
            "the case before the filing was put in the trail"
            for entry in found
        ]
    if not found:
        if 1 in pending:
            return []  # filed a moment ago: the trail is being written
        return [
            f"missing: {first.name} filed the case; the trail has no entry for the filing "
            "(it must be entry 1)"
        ]
    problems: list[str] = []
    if len(found) > 1:
        seqs = ", ".join(str(entry.seq) for entry in found)
        problems.append(f"the filing has {len(found)} trail entries ({seqs})")
    filer = case.filed_by
    expected: dict[str, object] = {
        "seq": 1,
        "timeline_seq": 1,
        "action": FILING_ACTION,
        "actor_key": filer.key_id,
        "actor_role": filer.role.value,
        "actor_scope": filer.scope,
        "on_behalf_of": filer.on_behalf_of,
        "payload": filing_payload(case),
        "documents": [],
    }
    for entry in found:
        problems += _mismatches(entry, expected, f"the filing in {first.name}'s input")
    return problems


def _request_problems(entry: TrailRow, request: ActionRequest | None) -> list[str]:
    if request is None:
        return []
    actor = request.actor
    expected: dict[str, object] = {
        "action": request.action,
        "actor_key": actor.key_id,
        "actor_role": actor.role.value,
        "actor_scope": actor.scope,
        "on_behalf_of": actor.on_behalf_of,
    }
    return _mismatches(entry, expected, "the update")


def _order_problems(trail: Sequence[TrailRow]) -> list[str]:
    problems: list[str] = []
    for before, after in pairwise(trail):
        if after.timeline_seq <= before.timeline_seq:
            problems.append(
                f"trail entry {after.seq} (timeline {after.timeline_seq}) comes after entry "
                f"{before.seq} (timeline {before.timeline_seq}): out of order"
            )
    return problems


def _content_problems(trail: Sequence[TrailRow], end: CaseView | None) -> list[str]:
    if end is None:
        return []
    # Actions, and the filing of a case that put it in the trail (its key is `filing`).
    actions = {
        entry.idempotency_key: entry
        for entry in end.timeline
        if entry.kind is EntryKind.ACTION
        or (entry.kind is EntryKind.FILED and entry.idempotency_key is not None)
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
        problems += _mismatches(row, expected, "the case's timeline")
    return problems


def _mismatches(entry: TrailRow, expected: dict[str, object], source: str) -> list[str]:
    """Each field of the trail entry that differs from what `source` says it should be."""
    return [
        f"trail entry {entry.seq} (update {entry.update_id}): {name} is "
        f"{getattr(entry, name)!r}; {source} says {value!r}"
        for name, value in expected.items()
        if getattr(entry, name) != value
    ]


def document_hashes(end: CaseView | None, trail: Sequence[TrailRow]) -> dict[str, str]:
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


def document_problems(checker: DocumentChecker, hashes: dict[str, str]) -> list[str]:
    problems: list[str] = []
    for sha256, where in sorted(hashes.items()):
        problem = checker.check(sha256)
        if problem is not None:
            problems.append(f"document {sha256} ({where}): {problem}")
    return problems
