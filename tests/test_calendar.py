"""The working-day calendar against the 2026-2027 SKB cuti bersama and the 2028 gap."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from activities.calendar import HolidaysLibrary, WorkingDayCalendar
from models.time import DayType

HK, HKAL = DayType.HK, DayType.HKAL


@pytest.fixture(scope="module")
def calendar() -> WorkingDayCalendar:
    return WorkingDayCalendar()


def test_2026_has_240_working_days(calendar: WorkingDayCalendar) -> None:
    assert calendar.count(date(2025, 12, 31), date(2026, 12, 31), HK) == 240


def test_14hk_across_lebaran_2026(calendar: WorkingDayCalendar) -> None:
    start = date(2026, 3, 17)

    assert calendar.add(start, 14, HK) == date(2026, 4, 14)
    days_off = [holiday.day for holiday in calendar.holidays_between(start, date(2026, 4, 14))]
    lebaran = [date(2026, 3, day) for day in (18, 19, 20, 21, 22, 23, 24)]
    assert days_off == [*lebaran, date(2026, 4, 3), date(2026, 4, 5)]


def test_cuti_bersama_is_not_a_working_day(calendar: WorkingDayCalendar) -> None:
    assert not calendar.is_working_day(date(2026, 3, 18))  # cuti bersama Nyepi, a Wednesday
    assert not calendar.is_working_day(date(2026, 4, 3))  # Wafat Yesus Kristus
    assert not calendar.is_working_day(date(2026, 3, 28))  # a Saturday
    assert calendar.is_working_day(date(2026, 3, 25))


def test_across_christmas_into_2027(calendar: WorkingDayCalendar) -> None:
    # 12-24 cuti bersama, 12-25 Natal, 2027-01-01 Tahun Baru, 2027-01-05 Isra Mikraj.
    assert calendar.add(date(2026, 12, 22), 7, HK) == date(2027, 1, 6)
    assert calendar.count(date(2026, 12, 22), date(2027, 1, 6), HK) == 7
    # 2027 has its cuti bersama, but its decree is unconfirmed and its Idul Fitri an estimate.
    assert calendar.provisional_years(date(2026, 12, 22), date(2027, 1, 6)) == [2027]


def test_calendar_days_ignore_holidays(calendar: WorkingDayCalendar) -> None:
    assert calendar.add(date(2026, 3, 17), 14, HKAL) == date(2026, 3, 31)
    assert calendar.count(date(2026, 3, 17), date(2026, 3, 31), HKAL) == 14


def test_saturday_start_counts_from_monday(calendar: WorkingDayCalendar) -> None:
    assert calendar.add(date(2026, 1, 3), 1, HK) == date(2026, 1, 5)
    assert calendar.add(date(2026, 1, 3), 5, HK) == date(2026, 1, 9)


def test_count_is_half_open(calendar: WorkingDayCalendar) -> None:
    assert calendar.count(date(2026, 1, 5), date(2026, 1, 5), HK) == 0
    assert calendar.count(date(2026, 1, 5), date(2026, 1, 6), HK) == 1
    assert calendar.count(date(2026, 1, 6), date(2026, 1, 5), HKAL) == 0


def test_window_reaching_2028_is_provisional(calendar: WorkingDayCalendar) -> None:
    assert not calendar.is_provisional(date(2026, 1, 1), date(2026, 12, 31))
    assert calendar.is_provisional(date(2027, 12, 15), date(2028, 1, 13))
    assert calendar.years_without_cuti_bersama(date(2026, 6, 1), date(2028, 1, 13)) == [2028]


def test_version_names_the_data() -> None:
    assert WorkingDayCalendar().version == "holidays-0.109"


class _CountingProvider(HolidaysLibrary):
    def __init__(self) -> None:
        self.loads: list[int] = []

    def national_holidays(self, year: int) -> Mapping[date, str]:
        self.loads.append(year)
        return super().national_holidays(year)


def test_each_year_loads_once() -> None:
    provider = _CountingProvider()
    calendar = WorkingDayCalendar(provider)

    calendar.count(date(2026, 1, 1), date(2027, 2, 1), HK)
    calendar.add(date(2026, 12, 22), 7, HK)

    assert provider.loads == [2026, 2027]
