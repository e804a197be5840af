"""Limits, day types and deadlines: how the pedoman counts time (pedoman.md §4)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field, model_validator


class DayType(StrEnum):
    """Working days (hari kerja) or calendar days (hari kalender)."""

    HK = "HK"
    HKAL = "HKal"


_LIMIT = re.compile(r"^\s*(\d{1,4})\s*(HKal|HK)\s*$", re.IGNORECASE)


class Limit(BaseModel):
    """A span of time in the pedoman's units, written like `14HK` or `30HKal`."""

    model_config = {"frozen": True}

    amount: int = Field(ge=1, le=3650)
    day_type: DayType

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_limit_fields(value)
        return value

    def __str__(self) -> str:
        return f"{self.amount}{self.day_type.value}"


def parse_limit_fields(text: str) -> dict[str, object]:
    """Split `14HK` / `30HKal` into its amount and day type, or say why it cannot."""
    match = _LIMIT.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a limit: write a number of days then HK or HKal, e.g. 14HK"
        )
    unit = match.group(2)
    day_type = DayType.HKAL if unit.lower() == "hkal" else DayType.HK
    return {"amount": int(match.group(1)), "day_type": day_type}


def parse_limit(text: str) -> Limit:
    """Parse `14HK` or `30HKal` into a Limit."""
    return Limit.model_validate(text)


class Reminder(BaseModel):
    """A reminder due at a share of a limit (50%, 80%)."""

    percent: int = Field(ge=1, le=99)
    at: AwareDatetime


class Deadline(BaseModel):
    """An absolute due instant, computed once from the calendar version in force."""

    started_at: AwareDatetime
    limit: Limit
    due_at: AwareDatetime
    due_date: str = Field(description="The last day of the limit, local date (YYYY-MM-DD).")
    timezone: str
    reminders: list[Reminder] = Field(default_factory=list)
    calendar_version: str
    provisional: bool = Field(
        default=False,
        description="True when a year in the window is provisional (`provisional_years`).",
    )
    provisional_years: list[int] = Field(
        default_factory=list,
        description="Years in the window whose days off may still move: dates still estimates, "
        "or no cuti bersama decree (SKB) recorded (pedoman.md §9 D19).",
    )
    extensions: int = 0
    paused_days: int = 0
    rolls_forward: bool = Field(
        default=False,
        description="A calendar-day limit whose last day is a day off ends on the next working "
        "day (pedoman.md §9 D21); kept so extensions and pauses roll the same way.",
    )
    rolled_forward_from: str | None = Field(
        default=None,
        description="The counted last day (YYYY-MM-DD), a day off, when the due date was moved "
        "from it to the next working day.",
    )


class DeadlineRequest(BaseModel):
    """Start a clock: the limit counted from `start` (the start day itself is not counted)."""

    start: AwareDatetime
    limit: Limit
    timezone: str = "Asia/Jakarta"
    reminder_percents: list[int] = Field(default_factory=lambda: [50, 80])
    rolls_forward: bool = Field(
        default=False,
        description="A calendar-day limit ending on a day off ends on the next working day "
        "(the stage's `limit_rolls_forward`).",
    )


class ExtendRequest(BaseModel):
    """Extend a running clock by `extension`, counted from its current due date."""

    deadline: Deadline
    extension: Limit
    reminder_percents: list[int] = Field(default_factory=lambda: [50, 80])


class ResumeRequest(BaseModel):
    """Resume a paused clock: the due date moves by the days (of its day type) spent paused."""

    deadline: Deadline
    paused_at: AwareDatetime
    resumed_at: AwareDatetime
    reminder_percents: list[int] = Field(default_factory=lambda: [50, 80])


class RecountRequest(BaseModel):
    """Count a running clock again with the calendar in force now (pedoman.md §9 D20): its limit
    from its start, then each extension it used and the days it was paused."""

    deadline: Deadline
    extension: Limit | None = Field(
        default=None, description="The stage's extension, added once per extension used."
    )
    reminder_percents: list[int] = Field(default_factory=lambda: [50, 80])


def is_past(deadline: Deadline, now: datetime) -> bool:
    """Whether the due instant has passed at `now`."""
    return now >= deadline.due_at
