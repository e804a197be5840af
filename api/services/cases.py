"""Reading cases: one case, its timeline, and the worklist of the cases a key may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.auth import Caller
from api.messages.catalogue import msg
from api.schemas import CasePage, Timeline, TimelineItem
from api.services.case_view import check_case, load_case, read_case
from api.services.legal_opinions import may_see_every_thread, unseen_entries
from api.services.worklist import Worklist, worklist
from api.services.worklist_filters import (
    CASE_TYPES,
    FORUMS,
    SECTORS,
    STATUSES,
    check_awaiting,
    check_province,
    check_stage,
    one_of,
)
from models.state import CaseView
from models.tables import TimelineRecord

__all__ = ["MAX_PAGE", "WorklistQuery", "list_cases", "read_case", "timeline"]

# The largest page a worklist serves.
MAX_PAGE = 200


@dataclass(frozen=True)
class WorklistQuery:
    """The worklist's filters as a front end received them, unchecked (`list_cases` checks).

    `case_type` is the `type` filter; `q` searches titles, or finds a case by its id or the
    beginning of one (`PKD-2026-0001`); `awaiting` is `me`, a role, `gwpp:<province>` or a
    party id.
    """

    stage: str | None = None
    forum: str | None = None
    province: str | None = None
    case_type: str | None = None
    sector: str | None = None
    party: str | None = None
    overdue: bool | None = None
    status: str | None = None
    awaiting: str | None = None
    q: str | None = None


def list_cases(
    session: Session, caller: Caller, query: WorklistQuery, *, cursor: str | None, limit: int
) -> CasePage:
    """One page of the cases the caller may see, soonest due first, filtered.

    A filter value that names nothing (an unknown stage, forum, province, type, sector, status
    or `awaiting`) is 422 `unknown_filter_value` with the allowed values, never an empty page.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE} cases, not {limit}")
    filters = Worklist(
        stage=check_stage(session, query.stage),
        forum=one_of("forum", query.forum, FORUMS, msg("filter.forum")),
        province=check_province(query.province),
        case_type=one_of("type", query.case_type, CASE_TYPES, msg("filter.case_type")),
        sector=one_of("sector", query.sector, SECTORS, msg("filter.sector")),
        party=query.party,
        overdue=query.overdue,
        status=one_of("status", query.status, STATUSES, msg("filter.status")),
        q=query.q,
        awaiting=check_awaiting(session, caller, query.awaiting),
    )
    return worklist(session, caller, filters, cursor=cursor, limit=limit)


def timeline(session: Session, caller: Caller, case_id: str) -> Timeline:
    """Every action and transition of the case, in order (404/403 as for the case itself)."""
    unseen: set[int] = set()
    if may_see_every_thread(caller):
        check_case(session, caller, case_id)
    else:  # the entries of legal-opinion threads it may not see are left out (D6)
        view = CaseView.model_validate(load_case(session, caller, case_id).detail)
        unseen = unseen_entries(view, caller)
    rows = session.exec(
        select(TimelineRecord)
        .where(TimelineRecord.case_id == case_id)
        .order_by(col(TimelineRecord.seq))
    )
    return Timeline(
        case_id=case_id,
        items=[
            TimelineItem.model_validate(row, from_attributes=True)
            for row in rows
            if row.seq not in unseen
        ],
    )
