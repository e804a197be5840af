"""The operators' worklist: filters, and a cursor over (due date, case id), soonest first."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, literal, select, tuple_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from api.auth import Caller
from api.errors import Unprocessable
from api.schemas import CasePage, CaseSummary
from api.visibility import visible_cases
from models.case import CASE_ID_PATTERN
from models.tables import NO_DUE_DATE, CaseParty, CaseProvince, CaseRecord, CaseSector, UtcDateTime


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
    if filters.province is not None:
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
        items=[CaseSummary.model_validate(dict(row)) for row in rows],
        next_cursor=_encode(rows[-1]["due_order"], rows[-1]["case_id"]) if more and rows else None,
    )


SUMMARY_COLUMNS = (*CaseSummary.model_fields, "due_order")


def _conditions(caller: Caller, f: Worklist) -> list[ColumnElement[bool]]:
    for name, value in (("stage", f.stage), ("party", f.party), ("q", f.q)):
        # PostgreSQL refuses a NUL in text: answer 422, never let the query fail with a 500.
        if value is not None and "\x00" in value:
            raise Unprocessable("invalid_request", f"{name}: a NUL character is not allowed")
    conditions: list[ColumnElement[bool]] = []
    visible = visible_cases(caller)
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
        conditions.append(
            case_id.in_(select(col(CaseSector.case_id)).where(col(CaseSector.sector) == f.sector))
        )
    if f.party is not None:
        conditions.append(
            case_id.in_(select(col(CaseParty.case_id)).where(col(CaseParty.party_id) == f.party))
        )
    if f.q:
        conditions.append(col(CaseRecord.title_search).contains(f.q.casefold(), autoescape=True))
    return conditions


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
        raise Unprocessable("invalid_cursor", "cursor: not a cursor this API gave out")
    return due_at, case_id
