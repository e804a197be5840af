"""Finding a region for the filing form's pickers: by its Kemendagri code or by its name.

The shipped directory (models/data/regions.csv: 38 provinces and their kabupaten/kota) is small
enough to scan on every keystroke; no database is involved. What a person types is matched as
a code prefix ("32", "32.0") or as words that each begin a word of the name ("kab band").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.konsol.texts import _
from models.case import REGION_CODE_PATTERN
from models.regions import Region, RegionCodeError, RegionLevel, load_regions, name_key

# How many matches a picker lists; more would hide the one wanted below the fold on a phone.
SHOWN = 8
_CODE_PREFIX = re.compile(r"\d{1,2}(\.\d{0,2})?", re.ASCII)
_CODE = re.compile(REGION_CODE_PATTERN, re.ASCII)


@dataclass(frozen=True)
class Found:
    """The regions a query matches (the first `SHOWN` of them) and how many matched in all."""

    regions: list[Region]
    total: int


def region_label(region: Region) -> str:
    """How the form names a region: "Kabupaten Bandung (32.04), Jawa Barat"."""
    if region.level is RegionLevel.PROVINSI:
        return _("Provinsi {name} ({code})").format(name=region.name, code=region.code)
    return f"{region.name} ({region.code}), {region.province_name}"


def search_regions(query: str, shown: int = SHOWN) -> Found:
    """The regions whose code begins with `query`, or whose name has each of its words."""
    text = " ".join(query.lower().split())
    if not text:
        return Found([], 0)
    if _CODE_PREFIX.fullmatch(text):
        matches = [region for region in load_regions() if region.code.startswith(text)]
        return Found(matches[:shown], len(matches))
    words = text.split()
    key = name_key(text)  # the common spellings too: "fak-fak", "fak fak" find Fakfak (D23)
    scored = [
        (_rank(region, text), region)
        for region in load_regions()
        if _has_words(region.name.lower().split(), words) or key in name_key(region.name)
    ]
    scored.sort(key=lambda pair: (pair[0], pair[1].name))
    return Found([region for _, region in scored[:shown]], len(scored))


def resolve_region(text: str) -> Region | None:
    """The one region `text` names, by its code or by its exact name; None if none or several."""
    text = " ".join(text.split())
    if not text:
        return None
    if _CODE.fullmatch(text):
        try:
            return load_regions().get(text)
        except RegionCodeError:
            return None
    named = load_regions().named(text)  # as the decree writes it or a common spelling
    return named[0] if len(named) == 1 else None


def _has_words(name_words: list[str], words: list[str]) -> bool:
    return all(any(part.startswith(word) for part in name_words) for word in words)


def _rank(region: Region, text: str) -> int:
    """Exact names first, then names that begin with the query, then the rest."""
    name = region.name.lower()
    if name == text:
        return 0
    # "bandung" finds Kota Bandung and Kabupaten Bandung before Kabupaten Bandung Barat.
    bare = name.removeprefix("kabupaten ").removeprefix("kota ")
    if bare == text:
        return 1
    if name.startswith(text) or bare.startswith(text):
        return 2
    return 3
