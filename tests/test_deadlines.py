"""The deadline activities, run in the SDK's activity environment with the real calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.calendar import WorkingDayCalendar
from activities.deadlines import DeadlineActivities, start_clock
from models.time import (
    Deadline,
    DeadlineRequest,
    ExtendRequest,
    ResumeRequest,
    parse_limit,
)

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="module")
def activities() -> DeadlineActivities:
    return DeadlineActivities(WorkingDayCalendar())


def _wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


async def _start(activities: DeadlineActivities, start: datetime, limit: str) -> Deadline:
    request = DeadlineRequest(start=start, limit=parse_limit(limit))
    return await ActivityEnvironment().run(activities.compute_deadline, request)


def _reminders(deadline: Deadline) -> dict[int, datetime]:
    return {reminder.percent: reminder.at.astimezone(WIB) for reminder in deadline.reminders}


async def test_14hk_across_lebaran(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 3, 17, 9), "14HK")

    assert deadline.due_date == "2026-04-14"
    assert deadline.due_at == _wib(2026, 4, 15)  # the end of the due date, local time
    assert deadline.due_at.isoformat() == "2026-04-14T17:00:00+00:00"
    assert deadline.calendar_version == "holidays-0.109"
    assert not deadline.provisional
    # 7th and 12th (ceil 11.2) working days: 04-02, then 04-10 after Good Friday.
    assert _reminders(deadline) == {50: _wib(2026, 4, 3), 80: _wib(2026, 4, 11)}


async def test_calendar_days_ignore_holidays(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 3, 17, 9), "30HKal")

    assert deadline.due_date == "2026-04-16"
    assert _reminders(deadline) == {50: _wib(2026, 4, 2), 80: _wib(2026, 4, 11)}


async def test_short_limit_reminders_fall_back_to_a_share_of_the_time(
    activities: DeadlineActivities,
) -> None:
    # ceil(1 * p%) is the last day itself, so the reminders take p% of the 36 hours instead.
    deadline = await _start(activities, _wib(2026, 3, 17, 12), "1HKal")

    assert _reminders(deadline) == {50: _wib(2026, 3, 18, 6), 80: _wib(2026, 3, 18, 16, 48)}


async def test_window_reaching_2028_is_provisional(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2027, 12, 15, 9), "20HK")

    assert deadline.due_date == "2028-01-13"
    assert deadline.provisional


async def test_extension_counts_from_the_due_date(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 3, 17, 9), "14HK")
    request = ExtendRequest(deadline=deadline, extension=parse_limit("7HK"))

    extended = await ActivityEnvironment().run(activities.extend_deadline, request)

    assert extended.due_date == "2026-04-23"
    assert extended.started_at == deadline.started_at
    assert extended.limit == deadline.limit
    assert extended.extensions == 1
    # Over 21 working days now: the 11th and 17th.
    assert _reminders(extended) == {50: _wib(2026, 4, 10), 80: _wib(2026, 4, 18)}


async def test_extension_into_2028_becomes_provisional(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 12, 1, 9), "10HK")
    assert (deadline.provisional, deadline.provisional_years) == (False, [])
    request = ExtendRequest(deadline=deadline, extension=parse_limit("400HKal"))

    extended = await ActivityEnvironment().run(activities.extend_deadline, request)

    assert extended.due_date == "2028-01-19"
    assert (extended.provisional, extended.provisional_years) == (True, [2027, 2028])


async def test_pause_spanning_a_holiday(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 5, 11, 9), "5HK")
    assert deadline.due_date == "2026-05-20"  # 05-14 Kenaikan and 05-15 cuti bersama skipped
    request = ResumeRequest(
        deadline=deadline, paused_at=_wib(2026, 5, 12, 10), resumed_at=_wib(2026, 5, 18, 9)
    )

    resumed = await ActivityEnvironment().run(activities.resume_deadline, request)

    # (05-12, 05-18] holds two working days, 05-13 and 05-18.
    assert resumed.paused_days == 2
    assert resumed.due_date == "2026-05-22"
    assert resumed.extensions == 0


async def test_pause_of_calendar_days(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 5, 11, 9), "30HKal")
    request = ResumeRequest(
        deadline=deadline, paused_at=_wib(2026, 5, 12, 10), resumed_at=_wib(2026, 5, 18, 9)
    )

    resumed = await ActivityEnvironment().run(activities.resume_deadline, request)

    assert resumed.paused_days == 6
    assert resumed.due_date == "2026-06-16"


async def test_resume_before_pause_fails_for_good(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 5, 11, 9), "5HK")
    request = ResumeRequest(
        deadline=deadline, paused_at=_wib(2026, 5, 12), resumed_at=_wib(2026, 5, 11)
    )

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities.resume_deadline, request)

    assert failure.value.non_retryable


async def test_unknown_time_zone_fails_for_good(activities: DeadlineActivities) -> None:
    request = DeadlineRequest(
        start=_wib(2026, 3, 17), limit=parse_limit("14HK"), timezone="Asia/Batavia"
    )

    with pytest.raises(ApplicationError, match="Asia/Batavia") as failure:
        await ActivityEnvironment().run(activities.compute_deadline, request)

    assert failure.value.non_retryable


async def test_deadline_survives_the_data_converter(activities: DeadlineActivities) -> None:
    deadline = await _start(activities, _wib(2026, 3, 17, 9), "14HK")
    converter = pydantic_data_converter.payload_converter

    [decoded] = converter.from_payloads(converter.to_payloads([deadline]), [Deadline])

    assert decoded == deadline


def test_reminders_of_a_short_limit_come_in_order() -> None:
    deadline = start_clock(
        WorkingDayCalendar(),
        DeadlineRequest(start=datetime(2026, 3, 17, 9, tzinfo=UTC), limit=parse_limit("3HK")),
    )
    times = [reminder.at for reminder in deadline.reminders]
    assert [r.percent for r in deadline.reminders] == [50, 80]
    assert times == sorted(times) and times[-1] < deadline.due_at
