"""The working-day calendar: hari kerja and hari kalender under Indonesian holidays."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import NamedTuple, Protocol

from models.holiday_decrees import HOLIDAY_DECREES, HolidayDecree, ProvisionalReason
from models.time import DayType

_DAY = timedelta(days=1)
# How `holidays` marks a date it computed but no decree has fixed yet (its Indonesian
# `estimated_label`, "%s (perkiraan)"): Islamic, Chinese and Buddhist holidays of later years.
_ESTIMATED = "(perkiraan)"


class HolidayProvider(Protocol):
    """A source of Indonesian days off, one year at a time."""

    @property
    def version(self) -> str:
        """The data's version, recorded on every deadline computed from it."""

    def national_holidays(self, year: int) -> Mapping[date, str]:
        """Libur nasional of `year`, by date."""

    def cuti_bersama(self, year: int) -> Mapping[date, str]:
        """Cuti bersama of `year`, by date; empty until the year's SKB is published."""


class HolidaysLibrary:
    """Days off from the `holidays` package: PUBLIC is libur nasional, GOVERNMENT cuti bersama."""

    @property
    def version(self) -> str:
        """`holidays-<version>`."""
        from holidays.version import __version__

        return f"holidays-{__version__}"

    def national_holidays(self, year: int) -> Mapping[date, str]:
        """Libur nasional of `year`, by date."""
        return self._load(year, "public")

    def cuti_bersama(self, year: int) -> Mapping[date, str]:
        """Cuti bersama of `year`, by date."""
        return self._load(year, "government")

    def _load(self, year: int, category: str) -> dict[date, str]:
        # Imported on first use: the workflow module reaches this one through the deadline
        # activities and should not pay ~0.2 s at import for data only an activity reads.
        from holidays import country_holidays

        # language="id" because the names otherwise follow the process locale (English under C).
        days = country_holidays("ID", years=year, categories=(category,), language="id")
        return dict(days)


class Holiday(NamedTuple):
    """A day off: a libur nasional or a cuti bersama day."""

    day: date
    name: str


class _Year(NamedTuple):
    days_off: dict[date, str]
    cuti_bersama_published: bool
    has_estimates: bool


class WorkingDayCalendar:
    """Counts hari kerja (Mon-Fri minus libur nasional and cuti bersama) and hari kalender."""

    def __init__(
        self,
        provider: HolidayProvider | None = None,
        decrees: Mapping[int, HolidayDecree] | None = None,
    ) -> None:
        self._provider = provider if provider is not None else HolidaysLibrary()
        self._decrees = decrees if decrees is not None else HOLIDAY_DECREES
        self._years: dict[int, _Year] = {}

    @property
    def version(self) -> str:
        """The holiday data's version, e.g. `holidays-0.109`."""
        return self._provider.version

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a hari kerja."""
        return day.weekday() < 5 and day not in self._year(day.year).days_off

    def add(self, start: date, n: int, day_type: DayType) -> date:
        """The n-th day of `day_type` after `start`; the start day itself is not counted."""
        if n < 0:
            raise ValueError(f"cannot count {n} days forward")
        if day_type is DayType.HKAL:
            return start + timedelta(days=n)
        day = start
        while n > 0:
            day += _DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a hari kerja, else the first hari kerja after it."""
        while not self.is_working_day(day):
            day += _DAY
        return day

    def count(self, after: date, until: date, day_type: DayType) -> int:
        """How many days of `day_type` lie in (after, until]."""
        if until <= after:
            return 0
        if day_type is DayType.HKAL:
            return (until - after).days
        return sum(1 for day in _days(after + _DAY, until) if self.is_working_day(day))

    def holidays_between(self, first: date, last: date) -> list[Holiday]:
        """Libur nasional and cuti bersama in [first, last], in date order, for display."""
        return [
            Holiday(day, name)
            for year in range(first.year, last.year + 1)
            for day, name in sorted(self._year(year).days_off.items())
            if first <= day <= last
        ]

    def years_without_cuti_bersama(self, first: date, last: date) -> list[int]:
        """Years touching [first, last] whose cuti bersama (SKB) the data does not have yet."""
        years = range(first.year, last.year + 1)
        return [year for year in years if not self._year(year).cuti_bersama_published]

    def provisional_years(self, first: date, last: date) -> list[int]:
        """Years touching [first, last] whose days off may still move (pedoman.md §9 D19)."""
        years = range(first.year, last.year + 1)
        return [year for year in years if self.provisional_reasons(year)]

    def provisional_reasons(self, year: int) -> list[ProvisionalReason]:
        """Why `year` is provisional: a date still an estimate, no cuti bersama, or no
        confirmed decree recorded; empty when its days off are settled."""
        loaded = self._year(year)
        decree = self._decrees.get(year)
        reasons = [
            (loaded.has_estimates, ProvisionalReason.ESTIMATED_DATES),
            (not loaded.cuti_bersama_published, ProvisionalReason.NO_CUTI_BERSAMA),
            (decree is None, ProvisionalReason.DECREE_NOT_RECORDED),
            (decree is not None and not decree.confirmed, ProvisionalReason.DECREE_UNCONFIRMED),
        ]
        return [reason for applies, reason in reasons if applies]

    def is_provisional(self, first: date, last: date) -> bool:
        """Whether a count over [first, last] may still move when a decree fixes its dates."""
        return bool(self.provisional_years(first, last))

    def decree_years(self) -> list[int]:
        """The years a decree is recorded for, in order."""
        return sorted(self._decrees)

    def decree(self, year: int) -> HolidayDecree | None:
        """The SKB the year's days off follow, where recorded."""
        return self._decrees.get(year)

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            national = self._provider.national_holidays(year)
            cuti = self._provider.cuti_bersama(year)
            days_off = dict(national)
            for day, name in cuti.items():
                days_off[day] = f"{days_off[day]}; {name}" if day in days_off else name
            cached = self._years[year] = _Year(
                days_off,
                cuti_bersama_published=bool(cuti),
                has_estimates=any(_ESTIMATED in name for name in national.values()),
            )
        return cached


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _DAY
