"""Case counts for dashboards: open cases by stage, forum, province and sector; what is overdue;
and the trends (api/services/trends.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlmodel import Session, col

from activities.calendar import WorkingDayCalendar
from api.auth import Caller
from api.schemas import Stats
from api.services.legal_opinions import seen_deadlines
from api.services.trends import stats_trends
from api.services.visibility import visible_cases
from models.tables import CaseDeadline, CaseParty, CaseRecord, CaseSector


def case_stats(session: Session, caller: Caller, *, calendar: WorkingDayCalendar) -> Stats:
    """The counts and trends over the cases this caller may see (`GET /v1/stats`).

    Blocks (the calendar may load holidays): call it off the event loop.
    """
    scope = _scope(caller)
    trends = stats_trends(session, caller, calendar=calendar)
    open_ = [*scope, col(CaseRecord.status) == "open"]
    open_ids = select(col(CaseRecord.case_id)).where(*open_)
    return Stats(
        open_cases=_count(session, open_),
        closed_cases=_count(session, [*scope, col(CaseRecord.status) == "closed"]),
        by_stage=_grouped(session, col(CaseRecord.stage), open_),
        by_forum=_grouped(session, col(CaseRecord.forum), open_),
        by_province=_pairs(
            session,
            select(col(CaseParty.province_code), func.count(func.distinct(col(CaseParty.case_id))))
            .where(col(CaseParty.case_id).in_(open_ids), col(CaseParty.province_code).is_not(None))
            .group_by(col(CaseParty.province_code)),
        ),
        by_sector=_pairs(
            session,
            select(col(CaseSector.sector), func.count())
            .where(col(CaseSector.case_id).in_(open_ids))
            .group_by(col(CaseSector.sector)),
        ),
        overdue_cases=_count(session, [*open_, col(CaseRecord.overdue).is_(True)]),
        overdue_legal_opinions=int(
            session.execute(
                select(func.count())
                .select_from(CaseDeadline)
                .where(
                    col(CaseDeadline.case_id).in_(open_ids),
                    col(CaseDeadline.clock).startswith("legal_opinion:"),
                    col(CaseDeadline.overdue).is_(True),
                    *_seen(seen_deadlines(caller)),
                )
            ).scalar_one()
        ),
        **trends.model_dump(),
    )


def _scope(caller: Caller) -> list[ColumnElement[bool]]:
    return _seen(visible_cases(caller))


def _seen(condition: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if condition is None else [condition]


def _count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    query = select(func.count()).select_from(CaseRecord).where(*conditions)
    return int(session.execute(query).scalar_one())


def _grouped(
    session: Session, column: Any, conditions: list[ColumnElement[bool]]
) -> dict[str, int]:
    return _pairs(session, select(column, func.count()).where(*conditions).group_by(column))


def _pairs(session: Session, query: Select[tuple[Any, int]]) -> dict[str, int]:
    return {str(key): int(count) for key, count in session.execute(query)}
