"""Rendering the console's templates: whole pages, or the one block an htmx request swaps.

Every page gets the signed-in caller, its CSRF token and the current section in its context;
the filters write dates and times the way an Indonesian official reads them: "14 April 2026",
"14 April 2026 09.30 WIB".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from api.konsol.texts import ROLE_NAMES, TRANSLATIONS
from api.messages.catalogue import Message, render

TEMPLATES = Path(__file__).with_name("templates")
# The ministry works in Jakarta time; every time the console shows is WIB, and says so.
WIB = ZoneInfo("Asia/Jakarta")

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    extensions=["jinja2.ext.i18n"],
    autoescape=True,
    undefined=StrictUndefined,  # a missing variable is an error, never a blank
)
_environment.install_gettext_translations(TRANSLATIONS, newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Blocks(env=_environment)


def tanggal(value: date | datetime | str | None) -> str:
    """A date as "14 April 2026" (a datetime is read in WIB first); "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = _wib(value).date()
    return format_date(value, "d MMMM y", locale="id")


def waktu(value: datetime | str | None) -> str:
    """A moment as "14 April 2026 09.30 WIB"; "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment = _wib(value)
    return f"{format_date(moment.date(), 'd MMMM y', locale='id')} {moment:%H.%M} WIB"


def _wib(value: datetime) -> datetime:
    # The read model stores UTC; a naive value from SQLite is UTC too.
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(WIB)


def pesan(value: Message | str) -> str:
    """A catalogue message (a problem's detail, a routing explanation) in Bahasa Indonesia."""
    return render(value, "id") if isinstance(value, Message) else value


def peran(role: object) -> str:
    """A role's name as the offices call it."""
    key = getattr(role, "value", role)
    return ROLE_NAMES.get(str(key), str(key))


templates.env.filters.update(tanggal=tanggal, waktu=waktu, pesan=pesan, peran=peran)


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it then swaps a block, never a whole page)."""
    return request.headers.get("HX-Request") == "true"


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    """The template as a page, or only `block` of it (an htmx swap).

    The caller and the CSRF token come from the request's console session (`session.py` puts
    them on `request.state`); the sign-in page has none.
    """
    full: dict[str, Any] = {
        "caller": getattr(request.state, "konsol_caller", None),
        "csrf": getattr(request.state, "konsol_csrf", ""),
        "section": "",
        **(context or {}),
    }
    if block is not None:
        return templates.TemplateResponse(
            request, template, full, status_code=status_code, block_name=block
        )
    return templates.TemplateResponse(request, template, full, status_code=status_code)
