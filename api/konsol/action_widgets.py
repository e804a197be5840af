"""The form controls guideline 2026.2's paper needs beyond a field per value (pedoman.md §9
D10–D12): a meeting's date and time in the conducting office's zone, its invitees picked from
the parties (offices typed beside them), and its attendance as one row per party.

`special_field` recognises such a field in a payload's JSON schema; `read_special` reads what
the form sent back into the payload's value, leaving the validator to say what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from api.konsol.texts import _

if TYPE_CHECKING:
    from api.konsol.action_forms import CaseChoices, FormField

# A party's share of an attendance row, as the form names it (`isian.attendance.0.status`).
ATTENDANCE_PARTS = ("party", "status", "representative", "letter")
# What a `datetime-local` input sends: minutes, seconds optional, no zone.
_LOCAL_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


# How action_forms makes the fields of an object's schema (an attendance row's parts).
FieldsOf = Callable[
    [Mapping[str, Any], Mapping[str, Any], str, "CaseChoices"], tuple["FormField", ...]
]


def special_field(
    name: str,
    inner: Mapping[str, Any],
    defs: Mapping[str, Any],
    base: FormField,
    case: CaseChoices,
    fields_of: FieldsOf,
) -> FormField | None:
    """The control of a field only 2026.2's payloads have, or None for an ordinary one."""
    if inner.get("format") == "date-time":
        help_text = _("Waktu setempat kantor yang menangani tahap ini (%(zone)s).") % {
            "zone": case.zone
        }
        return replace(base, widget="datetime", help=help_text)
    if inner.get("type") == "array":
        items = inner.get("items", {})
        ref = str(items.get("$ref", "")).rsplit("/", 1)[-1]
        row = defs.get(ref, {})
        if {"party", "status"} <= set(row.get("properties", {})):
            # One row per party, its parts (status, representative, letter) as the row's own
            # schema makes them.
            parts = fields_of(row, defs, base.path + ".", case)
            return replace(base, widget="attendance", choices=case.parties, children=parts)
        if name == "invitees":
            help_text = _(
                "Centang pihak yang diundang; instansi lain ditulis satu per baris di bawahnya."
            )
            return replace(base, widget="party_lines", choices=case.parties, help=help_text)
    if name.endswith("_sha256"):
        # A document already in the case, named by its hash (a berita acara, D11). Required
        # here: `payload_fields` leaves out the payload's other way to name it.
        help_text = _("Pilih dari dokumen perkara; unggah dahulu di bagian Dokumen bila belum ada.")
        label = base.label.removeprefix("SHA-256 ")  # chosen by its name, not its hash
        return replace(
            base,
            label=label[:1].upper() + label[1:],
            widget="select",
            choices=case.documents,
            help=help_text,
            required=True,
        )
    if inner.get("type") == "string" and "pattern" in inner:
        # A code or a link: one line, however long it may be.
        return replace(base, widget="text", max_length=inner.get("maxLength"))
    return None


def read_special(each: FormField, form: Mapping[str, Sequence[str]], case: CaseChoices) -> Any:
    """The payload's value of a special control; None when it was left empty."""
    values = [v.strip() for v in form.get(each.name, ()) if v.strip()]
    if each.widget == "datetime":
        if not values:
            return None
        if not _LOCAL_MOMENT.fullmatch(values[0]):
            return values[0]  # the validator says what is wrong with it
        local = datetime.fromisoformat(values[0]).replace(tzinfo=ZoneInfo(case.timezone))
        return local.isoformat()
    if each.widget == "party_lines":
        lines = [line.strip() for value in values for line in value.splitlines()]
        return list(dict.fromkeys(line for line in lines if line)) or None
    rows = [_attendance(each, index, form, case) for index in range(len(each.choices))]
    present = [row for row in rows if row]
    return present or None


def _attendance(
    each: FormField, index: int, form: Mapping[str, Sequence[str]], case: CaseChoices
) -> dict[str, Any]:
    def sent(part: str) -> str:
        return next(iter(form.get(attendance_name(each, index, part), ())), "").strip()

    status = sent("status")
    if not status:
        return {}  # a party left out: the validator says whether the record needs it
    row: dict[str, Any] = {"party": sent("party"), "status": status}
    if sent("representative"):
        row["representative"] = sent("representative")
    letter = sent("letter")
    if letter:
        row["letter"] = dict(case.references.get(letter, {"sha256": letter}))
    return row


def attendance_name(each: FormField, index: int, part: str) -> str:
    """The name of one part of one party's attendance row."""
    return f"{each.name}.{index}.{part}"


def lines_beyond(chosen: Sequence[str], parties: Sequence[str]) -> str:
    """What was typed beside the party checkboxes (offices), to show it again."""
    lines = [line.strip() for value in chosen for line in value.splitlines()]
    return "\n".join(line for line in lines if line and line not in parties)
