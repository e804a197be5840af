"""Reading the filing form into a `CaseFiling`, and saying by field why it is none.

A problem is said where the person can fix it: a region nobody has at its picker, pydantic's
complaint at the field it names (once: not again for a field derived from one already said),
and a filing whose parties cannot form a case in the routing rules' own words. A service's
refusal (`problem_errors`) lands at the fields its `errors` pointers name.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from api.konsol.filing_choices import REGION, THIRD_PARTY_KINDS
from api.konsol.filing_form import (
    COUNSEL_PARTS,
    SIGNATORY_PARTS,
    FilingForm,
    PartyRow,
    field_of,
    pointer_parts,
)
from api.konsol.filing_preview import unroutable_reason
from api.konsol.region_search import resolve_region
from api.konsol.texts import _
from api.messages.catalogue import Message, render
from api.messages.fields import field_message
from api.problems import ApiProblem
from models.case import CaseFiling, Delegation, PartyKind
from models.guidelines import default_guideline
from models.regions import Region

# Rupiah as people write it: "Rp 1.500.000" is 1500000.
_RUPIAH_NOISE = re.compile(r"(?i)^rp\.?|[\s.]")

# What a field's error is said against: a field's name, a row (`parties.<key>`), the parties
# section (`parties`) or the form as a whole ("").
Errors = dict[str, list[Message | str]]


class FormInvalid(Exception):
    """The form cannot be a filing: what is wrong, by field."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(errors)
        self.errors = errors


def to_filing(form: FilingForm) -> CaseFiling:
    """The filing the form describes; `FormInvalid` says, by field, why it is none."""
    errors: Errors = {}
    parties = [_party(form, row, errors) for row in form.rows]
    if not form.lists.get("sectors"):
        errors["sectors"] = [_("Pilih sekurang-kurangnya satu sektor.")]
    if not form.lists.get("dispute.categories"):
        errors["dispute.categories"] = [_("Pilih sekurang-kurangnya satu kategori.")]
    body = _present(
        {
            "case_type": form.value("case_type"),
            "title": form.value("title"),
            "sectors": form.lists.get("sectors", []),
            "urusan": form.value("urusan"),
            "parties": parties,
            "agreement": _agreement(form, errors),
            "dispute": _present(
                {
                    "subject": form.value("dispute.subject"),
                    "categories": form.lists.get("dispute.categories", []),
                    "amount_claimed": _rupiah(form, "dispute.amount_claimed", errors),
                    "relief_sought": form.value("dispute.relief_sought"),
                    "public_service_impact": form.value("dispute.public_service_impact"),
                }
            ),
            "request_letter": _request_letter(form, errors),
        }
    )
    try:
        filing = CaseFiling.model_validate(body)
    except ValidationError as invalid:
        _validation_errors(form, invalid, errors)
        raise FormInvalid(errors) from None
    if errors:
        raise FormInvalid(errors)
    return filing


def _party(form: FilingForm, row: PartyRow, errors: Errors) -> dict[str, Any]:
    prefix = f"parties.{row.key}"
    kind = form.party(row, "kind")
    party: dict[str, Any] = {"side": row.side.value}
    if kind == REGION:
        region = _region(form.party(row, "region_code"), f"{prefix}.region_code", errors)
        if region is not None:
            party |= {"kind": region.level.value, "region_code": region.code}
            party["name"] = form.party(row, "name") or region.name
        else:
            # Kind and name follow from the region: the form has said what is wrong with it,
            # and a stand-in keeps pydantic from saying it again as "kind: missing".
            party |= {"kind": PartyKind.PROVINSI.value, "region_code": "00", "name": "—"}
    elif kind in THIRD_PARTY_KINDS:
        party |= {"kind": kind, "third_party_id": form.party(row, "third_party_id")}
        party["name"] = form.party(row, "name")
        if not party["third_party_id"]:
            errors[f"{prefix}.third_party_id"] = [
                _(
                    "Isi nomor identitas pihak: NIB badan usaha, NIK perorangan, atau nomor "
                    "registrasi."
                )
            ]
    else:
        errors[f"{prefix}.kind"] = [_("Pilih jenis pihak.")]
    counsel = _present({name: form.party(row, f"counsel.{name}") for name in COUNSEL_PARTS})
    party |= {
        "representative": form.party(row, "representative"),
        "power_of_attorney": form.party(row, "power_of_attorney"),
        "counsel": counsel or None,
    }
    return _present(party)


def _region(text: str, name: str, errors: Errors) -> Region | None:
    if not text:
        errors[name] = [_("Pilih wilayah dari daftar, atau ketik kodenya (mis. 32.04).")]
        return None
    region = resolve_region(text)
    if region is None:
        errors[name] = [
            _(
                "Tidak ada satu wilayah pun dengan kode atau nama “{text}”. Ketik sebagian namanya "
                "lalu pilih dari daftar."
            ).format(text=text)
        ]
    elif not region.is_autonomous:
        errors[name] = [
            _(
                "{region} adalah wilayah administratif, bukan daerah otonom; pihaknya provinsi "
                "{province} ({code})."
            ).format(region=str(region), province=region.province_name, code=region.province_code)
        ]
        return None
    return region


def _agreement(form: FilingForm, errors: Errors) -> dict[str, Any]:
    clause_name = "agreement.dispute_clause"
    route = form.value(f"{clause_name}.route")
    days = _whole(form, f"{clause_name}.musyawarah_days", errors)
    clause: dict[str, Any] | None = None
    if route:
        clause = _present(
            {
                "route": route,
                "arbitration_allowed": form.value(f"{clause_name}.arbitration_allowed") == "1",
                "musyawarah_days": days,
            }
        )
    elif days is not None:
        errors[f"{clause_name}.route"] = [_("Pilih jalur yang disebut klausul perjanjian.")]
    agreement = {
        name: form.value(f"agreement.{name}")
        for name in ("object", "kb_number", "kb_date", "pks_number", "pks_date", "term")
    }
    return _present(
        agreement
        | {
            "dprd_approval_ref": form.value("agreement.dprd_approval_ref"),
            "mandatory_cooperation": form.value("agreement.mandatory_cooperation") == "1",
            "dispute_clause": clause,
        }
    )


def _request_letter(form: FilingForm, errors: Errors) -> dict[str, Any] | None:
    """The request letter (pedoman.md §9 D12): left out when nothing of it was typed and the
    current guideline does not ask for it; otherwise whole, so what is missing is said at its
    own field."""
    name = "request_letter.signatory"
    signatory = _present({part: form.value(f"{name}.{part}") for part in SIGNATORY_PARTS})
    delegation = signatory.get("delegation", Delegation.NONE.value)
    if delegation != Delegation.NONE.value and "for_official" not in signatory:
        errors[f"{name}.for_official"] = [_("Isi pejabat yang diwakili (a.n./u.b.).")]
    elif delegation == Delegation.NONE.value and "for_official" in signatory:
        errors[f"{name}.delegation"] = [
            _("Pilih a.n. atau u.b. bila surat ditandatangani atas nama pejabat lain.")
        ]
    letter = _present(
        {
            "number": form.value("request_letter.number"),
            "date": form.value("request_letter.date"),
        }
    )
    if not letter and not signatory and not letter_required():
        return None
    return letter | {"signatory": signatory}


def letter_required() -> bool:
    """Whether the guideline new cases get requires the request letter."""
    return default_guideline().request_letter_required


def _rupiah(form: FilingForm, name: str, errors: Errors) -> int | None:
    text = _RUPIAH_NOISE.sub("", form.value(name))
    if not text:
        return None
    if not text.isdigit():
        errors[name] = [_("Tulis jumlah dalam rupiah tanpa sen, mis. 1.500.000.")]
        return None
    return int(text)


def _whole(form: FilingForm, name: str, errors: Errors) -> int | None:
    text = form.value(name)
    if not text:
        return None
    if not text.isdigit():
        errors[name] = [_("Tulis bilangan bulat hari, mis. 30.")]
        return None
    return int(text)


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """What was filled in: a blank is left out, so a required field reads as missing."""
    return {name: value for name, value in values.items() if value not in ("", None)}


def _validation_errors(form: FilingForm, invalid: ValidationError, errors: Errors) -> None:
    """pydantic's errors, each at its field unless the form has said something there already."""
    whole: list[Message | str] = []
    for item in invalid.errors():
        name = field_of(item["loc"], form)
        message = _sentence(field_message(item["type"], item.get("ctx"), item["msg"]))
        if not name:
            whole.append(message)
        elif not _said(errors, name):
            errors.setdefault(name, []).append(message)
    # The filing's own consistency (sides, kinds of party, KSDPK's clause) is the routing rules'
    # to explain, in Indonesian; it matters only once every field is right.
    if whole and not errors:
        name, reason = unroutable_reason(form)
        errors[name] = [reason] if reason is not None else whole


def _sentence(message: Message) -> str:
    """A field's problem as a sentence under it: "Wajib diisi." rather than "wajib diisi"."""
    text = render(message, "id")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _said(errors: Errors, name: str) -> bool:
    """Whether the form has already said what is wrong there, or in a field it holds, or in
    the row that holds it (an unknown region, not also its name's absence)."""
    return any(
        said == name or said.startswith(name + ".") or name.startswith(said + ".")
        for said in errors
    )


def problem_errors(problem: ApiProblem, form: FilingForm) -> Errors:
    """A service's refusal by field: each item of its `errors` at the field its pointer names;
    a refusal without one is the form's as a whole."""
    errors: Errors = {}
    for item in problem.extra.get("errors", []):
        name = field_of(pointer_parts(str(item.get("pointer", ""))), form)
        errors.setdefault(name, []).append(item["message"])
    return errors or {"": [problem.detail]}
