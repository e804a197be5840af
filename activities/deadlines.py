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
    Reminder,
    ResumeRequest,
)


def start_clock(calendar: WorkingDayCalendar, request: DeadlineRequest) -> Deadline:
    """The deadline of `request.limit`, counted from the local date of `request.start`."""
    zone = _zone(request.timezone)
    start = request.start.astimezone(zone).date()
    due = calendar.add(start, request.limit.amount, request.limit.day_type)
    return _deadline(
        calendar, request.start, request.limit, request.timezone, due, request.reminder_percents
    )


def extend_clock(calendar: WorkingDayCalendar, request: ExtendRequest) -> Deadline:
    """The deadline moved by `request.extension`, counted from its current due date."""
    old = request.deadline
    extension = request.extension
    due = calendar.add(date.fromisoformat(old.due_date), extension.amount, extension.day_type)
    return _deadline(
        calendar,
        old.started_at,
        old.limit,
        old.timezone,
        due,
        request.reminder_percents,
        extensions=old.extensions + 1,
        paused_days=old.paused_days,
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
    due = calendar.add(date.fromisoformat(old.due_date), paused, day_type)
    return _deadline(
        calendar,
        old.started_at,
        old.limit,
        old.timezone,
        due,
        request.reminder_percents,
        extensions=old.extensions,
        paused_days=old.paused_days + paused,
    )


class DeadlineActivities:
    """Deadline activities: start, extend and resume a clock with the working-day calendar."""

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
) -> Deadline:
    zone = _zone(timezone)
    start = started_at.astimezone(zone).date()
    return Deadline(
        started_at=started_at,
        limit=limit,
        due_at=_end_of(due, zone),
        due_date=due.isoformat(),
        timezone=timezone,
        reminders=_reminders(calendar, started_at, start, due, limit.day_type, zone, percents),
        calendar_version=calendar.version,
        provisional=calendar.is_provisional(start, due),
        extensions=extensions,
        paused_days=paused_days,
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
