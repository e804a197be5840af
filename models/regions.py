"""Kemendagri region codes (kode wilayah): the shipped provinces and kabupaten/kota."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any

from models.case import REGION_CODE_PATTERN
from models.explained import Explained

# re.ASCII: `\d` would otherwise accept other scripts' digits, e.g. fullwidth or Arabic-Indic.
_REGION_CODE = re.compile(REGION_CODE_PATTERN, re.ASCII)

# Jakarta's kabupaten/kota are administrative areas of the province, not autonomous regions (daerah
# otonom), so they cannot enter regional cooperation themselves.
_ADMINISTRATIVE_PREFIXES = ("Kabupaten Administrasi ", "Kota Administrasi ")


class RegionCodeError(Explained, ValueError):
    """A region code that the directory cannot resolve."""

    def __init__(self, code: str, message_id: str, text: str) -> None:
        super().__init__(message_id, text, code=code)
        self.code = code


class MalformedRegionCode(RegionCodeError):
    def __init__(self, code: str) -> None:
        super().__init__(
            code,
            "malformed_region_code",
            f"malformed region code {code!r}: expected NN (province) or NN.NN (kabupaten/kota)",
        )


class UnknownRegion(RegionCodeError):
    def __init__(self, code: str) -> None:
        super().__init__(code, "unknown_region", f"unknown region code {code}")


class RetiredRegion(RegionCodeError):
    """A code Kemendagri has replaced (pedoman.md §9 D23): refused, naming the current one."""

    def __init__(self, code: str, current: Region, legal_basis: str) -> None:
        super().__init__(
            code,
            "retired_region_code",
            f"region code {code} is no longer in use: {current.name} is {current.code} "
            f"({legal_basis})",
        )
        self.params.update(current=current.code, name=current.name, legal_basis=legal_basis)
        self.current = current
        self.legal_basis = legal_basis


class RegionLevel(StrEnum):
    """The same words as the region kinds of `PartyKind`."""

    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


@dataclass(frozen=True, slots=True)
class Region:
    """A province (`32`) or a kabupaten/kota (`32.04`) and the province it belongs to."""

    code: str
    level: RegionLevel
    name: str
    province_code: str
    province_name: str

    @property
    def is_province(self) -> bool:
        return self.level is RegionLevel.PROVINSI

    @property
    def is_autonomous(self) -> bool:
        """False for Jakarta's administrative kabupaten/kota, which cannot be parties."""
        return not self.name.startswith(_ADMINISTRATIVE_PREFIXES)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RegionDirectory:
    """Every region by its dotted Kemendagri code, and the codes it has retired."""

    def __init__(self, regions: Iterable[Region], retired: Iterable[Retired] = ()) -> None:
        self._by_code = {region.code: region for region in regions}
        self._retired = {entry.code: entry for entry in retired}

    def get(self, code: str) -> Region:
        """The region with this code; raises `MalformedRegionCode`, `RetiredRegion` (naming
        the code that replaced it) or `UnknownRegion`."""
        if not _REGION_CODE.fullmatch(code):
            raise MalformedRegionCode(code)
        region = self._by_code.get(code)
        if region is None:
            retired = self._retired.get(code)
            if retired is not None:
                raise RetiredRegion(code, self._by_code[retired.current], retired.legal_basis)
            raise UnknownRegion(code)
        return region

    def named(self, name: str) -> list[Region]:
        """The regions `name` names: as the decree writes it or by a common spelling ("FAK
        FAK", "Fak-Fak"), with or without "Kabupaten"/"Kota", in any case."""
        key = name_key(name)
        return [
            region
            for region in self._by_code.values()
            if key in {name_key(region.name), name_key(_bare(region.name))}
        ]

    def retired(self) -> list[Retired]:
        """Every retired code and the code that replaced it."""
        return list(self._retired.values())

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)


@dataclass(frozen=True, slots=True)
class Retired:
    """A code no longer in use, the code of the same region now, and the law that moved it."""

    code: str
    current: str
    legal_basis: str


def name_key(name: str) -> str:
    """A name as it is compared: case, spaces and hyphens ignored, so the common spellings of
    a name ("FAK FAK", "Fak-Fak", "Fakfak") are one."""
    return re.sub(r"[\s\-]+", "", name).casefold()


def _bare(name: str) -> str:
    return name.removeprefix("Kabupaten ").removeprefix("Kota ")


def parse_regions(text: str, retired_text: str = "") -> RegionDirectory:
    """A directory from the text of regions.csv (columns as its header names them) and of
    regions_retired.csv."""
    rows = csv.DictReader(io.StringIO(text))
    regions = [
        Region(
            code=row["code"],
            level=RegionLevel(row["level"]),
            name=row["name"],
            province_code=row["province_code"],
            province_name=row["province_name"],
        )
        for row in rows
    ]
    retired = [
        Retired(code=row["code"], current=row["current"], legal_basis=row["legal_basis"])
        for row in csv.DictReader(io.StringIO(retired_text))
    ]
    return RegionDirectory(regions, retired)


@cache
def load_regions() -> RegionDirectory:
    """The directory shipped in models/data/regions.csv, read once per process."""
    data = files("models").joinpath("data")
    return parse_regions(
        data.joinpath("regions.csv").read_text(encoding="utf-8"),
        data.joinpath("regions_retired.csv").read_text(encoding="utf-8"),
    )


@cache
def regions_meta() -> dict[str, Any]:
    """models/data/regions.meta.json: the decree the directory follows, its source, counts."""
    text = files("models").joinpath("data", "regions.meta.json").read_text(encoding="utf-8")
    meta: dict[str, Any] = json.loads(text)
    return meta
