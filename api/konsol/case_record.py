"""A case's record in the words of the pedoman: its timeline entries, its documents and its
legal-opinion threads, each with who did what and when.

The timeline's own details are English notes for logs (`limit of musyawarah expired`); what an
official reads is written here from each entry's kind, stages and payload, with the payload's
fields under the Indonesian labels of their descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from activities.calendar import WorkingDayCalendar
from api.konsol import names
from api.konsol.action_forms import indonesian
from api.konsol.clocks import Clock, clock, provisional
from api.konsol.texts import ROLE_NAMES, _
from api.schemas import CasePublic, TimelineItem
from models.case import Party
from models.payloads import PAYLOADS, Addressee
from models.pedoman import PayloadKind, Stage
from models.state import AttachedDocument, LegalOpinionThread


@dataclass(frozen=True)
class Event:
    """A timeline entry as read: what happened, who did it, and what they wrote."""

    seq: int
    at: datetime
    kind: str
    title: str
    actor: str
    lines: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DocumentLine:
    name: str
    doc_type: str
    size: str
    at: datetime
    by: str
    sha256: str
    stage: str


@dataclass(frozen=True)
class Thread:
    thread: int
    question: str
    status: str
    open: bool
    requested_by: str
    requested_at: datetime
    stage: str
    clock: Clock | None
    due_date: str
    overdue: bool
    opinion: str | None
    submitted_by: str
    submitted_at: datetime | None
    # Guideline 2026.2 (pedoman.md §9 D6, D7): whom it was asked of, and who may see it.
    addressee: str = ""
    confidential: bool = False
    disclosed_at: datetime | None = None
    provisional: str = ""


def actor_name(
    role: str | None, scope: str | None, on_behalf_of: str | None, parties: Mapping[str, Party]
) -> str:
    """Who acted, as an official says it: "Pemerintah Kota Bandung", "Sekretariat GWPP Jawa
    Barat", "Operator Bina Adwil atas nama Pemerintah Kabupaten Bandung"."""
    if role is None:
        return _("Sistem (jam tenggat)")
    if role == "party" and scope is not None and scope in parties:
        who = parties[scope].name
    elif role in ("gwpp", "prosecutor") and scope:
        who = f"{ROLE_NAMES.get(role, role)} {names.region_name(scope) or scope}"
    else:
        who = ROLE_NAMES.get(role, role)
    if on_behalf_of:
        party = parties[on_behalf_of].name if on_behalf_of in parties else on_behalf_of
        return _("%(who)s atas nama %(party)s") % {"who": who, "party": party}
    return who


def stage_title(stages: Mapping[str, Stage], stage: str) -> str:
    found = stages.get(stage)
    return found.title if found is not None else names.readable(stage)


def event(
    item: TimelineItem,
    stages: Mapping[str, Stage],
    parties: Mapping[str, Party],
    kinds: Mapping[str, PayloadKind],
) -> Event:
    before = stage_title(stages, item.stage_before)
    after = stage_title(stages, item.stage_after)
    detail = item.detail
    if item.kind == "filed":
        title = _("Perkara diajukan")
    elif item.kind == "action":
        title = names.action_name(item.action or "")
    elif item.kind == "transition":
        title = _("Masuk tahap %(stage)s") % {"stage": after}
    elif item.kind == "timeout":
        title = _("Batas waktu tahap %(stage)s berakhir") % {"stage": before}
    elif item.kind == "reminder":
        percent = detail.split("%", 1)[0]
        if percent.isdigit():
            title = _("Pengingat: %(percent)s%% batas waktu tahap %(stage)s telah berlalu") % {
                "percent": percent,
                "stage": before,
            }
        else:
            title = _("Pengingat: tahap %(stage)s masih melewati tenggat") % {"stage": before}
    elif item.kind == "overdue":
        if detail.startswith("legal-opinion thread"):
            thread = "".join(ch for ch in detail if ch.isdigit())
            title = _("Pendapat hukum utas %(n)s melewati tenggat") % {"n": thread}
        else:
            title = _("Tahap %(stage)s melewati tenggat") % {"stage": before}
    elif item.kind == "closed":
        state = detail.removeprefix("closed: ")
        title = _("Perkara selesai: %(state)s") % {
            "state": names.named(names.CLOSING_STATES, state)
        }
    else:
        title = names.readable(item.kind)
    actor = ""
    if item.kind in ("filed", "action"):
        actor = actor_name(item.actor_role, item.actor_scope, item.on_behalf_of, parties)
    return Event(
        seq=item.seq,
        at=item.at,
        kind=item.kind,
        title=title,
        actor=actor,
        lines=tuple(
            payload_lines(
                kinds.get(item.action or "") if item.kind == "action" else None, item.payload
            )
        ),
    )


def payload_lines(kind: PayloadKind | None, payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What an action carried, by its fields' Indonesian labels; a document by its name."""
    if kind is None:
        return []
    if kind is PayloadKind.DOCUMENT:
        return [(_("Dokumen"), _document_name(payload))]
    fields = PAYLOADS[kind].model_fields
    lines: list[tuple[str, str]] = []
    for key, value in payload.items():
        if value is None or value == "" or value == []:
            continue
        info = fields.get(key)
        label = indonesian(info.description or key) if info else names.readable(key)
        if isinstance(value, dict):
            shown = _document_name(value) if "sha256" in value else _record_text(key, value)
        elif isinstance(value, list):
            shown = "; ".join(
                _record_text(key, v) if isinstance(v, dict) else str(v) for v in value
            )
        else:
            shown = (
                names.named(_ENUM_VALUES.get(key, {}), str(value))
                if key in _ENUM_VALUES
                else str(value)
            )
        lines.append((label, shown))
    return lines


# A payload's coded values, by field, as the console names them (guideline 2026.2's paper).
_ENUM_VALUES = {"legal_form": names.LEGAL_FORMS}


def _record_text(key: str, value: Mapping[str, Any]) -> str:
    """A nested part of a payload in words: the office asked (D7), a signatory with its
    delegation (D12), a party's attendance (D10)."""
    if key == "addressee":
        return addressee_name(Addressee.model_validate(value))
    if "status" in value and "party" in value:
        status = names.named(names.ATTENDANCE, str(value["status"]))
        return f"{value['party']}: {status}"
    parts = [str(v) for k, v in value.items() if v not in (None, "", "none") and k != "delegation"]
    if value.get("delegation") not in (None, "none") and value.get("for_official"):
        parts[-1] = f"{value['delegation']} {value['for_official']}"
    return ", ".join(parts)


def _document_name(document: Mapping[str, Any]) -> str:
    kind = names.named(names.DOCUMENT_TYPES, document.get("doc_type"))
    return f"{document.get('name') or document.get('sha256', '')} ({kind})"


def size_text(size: int) -> str:
    if size < 1024:
        return _("%(n)s bita") % {"n": size}
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def document_line(
    attached: AttachedDocument, stages: Mapping[str, Stage], parties: Mapping[str, Party]
) -> DocumentLine:
    document = attached.document
    by = attached.attached_by
    return DocumentLine(
        name=document.name,
        doc_type=names.named(names.DOCUMENT_TYPES, document.doc_type.value),
        size=size_text(document.size),
        at=attached.attached_at,
        by=actor_name(by.role.value, by.scope, by.on_behalf_of, parties),
        sha256=document.sha256,
        stage=stage_title(stages, attached.stage),
    )


def thread_line(
    thread: LegalOpinionThread,
    case: CasePublic,
    stages: Mapping[str, Stage],
    parties: Mapping[str, Party],
    calendar: WorkingDayCalendar,
    now: datetime,
) -> Thread:
    deadline = next(
        (d for d in case.deadlines if d.clock == f"legal_opinion:{thread.thread}"), None
    )
    requested = thread.requested_by
    submitted = thread.submitted_by
    return Thread(
        thread=thread.thread,
        question=thread.question,
        status=names.named(names.THREAD_STATUSES, thread.status.value),
        open=thread.status.value == "open",
        requested_by=actor_name(
            requested.role.value, requested.scope, requested.on_behalf_of, parties
        ),
        requested_at=thread.requested_at,
        stage=stage_title(stages, thread.stage),
        clock=clock(deadline, calendar, now) if deadline is not None else None,
        due_date=thread.deadline.due_date,
        overdue=thread.overdue,
        opinion=thread.opinion,
        submitted_by=actor_name(submitted.role.value, submitted.scope, None, parties)
        if submitted
        else "",
        submitted_at=thread.submitted_at,
        addressee=addressee_name(thread.addressee) if thread.addressee else "",
        confidential=thread.confidential,
        disclosed_at=thread.disclosed_at,
        provisional=provisional(deadline),
    )


def addressee_name(addressee: Addressee) -> str:
    """The Kejaksaan office a request is addressed to (D7): "Kejaksaan Tinggi Jawa Barat",
    "Kejaksaan Negeri Kota Bandung, Jawa Barat", "… (JAM Datun)"."""
    office = names.named(names.PROSECUTOR_OFFICES, addressee.office.value)
    code = addressee.region_code
    if code is None:
        return office
    return f"{office} {names.region_name(code) or code}"
