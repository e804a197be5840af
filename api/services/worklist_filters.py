"""The worklist's filter values, checked: an unknown one is a 422 naming the allowed values,
never an empty page that looks like "no such cases"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import WithJsonSchema
from sqlmodel import Session, select

from api.action_models import shipped_guidelines
from api.auth import Caller
from api.messages.catalogue import Message, msg
from api.messages.fields import field_problem
from api.problems import Unprocessable
from models.case import CaseType, Sector
from models.forum import ForumKind
from models.regions import RegionCodeError, load_regions
from models.roles import Role
from models.state import CaseStatus
from models.tables import CaseParty, GuidelineRecord
from storage.pinned_rules import recorded_guideline

FORUMS = [forum.value for forum in ForumKind]
CASE_TYPES = [case_type.value for case_type in CaseType]
SECTORS = [sector.value for sector in Sector]
STATUSES = [status.value for status in CaseStatus]


def _one_of(values: list[str]) -> WithJsonSchema:
    # Checked by the route (a 422 naming the allowed values); shown as an enum in OpenAPI.
    return WithJsonSchema({"type": "string", "enum": values})


ForumValue = Annotated[str, _one_of(FORUMS)]
CaseTypeValue = Annotated[str, _one_of(CASE_TYPES)]
SectorValue = Annotated[str, _one_of(SECTORS)]
StatusValue = Annotated[str, _one_of(STATUSES)]

# The roles a case can wait for (workflows/awaiting.py); auditors and admins only read.
AWAITED_ROLES = [
    Role.OPERATOR,
    Role.GWPP,
    Role.MINISTER,
    Role.PARTY,
    Role.PROSECUTOR,
    Role.ADJUDICATOR,
]
AWAITING_VALUES = [
    "me",
    *(role.value for role in AWAITED_ROLES),
    "gwpp:<province code>",
    "party:<party id>",
    "<party id>",
]
_THIRD_PARTY_ID = re.compile(r"[A-Za-z0-9._:-]{3,120}", re.ASCII)
_REGION_SHAPED = re.compile(r"[0-9.]+", re.ASCII)


@dataclass(frozen=True)
class Awaiting:
    """The `awaiting` filter: a role, and one scope of it (None: any)."""

    role: Role
    scope: str | None
    # An office or institution key (D7, D9) is awaited under its own scope, and for the cases it
    # covers under none: threads asked of no office in particular, stages of no institution. A
    # case is pinned to one guideline, so it holds at most one of the two rows.
    or_unscoped: bool = False


def unknown(name: str, value: str, allowed: list[str], what: Message) -> Unprocessable:
    """The 422 for a filter value that is not one of `allowed`; `what` says what it must be
    (`msg("filter.forum")`)."""
    detail = msg("unknown_filter_value", name=name, value=value, what=what, allowed=allowed)
    return Unprocessable(
        "unknown_filter_value",
        detail,
        allowed_values=allowed,
        errors=[field_problem("query", [name], "unknown_filter_value", detail)],
    )


def one_of(name: str, value: str | None, allowed: list[str], what: Message) -> str | None:
    """The value if it is allowed (or absent); otherwise the 422."""
    if value is not None and value not in allowed:
        raise unknown(name, value, allowed, what)
    return value


def province_codes() -> list[str]:
    """The 38 province codes (models/data/regions.csv)."""
    return sorted(region.code for region in load_regions() if region.is_province)


ProvinceValue = Annotated[str, _one_of(province_codes())]


def check_province(value: str | None) -> str | None:
    return one_of("province", value, province_codes(), msg("filter.province"))


def known_stages(session: Session) -> list[str]:
    """The stage ids of every shipped guideline version and of every guideline a case was
    pinned to (a version the ministry published later may name new stages)."""
    stages: set[str] = set()
    guidelines = list(shipped_guidelines())
    for content_hash in session.exec(select(GuidelineRecord.content_hash)):
        guideline = recorded_guideline(session, content_hash)
        if guideline is not None:
            guidelines.append(guideline)
    for guideline in guidelines:
        for case_type in guideline.tracks:
            stages |= set(guideline.stages_for(case_type))
    return sorted(stages)


def check_stage(session: Session, value: str | None) -> str | None:
    if value is None:
        return None
    return one_of("stage", value, known_stages(session), msg("filter.stage"))


def check_awaiting(session: Session, caller: Caller, value: str | None) -> Awaiting | None:
    """`me`, a role, `gwpp:<province>`, `party:<id>` or a party id (pedoman.md §2 scopes)."""
    if value is None:
        return None
    if value == "me":
        if caller.role not in AWAITED_ROLES:
            detail = msg("unknown_filter_value.not_awaited", role=caller.role.value)
            raise Unprocessable(
                "unknown_filter_value",
                detail,
                allowed_values=AWAITING_VALUES,
                errors=[field_problem("query", ["awaiting"], "not_awaited", detail)],
            )
        # Parties and governors are awaited in their own scope; a prosecutor's office (D7) or an
        # institution (D9) in its own and, for any case its key covers, in none; the national
        # roles in none.
        if caller.role in (Role.PARTY, Role.GWPP):
            return Awaiting(caller.role, caller.scope)
        if caller.role in (Role.PROSECUTOR, Role.ADJUDICATOR) and caller.scope:
            return Awaiting(caller.role, caller.scope, or_unscoped=True)
        return Awaiting(caller.role, "")
    role, _, scope = value.partition(":")
    if scope and role == Role.GWPP.value:
        governors = [f"gwpp:{code}" for code in province_codes()]
        if value not in governors:
            raise unknown("awaiting", value, governors, msg("filter.gwpp"))
        return Awaiting(Role.GWPP, scope)
    if scope and role == Role.PARTY.value:
        return Awaiting(Role.PARTY, _party_id(session, value, scope))
    if value in {r.value for r in AWAITED_ROLES}:
        return Awaiting(Role(value), None)
    return Awaiting(Role.PARTY, _party_id(session, value, value))


def _party_id(session: Session, value: str, party_id: str) -> str:
    """A party id: a known region code, or the third-party id of a party to some case (third
    parties are known only from the cases they are in)."""
    if _REGION_SHAPED.fullmatch(party_id):
        try:
            load_regions().get(party_id)
        except RegionCodeError:
            raise unknown("awaiting", value, AWAITING_VALUES, msg("filter.role_or_party")) from None
        return party_id
    known = (
        _THIRD_PARTY_ID.fullmatch(party_id)
        and session.exec(
            select(CaseParty.case_id).where(CaseParty.party_id == party_id).limit(1)
        ).first()
    )
    if not known:
        raise unknown("awaiting", value, AWAITING_VALUES, msg("filter.role_or_case_party"))
    return party_id
