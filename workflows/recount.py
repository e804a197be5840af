"""What recounting a stage's clock with a new holiday calendar changed (pedoman.md §9 D20)."""

from __future__ import annotations

from models.time import Deadline


def recount_detail(before: Deadline, after: Deadline) -> str:
    """The timeline's record of a recount: the calendars and the due date before and after, so
    a moved deadline is never silent and an unmoved one says so too."""
    calendars = (
        f"calendar {after.calendar_version}"
        if after.calendar_version == before.calendar_version
        else f"calendar {before.calendar_version} → {after.calendar_version}"
    )
    if after.due_date == before.due_date:
        return f"deadline recounted with {calendars}: due {before.due_date}, unchanged"
    return f"deadline recounted with {calendars}: due {before.due_date} → {after.due_date}"
