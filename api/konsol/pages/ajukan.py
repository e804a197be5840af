"""Ajukan perkara: the filing form at /konsol/ajukan, with region pickers and the forum preview.

The form is a plain POST form: without JavaScript a person types region codes, adds or removes a
party with a button that sends the form back, and files. htmx makes it quicker, never different:
the region pickers search as one types (`/konsol/ajukan/wilayah`), a party row is fetched
(`/konsol/ajukan/pihak`) or dropped in the page, and the forum preview (`/konsol/ajukan/rute`)
follows every change. Filing goes through the filing service with the idempotency key the form
was rendered with, so a double submit is one case; what the service refuses is shown by the
fields it names, with everything typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from starlette.responses import RedirectResponse, Response

from api.auth import Caller
from api.konsol import filing_choices
from api.konsol.filing_check import (
    Errors,
    FormInvalid,
    letter_required,
    problem_errors,
    to_filing,
)
from api.konsol.filing_form import FilingForm, PartyRow, new_form, new_row_key, parse_form
from api.konsol.filing_preview import preview
from api.konsol.region_search import region_label, resolve_region, search_regions
from api.konsol.render import page
from api.konsol.routing import konsol_router
from api.konsol.session import KonsolCaller
from api.messages.catalogue import msg
from api.problems import ApiProblem, Forbidden
from api.services.backend import backend_of
from api.services.filing import file_case
from models.case import Side
from models.roles import Role

router = konsol_router()
FILERS = frozenset({Role.OPERATOR, Role.PARTY})


def _may_file(caller: Caller) -> None:
    # The filing service refuses other roles when they file; the form is not shown to them.
    if caller.role not in FILERS:
        raise Forbidden("wrong_role", msg("wrong_role.filing", role=caller.role.value))


@router.get("/ajukan")
async def filing_form(request: Request, caller: KonsolCaller) -> Response:
    _may_file(caller)
    form = new_form(filer=caller.scope if caller.role is Role.PARTY else None)
    return _form_page(request, caller, form)


@router.post("/ajukan")
async def file(request: Request, caller: KonsolCaller) -> Response:
    """File the case; or, from a browser without JavaScript, add or remove a party row or
    refresh the forum preview (`tindakan`)."""
    _may_file(caller)
    submitted = await request.form()
    form = parse_form(submitted)
    edit = submitted.get("tindakan")
    if isinstance(edit, str) and edit != "ajukan":
        _edit(form, edit)
        return _form_page(request, caller, form)
    try:
        filing = to_filing(form)
    except FormInvalid as invalid:
        return _form_page(request, caller, form, errors=invalid.errors, status_code=422)
    try:
        filed = await file_case(
            backend_of(request.app),
            caller,
            filing,
            idempotency_key=form.idempotency_key or None,
            force=form.force,
        )
    except ApiProblem as problem:
        duplicates: list[str] = []
        if problem.code == "possible_duplicate":
            duplicates = list(problem.extra.get("duplicates", []))
            errors: Errors = {}
        else:
            errors = problem_errors(problem, form)
        return _form_page(
            request,
            caller,
            form,
            errors=errors,
            duplicates=duplicates,
            status_code=problem.status,
        )
    # The case page says it was filed (`diajukan`), and with which number.
    return RedirectResponse(f"/konsol/perkara/{filed.case.case_id}?diajukan=1", status_code=303)


def _edit(form: FilingForm, edit: str) -> None:
    action, _sep, argument = edit.partition(":")
    if action == "tambah" and argument in (Side.REQUESTING.value, Side.RESPONDING.value):
        form.add_row(Side(argument))
    elif action == "hapus":
        form.remove_row(argument)


@router.get("/ajukan/pihak")
async def party_row(
    request: Request,
    caller: KonsolCaller,
    sisi: Annotated[Side, Query()] = Side.RESPONDING,
) -> Response:
    """A new, empty party row for one side (htmx appends it to that side's list)."""
    _may_file(caller)
    row = PartyRow(new_row_key(), sisi)
    form = FilingForm(values={f"parties.{row.key}.side": sisi.value})
    context = _choices() | {"form": form, "row": row, "removable": True, "errors": {}, "labels": {}}
    return page(request, "ajukan_pihak.html", context)


@router.get("/ajukan/wilayah")
async def regions(
    request: Request,
    caller: KonsolCaller,
    baris: Annotated[str, Query(max_length=16, pattern=r"^[a-z0-9]+$")],
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The regions a picker's text matches: by code ("32.0") or by name ("kab band")."""
    _may_file(caller)
    # The picker's own field carries the text; `q` is for a link or a test.
    text = q if q is not None else request.query_params.get(f"parties.{baris}.region_code", "")
    text = text[:100]
    chosen = resolve_region(text)
    context = {
        "row_key": baris,
        "query": text.strip(),
        "found": search_regions(text),
        "label": region_label,
        "chosen": region_label(chosen) if chosen is not None else "",
    }
    return page(request, "ajukan_wilayah.html", context)


@router.post("/ajukan/rute")
async def routing_preview(request: Request, caller: KonsolCaller) -> Response:
    """The forum the form's parties would go to, the rule and why (htmx swaps it in)."""
    _may_file(caller)
    form = parse_form(await request.form())
    return page(request, "ajukan_rute.html", {"preview": preview(form)})


def _form_page(
    request: Request,
    caller: Caller,
    form: FilingForm,
    *,
    errors: Errors | None = None,
    duplicates: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    context = _choices() | {
        "section": "ajukan",
        "form": form,
        "errors": errors,
        "summary": _summary(form, errors),
        "duplicates": duplicates or [],
        "preview": preview(form),
        "labels": _region_labels(form),
        "filer": caller.scope if caller.role is Role.PARTY else None,
        "Side": Side,
    }
    return page(request, "ajukan.html", context, status_code=status_code)


def _choices() -> dict[str, Any]:
    return {
        "CASE_TYPES": filing_choices.CASE_TYPES,
        "SECTORS": filing_choices.SECTORS,
        "CATEGORIES": filing_choices.CATEGORIES,
        "PARTY_KINDS": filing_choices.PARTY_KINDS,
        "CLAUSES": filing_choices.CLAUSES,
        "COUNSEL_KINDS": filing_choices.COUNSEL_KINDS,
        "DELEGATIONS": filing_choices.DELEGATIONS,
        "letter_required": letter_required(),
        "SIDES": filing_choices.SIDES,
        "FIELD_LABELS": filing_choices.FIELD_LABELS,
        "PARTY_FIELD_LABELS": filing_choices.PARTY_FIELD_LABELS,
        "REGION": filing_choices.REGION,
        "field_id": field_id,
    }


def _region_labels(form: FilingForm) -> dict[str, str]:
    """The region each row names, as the picker shows a choice: by row key."""
    labels: dict[str, str] = {}
    for row in form.rows:
        region = resolve_region(form.party(row, "region_code"))
        if region is not None:
            labels[row.key] = region_label(region)
    return labels


def _summary(form: FilingForm, errors: Errors) -> list[tuple[str, str, list[Any]]]:
    """The error summary above the form: each field's anchor, its label and what is wrong, in
    the form's order."""
    order = [*filing_choices.FIELD_LABELS]
    rows = {row.key: (index, row) for index, row in enumerate(form.rows)}
    numbers = {row.key: form.side(row.side).index(row) + 1 for row in form.rows}

    def place(name: str) -> tuple[int, int, int]:
        parts = name.split(".", 2)
        if parts[0] == "parties" and len(parts) > 1 and parts[1] in rows:
            field = parts[2] if len(parts) > 2 else ""
            fields = [*filing_choices.PARTY_FIELD_LABELS]
            return (order.index("parties"), rows[parts[1]][0] + 1, _index(fields, field))
        return (_index(order, name), 0, 0)

    summary: list[tuple[str, str, list[Any]]] = []
    for name in sorted(errors, key=place):
        if not name:
            summary.append(("", "", errors[name]))
            continue
        parts = name.split(".", 2)
        if parts[0] == "parties" and len(parts) > 1 and parts[1] in rows:
            row = rows[parts[1]][1]
            who = f"{filing_choices.SIDES[row.side.value]} {numbers[row.key]}"
            if len(parts) == 2:
                summary.append((f"pihak-{row.key}", who, errors[name]))
                continue
            what = filing_choices.PARTY_FIELD_LABELS.get(parts[2], parts[2])
            summary.append((field_id(name), f"{who}: {what}", errors[name]))
        elif name == "parties":
            summary.append(("para-pihak", filing_choices.FIELD_LABELS["parties"], errors[name]))
        else:
            summary.append(
                (field_id(name), filing_choices.FIELD_LABELS.get(name, name), errors[name])
            )
    return summary


def _index(items: list[str], item: str) -> int:
    return items.index(item) if item in items else len(items)


def field_id(name: str) -> str:
    """The id of a field's input: `agreement.pks_number` is `f-agreement-pks_number`."""
    return "f-" + name.replace(".", "-")
