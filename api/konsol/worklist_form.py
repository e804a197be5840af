"""The worklist's filter form: what the URL asks for, the links that keep it, and the choices
each filter offers, named in Bahasa Indonesia.

The filters have the JSON API's names (`stage`, `forum`, `province`, `type`, `sector`, `party`,
`overdue`, `status`, `q`), so a worklist URL and a `GET /v1/cases` query read alike and the
listing service's refusals (which name the filter) point at the field a person changed. The
listing service checks the values; this checks only what a form adds: the tab, the page size,
and the trail of earlier pages.

Paging: the service pages by cursor, forwards only. "Sebelumnya" works from the URL itself: it
carries the cursors of the pages before this one (`jejak`), so a link, a reload or the back
button shows the same page, with or without JavaScript. The trail keeps the last
`TRAIL_PAGES` pages; further back, "Halaman pertama" is always there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from api.konsol.names import CASE_TYPES, SECTORS, stage_titles
from api.konsol.texts import _
from api.services.cases import MAX_PAGE, WorklistQuery
from api.services.worklist_filters import known_stages, province_codes
from models.regions import load_regions

PATH = "/konsol/perkara"
AWAITING_ME, EVERYTHING = "menunggu", "semua"
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
TRAIL_PAGES = 20
# A page's cursors are joined with "." (never in URL-safe base64); the first page's is empty.
TRAIL_SEPARATOR = "."
FILTERS = ("stage", "forum", "province", "type", "sector", "party", "overdue", "status", "q")
MAX_LENGTH = {"q": 200, "party": 120, "stage": 64, "cursor": 400}

FORUMS = {
    "gwpp": _("Gubernur sebagai Wakil Pemerintah Pusat (GWPP)"),
    "minister": _("Menteri Dalam Negeri"),
    "dispute_clause": _("Klausul penyelesaian sengketa (mediasi, arbitrase, pengadilan)"),
}
STATUSES = {"open": _("Berjalan"), "closed": _("Selesai")}
OVERDUE = {"true": _("Hanya yang lewat tenggat"), "false": _("Belum lewat tenggat")}


@dataclass(frozen=True)
class WorklistForm:
    """The worklist a URL asks for: the tab, the filters as typed, and the page."""

    tab: str
    filters: Mapping[str, str] = field(default_factory=dict)
    cursor: str | None = None
    trail: tuple[str, ...] = ()
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    # What the form itself refuses (the listing service says what it refuses).
    errors: tuple[str, ...] = ()

    @property
    def first_shown(self) -> int:
        """The place of this page's first case in the whole list (every page has `size`)."""
        return (self.page - 1) * self.size + 1

    def query(self) -> WorklistQuery:
        """The filters for the listing service, unchecked; the tab adds `awaiting=me`."""
        f = self.filters
        overdue = {"true": True, "false": False}.get(f.get("overdue", ""))
        return WorklistQuery(
            stage=f.get("stage"),
            forum=f.get("forum"),
            province=f.get("province"),
            case_type=f.get("type"),
            sector=f.get("sector"),
            party=f.get("party"),
            overdue=overdue,
            status=f.get("status"),
            awaiting="me" if self.tab == AWAITING_ME else None,
            q=f.get("q"),
        )

    def url(self, **changes: Any) -> str:
        """This worklist's URL with `changes` to its fields, empty values left out."""
        form = replace(self, **changes)
        params: dict[str, str] = {"tampil": form.tab, **form.filters}
        if form.size != DEFAULT_PAGE_SIZE:
            params["ukuran"] = str(form.size)
        if form.cursor:
            params["cursor"] = form.cursor
            params["jejak"] = TRAIL_SEPARATOR.join(form.trail)
            params["halaman"] = str(form.page)
        return f"{PATH}?{urlencode(params)}"

    def tab_url(self, tab: str) -> str:
        """The other tab with the same filters, from its first page."""
        return self.url(tab=tab, cursor=None, trail=(), page=1)

    def next_url(self, next_cursor: str) -> str:
        trail = (*self.trail, self.cursor or "")[-TRAIL_PAGES:]
        return self.url(cursor=next_cursor, trail=trail, page=self.page + 1)

    def previous_url(self) -> str | None:
        if self.cursor is None:
            return None
        if not self.trail:  # further back than the trail keeps: the start
            return self.first_url()
        return self.url(cursor=self.trail[-1] or None, trail=self.trail[:-1], page=self.page - 1)

    def first_url(self) -> str:
        return self.url(cursor=None, trail=(), page=1)


def read_form(params: Mapping[str, str], *, can_be_awaited: bool) -> WorklistForm:
    """The form from a URL's query; what the form cannot take goes in `errors`, in Indonesian."""
    errors: list[str] = []
    filters = {name: params[name].strip() for name in FILTERS if params.get(name, "").strip()}
    for name, value in list(filters.items()):
        longest = MAX_LENGTH.get(name)
        if longest is not None and len(value) > longest:
            errors.append(
                _("%(nama)s: paling panjang %(batas)s karakter") % {"nama": name, "batas": longest}
            )
            del filters[name]
    overdue = filters.get("overdue")
    if overdue is not None and overdue not in OVERDUE:
        errors.append(
            _('overdue: "%(nilai)s" bukan nilai yang dikenal; yang dikenal: true atau false')
            % {"nilai": overdue}
        )
        del filters["overdue"]
    # Auditors and administrators only read: nothing ever waits for them.
    tab = params.get("tampil") or (AWAITING_ME if can_be_awaited else EVERYTHING)
    if tab not in (AWAITING_ME, EVERYTHING) or not can_be_awaited:
        tab = EVERYTHING
    size = DEFAULT_PAGE_SIZE
    raw_size = params.get("ukuran", "")
    if raw_size:
        if _number(raw_size) and 1 <= int(raw_size) <= MAX_PAGE:
            size = int(raw_size)
        else:
            errors.append(
                _("ukuran: jumlah perkara per halaman harus 1 sampai %(batas)s")
                % {"batas": MAX_PAGE}
            )
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > MAX_LENGTH["cursor"]:
        errors.append(_("cursor: bukan kursor halaman dari konsol ini"))
        cursor = None
    trail: tuple[str, ...] = ()
    page = 1
    if cursor is not None:
        trail = tuple(params.get("jejak", "").split(TRAIL_SEPARATOR))[-TRAIL_PAGES:]
        raw_page = params.get("halaman", "")
        # A hand-edited number only changes the numbering shown, never what is listed.
        page = int(raw_page) if _number(raw_page) and 1 < int(raw_page) < 10**6 else 2
        page = max(page, len(trail) + 1)
    return WorklistForm(
        tab=tab,
        filters=filters,
        cursor=cursor,
        trail=trail,
        page=page,
        size=size,
        errors=tuple(errors),
    )


def _number(text: str) -> bool:
    return 0 < len(text) <= 7 and text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def filter_choices(session: Session) -> dict[str, list[Choice]]:
    """Every select's choices, in the order a person looks for them."""
    provinces = load_regions()
    return {
        "stage": [Choice(stage, title) for stage, title in stage_choices(session).items()],
        "forum": [Choice(value, label) for value, label in FORUMS.items()],
        "province": [
            Choice(code, f"{provinces.get(code).name} ({code})")
            for code in sorted(province_codes(), key=lambda code: provinces.get(code).name)
        ],
        "type": [Choice(value, label) for value, label in CASE_TYPES.items()],
        "sector": [Choice(value, label) for value, label in SECTORS.items()],
        "overdue": [Choice(value, label) for value, label in OVERDUE.items()],
        "status": [Choice(value, label) for value, label in STATUSES.items()],
    }


def stage_choices(session: Session) -> dict[str, str]:
    """Every stage a case can be in, named and ordered as the guidelines run them (a stage only
    a later guideline names last, by its id)."""
    known = set(known_stages(session))
    titles = {stage: title for stage, title in stage_titles().items() if stage in known}
    return titles | {stage: stage for stage in sorted(known - titles.keys())}
