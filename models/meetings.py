"""A case's meetings as its workflow keeps them: scheduled, then recorded (pedoman.md §9 D10)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from models.payloads import Attendance, AttendanceStatus, DocumentRef
from models.roles import Actor


class Meeting(BaseModel):
    """One meeting of the forum in a stage: its invitation, then who came and its minutes."""

    number: int = Field(description="Numbered from 1 across the case.")
    stage: str = Field(description="The stage it was scheduled in.")
    scheduled_by: Actor
    at: AwareDatetime
    place: str | None = None
    online_link: str | None = None
    invitees: list[str]
    agenda: str
    recorded_by: Actor | None = None
    attendance: list[Attendance] = Field(default_factory=list)
    minutes: DocumentRef | None = None
    decided: str | None = None
    consent_by_absence: list[str] = Field(
        default_factory=list,
        description="Absent parties recorded as consenting to what the meeting decided, where "
        "the guideline counts non-attendance as consent.",
    )

    @property
    def held(self) -> bool:
        return self.minutes is not None

    def absent(self) -> list[str]:
        """The parties that neither came nor sent a representative."""
        return [a.party for a in self.attendance if a.status is AttendanceStatus.TIDAK_HADIR]


def consecutive_absences(meetings: list[Meeting], stage: str, party: str) -> int:
    """How many of the stage's last recorded meetings in a row the party missed."""
    count = 0
    for meeting in reversed([m for m in meetings if m.stage == stage and m.held]):
        if party not in meeting.absent():
            break
        count += 1
    return count
