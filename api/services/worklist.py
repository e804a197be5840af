"""The operators' worklist: filters, and a cursor over (due date, case id), soonest first."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, RowMapping, Select, exists, literal, select, tuple_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from api.auth import Caller
from api.local_time import local_fields, stage_due
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import Unprocessable, invalid_request
from api.schemas import CasePage, CaseSummary
from api.services.case_view import pinned_guideline
from api.services.legal_opinions import seen_awaiting
from api.services.visibility import visible_cases
from api.services.worklist_filters import Awaiting
from models.case import CASE_ID_PATTERN
from models.tables import (
    NO_DUE_DATE,
    CaseAwaiting,
    CaseParty,
    CaseProvince,
    CaseRecord,
    CaseSector,
    UtcDateTime,
)


@dataclass(frozen=True)
class Worklist:
    """The filters an operator can combine."""

    stage: str | None = None
    forum: str | None = None
    province: str | None = None
    case_type: str | None = None
    sector: str | None = None
    party: str | None = None
    overdue: bool | None = None
    status: str | None = None
    q: str | None = None
    awaiting: Awaiting | None = None


def worklist(
    session: Session, caller: Caller, filters: Worklist, *, cursor: str | None, limit: int
) -> CasePage:
    """One page of cases the caller may see, soonest due first (cases with no clock last)."""
    conditions = _conditions(caller, filters)
    # Only the summary's columns: sorting or scanning rows with their detail JSON is what
    # makes a list slow at 100,000 cases.
    columns = [col(getattr(CaseRecord, name)) for name in SUMMARY_COLUMNS]
    query = select(*columns)
    due, key = col(CaseRecord.due_order), col(CaseRecord.case_id)
    awaiting = filters.awaiting
    if awaiting is not None and awaiting.scope is not None:
        # One role's (and scope's) cases in worklist order, straight from its own index: at
        # most one row per case there.
        query = query.join(CaseAwaiting, col(CaseAwaiting.case_id) == key)
        conditions.append(col(CaseAwaiting.role) == awaiting.role.value)
        scopes = [awaiting.scope, ""] if awaiting.or_unscoped else [awaiting.scope]
        conditions.append(col(CaseAwaiting.scope).in_(scopes))
        conditions += _seen(seen_awaiting(caller))  # no wait for a thread it may not see (D6)
        due, key = col(CaseAwaiting.due_order), col(CaseAwaiting.case_id)
        if filters.province is not None:
            conditions.append(key.in_(_in_province(filters.province)))
    elif filters.province is not None:
        # One province's cases in worklist order, straight from its own index.
        query = query.join(CaseProvince, col(CaseProvince.case_id) == key)
        conditions.append(col(CaseProvince.province_code) == filters.province)
        due, key = col(CaseProvince.due_order), col(CaseProvince.case_id)
    if cursor is not None:
        conditions.append(_after(due, key, *_decode(cursor)))
    query = query.where(*conditions).order_by(due.asc(), key.asc()).limit(limit + 1)
    rows = list(session.execute(query).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(
        items=[_summary(session, row) for row in rows],
        next_cursor=_encode(rows[-1]["due_order"], rows[-1]["case_id"]) if more and rows else None,
    )


# The summary's own columns, and what places a row (`due_order`) and reads its due date locally.
SUMMARY_COLUMNS = (
    *(name for name in CaseSummary.model_fields if name in CaseRecord.model_fields),
    "due_order",
    "guideline_hash",
)


def _summary(session: Session, row: RowMapping) -> CaseSummary:
    due_at = row["due_at"]
    local = None
    if due_at is not None:
        local = stage_due(
            pinned_guideline(session, row["guideline_hash"]),
            case_type=row["case_type"],
            stage=row["stage"],
            forum=row["forum"],
            gwpp_province=row["gwpp_province"],
            due_at=due_at,
        )
    return CaseSummary.model_validate({**row, **local_fields(local)})


def _conditions(caller: Caller, f: Worklist) -> list[ColumnElement[bool]]:
    for name, value in (("stage", f.stage), ("party", f.party), ("q", f.q)):
        # PostgreSQL refuses a NUL in text: answer 422, never let the query fail with a 500.
        if value is not None and "\x00" in value:
            nul = msg("field.nul_character")
            raise invalid_request([field_problem("query", [name], "nul_character", nul)])
    conditions: list[ColumnElement[bool]] = []
    # Walking one role's awaited cases from their own index, each row is checked on its own.
    by_awaited = f.awaiting is not None and f.awaiting.scope is not None
    visible = visible_cases(caller, per_row=by_awaited)
    if visible is not None:
        conditions.append(visible)
    equal = {
        col(CaseRecord.stage): f.stage,
        col(CaseRecord.forum): f.forum,
        col(CaseRecord.case_type): f.case_type,
        col(CaseRecord.status): f.status,
        col(CaseRecord.overdue): f.overdue,
    }
    conditions += [column == value for column, value in equal.items() if value is not None]
    case_id = col(CaseRecord.case_id)
    if f.sector is not None:
        # Per row, not `case_id IN (…)`: the list of a common sector's cases is tens of
        # thousands of ids to build and sort first (SQLite, 100,000 cases: 110 ms → 0.2 ms).
        in_sector = exists().where(
            col(CaseSector.case_id) == case_id, col(CaseSector.sector) == f.sector
        )
        conditions.append(in_sector)
    if f.party is not None:
        conditions.append(
            case_id.in_(select(col(CaseParty.case_id)).where(col(CaseParty.party_id) == f.party))
        )
    if f.q:
        conditions.append(_search(f.q))
    if f.awaiting is not None and f.awaiting.scope is None:
        # Any scope of a role: a case may wait for several parties, so a semi-join, not a join.
        awaited = select(col(CaseAwaiting.case_id)).where(
            col(CaseAwaiting.role) == f.awaiting.role.value, *_seen(seen_awaiting(caller))
        )
        conditions.append(case_id.in_(awaited))
    return conditions


def _seen(condition: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if condition is None else [condition]


# A case id (`PKD-2026-000123`) or its beginning, from the year's first digit on.
_CASE_ID_START = re.compile(r"PKD-\d{1,4}|PKD-\d{4}-\d{0,6}", re.ASCII)
# The least and greatest case ids, whose tails complete a beginning into the range it covers.
_FIRST_ID, _LAST_ID = "PKD-0000-000000", "PKD-9999-999999"


def _search(q: str) -> ColumnElement[bool]:
    """`q` as a case id or its beginning, else as words of the title.

    An id is found through the primary key, as the range of the ids that begin with it (every
    id has the same shape, so the range holds exactly those, in any collation); a title
    search reads every title, since the words may be anywhere in it.
    """
    text = q.strip().upper()
    if _CASE_ID_START.fullmatch(text):
        return col(CaseRecord.case_id).between(
            text + _FIRST_ID[len(text) :], text + _LAST_ID[len(text) :]
        )
    return col(CaseRecord.title_search).contains(q.casefold(), autoescape=True)


def _in_province(province: str) -> Select[tuple[str]]:
    return select(col(CaseProvince.case_id)).where(col(CaseProvince.province_code) == province)


def _after(
    due: Mapped[datetime], key: Mapped[str], due_order: datetime | None, case_id: str
) -> ColumnElement[bool]:
    # A row-value comparison, which both databases match against the (due_order, case_id)
    # index as a range; the same condition spelt with OR is a filter on every row scanned.
    position = literal(due_order or NO_DUE_DATE, UtcDateTime())
    return tuple_(due, key) > tuple_(position, literal(case_id))


def _encode(due_order: datetime, case_id: str) -> str:
    position = [due_order.isoformat(), case_id]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def _decode(cursor: str) -> tuple[datetime | None, str]:
    try:
        due, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        due_at = datetime.fromisoformat(due) if due is not None else None
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        due_at, case_id = None, None
    # A hand-made cursor must not reach the query: the read model compares instants only (a
    # naive one fails there), and PostgreSQL cannot compare text holding a NUL.
    if (
        not isinstance(case_id, str)
        or re.fullmatch(CASE_ID_PATTERN, case_id) is None
        or (due_at is not None and due_at.tzinfo is None)
    ):
        raise Unprocessable("invalid_cursor", msg("invalid_cursor"))
    return due_at, case_id
