"""Indonesia's three time zones, and the one a deadline is read in: the conducting office's.

A deadline is one instant (`due_at`, UTC). People read it in the zone of the office conducting
the stage: the governor's for a GWPP stage, Jakarta's for the Minister's, and the guideline's
`timezone` wherever that office is not known (the parties' own musyawarah, an operator, a court,
BANI or a mediator, whose seat the case does not record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from models.forum import ForumKind
from models.pedoman import ActorKind, Stage


@dataclass(frozen=True, slots=True)
class TimeZone:
    """A zone as Indonesians name it (WIB) and as the IANA database does (Asia/Jakarta)."""

    name: str | None  # None outside Indonesia: the zone's abbreviation at an instant names it
    iana: str


WIB = TimeZone("WIB", "Asia/Jakarta")  # Waktu Indonesia Barat, UTC+7
WITA = TimeZone("WITA", "Asia/Makassar")  # Waktu Indonesia Tengah, UTC+8
WIT = TimeZone("WIT", "Asia/Jayapura")  # Waktu Indonesia Timur, UTC+9

# Keppres 41/1987 (from 1 January 1988) divides Indonesia into these three zones. Kalimantan
# Barat and Tengah moved to WIB then (the IANA database's Asia/Pontianak, equal to Asia/Jakarta
# since), Bali to WITA. Provinces created later lie in their parent's zone: Kepulauan Riau (from
# Riau), Bangka Belitung (Sumatera Selatan), Banten (Jawa Barat), Kalimantan Utara (Kalimantan
# Timur), Gorontalo (Sulawesi Utara), Sulawesi Barat (Sulawesi Selatan), Maluku Utara (Maluku),
# and the six provinces of Papua.
PROVINCE_ZONES: MappingProxyType[str, TimeZone] = MappingProxyType(
    {
        "11": WIB,  # Aceh
        "12": WIB,  # Sumatera Utara
        "13": WIB,  # Sumatera Barat
        "14": WIB,  # Riau
        "15": WIB,  # Jambi
        "16": WIB,  # Sumatera Selatan
        "17": WIB,  # Bengkulu
        "18": WIB,  # Lampung
        "19": WIB,  # Kepulauan Bangka Belitung
        "21": WIB,  # Kepulauan Riau
        "31": WIB,  # Daerah Khusus Jakarta
        "32": WIB,  # Jawa Barat
        "33": WIB,  # Jawa Tengah
        "34": WIB,  # Daerah Istimewa Yogyakarta
        "35": WIB,  # Jawa Timur
        "36": WIB,  # Banten
        "51": WITA,  # Bali
        "52": WITA,  # Nusa Tenggara Barat
        "53": WITA,  # Nusa Tenggara Timur
        "61": WIB,  # Kalimantan Barat
        "62": WIB,  # Kalimantan Tengah
        "63": WITA,  # Kalimantan Selatan
        "64": WITA,  # Kalimantan Timur
        "65": WITA,  # Kalimantan Utara
        "71": WITA,  # Sulawesi Utara
        "72": WITA,  # Sulawesi Tengah
        "73": WITA,  # Sulawesi Selatan
        "74": WITA,  # Sulawesi Tenggara
        "75": WITA,  # Gorontalo
        "76": WITA,  # Sulawesi Barat
        "81": WIT,  # Maluku
        "82": WIT,  # Maluku Utara
        "91": WIT,  # Papua
        "92": WIT,  # Papua Barat
        "93": WIT,  # Papua Selatan
        "94": WIT,  # Papua Tengah
        "95": WIT,  # Papua Pegunungan
        "96": WIT,  # Papua Barat Daya
    }
)

# The Ministry of Home Affairs sits in Jakarta, whatever zone a guideline counts in.
MINISTRY = WIB

_BY_IANA = {zone.iana: zone for zone in (WIB, WITA, WIT, TimeZone("WIB", "Asia/Pontianak"))}


def province_zone(region_code: str) -> TimeZone:
    """The zone of a province (`51`) or of a kabupaten/kota by its province (`51.71`)."""
    zone = PROVINCE_ZONES.get(region_code[:2])
    if zone is None:
        raise KeyError(f"no time zone for region code {region_code!r}")
    return zone


def zone_named(iana: str) -> TimeZone:
    """The zone of an IANA name: WIB, WITA or WIT, or (a guideline may say `UTC`) unnamed."""
    return _BY_IANA.get(iana) or TimeZone(None, iana)


def conducting_zone(
    stage: Stage | None, *, forum: ForumKind, gwpp_province: str | None, default: str
) -> TimeZone:
    """The zone of the office conducting a stage (pedoman.md §9 D1), else `default`'s.

    The stage's first actor that is not a party names the office, as the rules read it: `forum`
    is the routed GWPP, or otherwise the Minister (workflows/rules.py). An operator, adjudicator
    or prosecutor has no seat recorded in the case, nor does a stage the parties conduct.
    """
    for kind in stage.actors if stage is not None else []:
        if kind is ActorKind.FORUM:
            kind = ActorKind.GWPP if forum is ForumKind.GWPP else ActorKind.MINISTER
        if kind is ActorKind.GWPP and gwpp_province is not None:
            return province_zone(gwpp_province)
        if kind is ActorKind.MINISTER:
            return MINISTRY
        if kind in (ActorKind.OPERATOR, ActorKind.ADJUDICATOR, ActorKind.PROSECUTOR):
            break
    return zone_named(default)


@dataclass(frozen=True, slots=True)
class LocalDue:
    """A due instant as read in one zone."""

    due_local: datetime
    due_date_local: date
    zone: str
    timezone: str


def local_due(due_at: datetime, zone: TimeZone) -> LocalDue:
    """`due_at` in `zone`, with the last local day that ends by then (the last day to act).

    A deadline ends at 00:00 after its last day (activities/deadlines.py), so the last day is the
    day before the local date of `due_at`. Counted in Jakarta and read in WITA or WIT, the
    instant is 01:00 or 02:00 of that next day; the last whole day to act is still the day before.
    """
    local = due_at.astimezone(ZoneInfo(zone.iana))
    return LocalDue(
        due_local=local,
        due_date_local=local.date() - timedelta(days=1),
        zone=zone.name or local.tzname() or zone.iana,
        timezone=zone.iana,
    )
