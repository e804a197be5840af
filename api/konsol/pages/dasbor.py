"""Dasbor: the figures of `GET /v1/stats` and its trends as charts, tables and CSV downloads.

Every figure is drawn three ways from the same numbers: a chart (dasbor.js draws it with Chart.js
from a JSON data block), a data table (for screen readers, and for a browser without script),
and a CSV file at /konsol/dasbor/{figure}.csv whose numbers are the API's, keyed by the API's
codes, with the Indonesian name beside each. The caller sees what `GET /v1/stats` would count
for its key: a party only its own cases.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import Path, Request
from starlette.responses import Response

from api.auth import Caller
from api.deps import BackendDep, SessionDep
from api.konsol.names import SECTORS, region_name, stage_titles
from api.konsol.render import WIB, page
from api.konsol.routing import konsol_router
from api.konsol.session import KonsolCaller
from api.konsol.texts import _
from api.messages.catalogue import msg
from api.problems import NotFound
from api.schemas import Stats
from api.services.stats import case_stats
from models.regions import RegionCodeError, load_regions
from models.roles import Role

router = konsol_router()

Number = int | float

FORUM_NAMES = {
    "gwpp": _("Gubernur sebagai Wakil Pemerintah Pusat (GWPP)"),
    "minister": _("Menteri Dalam Negeri"),
    "dispute_clause": _("Klausul sengketa perjanjian (mediasi, arbitrase, pengadilan)"),
}
# Colours for charts on white, each at least 4.5:1 (WCAG 1.4.11 asks 3:1 of graphics).
BLUE, GREEN, RED, AMBER = "#1d4ed8", "#047857", "#b3261e", "#8a5300"


@dataclass(frozen=True)
class Row:
    """One line of a figure: the API's key, its name in Indonesian, and its numbers."""

    key: str
    label: str
    values: tuple[Number, ...]

    @property
    def shown(self) -> list[str]:
        """The numbers as an Indonesian reader writes them (1.234; 3,5)."""
        return [format_decimal(value, locale="id") for value in self.values]


@dataclass(frozen=True)
class Figure:
    """A chart with its table and its CSV file."""

    slug: str
    title: str
    note: str
    key_column: str  # the CSV's column names: the key's, the name's, then each value's
    label_column: str
    columns: tuple[str, ...]
    label_heading: str  # the table's heading for the names
    headings: tuple[str, ...]  # the table's heading for each value (and the chart's legend)
    rows: list[Row]
    colours: tuple[str, ...] = (BLUE,)
    horizontal: bool = True
    charted: int = 1  # how many of the values the chart draws (a count beside a median is not)

    def chart(self) -> dict[str, Any]:
        """What dasbor.js draws: labels, and one series per charted value."""
        return {
            "horizontal": self.horizontal,
            "labels": [row.label for row in self.rows],
            "series": [
                {
                    "label": self.headings[i],
                    "colour": self.colours[i],
                    "data": [row.values[i] for row in self.rows],
                }
                for i in range(self.charted)
            ],
        }

    def csv(self) -> bytes:
        """UTF-8 with a byte-order mark (so a spreadsheet reads the names right), one header."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([self.key_column, self.label_column, *self.columns])
        for row in self.rows:
            writer.writerow([row.key, row.label, *row.values])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@router.get("/dasbor")
def dashboard(
    request: Request, caller: KonsolCaller, session: SessionDep, backend: BackendDep
) -> Response:
    stats = case_stats(session, caller, calendar=backend.calendar)
    context = {
        "section": "dasbor",
        "coverage": coverage(caller),
        "summary": summary(stats),
        "figures": figures(stats),
    }
    return page(request, "dasbor.html", context)


@router.get("/dasbor/{slug}.csv")
def download(
    request: Request,
    caller: KonsolCaller,
    session: SessionDep,
    backend: BackendDep,
    slug: Annotated[str, Path(max_length=40)],
) -> Response:
    stats = case_stats(session, caller, calendar=backend.calendar)
    every = {figure.slug: figure for figure in [summary(stats), *figures(stats)]}
    figure = every.get(slug)
    if figure is None:
        raise NotFound("not_found", msg("not_found", path=request.url.path))
    today = datetime.now(WIB).date().isoformat()
    name = f"mufakat-dasbor-{slug}-{today}.csv"
    return Response(
        figure.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def summary(stats: Stats) -> Figure:
    """The headline counts: open, closed, overdue, overdue legal opinions."""
    counts = [
        ("open_cases", _("Perkara terbuka"), stats.open_cases),
        ("closed_cases", _("Perkara selesai"), stats.closed_cases),
        ("overdue_cases", _("Perkara terlambat"), stats.overdue_cases),
        ("overdue_legal_opinions", _("Pendapat hukum terlambat"), stats.overdue_legal_opinions),
    ]
    return Figure(
        slug="ringkasan",
        title=_("Ringkasan"),
        note="",
        key_column="kode",
        label_column="ukuran",
        columns=("jumlah",),
        label_heading=_("Ukuran"),
        headings=(_("Jumlah"),),
        rows=[Row(key, label, (count,)) for key, label, count in counts],
    )


def figures(stats: Stats) -> list[Figure]:
    """Every chart of the dashboard, in the order an official reads them."""
    stage_order = list(stage_titles())
    return [
        Figure(
            slug="tahap",
            title=_("Perkara terbuka per tahap"),
            note=_("Tahap pedoman tempat setiap perkara terbuka kini berada."),
            key_column="kode_tahap",
            label_column="tahap",
            columns=("perkara_terbuka",),
            label_heading=_("Tahap"),
            headings=(_("Perkara terbuka"),),
            rows=_rows(stats.by_stage, stage_name, _in_order(stage_order)),
        ),
        Figure(
            slug="forum",
            title=_("Perkara terbuka per forum"),
            note=_("Forum penyelesaian hasil penentuan rute perkara (R1–R8)."),
            key_column="kode_forum",
            label_column="forum",
            columns=("perkara_terbuka",),
            label_heading=_("Forum"),
            headings=(_("Perkara terbuka"),),
            rows=_rows(stats.by_forum, forum_name, _in_order(list(FORUM_NAMES))),
        ),
        Figure(
            slug="terlambat",
            title=_("Perkara terlambat per forum"),
            note=_("Perkara terbuka yang telah melewati tenggat tahapnya."),
            key_column="kode_forum",
            label_column="forum",
            columns=("perkara_terlambat",),
            label_heading=_("Forum"),
            headings=(_("Perkara terlambat"),),
            rows=_rows(stats.overdue_by_forum, forum_name, _in_order(list(FORUM_NAMES))),
            colours=(RED,),
        ),
        Figure(
            slug="provinsi",
            title=_("Perkara terbuka per provinsi"),
            note=_(
                "Provinsi tempat para pihak berada; perkara dengan pihak dari dua provinsi "
                "dihitung di keduanya."
            ),
            key_column="kode_provinsi",
            label_column="provinsi",
            columns=("perkara_terbuka",),
            label_heading=_("Provinsi"),
            headings=(_("Perkara terbuka"),),
            rows=_rows(stats.by_province, province_name, _most_first(stats.by_province)),
            colours=(GREEN,),
        ),
        Figure(
            slug="sektor",
            title=_("Perkara terbuka per sektor"),
            note=_("Satu perkara dapat mencakup beberapa sektor."),
            key_column="kode_sektor",
            label_column="sektor",
            columns=("perkara_terbuka",),
            label_heading=_("Sektor"),
            headings=(_("Perkara terbuka"),),
            rows=_rows(stats.by_sector, sector_name, _most_first(stats.by_sector)),
            colours=(GREEN,),
        ),
        Figure(
            slug="lama-tahap",
            title=_("Median hari kerja per tahap"),
            note=_(
                "Hari kerja (Senin–Jumat di luar libur nasional dan cuti bersama, WIB) yang "
                "dihabiskan perkara di setiap tahap. Hanya masa tahap yang sudah selesai yang "
                "dihitung; perkara yang masih berada di suatu tahap belum ikut."
            ),
            key_column="kode_tahap",
            label_column="tahap",
            columns=("median_hari_kerja", "masa_tahap_selesai"),
            label_heading=_("Tahap"),
            headings=(_("Median hari kerja"), _("Masa tahap selesai")),
            rows=[
                Row(
                    stage,
                    stage_name(stage),
                    (median, stats.finished_stays_by_stage.get(stage, 0)),
                )
                for stage, median in sorted(
                    stats.median_working_days_by_stage.items(),
                    key=lambda item: _in_order(stage_order)(item[0]),
                )
            ],
            colours=(AMBER,),
        ),
        Figure(
            slug="per-bulan",
            title=_("Perkara diajukan dan selesai per bulan"),
            note=_("Menurut bulan pengajuan dan bulan penutupan perkara, dalam WIB."),
            key_column="bulan",
            label_column="nama_bulan",
            columns=("diajukan", "selesai"),
            label_heading=_("Bulan"),
            headings=(_("Diajukan"), _("Selesai")),
            rows=[
                Row(month, month_name(month), (filed, stats.closed_by_month.get(month, 0)))
                for month, filed in stats.filed_by_month.items()
            ],
            colours=(BLUE, GREEN),
            horizontal=False,
            charted=2,
        ),
    ]


def _rows(
    counts: Mapping[str, Number],
    name: Callable[[str], str],
    order: Callable[[str], Any],
) -> list[Row]:
    return [Row(key, name(key), (counts[key],)) for key in sorted(counts, key=order)]


def _in_order(known: list[str]) -> Callable[[str], tuple[int, str]]:
    """Known keys in their given order, then any other by name."""
    place = {key: i for i, key in enumerate(known)}
    return lambda key: (place.get(key, len(place)), key)


def _most_first(counts: Mapping[str, Number]) -> Callable[[str], tuple[Number, str]]:
    return lambda key: (-counts[key], key)


def stage_name(stage: str) -> str:
    return stage_titles().get(stage, stage)


def forum_name(forum: str) -> str:
    return FORUM_NAMES.get(forum, forum)


def sector_name(sector: str) -> str:
    return SECTORS.get(sector, sector)


def province_name(code: str) -> str:
    return region_name(code) or code


def month_name(month: str) -> str:
    """`2026-04` as "April 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), "MMMM y", locale="id")


def _region_name(code: str) -> str:
    """A region's own name, without its province (a key's scope, said in one line)."""
    try:
        return load_regions().get(code).name
    except RegionCodeError:
        return code


def coverage(caller: Caller) -> str:
    """Which cases the figures count, as `GET /v1/stats` counts them for this key."""
    scope = caller.scope or ""
    if caller.role is Role.PARTY:
        name = _region_name(scope)
        who = f"{name} ({scope})" if name != scope else scope
        return _("Angka hanya mencakup perkara tempat %(pihak)s menjadi pihak.") % {"pihak": who}
    if caller.role is Role.GWPP:
        return _(
            "Angka mencakup perkara yang ditangani GWPP Provinsi %(provinsi)s atau yang salah "
            "satu pihaknya berada di provinsi itu."
        ) % {"provinsi": _region_name(scope)}
    if caller.role is Role.PROSECUTOR and scope:
        return _("Angka mencakup perkara yang pihaknya berada di wilayah %(wilayah)s.") % {
            "wilayah": f"{_region_name(scope)} ({scope})"
        }
    return _("Angka mencakup seluruh perkara.")
