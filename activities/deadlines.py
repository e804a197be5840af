"""Deadline activities: a limit becomes an absolute due instant, recorded in history.

The workflow imports this module (passed through its sandbox) only to reference the activities, so
importing it must stay free of side effects; the holiday data loads when an activity first runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import WorkingDayCalendar
from models.time import (
    DayType,
    Deadline,
    DeadlineRequest,
    ExtendRequest,
    Limit,
    RecountRequest,
    Reminder,
    ResumeRequest,
)


def start_clock(calendar: WorkingDayCalendar, request: DeadlineRequest) -> Deadline:
    """The deadline of `request.limit`, counted from the local date of `request.start`."""
    zone = _zone(request.timezone)
    start = request.start.astimezone(zone).date()
    counted = calendar.add(start, request.limit.amount, request.limit.day_type)
    due = _rolled(calendar, counted, request.limit.day_type, rolls_forward=request.rolls_forward)
    return _deadline(
        calendar,
        request.start,
        request.limit,
        request.timezone,
        due,
        request.reminder_percents,
        rolls_forward=request.rolls_forward,
        counted=counted,
    )


def extend_clock(calendar: WorkingDayCalendar, request: ExtendRequest) -> Deadline:
    """The deadline moved by `request.extension`, counted from its current due date."""
    old = request.deadline
    extension = request.extension
    counted = calendar.add(date.fromisoformat(old.due_date), extension.amount, extension.day_type)
    due = _rolled(calendar, counted, extension.day_type, rolls_forward=old.rolls_forward)
    return _deadline(
        calendar,
        old.started_at,
        old.limit,
        old.timezone,
        due,
        request.reminder_percents,
        extensions=old.extensions + 1,
        paused_days=old.paused_days,
        rolls_forward=old.rolls_forward,
        counted=counted,
    )


def resume_clock(calendar: WorkingDayCalendar, request: ResumeRequest) -> Deadline:
    """The deadline moved by the days of its day type in (paused date, resumed date]."""
    if request.resumed_at < request.paused_at:
        raise ValueError(f"resumed at {request.resumed_at} before pausing at {request.paused_at}")
    old = request.deadline
    zone = _zone(old.timezone)
    day_type = old.limit.day_type
    paused_on = request.paused_at.astimezone(zone).date()
    resumed_on = request.resumed_at.astimezone(zone).date()
    paused = calendar.count(paused_on, resumed_on, day_type)
    counted = calendar.add(date.fromisoformat(old.due_date), paused, day_type)
    due = _rolled(calendar, counted, day_type, rolls_forward=old.rolls_forward)
    return _deadline(
        calendar,
        old.started_at,
        old.limit,
        old.timezone,
        due,
        request.reminder_percents,
        extensions=old.extensions,
        paused_days=old.paused_days + paused,
        rolls_forward=old.rolls_forward,
        counted=counted,
    )


def recount_clock(calendar: WorkingDayCalendar, request: RecountRequest) -> Deadline:
    """The deadline counted again from its start with this calendar (pedoman.md §9 D20): the
    limit, then the stage's extension once per extension used, then the days it was paused.

    The paused days stay the number counted when the clock resumed (the pause's own dates are
    not kept), and the extensions come before them whatever order they were taken in: with one
    calendar the count is the one the clock was given, unless a rolled-forward last day (D21)
    fell between an extension and a pause.
    """
    old = request.deadline
    if old.extensions and request.extension is None:
        raise ValueError(f"{old.extensions} extension(s) used, but no extension limit given")
    zone = _zone(old.timezone)
    start = old.started_at.astimezone(zone).date()
    steps = [(old.limit.amount, old.limit.day_type)]
    if request.extension is not None:
        steps += [(request.extension.amount, request.extension.day_type)] * old.extensions
    if old.paused_days:
        steps.append((old.paused_days, old.limit.day_type))
    due = counted = start
    for amount, day_type in steps:
        counted = calendar.add(due, amount, day_type)
        due = _rolled(calendar, counted, day_type, rolls_forward=old.rolls_forward)
    return _deadline(
        calendar,
        old.started_at,
        old.limit,
        old.timezone,
        due,
        request.reminder_percents,
        extensions=old.extensions,
        paused_days=old.paused_days,
        rolls_forward=old.rolls_forward,
        counted=counted,
    )


def _rolled(
    calendar: WorkingDayCalendar, counted: date, day_type: DayType, *, rolls_forward: bool
) -> date:
    """The due date of a count that ended on `counted`: a calendar-day limit that rolls forward
    ends on the next working day when its last day is a day off (pedoman.md §9 D21)."""
    if rolls_forward and day_type is DayType.HKAL:
        return calendar.next_working_day(counted)
    return counted


class DeadlineActivities:
    """Deadline activities: start, extend, resume and recount a clock with the working-day
    calendar."""

    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self._calendar = calendar

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, request: DeadlineRequest) -> Deadline:
        """Compute the due instant and reminders when a clock starts."""
        with _invalid_request_is_final():
            return start_clock(self._calendar, request)

    @activity.defn(name="extend_deadline")
    async def extend_deadline(self, request: ExtendRequest) -> Deadline:
        """Recompute a deadline after an extension."""
        with _invalid_request_is_final():
            return extend_clock(self._calendar, request)

    @activity.defn(name="resume_deadline")
    async def resume_deadline(self, request: ResumeRequest) -> Deadline:
        """Recompute a deadline after a pause ends."""
        with _invalid_request_is_final():
            return resume_clock(self._calendar, request)

    @activity.defn(name="recompute_deadline")
    async def recompute_deadline(self, request: RecountRequest) -> Deadline:
        """Count a running deadline again with the current calendar (an operator's action)."""
        with _invalid_request_is_final():
            return recount_clock(self._calendar, request)


@contextmanager
def _invalid_request_is_final() -> Iterator[None]:
    # The same request would fail the same way on every retry, so fail the activity for good.
    try:
        yield
    except ValueError as error:
        final = ApplicationError(str(error), type="InvalidDeadlineRequest", non_retryable=True)
        raise final from error


def _deadline(
    calendar: WorkingDayCalendar,
    started_at: datetime,
    limit: Limit,
    timezone: str,
    due: date,
    percents: list[int],
    *,
    extensions: int = 0,
    paused_days: int = 0,
    rolls_forward: bool = False,
    counted: date | None = None,
) -> Deadline:
    zone = _zone(timezone)
    start = started_at.astimezone(zone).date()
    provisional_years = calendar.provisional_years(start, due)
    return Deadline(
        started_at=started_at,
        limit=limit,
        due_at=_end_of(due, zone),
        due_date=due.isoformat(),
        timezone=timezone,
        reminders=_reminders(calendar, started_at, start, due, limit.day_type, zone, percents),
        calendar_version=calendar.version,
        provisional=bool(provisional_years),
        provisional_years=provisional_years,
        extensions=extensions,
        paused_days=paused_days,
        rolls_forward=rolls_forward,
        rolled_forward_from=counted.isoformat() if counted is not None and counted != due else None,
    )


def _reminders(
    calendar: WorkingDayCalendar,
    started_at: datetime,
    start: date,
    due: date,
    day_type: DayType,
    zone: ZoneInfo,
    percents: list[int],
) -> list[Reminder]:
    due_at = _end_of(due, zone)
    days = calendar.count(start, due, day_type)
    shares = sorted(set(percents))
    by_day = [
        _end_of(calendar.add(start, -(-days * percent // 100), day_type), zone)  # ceil, no floats
        for percent in shares
    ]
    if any(at >= due_at for at in by_day):
        # Short limits round a share up to the last day; then every reminder is a share of the
        # time itself, so each still comes before the end and in order.
        by_day = [started_at + (due_at - started_at) * percent / 100 for percent in shares]
    return [
        Reminder(percent=percent, at=at.astimezone(UTC))
        for percent, at in zip(shares, by_day, strict=True)
    ]


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day ends: 00:00 of the next day, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not a time zone") from error
