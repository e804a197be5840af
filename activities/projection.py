"""Projection: the read model follows every change of a case, never going backwards."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import Session, col, select
from temporalio import activity

from activities.audit_trail import append_audit
from activities.names import PROJECT_CASE, RECORD_TRAIL
from models.disputes import filing_dispute_key
from models.pedoman import Effect, Guideline, PinnedGuideline
from models.state import (
    CaseProjection,
    CaseView,
    LegalOpinionThread,
    ThreadStatus,
    TimelineEntry,
    TrailEntries,
)
from models.tables import (
    NO_DUE_DATE,
    CaseAwaiting,
    CaseDeadline,
    CaseParty,
    CaseProvince,
    CaseRecord,
    CaseSector,
    GuidelineRecord,
    TimelineRecord,
)
from storage.database import insert_unless_present
from storage.pinned_rules import extensions_used, recorded_guideline, remember_guideline
from workflows.availability import state_from_view
from workflows.awaiting import awaited
from workflows.legal_opinions import hidden
from workflows.rules import CaseRules

log = logging.getLogger("mufakat.projection")


class ProjectionActivities:
    """Writes case projections to the read model (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=PROJECT_CASE)
    async def project_case(self, projection: CaseProjection) -> None:
        """Apply one projection; idempotent, and a late or repeated one changes nothing."""
        await asyncio.to_thread(self.write, projection)

    @activity.defn(name=RECORD_TRAIL)
    async def record_trail(self, committed: TrailEntries) -> None:
        """Append committed actions to the audit trail; an action already there is skipped."""
        await asyncio.to_thread(self.append_trail, committed)

    def append_trail(self, committed: TrailEntries) -> None:
        with Session(self._engine) as session, session.begin():
            append_audit(session, committed.case_id, committed.entries)

    def write(self, projection: CaseProjection, *, rebuild: bool = False) -> None:
        """The projection in one transaction.

        A projection replaces what an earlier workflow task wrote, and only that: it is written
        by a local activity inside a task that may still fail after it ran (and then be retried,
        perhaps without an action the failed attempt applied), so rows are ordered by the task
        that wrote them, (run, history length), never by the case's version alone. `rebuild`
        (reindexing, from the workflow's committed state) replaces every row of the case.
        """
        case = projection.case
        order = (projection.run, projection.event)
        with Session(self._engine) as session, session.begin():
            if projection.guideline is not None:
                _record_guideline(session, projection.guideline)
            # Written whatever becomes of this task's own rows (append_audit skips any already
            # in the trail).
            append_audit(session, case.case_id, projection.trail)
            # Lock the row (PostgreSQL) so two writers of one case apply one after the other.
            current = session.exec(
                select(CaseRecord).where(CaseRecord.case_id == case.case_id).with_for_update()
            ).one_or_none()
            if current is None:
                session.add(_record(case, order))
                session.flush()  # the case row first: its parties and sectors refer to it
                _add_filing_rows(session, case)
            elif rebuild or order >= (current.projected_run, current.projected_event):
                record = _record(case, order)
                if rebuild:
                    _replace_filing_rows(session, case)
                elif record.due_order != current.due_order:
                    session.execute(
                        update(CaseProvince)
                        .where(col(CaseProvince.case_id) == case.case_id)
                        .values(due_order=record.due_order)
                    )
                for name, value in record.model_dump().items():
                    setattr(current, name, value)
            else:
                return  # written by an older task: what a later one wrote stays
            self._timeline(session, projection, rebuild=rebuild)
            session.execute(delete(CaseDeadline).where(col(CaseDeadline.case_id) == case.case_id))
            session.add_all(_deadlines(case))
            pinned = projection.guideline
            if pinned is not None:
                remember_guideline(pinned.content_hash, pinned.guideline)
            session.execute(delete(CaseAwaiting).where(col(CaseAwaiting.case_id) == case.case_id))
            session.add_all(awaiting_rows(session, case, pinned.guideline if pinned else None))

    @staticmethod
    def _timeline(session: Session, projection: CaseProjection, *, rebuild: bool) -> None:
        """Replace the rows from the projection's first entry on, and drop rows past its end.

        Rows before its first entry were written by committed tasks and stay; rows it replaces
        or drops may have come from a task that failed after writing them.
        """
        case_id = projection.case.case_id
        rows = col(TimelineRecord.seq)
        stale: list[ColumnElement[bool]] = []
        if rebuild:
            stale.append(rows >= 0)
        elif projection.entries:
            stale.append(rows >= projection.entries[0].seq)
        if projection.timeline_length is not None:
            stale.append(rows > projection.timeline_length)
        if stale:
            session.execute(
                delete(TimelineRecord).where(col(TimelineRecord.case_id) == case_id, or_(*stale))
            )
        session.add_all(_timeline_record(case_id, entry) for entry in projection.entries)


def _record_guideline(session: Session, pinned: PinnedGuideline) -> None:
    # Usually recorded already: skip serialising the guideline then. Otherwise many cases'
    # first projections may race to record it, and the first one wins.
    if session.get(GuidelineRecord, pinned.content_hash) is not None:
        return
    insert_unless_present(
        session,
        GuidelineRecord,
        content_hash=pinned.content_hash,
        version=pinned.guideline.version,
        body=pinned.guideline.model_dump(mode="json"),
        published_at=datetime.now(UTC),
    )


def _add_filing_rows(session: Session, case: CaseView) -> None:
    """The rows a case's filing decides: parties, sectors, provinces."""
    session.add_all(_parties(case))
    session.add_all(CaseSector(case_id=case.case_id, sector=s.value) for s in case.filing.sectors)
    session.add_all(_provinces(case))


def _replace_filing_rows(session: Session, case: CaseView) -> None:
    for table in (CaseParty, CaseSector, CaseProvince):
        session.execute(delete(table).where(col(table.case_id) == case.case_id))
    session.flush()
    _add_filing_rows(session, case)


def _record(case: CaseView, order: tuple[int, int]) -> CaseRecord:
    clock = case.clock
    detail = case.model_dump(mode="json", exclude={"timeline"})
    return CaseRecord(
        case_id=case.case_id,
        version=case.version,
        projected_run=order[0],
        projected_event=order[1],
        case_type=case.case_type,
        title=case.title,
        title_search=case.title.casefold(),
        stage=case.stage,
        status=case.status.value,
        closing_state=case.closing_state.value if case.closing_state else None,
        forum=case.routing.forum.value,
        routing_rule=case.routing.rule.value,
        gwpp_province=case.routing.gwpp_province,
        due_at=clock.deadline.due_at if clock else None,
        due_order=_due_order(case),
        # A confidential thread (D6) is not the case's overdue flag, which every party sees;
        # its own deadline row says it, to those who may see it.
        overdue=case.overdue or any(t.overdue and not hidden(t) for t in _open_threads(case)),
        paused=case.paused,
        filed_at=case.filed_at,
        updated_at=case.updated_at,
        guideline_version=case.guideline_version,
        guideline_hash=case.guideline_hash,
        dispute_key=filing_dispute_key(case.filing),
        detail=detail,
    )


def _parties(case: CaseView) -> list[CaseParty]:
    return [
        CaseParty(
            case_id=case.case_id,
            party_id=p.party_id,
            kind=p.kind.value,
            side=p.side.value,
            name=p.name,
            province_code=p.region_code[:2] if p.region_code else None,
        )
        for p in case.filing.parties
    ]


def _provinces(case: CaseView) -> list[CaseProvince]:
    codes = {p.region_code[:2] for p in case.filing.parties if p.region_code}
    return [
        CaseProvince(case_id=case.case_id, province_code=code, due_order=_due_order(case))
        for code in sorted(codes)
    ]


def _due_order(case: CaseView) -> datetime:
    """The worklist's sort key: the due instant, or after every due date without a clock."""
    return case.clock.deadline.due_at if case.clock else NO_DUE_DATE


def _open_threads(case: CaseView) -> list[LegalOpinionThread]:
    return [t for t in case.legal_opinions if t.status is ThreadStatus.OPEN]


def _deadlines(case: CaseView) -> list[CaseDeadline]:
    rows: list[CaseDeadline] = []
    if case.clock is not None:
        d = case.clock.deadline
        rows.append(
            CaseDeadline(
                case_id=case.case_id,
                clock="stage",
                stage=case.stage,
                due_at=d.due_at,
                limit=str(d.limit),
                day_type=d.limit.day_type.value,
                calendar_version=d.calendar_version,
                provisional=d.provisional,
                provisional_years=d.provisional_years,
                overdue=case.clock.overdue,
                paused=case.clock.paused_at is not None,
            )
        )
    for thread in _open_threads(case):
        d = thread.deadline
        rows.append(
            CaseDeadline(
                case_id=case.case_id,
                clock=f"legal_opinion:{thread.thread}",
                stage=thread.stage,
                due_at=d.due_at,
                limit=str(d.limit),
                day_type=d.limit.day_type.value,
                calendar_version=d.calendar_version,
                provisional=d.provisional,
                provisional_years=d.provisional_years,
                overdue=thread.overdue,
                confidential=hidden(thread),
                requester_party=thread.requester_party,
                office=thread.addressee.scope if thread.addressee is not None else None,
            )
        )
    return rows


def awaiting_rows(
    session: Session, case: CaseView, guideline: Guideline | None = None
) -> list[CaseAwaiting]:
    """Who the case waits for now, one row per role and scope (after its timeline is written:
    an extension the stage's own actions may count is read from there)."""
    guideline = guideline or recorded_guideline(session, case.guideline_hash)
    if guideline is None:
        # Only a read model that lost its guidelines (restored in part) gets here: the case must
        # not stop on it; `mufakat reindex` records the guideline and writes these rows.
        log.warning(
            "case %s: guideline %s is not in the read model; who it awaits is not recorded",
            case.case_id,
            case.guideline_hash,
        )
        return []
    rules = CaseRules(guideline, case.filing, case.routing)
    # The waiting parties' actions are the stage's own; only one that extends a deadline needs
    # the count of extensions used, a query spared otherwise.
    own = rules.stages[case.stage].actions
    counted = any(a.effect is Effect.EXTEND_DEADLINE for a in own)
    used = extensions_used(session, case.case_id, guideline) if counted else {}
    confidential = {f"legal_opinion:{t.thread}" for t in case.legal_opinions if hidden(t)}
    # A row is confidential when only confidential threads (D6) are behind it.
    who: dict[tuple[str, str], bool] = {}
    for a in awaited(rules, state_from_view(case, used)):
        key = (a.role.value, a.scope or "")
        who[key] = who.get(key, True) and a.clock in confidential
    due_order = _due_order(case)
    return [
        CaseAwaiting(
            case_id=case.case_id,
            role=role,
            scope=scope,
            due_order=due_order,
            confidential=who[(role, scope)],
        )
        for role, scope in sorted(who)
    ]


def _timeline_record(case_id: str, entry: TimelineEntry) -> TimelineRecord:
    actor = entry.actor
    return TimelineRecord(
        case_id=case_id,
        seq=entry.seq,
        at=entry.at,
        kind=entry.kind.value,
        action=entry.action,
        stage_before=entry.stage_before,
        stage_after=entry.stage_after,
        actor_key=actor.key_id if actor else None,
        actor_role=actor.role.value if actor else None,
        actor_scope=actor.scope if actor else None,
        on_behalf_of=actor.on_behalf_of if actor else None,
        idempotency_key=entry.idempotency_key,
        detail=entry.detail[:2000],
        payload=entry.payload,
        documents=entry.documents,
    )
