"""Daftar kerja: the worklist at /konsol/perkara.

Two tabs over the listing service: "Menunggu tindakan saya" (`awaiting=me`: the cases this key's
role and scope must act in now) and "Semua perkara" (every case the key may see), soonest
deadline first, filtered like `GET /v1/cases`. The filter form is a plain GET form; htmx sends
it as the filters change and swaps in the results alone, and the address bar follows
(`HX-Push-Url`), so a link, a reload or a browser without JavaScript shows the same list. A
filter value the service refuses shows its reason where the table would be, with status 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from starlette.responses import Response

from api.deps import CalendarDep, SessionDep
from api.konsol.names import CASE_TYPES, CLOSING_STATES
from api.konsol.render import is_htmx, page
from api.konsol.routing import konsol_router
from api.konsol.session import KonsolCaller
from api.konsol.worklist_form import AWAITING_ME, EVERYTHING, PAGE_SIZES, filter_choices, read_form
from api.konsol.worklist_rows import WorklistRow, worklist_rows
from api.problems import ApiProblem
from api.services.cases import list_cases
from api.services.worklist_filters import AWAITED_ROLES
from models.regions import load_regions

router = konsol_router()


@router.get("/perkara")
def worklist(
    request: Request, caller: KonsolCaller, session: SessionDep, calendar: CalendarDep
) -> Response:
    """The worklist, or (for htmx) only its results."""
    can_be_awaited = caller.role in AWAITED_ROLES
    form = read_form(request.query_params, can_be_awaited=can_be_awaited)
    rows: list[WorklistRow] = []
    next_cursor: str | None = None
    refused: ApiProblem | None = None
    if not form.errors:
        try:
            listed = list_cases(session, caller, form.query(), cursor=form.cursor, limit=form.size)
        except ApiProblem as problem:
            if problem.status != 422:
                raise
            refused = problem  # an unknown filter value or a cursor not ours: say why
        else:
            rows = worklist_rows(session, caller, listed.items, calendar, datetime.now(UTC))
            next_cursor = listed.next_cursor
    context: dict[str, Any] = {
        "section": "perkara",
        "form": form,
        "tabs": [AWAITING_ME, EVERYTHING] if can_be_awaited else [EVERYTHING],
        "AWAITING_ME": AWAITING_ME,
        "choices": filter_choices(session),
        "page_sizes": PAGE_SIZES,
        "rows": rows,
        "next_cursor": next_cursor,
        "refused": refused,
        "case_types": CASE_TYPES,
        "closing_states": CLOSING_STATES,
        "provinces": {region.code: region.name for region in load_regions() if region.is_province},
    }
    # A history restore after the page left htmx's cache needs the whole page again.
    partial = is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"
    context["partial"] = partial
    status = 422 if form.errors or refused is not None else 200
    answer = page(
        request, "daftar.html", context, status_code=status, block="hasil" if partial else None
    )
    if partial:
        answer.headers["HX-Push-Url"] = form.url()
    return answer
