"""Projection: the read model follows every change of a case, never going backwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from activities.audit_trail import append_audit
from activities.names import PROJECT_CASE
from models.database import insert_unless_present
from models.pedoman import PinnedGuideline
from models.state import (
    CaseProjection,
    CaseView,
    EntryKind,
    LegalOpinionThread,
    ThreadStatus,
    TimelineEntry,
)
from models.tables import (
    NO_DUE_DATE,
    CaseDeadline,
    CaseParty,
    CaseProvince,
    CaseRecord,
    CaseSector,
    GuidelineRecord,
    TimelineRecord,
)


class ProjectionActivities:
    """Writes case projections to the read model (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=PROJECT_CASE)
    async def project_case(self, projection: CaseProjection) -> None:
        """Apply one projection; idempotent, and a late or repeated one changes nothing."""
        await asyncio.to_thread(self.write, projection)

    def write(self, projection: CaseProjection) -> None:
        """The projection in one transaction (also used by reindexing)."""
        case = projection.case
        with Session(self._engine) as session, session.begin():
            if projection.guideline is not None:
                _record_guideline(session, projection.guideline)
            # Lock the row (PostgreSQL) so two writers of one case apply in version order.
            current = session.exec(
                select(CaseRecord).where(CaseRecord.case_id == case.case_id).with_for_update()
            ).one_or_none()
            if current is None:
                session.add(_record(case))
                session.flush()  # the case row first: its parties and sectors refer to it
                session.add_all(_parties(case))
                session.add_all(
                    CaseSector(case_id=case.case_id, sector=s.value) for s in case.filing.sectors
                )
                session.add_all(_provinces(case))
                newer = True
            elif current.version < case.version:
                record = _record(case)
                if record.due_order != current.due_order:
                    session.execute(
                        update(CaseProvince)
                        .where(col(CaseProvince.case_id) == case.case_id)
                        .values(due_order=record.due_order)
                    )
                for name, value in record.model_dump().items():
                    setattr(current, name, value)
                newer = True
            else:
                newer = False  # an older or repeated projection: the case row stays as it is
            # Timeline entries are keyed by their sequence, so replaying them adds nothing.
            added = self._timeline(session, case.case_id, projection.entries)
            append_audit(session, case.case_id, [e for e in added if e.kind is EntryKind.ACTION])
            if newer:
                session.execute(
                    delete(CaseDeadline).where(col(CaseDeadline.case_id) == case.case_id)
                )
                session.add_all(_deadlines(case))

    @staticmethod
    def _timeline(
        session: Session, case_id: str, entries: list[TimelineEntry]
    ) -> list[TimelineEntry]:
        """Insert the entries not yet present; return those it inserted."""
        if not entries:
            return []
        seqs = [entry.seq for entry in entries]
        present = set(
            session.exec(
                select(TimelineRecord.seq).where(
                    TimelineRecord.case_id == case_id, col(TimelineRecord.seq).in_(seqs)
                )
            )
        )
        added = [entry for entry in entries if entry.seq not in present]
        session.add_all(_timeline_record(case_id, entry) for entry in added)
        return added


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


def _record(case: CaseView) -> CaseRecord:
    clock = case.clock
    detail = case.model_dump(mode="json", exclude={"timeline"})
    return CaseRecord(
        case_id=case.case_id,
        version=case.version,
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
        overdue=case.overdue or any(t.overdue for t in _open_threads(case)),
        paused=case.paused,
        filed_at=case.filed_at,
        updated_at=case.updated_at,
        guideline_version=case.guideline_version,
        guideline_hash=case.guideline_hash,
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
                overdue=thread.overdue,
            )
        )
    return rows


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
