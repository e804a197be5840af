"""A form for each action a key may take now, generated from its payload's JSON schema.

No action has a template of its own: the fields come from the schema of the payload kind the
case's guideline gives the action (models/payloads.py, the same models the API's request bodies
are made of), so a new guideline version, or a new action, needs no new page. A string is an
input (a textarea when it may be long), an enum a select, a boolean a checkbox, a date a date
input, a list of strings one line per item, a nested object a fieldset. Some values name
something of the case, and are chosen from it instead of typed: a document (any object with a
`sha256`) from the case's documents, the parties that consent to an extension from its parties,
a legal-opinion thread from its open threads. Labels are the Indonesian half of each field's
"Indonesian / English" description.

`payload_from_form` reads a submitted form back into the payload, for `parse_action`, which
validates it exactly as the JSON API does; `field_errors` puts each of a refusal's `errors` next
to the field its pointer names.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

from api.konsol import action_widgets
from api.konsol.names import (
    ATTENDANCE,
    DELEGATIONS,
    DOCUMENT_TYPES,
    LEGAL_FORMS,
    PROSECUTOR_OFFICES,
    readable,
)
from api.konsol.texts import _
from models.payloads import PAYLOADS
from models.pedoman import PayloadKind

PREFIX = "isian."
ON_BEHALF = "atas_nama"
# Longer than this, a text is written in a textarea.
SHORT_TEXT = 300
# Fields whose value names something of the case (`CaseChoices`), by field name.
CASE_VALUES = {
    "consents": "parties",
    "thread": "threads",
    "absent_party": "parties",
    "meeting": "meetings",
}
# What an enum's values are called, by the enum's name in the schema.
ENUM_NAMES = {
    "DocumentType": DOCUMENT_TYPES,
    "AttendanceStatus": ATTENDANCE,
    "ProsecutorOffice": PROSECUTOR_OFFICES,
    "LegalForm": LEGAL_FORMS,
    "Delegation": DELEGATIONS,
}

Widget = Literal[
    "text", "textarea", "number", "date", "checkbox", "select", "choices", "lines", "document",
    "fieldset", "datetime", "party_lines", "attendance",
]  # fmt: skip


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class CaseChoices:
    """What a form may pick from the case: its parties, its documents, its open threads, its
    meetings not yet recorded; and the zone a meeting's time is typed in."""

    parties: tuple[Choice, ...] = ()
    documents: tuple[Choice, ...] = ()
    threads: tuple[Choice, ...] = ()
    # Each document's reference as recorded, by SHA-256, to send whole with the action.
    references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    meetings: tuple[Choice, ...] = ()
    # The zone of the office conducting the stage (pedoman.md §9 D1): a time typed is its.
    timezone: str = "Asia/Jakarta"
    zone: str = "WIB"


@dataclass(frozen=True)
class FormField:
    """One field of an action's payload, as a form control."""

    path: str  # dotted, inside the payload: `reason`, `document.name`
    label: str
    help: str
    widget: Widget
    required: bool
    choices: tuple[Choice, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    integer: bool = False  # the value is a number, sent as one
    children: tuple[FormField, ...] = ()

    @property
    def name(self) -> str:
        """The control's name in the submitted form."""
        return PREFIX + self.path

    def dom_id(self, action: str) -> str:
        """The control's id: unique on a page that holds a form per action."""
        return f"{action}-{self.path.replace('.', '-')}".replace("_", "-")

    def child(self, name: str) -> FormField:
        """The part of a fieldset (or an attendance row) called `name`."""
        return next(c for c in self.children if c.path.rsplit(".", 1)[-1] == name)


@dataclass(frozen=True)
class ActionForm:
    """An action's form, with what the user typed and what was refused when it comes back."""

    action: str
    label: str
    description: str
    fields: tuple[FormField, ...]
    on_own_behalf: bool
    on_behalf_of: tuple[Choice, ...]
    idempotency_key: str
    values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    errors: Mapping[str, Sequence[str]] = field(default_factory=dict)
    refusal: str = ""

    @property
    def dom_id(self) -> str:
        return "tindakan-" + self.action.replace("_", "-")

    def value(self, name: str) -> str:
        return next(iter(self.values.get(name, ())), "")

    def chosen(self, name: str) -> Sequence[str]:
        return self.values.get(name, ())

    def typed_beside(self, each: FormField) -> str:
        """The lines typed beside a party picker's checkboxes (the offices invited)."""
        parties = [choice.value for choice in each.choices]
        return action_widgets.lines_beyond(self.chosen(each.name), parties)

    def part(self, each: FormField, index: int, part: str) -> str:
        """One part of one party's attendance row, as sent."""
        return self.value(action_widgets.attendance_name(each, index, part))

    def refused(
        self,
        values: Mapping[str, Sequence[str]],
        refusal: str,
        errors: Mapping[str, Sequence[str]],
    ) -> ActionForm:
        """The same form again, with the user's values and why it was refused."""
        return replace(self, values=values, refusal=refusal, errors=errors)


def action_form(
    *,
    action: str,
    label: str,
    description: str,
    payload_kind: PayloadKind,
    on_own_behalf: bool,
    on_behalf_of: Sequence[Choice],
    case: CaseChoices,
    idempotency_key: str | None = None,
) -> ActionForm:
    """The form for an action taking `payload_kind`, with a fresh idempotency key (a double
    submit is then one action)."""
    return ActionForm(
        action=action,
        label=label,
        description=description,
        fields=payload_fields(payload_kind, case),
        on_own_behalf=on_own_behalf,
        on_behalf_of=tuple(on_behalf_of),
        idempotency_key=idempotency_key or uuid.uuid4().hex,
    )


def payload_fields(kind: PayloadKind, case: CaseChoices) -> tuple[FormField, ...]:
    """The form fields of a payload kind, from its JSON schema."""
    schema = _schema(kind)
    properties = schema.get("properties", {})
    if "berita_acara_sha256" in properties:
        # The console attaches every document through its upload form, so a berita acara is
        # always one already in the case (D11): picked by its hash, never attached again here.
        properties = {k: v for k, v in properties.items() if k != "document"}
        schema = {**schema, "properties": properties}
    return _fields(schema, schema.get("$defs", {}), "", case)


@cache
def _schema(kind: PayloadKind) -> dict[str, Any]:
    schema: dict[str, Any] = PAYLOADS[kind].model_json_schema()
    return schema


def _fields(
    schema: Mapping[str, Any], defs: Mapping[str, Any], prefix: str, case: CaseChoices
) -> tuple[FormField, ...]:
    required = set(schema.get("required", []))
    return tuple(
        _field(prefix + name, name, prop, defs, name in required, case)
        for name, prop in schema.get("properties", {}).items()
    )


def _resolve(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The schema behind a `$ref` or an optional (`anyOf` with null), and the name it had."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    inner = dict(options[0]) if len(options) == 1 else {}
    name = ""
    if "$ref" in inner:
        name = str(inner.pop("$ref")).rsplit("/", 1)[-1]
        inner = {**defs[name], **inner}
    return inner, name


def _field(
    path: str,
    name: str,
    prop: Mapping[str, Any],
    defs: Mapping[str, Any],
    required: bool,
    case: CaseChoices,
) -> FormField:
    inner, type_name = _resolve(prop, defs)
    described = prop.get("description") or (type_name and inner.get("description"))
    label = indonesian(str(described or readable(name)))
    kind = inner.get("type")
    base = FormField(
        path=path,
        label=label,
        help="",
        widget="text",
        required=required,
        integer=kind == "integer",
    )
    picked = CASE_VALUES.get(name)
    special = action_widgets.special_field(name, inner, defs, base, case, _fields)
    if special is not None:
        return special
    if kind == "object" and "sha256" in inner.get("properties", {}):
        help_text = _("Pilih dari dokumen perkara; unggah dahulu di bagian Dokumen bila belum ada.")
        return replace(base, widget="document", choices=case.documents, help=help_text)
    if kind == "object":
        return replace(base, widget="fieldset", children=_fields(inner, defs, path + ".", case))
    if kind == "array":
        items, item_type = _resolve(inner.get("items", {}), defs)
        if picked is not None or "enum" in items:
            options = getattr(case, picked) if picked else _enum(items, item_type)
            return replace(base, widget="choices", choices=tuple(options))
        return replace(
            base,
            widget="lines",
            help=_("Satu butir per baris."),
            min_length=inner.get("minItems"),
            max_length=inner.get("maxItems"),
        )
    if picked is not None:
        return replace(base, widget="select", choices=tuple(getattr(case, picked)))
    if "enum" in inner:
        return replace(base, widget="select", choices=_enum(inner, type_name))
    if kind == "boolean":
        return replace(base, widget="checkbox")
    if kind == "integer":
        return replace(base, widget="number", minimum=inner.get("minimum"))
    if inner.get("format") == "date":
        return replace(base, widget="date")
    longest = inner.get("maxLength")
    widget: Widget = "text" if longest is not None and longest <= SHORT_TEXT else "textarea"
    return replace(base, widget=widget, min_length=inner.get("minLength"), max_length=longest)


def _enum(schema: Mapping[str, Any], type_name: str) -> tuple[Choice, ...]:
    names = ENUM_NAMES.get(type_name, {})
    return tuple(Choice(str(v), names.get(str(v)) or readable(str(v))) for v in schema["enum"])


def indonesian(description: str) -> str:
    """The Indonesian half of an "Indonesian / English" description."""
    return description.split(" / ", 1)[0].strip()


# ---------------------------------------------------------------- reading a form back


def payload_from_form(
    fields: Sequence[FormField], form: Mapping[str, Sequence[str]], case: CaseChoices
) -> dict[str, Any]:
    """The payload a submitted form describes. A field left empty is left out (the validator
    says whether it was required); a value is sent as typed, so the validator, not this
    function, says what is wrong with it."""
    payload: dict[str, Any] = {}
    for each in fields:
        value = _read(each, form, case)
        if value is not None:
            payload[each.path.rsplit(".", 1)[-1]] = value
    return payload


def _read(each: FormField, form: Mapping[str, Sequence[str]], case: CaseChoices) -> Any:
    values = [v for v in form.get(each.name, ()) if v != ""]
    first = values[0].strip() if values else ""
    if each.widget == "fieldset":
        inner = payload_from_form(each.children, form, case)
        return inner or None
    if each.widget in ("datetime", "party_lines", "attendance"):
        return action_widgets.read_special(each, form, case)
    if each.widget == "checkbox":
        return True if values else (False if each.required else None)
    if each.widget == "choices":
        return values or None
    if each.widget == "lines":
        lines = [line.strip() for line in first.splitlines() if line.strip()]
        return lines or None
    if not first:
        return None
    if each.widget == "document":
        return dict(case.references.get(first, {"sha256": first}))
    if each.integer and re.fullmatch(r"-?\d{1,18}", first):
        return int(first)
    return first


def form_values(form: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The user's own values, to show the form again as it was sent: its fields, and on whose
    behalf it was sent."""
    return {
        name: list(values)
        for name, values in form.items()
        if name.startswith(PREFIX) or name == ON_BEHALF
    }


def field_errors(
    fields: Sequence[FormField],
    errors: Sequence[Mapping[str, Any]],
    render: Callable[[Any], str],
) -> tuple[dict[str, list[str]], list[str]]:
    """Each problem of a refusal's `errors` by the field its JSON pointer names (`/reason`,
    `/document/sha256` → `document`), and those that name no field; `render` writes a
    problem's message."""
    paths = sorted(_paths(fields), key=len, reverse=True)
    by_field: dict[str, list[str]] = {}
    other: list[str] = []
    for problem in errors:
        pointer = str(problem.get("pointer", ""))
        where = ".".join(
            part.replace("~1", "/").replace("~0", "~") for part in pointer.strip("/").split("/")
        )
        if where == "on_behalf_of":
            by_field.setdefault(ON_BEHALF, []).append(render(problem["message"]))
            continue
        match = next((p for p in paths if where == p or where.startswith(p + ".")), None)
        if match is None:
            other.append(render(problem["message"]))
        else:
            by_field.setdefault(PREFIX + match, []).append(render(problem["message"]))
    return by_field, other


def _paths(fields: Sequence[FormField]) -> list[str]:
    found: list[str] = []
    for each in fields:
        found.append(each.path)
        found += _paths(each.children)
    return found
