"""Which cases a key may see: a party its own, a GWPP its province's, a Kejari its area's,
an institution's adjudicator those it conducts."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select
from sqlmodel import col

from api.auth import Caller
from models.roles import Role
from models.tables import CaseParty, CaseRecord
from workflows.institutions import ever_key


def visible_cases(caller: Caller, *, per_row: bool = False) -> ColumnElement[bool] | None:
    """A condition on `cases` limiting it to the caller's cases; None for national roles.

    `per_row` asks for the GWPP's province test as a correlated EXISTS, for a query that already
    walks a few rows in order (the worklist's "awaiting me", from its own index): PostgreSQL
    would otherwise build the province's whole case list first (100,000 cases: 60 ms → 3.5 ms).
    Over a whole table the list is the faster way (SQLite takes seconds for the EXISTS).
    """
    case_id = col(CaseRecord.case_id)
    if caller.role is Role.PARTY:
        return case_id.in_(
            select(col(CaseParty.case_id)).where(col(CaseParty.party_id) == caller.scope)
        )
    if caller.role is Role.GWPP:
        in_province = col(CaseParty.province_code) == caller.scope
        if per_row:
            party_here = exists().where(col(CaseParty.case_id) == case_id, in_province)
            return or_(col(CaseRecord.gwpp_province) == caller.scope, party_here)
        listed = select(col(CaseParty.case_id)).where(in_province)
        return or_(col(CaseRecord.gwpp_province) == caller.scope, case_id.in_(listed))
    if caller.role is Role.PROSECUTOR and caller.scope:
        covered = select(col(CaseParty.case_id)).where(
            or_(
                col(CaseParty.party_id) == caller.scope,
                col(CaseParty.party_id).startswith(f"{caller.scope}."),
            )
        )
        return case_id.in_(covered)
    if caller.role is Role.ADJUDICATOR and caller.scope:
        # D9: an institution's key sees the cases that recorded it, for as long as they exist
        # (the case's recorded facts in its detail; few keys, so no index of their own).
        recorded = col(CaseRecord.detail)[("recorded", ever_key(caller.scope))]
        conducted: ColumnElement[bool] = recorded.as_string().is_not(None)
        return conducted
    return None
