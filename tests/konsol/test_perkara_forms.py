"""The action forms, without a browser: every action of every shipped guideline gets a form from
its payload's schema, and a filled form reads back into a body the API's own parser accepts; a
refusal's problems land beside the fields they name."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from api.action_models import shipped_guidelines
from api.konsol.action_forms import (
    CaseChoices,
    Choice,
    FormField,
    action_form,
    field_errors,
    payload_from_form,
)
from api.konsol.names import action_name
from api.konsol.render import pesan, templates
from api.problems import ApiProblem
from api.services.acting import parse_action
from models.payloads import EXAMPLE_DOCUMENT

DOCUMENT = {**EXAMPLE_DOCUMENT}
CASE = CaseChoices(
    parties=(Choice("32.04", "Kabupaten Bandung"), Choice("32.73", "Kota Bandung")),
    documents=(Choice(DOCUMENT["sha256"], DOCUMENT["name"]),),
    threads=(Choice("1", "Utas 1"),),
    references={DOCUMENT["sha256"]: DOCUMENT},
    meetings=(Choice("1", "Rapat 1"),),
)
# Values a person would type where a field has a shape of its own (guideline 2026.2's payloads).
TYPED = {
    "institution": "PN-BANDUNG",
    "addressee.region_code": "32.73",
    "online_link": "https://vicon.jabarprov.go.id/r/tpa-legok-nangka",
    "signatory.delegation": "a.n.",
    "signatory.for_official": "Gubernur Jawa Barat",
}
EVERY_ACTION = sorted({(a.name, a.payload) for g in shipped_guidelines() for a in g.every_action()})


class _Controls(HTMLParser):
    """The named controls of a rendered form, and the labels that name them."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "label" and "for" in found:
            self.labelled.add(found["for"])
        if tag in ("input", "select", "textarea") and "name" in found:
            self.controls.append({"tag": tag, **found})


def _rendered(form: Any) -> _Controls:
    html = templates.env.get_template("perkara_tindakan.html").render(
        form=form, case_id="PKD-2026-000001", open=True, csrf="token"
    )
    controls = _Controls()
    controls.feed(html)
    return controls


def _filled(field: FormField) -> list[str]:
    """A value a person would give the field."""
    if field.path in TYPED:
        return [TYPED[field.path]]
    if field.widget == "datetime":
        return ["2026-03-19T09:00"]
    if field.widget == "party_lines":
        return [field.choices[0].value, "Biro Pemerintahan Setda Provinsi Jawa Barat"]
    if field.widget in ("select", "document", "choices"):
        return [field.choices[0].value]
    if field.widget == "number":
        return [str(field.minimum or 1)]
    if field.widget == "checkbox":
        return ["ya"]
    if field.widget == "date":
        return ["2026-04-14"]
    if field.widget == "lines":
        return ["Salinan PKS\nSurat kuasa khusus"]
    if field.path.endswith("sha256"):
        return [DOCUMENT["sha256"]]
    if field.path.endswith("size"):
        return ["482133"]
    return ["Isian contoh untuk perkara ini"]


def _leaves(fields: tuple[FormField, ...]) -> list[FormField]:
    # An attendance row's parts are sent per party (`_sent`), not as the field's children.
    return [
        leaf
        for f in fields
        for leaf in (_leaves(f.children) if f.children and f.widget != "attendance" else [f])
    ]


def _sent(leaves: list[FormField]) -> dict[str, list[str]]:
    """A filled form: every leaf, and each party's attendance (present, or represented with
    its letter)."""
    sent = {f.name: _filled(f) for f in leaves if f.widget != "attendance"}
    for field in (f for f in leaves if f.widget == "attendance"):
        for index, party in enumerate(field.choices):
            row = f"{field.name}.{index}"
            sent[f"{row}.party"] = [party.value]
            sent[f"{row}.status"] = ["hadir" if index == 0 else "diwakili"]
            if index:
                sent[f"{row}.representative"] = ["Kepala Dinas Lingkungan Hidup"]
                sent[f"{row}.letter"] = [DOCUMENT["sha256"]]
    return sent


@pytest.mark.parametrize(("action", "kind"), EVERY_ACTION, ids=[a for a, _ in EVERY_ACTION])
def test_every_shipped_action_renders_a_form_that_parses_back(action: str, kind: Any) -> None:
    form = action_form(
        action=action,
        label=action_name(action),
        description="",
        payload_kind=kind,
        on_own_behalf=True,
        on_behalf_of=CASE.parties,
        case=CASE,
    )
    rendered = _rendered(form)
    names = {c["name"] for c in rendered.controls}
    assert {"csrf", "tindakan", "kunci", "atas_nama"} <= names
    leaves = _leaves(form.fields)
    # Every field of the payload has its control, and every control its label.
    assert {f.name for f in leaves if f.widget != "attendance"} <= names
    for control in rendered.controls:
        if control.get("type") != "hidden" and control["name"] != "isian.consents":
            assert control["id"] in rendered.labelled, control
    sent = _sent(leaves)
    assert set(sent) <= names
    body = {"action": action, **payload_from_form(form.fields, sent, CASE)}
    parsed = parse_action({**body, "on_behalf_of": "32.73"})
    assert parsed.action == action
    assert parsed.on_behalf_of == "32.73"
    # Only what was filled is sent: required fields and the chosen optional ones.
    assert set(parsed.payload()) == {f.path.split(".")[0] for f in leaves}


def test_a_document_is_chosen_from_the_case_and_sent_whole() -> None:
    form = action_form(
        action="issue_decision",
        label="Terbitkan keputusan",
        description="",
        payload_kind=_kind("issue_decision"),
        on_own_behalf=True,
        on_behalf_of=(),
        case=CASE,
    )
    sent = {
        "isian.number": ["100.3.3.2/Kep.45-Pem/2026"],
        "isian.summary": ["Biaya dibagi 50:50."],
        "isian.document": [DOCUMENT["sha256"]],
    }
    payload = payload_from_form(form.fields, sent, CASE)
    assert payload == {
        "number": "100.3.3.2/Kep.45-Pem/2026",
        "summary": "Biaya dibagi 50:50.",
        "document": DOCUMENT,
    }
    # Left empty, an optional document is not sent at all.
    sent["isian.document"] = [""]
    assert "document" not in payload_from_form(form.fields, sent, CASE)


def test_a_refusals_problems_land_beside_their_fields() -> None:
    form = action_form(
        action="request_completion",
        label="Minta kelengkapan berkas",
        description="",
        payload_kind=_kind("request_completion"),
        on_own_behalf=True,
        on_behalf_of=(),
        case=CASE,
    )
    sent = {"isian.missing": [""], "isian.reason": ["x" * 5001]}
    body = {"action": "request_completion", **payload_from_form(form.fields, sent, CASE)}
    with pytest.raises(ApiProblem) as refused:
        parse_action(body)
    assert refused.value.status == 422
    by_field, other = field_errors(form.fields, refused.value.extra["errors"], pesan)
    assert set(by_field) == {"isian.missing", "isian.reason"}
    assert by_field["isian.missing"] == ["wajib diisi"]
    assert other == []
    shown = form.refused({"isian.reason": ["x" * 5001]}, "Ditolak.", by_field)
    rendered = templates.env.get_template("perkara_tindakan.html").render(
        form=shown, case_id="PKD-2026-000001", open=False, csrf="token"
    )
    assert 'aria-invalid="true"' in rendered
    assert rendered.count('class="field-error"') == 2
    assert "x" * 5001 in rendered  # the user's text comes back as it was sent


def _kind(action: str) -> Any:
    return next(kind for name, kind in EVERY_ACTION if name == action)
