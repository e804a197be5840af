"""The paper the offices produce (pedoman.md §9 D10–D12, D2): meetings and their minutes, the
berita acara behind a deadlock, decisions in their legal form, steps that need earlier records.

`check_paper` is pure and runs in the validator and again in the handler (and on replay), like
every rule of `CaseRules.check`; it asks only what a guideline's data asks for, so a guideline
without these payload kinds and fields (2026.1) is never refused here. `schedule` and `record`
change the state once the action is accepted.
"""

from __future__ import annotations

from typing import Any

from models.meetings import Meeting, consecutive_absences
from models.payloads import (
    AttendanceStatus,
    BeritaAcaraReason,
    DeadlockRecord,
    DocumentType,
    FormalDecision,
    MeetingRecord,
    MeetingSchedule,
    _Payload,
)
from models.pedoman import Action, LegalForm, OpenQuestions, PayloadKind
from models.roles import Actor
from models.state import CaseState
from workflows.refusals import Refusal, RefusalCode


def check_paper(
    state: CaseState,
    action: Action,
    payload: _Payload,
    *,
    party_ids: list[str],
    acting_party: str | None,
    open_questions: OpenQuestions,
) -> None:
    """Refuse what the action's paper does not support."""
    missing = [fact for fact in action.requires if fact not in state.recorded]
    if missing:
        raise Refusal(
            RefusalCode.MISSING_CONFIRMATION,
            "missing_confirmation.requires",
            action=action.name,
            missing=missing,
        )
    form = action.decision_form
    if form is not None and isinstance(payload, FormalDecision) and payload.legal_form != form:
        raise Refusal(
            RefusalCode.BAD_PAYLOAD,
            "bad_payload.decision_form",
            action=action.name,
            expected=form.value,
            field="legal_form",
        )
    if isinstance(payload, BeritaAcaraReason) and payload.berita_acara_sha256 is not None:
        _check_attached(state, payload.berita_acara_sha256)
    if isinstance(payload, DeadlockRecord):
        _check_deadlock_ground(state, action, payload, party_ids, acting_party, open_questions)
    if isinstance(payload, MeetingRecord):
        _check_meeting_record(state, payload, party_ids)


def _check_attached(state: CaseState, sha256: str) -> None:
    attached = [d.document for d in state.documents if d.document.sha256 == sha256]
    if not any(d.doc_type is DocumentType.BERITA_ACARA for d in attached):
        raise Refusal(
            RefusalCode.BAD_PAYLOAD,
            "bad_payload.berita_acara",
            sha256=sha256,
            case_id=state.case_id,
            field="berita_acara_sha256",
        )


def _check_deadlock_ground(
    state: CaseState,
    action: Action,
    payload: DeadlockRecord,
    party_ids: list[str],
    acting_party: str | None,
    open_questions: OpenQuestions,
) -> None:
    absent = payload.absent_party
    if absent is not None and absent not in party_ids:
        raise Refusal(
            RefusalCode.BAD_PAYLOAD, "bad_payload.absent_party", party=absent, field="absent_party"
        )
    if acting_party is not None or not action.forum_on_absence:
        return  # a party may declare a deadlock on any ground
    # The forum, not a party: only on a party's absence from consecutive meetings (D10).
    if open_questions.non_attendance_is_consent:
        raise Refusal(RefusalCode.NOT_APPLICABLE, "not_applicable.absence_is_consent")
    needed = open_questions.absences_before_deadlock
    if absent is None:
        raise Refusal(
            RefusalCode.BAD_PAYLOAD,
            "bad_payload.deadlock_ground",
            count=needed,
            field="absent_party",
        )
    missed = consecutive_absences(state.meetings, state.stage, absent)
    if missed < needed:
        raise Refusal(
            RefusalCode.MISSING_CONFIRMATION,
            "missing_confirmation.absences",
            party=absent,
            missed=missed,
            needed=needed,
            stage=state.stage,
        )


def _check_meeting_record(state: CaseState, payload: MeetingRecord, party_ids: list[str]) -> None:
    meeting = next((m for m in state.meetings if m.number == payload.meeting), None)
    if meeting is None:
        raise Refusal(
            RefusalCode.BAD_PAYLOAD,
            "bad_payload.no_meeting",
            meeting=payload.meeting,
            case_id=state.case_id,
            field="meeting",
        )
    if meeting.held:
        raise Refusal(RefusalCode.ALREADY_DONE, "already_done.meeting", meeting=payload.meeting)
    listed = [a.party for a in payload.attendance]
    strangers = [p for p in listed if p not in party_ids]
    twice = sorted({p for p in listed if listed.count(p) > 1})
    missing = [p for p in party_ids if p not in listed]
    if strangers or twice or missing:
        raise Refusal(
            RefusalCode.BAD_PAYLOAD,
            "bad_payload.attendance",
            missing=missing,
            strangers=strangers,
            twice=twice,
            field="attendance",
        )


def schedule(state: CaseState, actor: Actor, payload: MeetingSchedule) -> Meeting:
    """Add the scheduled meeting to the case."""
    meeting = Meeting(
        number=len(state.meetings) + 1,
        stage=state.stage,
        scheduled_by=actor,
        at=payload.at,
        place=payload.place,
        online_link=payload.online_link,
        invitees=list(payload.invitees),
        agenda=payload.agenda,
    )
    state.meetings.append(meeting)
    return meeting


def record(
    state: CaseState, actor: Actor, payload: MeetingRecord, open_questions: OpenQuestions
) -> Meeting:
    """Record who attended and the minutes; where the guideline counts non-attendance as
    consent, the absent parties are recorded as consenting to what the meeting decided."""
    meeting = next(m for m in state.meetings if m.number == payload.meeting)
    meeting.recorded_by = actor
    meeting.attendance = list(payload.attendance)
    meeting.minutes = payload.document
    meeting.decided = payload.decided
    if open_questions.non_attendance_is_consent and payload.decided is not None:
        meeting.consent_by_absence = [
            a.party for a in payload.attendance if a.status is AttendanceStatus.TIDAK_HADIR
        ]
    return meeting


def meeting_detail(meeting: Meeting) -> str:
    """The timeline's words for a meeting scheduled or recorded."""
    if not meeting.held:
        where = meeting.place or meeting.online_link
        return f"meeting {meeting.number} scheduled for {meeting.at.isoformat()} at {where}"
    absent = ", ".join(meeting.absent()) or "none"
    detail = f"meeting {meeting.number} recorded; absent: {absent}"
    if meeting.consent_by_absence:
        detail += f"; recorded as consenting: {', '.join(meeting.consent_by_absence)}"
    return detail


# ---------------------------------------------------------------- what availability tries

_DOCUMENT = {"name": "berita-acara.pdf", "doc_type": "berita_acara", "sha256": "0" * 64, "size": 1}
_MINUTES = {**_DOCUMENT, "name": "notulen.pdf", "doc_type": "notulen"}
_SIGNATORY = {"name": "Penandatangan", "position": "Kepala Daerah"}

# A valid payload of each kind §9 added, as a caller would send it (`candidate_payloads`
# completes those whose validity depends on the case).
REPRESENTATIVE_PAYLOADS: dict[PayloadKind, dict[str, Any]] = {
    PayloadKind.MEETING_SCHEDULE: {
        "at": "2026-03-19T09:00:00+07:00",
        "place": "Ruang rapat",
        "invitees": ["para pihak"],
        "agenda": "Musyawarah",
    },
    PayloadKind.MEETING_RECORD: {"meeting": 1, "attendance": [], "document": _MINUTES},
    PayloadKind.BERITA_ACARA: {"reason": "Alasan tindakan", "document": _DOCUMENT},
    PayloadKind.DEADLOCK: {"reason": "Alasan tindakan", "document": _DOCUMENT},
    PayloadKind.FORMAL_DECISION: {
        "legal_form": LegalForm.KEPUTUSAN_GUBERNUR_WPP.value,
        "number": "100.3.3/1/2026",
        "date": "2026-01-02",
        "signatory": _SIGNATORY,
        "summary": "Keputusan",
        "document": {**_DOCUMENT, "doc_type": "keputusan"},
    },
    PayloadKind.EXECUTION_REFERRAL: {
        "court": "Pengadilan Negeri",
        "register_number": "1/Pdt.Eks/2026/PN",
        "applied_on": "2026-01-02",
    },
}


def candidate_payloads(
    state: CaseState, action: Action, party_ids: list[str]
) -> list[dict[str, Any]]:
    """The payloads a legitimate caller could send for one of these kinds in this case now."""
    payload = REPRESENTATIVE_PAYLOADS[action.payload]
    if action.payload is PayloadKind.MEETING_RECORD:
        everyone = [{"party": p, "status": "hadir"} for p in party_ids]
        return [
            {**payload, "meeting": m.number, "attendance": everyone}
            for m in state.meetings
            if not m.held
        ]
    if action.payload is PayloadKind.DEADLOCK:
        # The forum declares it only naming a party absent often enough; a party names none.
        return [payload, *({**payload, "absent_party": p} for p in party_ids)]
    if action.payload is PayloadKind.FORMAL_DECISION and action.decision_form is not None:
        return [{**payload, "legal_form": action.decision_form.value}]
    return [payload]
