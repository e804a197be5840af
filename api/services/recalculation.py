"""Running deadlines a new holiday calendar would move, recounted only on an operator's word.

pedoman.md §9 D20: a deadline is counted once, with the calendar in force when its clock started
(the version is recorded on it). When a later calendar changes a year's days off, nothing moves
by itself: operators list the open stage clocks it would move, and recount those they choose,
each by an action the case's guideline gives them (logged on the case, in its audit trail). A
case pinned to a guideline without that action (2026.1) keeps its dates, and is listed as such.
"""

from __future__ import annotations

from datetime import date

from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from activities.calendar import WorkingDayCalendar
from activities.deadlines import recount_clock
from api.auth import Caller, require_role
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import NotFound, invalid_request
from api.services.applying import act, action_key
from api.services.backend import Backend
from models.case import CaseId, CaseType
from models.pedoman import Action, Effect, Guideline
from models.roles import Role
from models.tables import CaseDeadline, CaseRecord
from models.time import DayType, Deadline, RecountRequest
from storage.pinned_rules import recorded_guideline

# Who may see which deadlines would move: national keys that look after every case's clocks.
LISTS = (Role.OPERATOR, Role.ADMIN)
MAX_CASES = 500


class MovedDeadline(BaseModel):
    """A running stage deadline the current calendar would move."""

    case_id: str
    title: str
    stage: str
    guideline_version: str
    limit: str = Field(examples=["14HK"])
    calendar_version: str = Field(description="The calendar it was counted with.")
    due_date: str = Field(description="Its last day now (YYYY-MM-DD).")
    due_at: AwareDatetime
    new_due_date: str = Field(description="Its last day counted with the current calendar.")
    new_due_at: AwareDatetime
    working_days: int = Field(
        description="Working days (of the current calendar) it moves by: later is positive."
    )
    recomputable: bool = Field(
        description="Whether the case's guideline lets an operator recount it; a case pinned to "
        "one that does not (2026.1) keeps its dates."
    )


class MovedDeadlines(BaseModel):
    """The running deadlines the current calendar would move, soonest due first."""

    calendar_version: str = Field(
        description="The calendar in force now.", examples=["holidays-0.110"]
    )
    deadlines: list[MovedDeadline]


class RecomputeRequest(BaseModel):
    """The cases whose stage deadline to recount: named, or every one listed now."""

    case_ids: list[CaseId] | None = Field(
        default=None, min_length=1, max_length=MAX_CASES, examples=[["PKD-2026-000123"]]
    )
    all_listed: bool = Field(
        default=False, description="Every recomputable deadline `GET /v1/deadlines/moved` lists."
    )
    reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=5000,
        description="Recorded on each case; by default the calendar and the dates it moves.",
    )


class Recomputed(BaseModel):
    """What became of one case's deadline."""

    case_id: str
    outcome: str = Field(
        description="`recomputed`; `not_moved` (the current calendar gives the same date, or "
        "there is no running stage clock); `kept_by_guideline` (its guideline has no recount).",
        examples=["recomputed"],
    )
    stage: str | None = None
    due_date: str | None = Field(default=None, description="Its last day before.")
    new_due_date: str | None = Field(default=None, description="Its last day now.")
    seq: int | None = Field(default=None, description="The recount's timeline entry.")
    duplicate: bool = Field(default=False, description="Recounted before, by the same request.")


class RecomputeReport(BaseModel):
    """Each case asked about, in the order asked (or listed)."""

    calendar_version: str
    results: list[Recomputed]


def moved_deadlines(
    session: Session, calendar: WorkingDayCalendar, *, case_ids: list[str] | None = None
) -> list[MovedDeadline]:
    """The open cases' stage deadlines that `calendar` would move (of `case_ids`, if given)."""
    query = (
        select(CaseDeadline, CaseRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(CaseDeadline.case_id))
        .where(
            col(CaseDeadline.clock) == "stage",
            col(CaseRecord.status) == "open",
            # Counted with this calendar already: a recount gives the same date.
            col(CaseDeadline.calendar_version) != calendar.version,
        )
        .order_by(col(CaseDeadline.due_at), col(CaseDeadline.case_id))
    )
    if case_ids is not None:
        query = query.where(col(CaseDeadline.case_id).in_(case_ids))
    moved: list[MovedDeadline] = []
    for row, case in session.exec(query):
        guideline = recorded_guideline(session, case.guideline_hash)
        clock = case.detail.get("clock") or {}
        if guideline is None or "deadline" not in clock:
            continue  # a read model restored in part: `mufakat reindex` rewrites the case
        before = Deadline.model_validate(clock["deadline"])
        stage = guideline.stages_for(CaseType(case.case_type))[row.stage]
        extension = stage.extension.limit if stage.extension is not None else None
        after = recount_clock(
            calendar, RecountRequest(deadline=before, extension=extension, reminder_percents=[])
        )
        if after.due_date == before.due_date:
            continue
        moved.append(
            MovedDeadline(
                case_id=case.case_id,
                title=case.title,
                stage=row.stage,
                guideline_version=case.guideline_version,
                limit=row.limit,
                calendar_version=before.calendar_version,
                due_date=before.due_date,
                due_at=before.due_at,
                new_due_date=after.due_date,
                new_due_at=after.due_at,
                working_days=_working_days(calendar, before.due_date, after.due_date),
                recomputable=recount_action(guideline, row.stage, case.case_type) is not None,
            )
        )
    return moved


def recount_action(guideline: Guideline, stage: str, case_type: str) -> Action | None:
    """The action by which an operator recounts a deadline in this stage, if the guideline has
    one (named by its effect: the guideline, not this code, says what it is called)."""
    own = guideline.stages_for(CaseType(case_type))[stage].actions
    return next(
        (
            action
            for action in [*own, *guideline.common_actions]
            if action.effect is Effect.RECOMPUTE_DEADLINE
        ),
        None,
    )


def list_moved(engine: Engine, caller: Caller, calendar: WorkingDayCalendar) -> MovedDeadlines:
    """What `GET /v1/deadlines/moved` answers (blocks: run it off the event loop)."""
    require_role(caller, *LISTS)
    with Session(engine) as session:
        deadlines = moved_deadlines(session, calendar)
    return MovedDeadlines(calendar_version=calendar.version, deadlines=deadlines)


async def recompute_deadlines(
    backend: Backend, caller: Caller, calendar: WorkingDayCalendar, request: RecomputeRequest
) -> RecomputeReport:
    """Recount the named (or every listed) deadline as this operator, one action per case.

    A case named twice counts once; a named case that does not exist refuses the whole request
    before any case changes. Each action's idempotency key names the deadline and the calendar,
    so the same request again recounts nothing twice. A case that refuses its recount (closed
    meanwhile) stops the request there with its problem; the cases before it stay recounted,
    and the same request again goes on from it.
    """
    require_role(caller, Role.OPERATOR)
    named = _chosen(request)
    moved = await run_in_threadpool(_moved_of, backend.engine, calendar, named)
    if named is None:
        named = [m.case_id for m in moved if m.recomputable]
    by_case = {m.case_id: m for m in moved}
    results = [
        await _recompute_one(backend, caller, calendar, case_id, by_case.get(case_id), request)
        for case_id in named
    ]
    return RecomputeReport(calendar_version=calendar.version, results=results)


def _chosen(request: RecomputeRequest) -> list[str] | None:
    """The named cases, each once; None for every listed one. Exactly one of the two."""
    if (request.case_ids is None) == (not request.all_listed):
        where = [] if request.case_ids is None else ["all_listed"]
        problem = field_problem("body", where, "recount_cases", msg("recount_cases"))
        raise invalid_request([problem])
    return list(dict.fromkeys(request.case_ids)) if request.case_ids is not None else None


def _moved_of(
    engine: Engine, calendar: WorkingDayCalendar, named: list[str] | None
) -> list[MovedDeadline]:
    with Session(engine) as session:
        if named is not None:
            known = set(
                session.exec(select(CaseRecord.case_id).where(col(CaseRecord.case_id).in_(named)))
            )
            unknown = [case_id for case_id in named if case_id not in known]
            if unknown:
                raise NotFound("unknown_case", msg("unknown_case.several", case_ids=unknown))
        return moved_deadlines(session, calendar, case_ids=named)


async def _recompute_one(
    backend: Backend,
    caller: Caller,
    calendar: WorkingDayCalendar,
    case_id: str,
    moved: MovedDeadline | None,
    request: RecomputeRequest,
) -> Recomputed:
    if moved is None:
        return Recomputed(case_id=case_id, outcome="not_moved")
    before = {"stage": moved.stage, "due_date": moved.due_date}
    if not moved.recomputable:
        return Recomputed(case_id=case_id, outcome="kept_by_guideline", **before)
    action = await run_in_threadpool(_recount_action_of, backend.engine, case_id)
    assert action is not None  # `recomputable` said so, from the same guideline
    reason = request.reason or (
        f"{calendar.version}: {moved.stage} {moved.due_date} → {moved.new_due_date}"
    )
    key = f"recompute:{moved.stage}:{moved.due_date}:{calendar.version}"
    applied = await act(
        backend,
        caller,
        case_id,
        action=action.name,
        payload={"reason": reason},
        on_behalf_of=None,
        key=action_key(caller, key),
    )
    deadline = applied.result.deadline
    return Recomputed(
        case_id=case_id,
        outcome="recomputed",
        new_due_date=deadline.due_date if deadline is not None else None,
        seq=applied.result.seq,
        duplicate=applied.duplicate,
        **before,
    )


def _recount_action_of(engine: Engine, case_id: str) -> Action | None:
    with Session(engine) as session:
        case = session.get(CaseRecord, case_id)
        if case is None:
            return None
        guideline = recorded_guideline(session, case.guideline_hash)
        if guideline is None:
            return None
        return recount_action(guideline, case.stage, case.case_type)


def _working_days(calendar: WorkingDayCalendar, before: str, after: str) -> int:
    old, new = date.fromisoformat(before), date.fromisoformat(after)
    if new >= old:
        return calendar.count(old, new, DayType.HK)
    return -calendar.count(new, old, DayType.HK)
