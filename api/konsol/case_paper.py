"""What guideline 2026.2 adds to the case page (pedoman.md §9), read from the case as the
services return it: the meetings of each stage (D10), each party's response and the parties
that withdrew (D3, D4), what binds the decision being carried out (D13), the next monitoring
reminder of a stage with no limit (D15), and the years a deadline is provisional in (D19).

A case under a guideline without these features has none of them, and its page shows nothing
of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from api.konsol import names
from api.konsol.case_record import stage_title
from api.konsol.render import tanggal
from api.konsol.texts import _
from api.schemas import CasePublic
from models.case import CaseType, Party
from models.forum import ForumKind
from models.meetings import Meeting
from models.pedoman import Guideline, Stage
from models.zones import TimeZone, conducting_zone


@dataclass(frozen=True)
class Attended:
    party: str
    status: str  # "Hadir", "Tidak hadir", "Diwakili"
    absent: bool
    representative: str | None


@dataclass(frozen=True)
class MeetingLine:
    """One meeting as read: when and where, the agenda, who came, and its minutes."""

    number: int
    at: datetime
    when: str  # "19 Maret 2026 09.00 WITA": in the zone of the office conducting its stage
    place: str | None
    online_link: str | None
    agenda: str
    invitees: str
    held: bool
    attendance: tuple[Attended, ...]
    minutes_name: str | None
    minutes_sha256: str | None
    decided: str | None


@dataclass(frozen=True)
class StageMeetings:
    stage: str
    meetings: tuple[MeetingLine, ...]


@dataclass(frozen=True)
class Response:
    """A party's share of a per-party action (D3): answered when, or not (yet)."""

    party: str
    answered: str | None  # when, as "12 Maret 2026 10.00 WIB"
    standing: str  # "Menanggapi", "Belum menanggapi", "Tidak menanggapi sampai batas waktu"


@dataclass(frozen=True)
class Responses:
    action: str
    stage: str
    lines: tuple[Response, ...]


@dataclass(frozen=True)
class Withdrawal:
    party: str
    at: datetime
    stage: str


def office_zone(stage: Stage | None, case: CasePublic, guideline: Guideline) -> TimeZone:
    """The zone of the office conducting `stage`, as the case's deadlines are read in."""
    return conducting_zone(
        stage,
        forum=ForumKind(case.routing.forum.value),
        gwpp_province=case.routing.gwpp_province,
        default=guideline.timezone,
    )


def local_time(moment: datetime, zone: TimeZone) -> str:
    """ "19 Maret 2026 09.00 WITA"."""
    local = moment.astimezone(ZoneInfo(zone.iana))
    day = format_date(local.date(), "d MMMM y", locale="id")
    return f"{day} {local:%H.%M} {zone.name or local.tzname() or zone.iana}"


def meetings_by_stage(
    case: CasePublic, guideline: Guideline, parties: Mapping[str, Party]
) -> tuple[StageMeetings, ...]:
    """The case's meetings under the stage each was scheduled in, stages in the order their
    first meeting was."""
    stages = guideline.stages_for(CaseType(case.case_type))
    documents = {d.document.sha256: d.document.name for d in case.documents}
    grouped: dict[str, list[MeetingLine]] = {}
    for meeting in case.meetings:
        zone = office_zone(stages.get(meeting.stage), case, guideline)
        grouped.setdefault(meeting.stage, []).append(
            _meeting_line(meeting, zone, parties, documents)
        )
    return tuple(
        StageMeetings(stage_title(stages, stage), tuple(lines)) for stage, lines in grouped.items()
    )


def _meeting_line(
    meeting: Meeting, zone: TimeZone, parties: Mapping[str, Party], documents: Mapping[str, str]
) -> MeetingLine:
    minutes = meeting.minutes
    return MeetingLine(
        number=meeting.number,
        at=meeting.at,
        when=local_time(meeting.at, zone),
        place=meeting.place,
        online_link=meeting.online_link,
        agenda=meeting.agenda,
        invitees=", ".join(_party_name(i, parties) for i in meeting.invitees),
        held=meeting.held,
        attendance=tuple(
            Attended(
                party=_party_name(a.party, parties),
                status=names.named(names.ATTENDANCE, a.status.value),
                absent=a.status.value == "tidak_hadir",
                representative=a.representative,
            )
            for a in meeting.attendance
        ),
        minutes_name=(documents.get(minutes.sha256) or minutes.name) if minutes else None,
        minutes_sha256=minutes.sha256 if minutes else None,
        decided=meeting.decided,
    )


def responses(
    case: CasePublic,
    guideline: Guideline,
    parties: Mapping[str, Party],
    visited: Iterable[str],
) -> tuple[Responses, ...]:
    """Each per-party action's responses (D3) once its stage has been reached: who answered
    and when, who has not yet, or (its stage left) who did not answer."""
    left = set(visited) - {case.stage}
    withdrawn = {w.party for w in case.withdrawals}
    found: list[Responses] = []
    for stage in guideline.stages_for(CaseType(case.case_type)).values():
        for action in stage.actions:
            side = action.every_party_of
            if side is None or (stage.name != case.stage and stage.name not in left):
                continue
            answered = {r.party: r for r in case.responses if r.action == action.name}
            lines = []
            for party in case.parties:
                if party.side is not side or party.party_id in withdrawn:
                    continue
                step = answered.get(party.party_id)
                if step is not None:
                    when = local_time(step.at, office_zone(stage, case, guideline))
                    lines.append(Response(party.name, when, _("Menanggapi")))
                elif stage.name == case.stage and case.status.value == "open":
                    lines.append(Response(party.name, None, _("Belum menanggapi")))
                else:
                    lines.append(Response(party.name, None, _("Tidak menanggapi")))
            found.append(Responses(names.action_name(action.name), stage.title, tuple(lines)))
    return tuple(found)


def withdrawals(
    case: CasePublic, guideline: Guideline, parties: Mapping[str, Party]
) -> tuple[Withdrawal, ...]:
    """The requesting parties that withdrew while the case went on (D4)."""
    stages = guideline.stages_for(CaseType(case.case_type))
    return tuple(
        Withdrawal(_party_name(w.party, parties), w.at, stage_title(stages, w.stage))
        for w in case.withdrawals
    )


def finality(case: CasePublic) -> str:
    """What binds the decision being carried out (D13), "" where the guideline says nothing."""
    return names.FINALITY.get(case.finality, "") if case.finality else ""


def monitoring(stage: Stage, case: CasePublic) -> str:
    """A stage with no limit that only reminds (D15): when the next reminder is due."""
    if stage.limit is not None or stage.monitor_every is None or case.monitor_at is None:
        return ""
    every = stage.monitor_every
    unit = _("hari kerja") if every.day_type.value == "HK" else _("hari kalender")
    return _("Tanpa batas waktu — pengingat pemantauan berikutnya: %(date)s (setiap %(every)s)") % {
        "date": tanggal(case.monitor_at),
        "every": f"{every.amount} {unit}",
    }


def request_letter(case: CasePublic) -> str:
    """The filing's request letter (D12): "000.1.5/123/Pem, 2 Februari 2026 — Drs. H. Asep
    Sunandar, Sekretaris Daerah, a.n. Bupati Bandung"; "" for a filing without one."""
    letter = case.request_letter
    if letter is None:
        return ""
    signed = letter.signatory
    by = f"{signed.name}, {signed.position}"
    if signed.for_official:
        by += f", {signed.delegation.value} {signed.for_official}"
    return f"{letter.number}, {tanggal(letter.date)} — {by}"


def withdrawn_parties(case: CasePublic) -> frozenset[str]:
    return frozenset(w.party for w in case.withdrawals)


def _party_name(party: str, parties: Mapping[str, Party]) -> str:
    found = parties.get(party)
    return found.name if found is not None else party
