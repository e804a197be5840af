"""The dashboard's trends: overdue by forum, working days per stage, filed and closed per month.

The figures `GET /v1/stats` lacked, over the same cases (`visible_cases`: a party counts only its
own). Days and months are counted in WIB, the ministry's time, as the pedoman's deadlines are by
default; working days with the product's calendar (Monday to Friday, minus libur nasional and
cuti bersama).

A stay in a stage counts once it is finished (the case moved on or closed): a median of finished
stays says how long a stage takes, and does not drift from day to day while cases wait. How long
open cases have been waiting is what the worklist's due dates and `overdue` already say.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    case,
    cast,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlmodel import Session, col

from activities.calendar import WorkingDayCalendar
from api.auth import Caller
from api.schemas import StatsTrends
from api.services.visibility import visible_cases
from models.state import EntryKind
from models.tables import CaseRecord, TimelineRecord

WIB = ZoneInfo("Asia/Jakarta")
# What SQLite can do instead of time zones: WIB has been UTC+7 all year round since 1964.
_SQLITE_WIB_HOURS = 7
_SQLITE_WIB = f"+{_SQLITE_WIB_HOURS} hours"
# The entries that start or end a stay in a stage.
_STAGE_CHANGES = (EntryKind.FILED.value, EntryKind.TRANSITION.value, EntryKind.CLOSED.value)
# A limit expires at the end of its due date, so the timer that moves the case on fires at the
# first instant of the next day (in the zone of the office conducting the stage, an hour or two
# before midnight WIB for WITA and WIT): that day was not spent in the stage. The stay's last
# day is the day of the instant this much earlier, which also absorbs a timer firing late.
_EXPIRY = timedelta(hours=3)


def stats_trends(session: Session, caller: Caller, *, calendar: WorkingDayCalendar) -> StatsTrends:
    """The trends over the cases `caller` may see (blocks: the calendar may load holidays)."""
    visible = visible_cases(caller)
    scope = [] if visible is None else [visible]
    dialect = session.get_bind().dialect.name
    medians, stays = _stage_medians(session, scope, calendar, dialect)
    filed, closed = _by_month(session, scope, dialect)
    return StatsTrends(
        overdue_by_forum=_pairs(
            session,
            select(col(CaseRecord.forum), func.count())
            .where(*scope, col(CaseRecord.status) == "open", col(CaseRecord.overdue).is_(True))
            .group_by(col(CaseRecord.forum)),
        ),
        median_working_days_by_stage=medians,
        finished_stays_by_stage=stays,
        filed_by_month=filed,
        closed_by_month=closed,
    )


def _pairs(session: Session, query: Select[tuple[Any, int]]) -> dict[str, int]:
    return {str(key): int(count) for key, count in session.execute(query)}


# ------------------------------------------------------------------ per month


def _wib_month(column: Any, dialect: str) -> ColumnElement[str]:
    """An instant's month in WIB, as `YYYY-MM`, computed by the database."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(str(WIB), column), "YYYY-MM")
    return func.strftime("%Y-%m", column, _SQLITE_WIB)


def _by_month(
    session: Session, scope: list[ColumnElement[bool]], dialect: str
) -> tuple[dict[str, int], dict[str, int]]:
    filed_month = _wib_month(col(CaseRecord.filed_at), dialect)
    filed = _pairs(session, select(filed_month, func.count()).where(*scope).group_by(filed_month))
    # A case's close is its timeline's `closed` entry (the case row keeps no closing time).
    closings = (
        select(col(TimelineRecord.case_id), func.max(col(TimelineRecord.at)).label("at"))
        .where(
            col(TimelineRecord.kind) == EntryKind.CLOSED.value,
            col(TimelineRecord.case_id).in_(_visible_ids(scope)),
        )
        .group_by(col(TimelineRecord.case_id))
        .subquery()
    )
    closed_month = _wib_month(closings.c.at, dialect)
    closed = _pairs(session, select(closed_month, func.count()).group_by(closed_month))
    seen = filed.keys() | closed.keys()
    months = _months_between(min(seen, default=None), max(seen, default=None))
    return {m: filed.get(m, 0) for m in months}, {m: closed.get(m, 0) for m in months}


def _months_between(first: str | None, last: str | None) -> list[str]:
    """Every month from `first` to `last` (both YYYY-MM), so a month with nothing shows as 0."""
    if first is None or last is None:
        return []
    year, month = (int(part) for part in first.split("-"))
    months: list[str] = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _visible_ids(scope: list[ColumnElement[bool]]) -> Select[tuple[str]]:
    return select(col(CaseRecord.case_id)).where(*scope)


# ------------------------------------------------------------------ per stage


def _stage_medians(
    session: Session,
    scope: list[ColumnElement[bool]],
    calendar: WorkingDayCalendar,
    dialect: str,
) -> tuple[dict[str, float], dict[str, int]]:
    """Per stage, the median working days of its finished stays, and how many there were.

    The database pairs each stage change with the one before it (the stay's start) and counts
    the stays by (stage, first day, last day): only those counts come back, never every entry
    of every case's timeline.
    """
    timeline = TimelineRecord
    kind, at = col(timeline.kind), col(timeline.at)
    case_id, seq = col(timeline.case_id), col(timeline.seq)
    # For each entry, the last stage change and the last timeout before it, in one window pass
    # (instants never decrease along a case's timeline, so the latest is the last).
    changes: Select[Any] = select(
        kind.label("kind"),
        col(timeline.stage_before).label("stage"),
        at.label("at"),
        func.max(at)
        .filter(kind != EntryKind.TIMEOUT.value)
        .over(partition_by=case_id, order_by=seq, rows=(None, -1))
        .label("entered_at"),
        func.max(at)
        .filter(kind == EntryKind.TIMEOUT.value)
        .over(partition_by=case_id, order_by=seq, rows=(None, -1))
        .label("expired_at"),
    ).where(kind.in_([*_STAGE_CHANGES, EntryKind.TIMEOUT.value]))
    if scope:
        changes = changes.where(case_id.in_(_visible_ids(scope)))
    change = changes.subquery()
    # A stay its limit ended took the whole due date and no more (see _EXPIRY).
    stays = (
        select(
            change.c.stage,
            _wib_day_number(change.c.entered_at, dialect).label("first"),
            case(
                (
                    change.c.expired_at == change.c.at,
                    _wib_day_number(change.c.at, dialect, earlier=_EXPIRY),
                ),
                else_=_wib_day_number(change.c.at, dialect),
            ).label("last"),
        )
        .where(
            change.c.kind.in_([EntryKind.TRANSITION.value, EntryKind.CLOSED.value]),
            change.c.entered_at.is_not(None),
        )
        .subquery()
    )
    grouped = select(stays.c.stage, stays.c.first, stays.c.last, func.count()).group_by(
        stays.c.stage, stays.c.first, stays.c.last
    )
    rows = [
        (str(stage), int(first), max(int(first), int(last)), int(count))
        for stage, first, last, count in session.execute(grouped)
    ]
    if not rows:
        return {}, {}
    counter = _WorkingDayCounter(
        calendar,
        date.fromordinal(min(first for _, first, _, _ in rows)),
        date.fromordinal(max(last for _, _, last, _ in rows)),
    )
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for stage, first, last, count in rows:
        spans[stage].append((counter.between(first, last), count))
    return (
        {stage: _median(counted) for stage, counted in spans.items()},
        {stage: sum(count for _, count in counted) for stage, counted in spans.items()},
    )


def _wib_day_number(
    column: Any, dialect: str, *, earlier: timedelta = timedelta(0)
) -> ColumnElement[int]:
    """The WIB day of an instant `earlier` before it, as `date.toordinal()` numbers it."""
    hours = int(earlier.total_seconds() // 3600)
    if dialect == "postgresql":
        moment = column - text(f"interval '{hours} hours'") if hours else column
        day = cast(func.timezone(literal_column(f"'{WIB}'"), moment), Date)
        return type_coerce(day - literal_column("DATE '0001-01-01'") + 1, Integer)
    # julianday() of a date is the Julian day of its midnight, 1721424.5 more than its ordinal.
    local = func.date(column, literal_column(f"'{_SQLITE_WIB_HOURS - hours:+d} hours'"))
    return type_coerce(cast(func.julianday(local) - 1721424.5, Integer), Integer)


def _median(counted: list[tuple[int, int]]) -> float:
    """The median of values given with how many times each occurs."""
    ordered = sorted(counted)
    total = sum(count for _, count in ordered)
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    found: list[int] = []
    seen = 0
    for value, count in ordered:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (found[0] + found[1]) / 2


class _WorkingDayCounter:
    """Working days in (first, last], from a running total over the whole span of the stays:
    one calendar pass for the dashboard rather than one per stay."""

    def __init__(self, calendar: WorkingDayCalendar, first: date, last: date) -> None:
        self._first = first.toordinal()
        self._total = [0]
        for offset in range(1, (last - first).days + 1):
            day = date.fromordinal(self._first + offset)
            self._total.append(self._total[-1] + calendar.is_working_day(day))

    def between(self, first: int, last: int) -> int:
        """Working days after day `first` up to day `last` (both `date.toordinal()` numbers)."""
        return self._total[last - self._first] - self._total[first - self._first]
