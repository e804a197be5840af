"""Kemendagri region codes (kode wilayah): the shipped provinces and kabupaten/kota."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

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
    """Every region by its dotted Kemendagri code."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._by_code = {region.code: region for region in regions}

    def get(self, code: str) -> Region:
        """The region with this code; raises `MalformedRegionCode` or `UnknownRegion`."""
        if not _REGION_CODE.fullmatch(code):
            raise MalformedRegionCode(code)
        region = self._by_code.get(code)
        if region is None:
            raise UnknownRegion(code)
        return region

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)


def parse_regions(text: str) -> RegionDirectory:
    """A directory from the text of regions.csv (columns as its header names them)."""
    rows = csv.DictReader(io.StringIO(text))
    return RegionDirectory(
        Region(
            code=row["code"],
            level=RegionLevel(row["level"]),
            name=row["name"],
            province_code=row["province_code"],
            province_name=row["province_name"],
        )
        for row in rows
    )


@cache
def load_regions() -> RegionDirectory:
    """The directory shipped in models/data/regions.csv, read once per process."""
    text = files("models").joinpath("data", "regions.csv").read_text(encoding="utf-8")
    return parse_regions(text)
