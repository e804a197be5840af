"""The e-mails Mufakat sends, in Bahasa Indonesia: plain text with a simple HTML alternative.

Each e-mail names the case, its stage, what happened, who must act and by when (in WIB, as the
console shows every time), and links to the case in the console and the API. The `Message-ID`
comes from the delivery, so a resend of the same delivery is recognisably the same e-mail.
Case titles come from users: the HTML templates autoescape everything they are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models.notices import Awaitee, EventType, Notice
from models.regions import RegionCodeError, load_regions

TEMPLATES = Path(__file__).with_name("templates")
# Every time an e-mail shows is read in Jakarta, as the console shows them, and says so.
WIB = ZoneInfo("Asia/Jakarta")

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,  # a missing value is an error, never a blank in someone's inbox
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

EVENT_TITLES: dict[EventType, str] = {
    EventType.CASE_FILED: "Perkara diajukan",
    EventType.STAGE_CHANGED: "Tahap berpindah",
    EventType.ACTION_REQUIRED: "Tindakan diperlukan",
    EventType.REMINDER: "Pengingat tenggat",
    EventType.OVERDUE: "Tenggat terlampaui",
    EventType.LEGAL_OPINION_REQUESTED: "Pendapat hukum diminta",
    EventType.LEGAL_OPINION_SUBMITTED: "Pendapat hukum disampaikan",
    EventType.LEGAL_OPINION_REMINDER: "Pengingat tenggat pendapat hukum",
    EventType.LEGAL_OPINION_OVERDUE: "Tenggat pendapat hukum terlampaui",
    EventType.DOCUMENT_ATTACHED: "Dokumen dilampirkan",
    EventType.DECISION_ISSUED: "Keputusan diterbitkan",
    EventType.CASE_CLOSED: "Perkara ditutup",
    EventType.WEBHOOK_DISABLED: "Webhook dinonaktifkan",
}

# The roles of pedoman.md §2 as the offices call them.
ROLE_NAMES = {
    "operator": "Operator Bina Adwil",
    "gwpp": "GWPP",
    "minister": "Menteri Dalam Negeri",
    "party": "Pihak",
    "prosecutor": "Kejaksaan",
    "adjudicator": "Lembaga/pengadilan",
}

# How a case ends (models/pedoman.py ClosingState); a newer state is shown by its id.
CLOSING_STATES = {
    "agreement": "kesepakatan para pihak",
    "gwpp_decision": "Keputusan Gubernur sebagai Wakil Pemerintah Pusat",
    "minister_decision": "Keputusan Menteri Dalam Negeri",
    "adr_settlement": "perdamaian melalui mediasi",
    "arbitral_award": "putusan arbitrase",
    "court_settlement": "akta perdamaian pengadilan",
    "court_judgment": "putusan pengadilan",
    "settled_in_arbitration": "perdamaian dalam arbitrase",
    "lapsed": "gugur",
    "withdrawn": "permohonan dicabut",
    "incomplete": "berkas tidak dilengkapi",
    "out_of_scope": "di luar lingkup",
    "cooperation_terminated": "kerja sama diakhiri",
    "takeover": "pengambilalihan oleh Pemerintah Pusat",
    "execution_referred": "diteruskan ke eksekusi",
    "referred_to_president": "diteruskan kepada Presiden",
    "award_annulled": "putusan arbitrase dibatalkan",
}


@dataclass(frozen=True, slots=True)
class CaseLinks:
    """Where a case is read: the console for people, the API for systems."""

    console: str
    api: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """One role the case waits for, named, and its due when it differs from the stage's."""

    who: str
    due: str | None


def case_links(base_url: str, case_id: str) -> CaseLinks:
    """The case's page in the console and its resource in the API."""
    base = base_url.rstrip("/")
    return CaseLinks(console=f"{base}/konsol/perkara/{case_id}", api=f"{base}/v1/cases/{case_id}")


def wib(moment: datetime) -> str:
    """A moment as "Senin, 14 Desember 2026 pukul 23.59 WIB".

    A deadline ends at 00:00 after its last day (activities/deadlines.py); "Selasa pukul 00.00"
    reads as a day more than there is, so midnight is shown as the last minute of the last day.
    """
    local = moment.astimezone(WIB)
    if local.time() == time(0, 0):
        local -= timedelta(minutes=1)
    return f"{_day(local.date())} pukul {local:%H.%M} WIB"


def awaitee_name(awaitee: Awaitee) -> str:
    """A role and its scope as people read them: "Pihak Kabupaten Bandung, Jawa Barat"."""
    role = ROLE_NAMES.get(awaitee.role, awaitee.role)
    if awaitee.scope is None:
        return role
    return f"{role} {_region_name(awaitee.scope) or awaitee.scope}"


def what_happened(notice: Notice) -> str:
    """One sentence saying what the case tells, from the notice's fields (never its English)."""
    stage = notice.stage_title
    thread = "permintaan pendapat hukum" + (f" ke-{notice.thread}" if notice.thread else "")
    elapsed = f"{notice.percent}% dari batas waktu" if notice.percent is not None else "Batas waktu"
    match notice.type:
        case EventType.CASE_FILED:
            return f"Perkara telah diajukan dan kini berada pada tahap {stage}."
        case EventType.STAGE_CHANGED:
            return f"Perkara berpindah ke tahap {stage}."
        case EventType.ACTION_REQUIRED:
            who = format_list([awaitee_name(a) for a in notice.awaiting] or ["—"], locale="id")
            return f"Perkara menunggu tindakan dari {who} pada tahap {stage}."
        case EventType.REMINDER:
            return f"{elapsed} tahap {stage} telah berlalu."
        case EventType.OVERDUE:
            return f"Tenggat tahap {stage} telah terlampaui."
        case EventType.LEGAL_OPINION_REQUESTED:
            return f"Pendapat hukum Kejaksaan diminta ({thread})."
        case EventType.LEGAL_OPINION_SUBMITTED:
            return f"Kejaksaan telah menyampaikan pendapat hukum ({thread})."
        case EventType.LEGAL_OPINION_REMINDER:
            return f"{elapsed} {thread} telah berlalu."
        case EventType.LEGAL_OPINION_OVERDUE:
            return f"Tenggat {thread} telah terlampaui."
        case EventType.DOCUMENT_ATTACHED:
            return f"{len(notice.documents)} dokumen dilampirkan pada perkara."
        case EventType.DECISION_ISSUED:
            return f"Keputusan telah diterbitkan pada tahap {stage}."
        case EventType.CASE_CLOSED:
            state = notice.closing_state or ""
            return f"Perkara ditutup: {CLOSING_STATES.get(state, state)}."
        case EventType.WEBHOOK_DISABLED:
            return EVENT_TITLES[notice.type] + "."


def notice_email(
    notice: Notice, *, to: str, name: str, sender: str, base_url: str, message_id: str
) -> EmailMessage:
    """The e-mail telling one person of one notice."""
    title = EVENT_TITLES[notice.type]
    return _message(
        "notice",
        subject=f"[Mufakat] {notice.case_id}: {title} — {notice.stage_title}",
        to=to,
        name=name,
        sender=sender,
        message_id=message_id,
        context={"item": _item(notice), "links": case_links(base_url, notice.case_id)},
    )


def digest_email(
    notices: Sequence[Notice],
    *,
    to: str,
    name: str,
    sender: str,
    base_url: str,
    day: date,
    message_id: str,
) -> EmailMessage:
    """One e-mail with every reminder of `day`, grouped by case (oldest first within each)."""
    if not notices:
        raise ValueError("a digest lists at least one reminder")
    by_case: dict[str, list[Notice]] = {}
    for notice in sorted(notices, key=lambda n: (n.case_id, n.at, n.notice_id)):
        by_case.setdefault(notice.case_id, []).append(notice)
    cases = [
        {
            "case_id": case_id,
            "case_title": group[-1].case_title,  # the latest title, should it have changed
            "links": case_links(base_url, case_id),
            "reminders": [_item(notice) for notice in group],
        }
        for case_id, group in by_case.items()
    ]
    return _message(
        "digest",
        subject=f"[Mufakat] Ringkasan pengingat {_day(day)}: "
        f"{len(notices)} pengingat dalam {len(cases)} perkara",
        to=to,
        name=name,
        sender=sender,
        message_id=message_id,
        context={"day": _day(day), "count": len(notices), "cases": cases},
    )


def webhook_disabled_email(
    *,
    subscription_id: str,
    url: str,
    failing_since: datetime,
    last_error: str | None,
    to: str,
    name: str,
    sender: str,
    base_url: str,
    message_id: str,
) -> EmailMessage:
    """Tells a subscription's owner its webhook was disabled, and how to turn it on again."""
    return _message(
        "webhook_disabled",
        subject=f"[Mufakat] Webhook {subscription_id} dinonaktifkan",
        to=to,
        name=name,
        sender=sender,
        message_id=message_id,
        context={
            "subscription_id": subscription_id,
            "url": url,
            "failing_since": wib(failing_since),
            "last_error": last_error,
            "endpoint": f"{base_url.rstrip('/')}/v1/webhooks/{subscription_id}",
        },
    )


def _item(notice: Notice) -> dict[str, Any]:
    """What the templates show of one notice: every value already in Bahasa Indonesia."""
    stage_due = wib(notice.due_at) if notice.due_at is not None else None
    waiting = [
        Waiting(
            who=awaitee_name(a),
            # Only a due of its own (a legal-opinion thread's) is worth a second date.
            due=wib(a.due_at) if a.due_at is not None and a.due_at != notice.due_at else None,
        )
        for a in notice.awaiting
    ]
    return {
        "notice": notice,
        "title": EVENT_TITLES[notice.type],
        "happened": what_happened(notice),
        "due": stage_due,
        "waiting": waiting,
    }


def _message(
    template: str,
    *,
    subject: str,
    to: str,
    name: str,
    sender: str,
    message_id: str,
    context: dict[str, Any],
) -> EmailMessage:
    context = {**context, "greeting": name or "Bapak/Ibu"}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=name, addr_spec=to) if name else to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{message_id}@mufakat>"
    # RFC 3834: out-of-office replies and other robots must not answer a notification.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_environment.get_template(f"{template}.txt").render(context))
    message.add_alternative(
        _environment.get_template(f"{template}.html").render(context), subtype="html"
    )
    return message


def _day(day: date) -> str:
    return format_date(day, "EEEE, d MMMM y", locale="id")


def _region_name(code: str) -> str | None:
    """ "Kabupaten Bandung, Jawa Barat" for `32.04`; None for what is no region (a company's id,
    a court's)."""
    try:
        region = load_regions().get(code)
    except RegionCodeError:
        return None
    return region.name if region.is_province else f"{region.name}, {region.province_name}"
