"""Which cases a key may see: a party its own, a GWPP its province's, a Kejari its area's."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import col

from api.auth import Caller
from models.roles import Role
from models.tables import CaseParty, CaseRecord


def visible_cases(caller: Caller) -> ColumnElement[bool] | None:
    """A condition on `cases` limiting it to the caller's cases; None for national roles."""
    case_id = col(CaseRecord.case_id)
    if caller.role is Role.PARTY:
        return case_id.in_(
            select(col(CaseParty.case_id)).where(col(CaseParty.party_id) == caller.scope)
        )
    if caller.role is Role.GWPP:
        in_province = select(col(CaseParty.case_id)).where(
            col(CaseParty.province_code) == caller.scope
        )
        return or_(col(CaseRecord.gwpp_province) == caller.scope, case_id.in_(in_province))
    if caller.role is Role.PROSECUTOR and caller.scope:
        covered = select(col(CaseParty.case_id)).where(
            or_(
                col(CaseParty.party_id) == caller.scope,
                col(CaseParty.party_id).startswith(f"{caller.scope}."),
            )
        )
        return case_id.in_(covered)
    return None
