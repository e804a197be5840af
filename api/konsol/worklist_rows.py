"""What a worklist row shows beyond the listing service's summary: the parties, who must act,
the stage's name, and the working days left before the stage's deadline (or past it).

The listing service pages through the read model by an index and returns each case's summary;
`case_details` reads the rest for the page's cases alone, so the list stays fast at 100,000
cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from activities.calendar import WorkingDayCalendar
from api.auth import Caller
from api.konsol.texts import ROLE_NAMES, _
from api.schemas import CaseSummary
from api.services.worklist_details import case_details
from models.case import CaseType
from models.regions import load_regions
from models.roles import Role
from models.tables import CaseAwaiting, CaseParty
from models.time import DayType

# The guideline's own zone when a row has no clock: the ministry works in Jakarta time.
DEFAULT_ZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Awaited:
    """One office a case waits for, named as the offices call it."""

    name: str
    is_you: bool


@dataclass(frozen=True)
class WorklistRow:
    """One case as the worklist shows it."""

    case: CaseSummary
    stage_title: str
    requesting: list[str]
    responding: list[str]
    awaiting: list[Awaited]
    # Hari kerja after today up to the due date; or, once the due date has passed, since it.
    days_left: int | None
    days_late: int | None


def worklist_rows(
    session: Session,
    caller: Caller,
    cases: Sequence[CaseSummary],
    calendar: WorkingDayCalendar,
    now: datetime,
) -> list[WorklistRow]:
    """The page's cases with their parties, who they wait for and their working days left."""
    details = case_details(session, cases, caller)
    rows = []
    for case in cases:
        found = details[case.case_id]
        stages = found.guideline.stages_for(CaseType(case.case_type))
        stage = stages.get(case.stage)
        left, late = _working_days(case, calendar, now)
        rows.append(
            WorklistRow(
                case=case,
                stage_title=stage.title if stage is not None else case.stage,
                requesting=[p.name for p in found.parties if p.side == "requesting"],
                responding=[p.name for p in found.parties if p.side == "responding"],
                awaiting=[_awaited(a, found.parties, caller) for a in found.awaiting],
                days_left=left,
                days_late=late,
            )
        )
    return rows


def _working_days(
    case: CaseSummary, calendar: WorkingDayCalendar, now: datetime
) -> tuple[int | None, int | None]:
    """(working days left, None), or (None, working days late); nothing for a stopped clock."""
    due = case.due_date_local
    if due is None or case.paused or case.status != "open":
        return None, None
    # "Today" where the stage is conducted: the due date is that office's local date.
    today = now.astimezone(ZoneInfo(case.timezone or DEFAULT_ZONE)).date()
    if case.overdue or due < today:
        return None, calendar.count(due, today, DayType.HK)
    return calendar.count(today, due, DayType.HK), None


def _awaited(row: CaseAwaiting, parties: list[CaseParty], caller: Caller) -> Awaited:
    role = Role(row.role)
    is_you = role is caller.role and (row.scope == (caller.scope or "") or not row.scope)
    if role is Role.PARTY:
        named = next((p.name for p in parties if p.party_id == row.scope), row.scope)
        return Awaited(named, is_you)
    if role is Role.GWPP and row.scope:
        province = load_regions().get(row.scope).name
        return Awaited(_("GWPP %(provinsi)s") % {"provinsi": province}, is_you)
    return Awaited(ROLE_NAMES.get(role.value, role.value), is_you)
