"""A case's running clocks as an official reads them: the last day, the working days left, how
late, paused or not, the extensions used and the reminders sent.

The case's deadlines say when each clock ends; what is left or overdue is counted here, today, on
the product's working-day calendar (hari kerja: Monday to Friday without libur nasional and cuti
bersama) or in calendar days, as the clock's own limit counts. Extensions and reminders come from
the case's timeline, counted as the workflow counts them: an extension in the stage it was taken
in, however often the case entered that stage; a reminder since the case last entered its stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from activities.calendar import WorkingDayCalendar
from api.konsol.render import WIB
from api.konsol.texts import _
from api.schemas import DeadlinePublic, TimelineItem
from models.pedoman import Guideline, Stage
from models.time import DayType


@dataclass(frozen=True)
class Clock:
    """One clock: when it ends and where it stands today."""

    deadline: DeadlinePublic
    unit: str  # "hari kerja" or "hari kalender"
    limit: str  # "30 hari kerja"
    days_left: int  # after today, up to and including the last day; 0 on the last day
    days_late: int  # past the last day, 0 unless overdue
    overdue: bool
    paused: bool

    @property
    def ends(self) -> str:
        """When the last day ends, in WIB: "pukul 24.00 WIB", or "pukul 23.00 WIB" for an
        office in WITA."""
        moment = self.deadline.due_at.astimezone(WIB)
        if (moment.hour, moment.minute) == (0, 0):
            return _("pukul 24.00 WIB")
        return _("pukul %(time)s WIB") % {"time": f"{moment:%H.%M}"}

    @property
    def standing(self) -> str:
        """ "5 hari kerja lagi", "Hari ini hari terakhir", "Terlambat 3 hari kerja"."""
        if self.paused:
            return _("Dihentikan sementara")
        if self.overdue:
            if self.days_late == 0:
                return _("Lewat tenggat")
            return _("Terlambat %(days)s %(unit)s") % {"days": self.days_late, "unit": self.unit}
        if self.days_left == 0:
            return _("Hari ini hari terakhir")
        return _("%(days)s %(unit)s lagi") % {"days": self.days_left, "unit": self.unit}


@dataclass(frozen=True)
class StageClock:
    """The stage's clock with what the case has used of it."""

    clock: Clock | None
    extensions_used: int
    extensions_allowed: int  # 0 when the stage cannot be extended
    reminders_sent: int


def provisional(deadline: DeadlinePublic | None) -> str:
    """Why a deadline is "sementara" (pedoman.md §9 D19): the years in its window whose days
    off may still move; "" for a deadline that is not provisional."""
    years = deadline.provisional_years if deadline is not None else []
    if not years:
        return ""
    return _("Tanggal sementara: hari libur dan cuti bersama tahun %(years)s belum pasti.") % {
        "years": ", ".join(str(y) for y in years)
    }


def clock(deadline: DeadlinePublic, calendar: WorkingDayCalendar, now: datetime) -> Clock:
    """Where `deadline` stands at `now`, counted in its own day type."""
    day_type = DayType(deadline.day_type)
    today = now.astimezone(ZoneInfo(deadline.timezone)).date()
    last_day: date = deadline.due_date_local
    unit = _("hari kerja") if day_type is DayType.HK else _("hari kalender")
    amount = "".join(ch for ch in deadline.limit if ch.isdigit())
    return Clock(
        deadline=deadline,
        unit=unit,
        limit=f"{amount} {unit}",
        days_left=calendar.count(today, last_day, day_type),
        days_late=calendar.count(last_day, today, day_type) if deadline.overdue else 0,
        overdue=deadline.overdue,
        paused=deadline.paused,
    )


def stage_clock(
    *,
    stage: Stage,
    deadline: DeadlinePublic | None,
    timeline: Sequence[TimelineItem],
    guideline: Guideline,
    calendar: WorkingDayCalendar,
    now: datetime,
) -> StageClock:
    """The clock of the case's current stage, its extensions and its reminders."""
    extending = guideline.extending_actions()
    used = sum(
        1
        for item in timeline
        if item.kind == "action" and item.action in extending and item.stage_before == stage.name
    )
    reminders = 0
    for item in timeline:
        if item.stage_after != item.stage_before:
            reminders = 0  # a new stage, a new clock
        elif item.kind == "reminder":
            reminders += 1
    return StageClock(
        clock=clock(deadline, calendar, now) if deadline is not None else None,
        extensions_used=used,
        extensions_allowed=stage.extension.max_count if stage.extension else 0,
        reminders_sent=reminders,
    )
