"""The filing form as data: what it holds as typed, and the places in a filing its fields are.

A form field's name is its place in the filing, dotted (`agreement.pks_number`), so a problem's
pointer (`/agreement/pks_number`) finds its field (`field_of`). Parties are rows with an opaque
key each (`parties.k3f9a.region_code`), listed in order by the repeated `parties` field: a row
can be added or removed in the browser without renumbering the others, and `/parties/2/...` is
the third row listed. A region party is chosen by its region alone (typed as a code or an exact
name); its kind (provinsi, kabupaten, kota) is the region's. `filing_check.to_filing` reads the
form into a `CaseFiling`; `from_filing` is the way back.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from api.konsol.filing_choices import REGION
from api.konsol.region_search import resolve_region
from models.case import CaseFiling, CaseType, DisputeRoute, PartyKind, Side

# The request letter's signatory (pedoman.md §9 D12), as `models.case.Signatory` has it.
SIGNATORY_PARTS = ("name", "position", "delegation", "for_official")
PARTY_FIELDS = (
    "side",
    "kind",
    "region_code",
    "third_party_id",
    "name",
    "representative",
    "power_of_attorney",
    "counsel.kind",
    "counsel.name",
    "counsel.skk_number",
)
TEXT_FIELDS = (
    "case_type",
    "title",
    "urusan",
    "agreement.object",
    "agreement.kb_number",
    "agreement.kb_date",
    "agreement.pks_number",
    "agreement.pks_date",
    "agreement.term",
    "agreement.dprd_approval_ref",
    "agreement.mandatory_cooperation",
    "agreement.dispute_clause.route",
    "agreement.dispute_clause.arbitration_allowed",
    "agreement.dispute_clause.musyawarah_days",
    "dispute.subject",
    "dispute.amount_claimed",
    "dispute.relief_sought",
    "dispute.public_service_impact",
    *(f"request_letter.{name}" for name in ("number", "date")),
    *(f"request_letter.signatory.{name}" for name in SIGNATORY_PARTS),
)
LIST_FIELDS = ("sectors", "dispute.categories")
COUNSEL_PARTS = ("kind", "name", "skk_number")
# As many rows as a filing may have parties (CaseFiling.parties); more are not read.
MAX_ROWS = 40
_ROW_KEY = re.compile(r"[a-z0-9]{1,16}")


class FormValues(Protocol):
    """What a submitted form offers (Starlette's FormData, a query string's parameters)."""

    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class PartyRow:
    key: str
    side: Side


@dataclass
class FilingForm:
    """What the form holds, as typed: every value a string, the parties as rows in order."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    rows: list[PartyRow] = field(default_factory=list)
    idempotency_key: str = ""
    force: bool = False

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def chosen(self, name: str, option: str) -> bool:
        return option in self.lists.get(name, [])

    def party(self, row: PartyRow, name: str) -> str:
        return self.value(f"parties.{row.key}.{name}")

    def side(self, side: Side) -> list[PartyRow]:
        return [row for row in self.rows if row.side is side]

    def add_row(self, side: Side, **values: str) -> PartyRow:
        """A new row on `side` (a region unless told), after that side's last one."""
        row = PartyRow(new_row_key(), side)
        after = max((i for i, r in enumerate(self.rows) if r.side is side), default=None)
        if after is None:
            # The requesting side is listed first: its first party is the one that files.
            after = -1 if side is Side.REQUESTING else len(self.rows) - 1
        self.rows.insert(after + 1, row)
        self.values[f"parties.{row.key}.side"] = side.value
        self.values[f"parties.{row.key}.kind"] = values.pop("kind", REGION)
        for name, value in values.items():
            self.values[f"parties.{row.key}.{name}"] = value
        return row

    def remove_row(self, key: str) -> None:
        self.rows = [row for row in self.rows if row.key != key]
        for name in PARTY_FIELDS:
            self.values.pop(f"parties.{key}.{name}", None)

    def known(self, name: str) -> bool:
        """Whether the form has a field (or a row) of this name."""
        if name in TEXT_FIELDS or name in LIST_FIELDS or name == "parties":
            return True
        keys = {row.key for row in self.rows}
        parts = name.split(".", 2)
        if parts[0] != "parties" or len(parts) < 2 or parts[1] not in keys:
            return False
        return len(parts) == 2 or parts[2] in PARTY_FIELDS


def new_row_key() -> str:
    return secrets.token_hex(4)


def new_idempotency_key() -> str:
    """The key that makes the form's submissions one filing, however often it is sent."""
    return secrets.token_urlsafe(18)


def new_form(*, filer: str | None = None) -> FilingForm:
    """An empty KSDD filing with one party on each side; a party key's own id (`filer`) is the
    first requesting party, since a party files only as one of them."""
    form = FilingForm(
        values={"case_type": CaseType.KSDD.value}, idempotency_key=new_idempotency_key()
    )
    if filer is None:
        form.add_row(Side.REQUESTING)
    elif resolve_region(filer) is not None:
        form.add_row(Side.REQUESTING, region_code=filer)
    else:
        form.add_row(Side.REQUESTING, kind=PartyKind.BADAN_USAHA.value, third_party_id=filer)
    form.add_row(Side.RESPONDING)
    return form


def parse_form(data: FormValues) -> FilingForm:
    """The form as submitted; unknown fields and malformed row keys are left out."""
    form = FilingForm(
        idempotency_key=_one(data, "kunci_idempotensi")[:200],
        force=_one(data, "tetap_ajukan") == "1",
    )
    for name in TEXT_FIELDS:
        form.values[name] = _one(data, name)
    for name in LIST_FIELDS:
        form.lists[name] = [value for value in data.getlist(name) if isinstance(value, str)]
    seen: set[str] = set()
    for key in data.getlist("parties"):
        if not isinstance(key, str) or not _ROW_KEY.fullmatch(key) or key in seen:
            continue
        seen.add(key)
        try:
            side = Side(_one(data, f"parties.{key}.side"))
        except ValueError:
            continue
        form.rows.append(PartyRow(key, side))
        for name in PARTY_FIELDS:
            form.values[f"parties.{key}.{name}"] = _one(data, f"parties.{key}.{name}")
        if len(form.rows) == MAX_ROWS:
            break
    return form


def _one(data: FormValues, name: str) -> str:
    values = data.getlist(name)
    return values[0].strip() if values and isinstance(values[0], str) else ""


def case_type(form: FilingForm) -> CaseType:
    """The case type chosen (KSDD until one is)."""
    try:
        return CaseType(form.value("case_type"))
    except ValueError:
        return CaseType.KSDD


def clause_route(form: FilingForm) -> DisputeRoute | None:
    try:
        return DisputeRoute(form.value("agreement.dispute_clause.route"))
    except ValueError:
        return None


def field_of(where: Sequence[str | int], form: FilingForm) -> str:
    """The form field a place in the filing is (`["parties", 2, "name"]` is the third row's
    name), else the nearest row or section that holds it; "" for the filing as a whole."""
    parts = [str(part) for part in where]
    if len(parts) > 1 and parts[0] == "parties":
        if not parts[1].isdigit() or int(parts[1]) >= len(form.rows):
            return "parties"
        parts[1] = form.rows[int(parts[1])].key
    while parts:
        name = ".".join(parts)
        if form.known(name):
            return name
        parts.pop()
    return ""


def pointer_parts(pointer: str) -> list[str]:
    """An RFC 6901 pointer's steps: `/parties/0/region_code` is parties, 0, region_code."""
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


def from_filing(filing: CaseFiling) -> FilingForm:
    """The form that files `filing` again (a fresh idempotency key is the caller's to add)."""
    body = filing.model_dump(mode="json", exclude_none=True)
    form = FilingForm()
    for name in TEXT_FIELDS:
        value = _at(body, name.split("."))
        if isinstance(value, bool):
            form.values[name] = "1" if value else ""
        elif value is not None:
            form.values[name] = str(value)
    for name in LIST_FIELDS:
        form.lists[name] = list(_at(body, name.split(".")) or [])
    for index, party in enumerate(filing.parties):
        row = PartyRow(str(index), party.side)
        form.rows.append(row)
        dumped = body["parties"][index]
        for name in PARTY_FIELDS:
            value = _at(dumped, name.split("."))
            if value is not None:
                form.values[f"parties.{row.key}.{name}"] = str(value)
        if party.region_code is not None:
            form.values[f"parties.{row.key}.kind"] = REGION
    return form


def _at(document: Any, path: Sequence[str]) -> Any:
    for step in path:
        if not isinstance(document, dict):
            return None
        document = document.get(step)
    return document
