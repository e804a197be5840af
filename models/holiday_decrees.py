"""The decree each year's days off follow: the SKB 3 Menteri on libur nasional and cuti bersama.

The holiday library supplies the dates; this table says which decree they were checked against
(pedoman.md §9 D19). A year without a confirmed decree here is provisional: every deadline that
touches it says so, because the decree may still move a cuti bersama day.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ProvisionalReason(StrEnum):
    """Why a year's days off may still move."""

    ESTIMATED_DATES = "estimated_dates"  # a holiday the calendar marks "(perkiraan)"
    NO_CUTI_BERSAMA = "no_cuti_bersama"  # the calendar has no cuti bersama for the year
    DECREE_NOT_RECORDED = "decree_not_recorded"
    DECREE_UNCONFIRMED = "decree_unconfirmed"  # reported, its text not checked


class HolidayDecree(BaseModel):
    """The SKB (Menteri Agama, Menteri Ketenagakerjaan, Menteri PANRB) setting a year's days off."""

    model_config = {"frozen": True}

    year: int = Field(examples=[2026])
    decree: str = Field(
        description="Nomor SKB / The decree's numbers, one per minister.",
        examples=["SKB Menag 1497/2025, Menaker 2/2025, MenPANRB 5/2025"],
    )
    national_holidays: int = Field(description="Libur nasional it lists.", examples=[17])
    cuti_bersama: int = Field(description="Cuti bersama days it lists.", examples=[8])
    confirmed: bool = Field(
        description="Checked against the decree's own text; an unconfirmed one leaves the year "
        "provisional."
    )
    note: str = ""


HOLIDAY_DECREES: dict[int, HolidayDecree] = {
    decree.year: decree
    for decree in (
        HolidayDecree(
            year=2026,
            decree="SKB Menag 1497/2025, Menaker 2/2025, MenPANRB 5/2025",
            national_holidays=17,
            cuti_bersama=8,
            confirmed=True,
            note="Signed 19 November 2025; holidays-0.109 has its 17 + 8 dates.",
        ),
        HolidayDecree(
            year=2027,
            decree="SKB Menag 1205/2026, Menaker 3/2026, MenPANRB 2/2026",
            national_holidays=18,
            cuti_bersama=8,
            confirmed=False,
            # Checked 2026-12-07: holidays-0.109 and lokal-id 0.7.2 (which cites this SKB) agree
            # date for date, but no copy of the decree was found to check either against, and
            # the library still marks Idul Fitri and Idul Adha 2027 as estimates.
            note="Reported September 2026; dates match lokal-id's table of it, the decree's "
            "text not yet seen.",
        ),
    )
}
