"""Revision 2, places (pedoman.md §9 D23): region codes retired by the Papua expansion are refused
naming the current code; names as the Kepmendagri decree writes them, common spellings too."""

from __future__ import annotations

import pytest

from api.konsol.region_search import resolve_region, search_regions
from models.regions import RetiredRegion, load_regions, regions_meta
from tests.api_harness import Api, ksdd_filing_json

REGIONS = load_regions()


@pytest.mark.parametrize(
    ("retired", "current", "name"),
    [
        ("91.01", "93.01", "Kabupaten Merauke"),
        ("91.09", "94.04", "Kabupaten Mimika"),
        ("91.02", "95.01", "Kabupaten Jayawijaya"),
        ("92.01", "96.01", "Kabupaten Sorong"),
        ("92.04", "96.02", "Kabupaten Sorong Selatan"),
        ("92.05", "96.03", "Kabupaten Raja Ampat"),
        ("92.09", "96.04", "Kabupaten Tambrauw"),
        ("92.10", "96.05", "Kabupaten Maybrat"),
        ("92.71", "96.71", "Kota Sorong"),
    ],
)
def test_a_retired_code_names_the_current_one(retired: str, current: str, name: str) -> None:
    with pytest.raises(RetiredRegion) as raised:
        REGIONS.get(retired)

    assert (raised.value.current.code, raised.value.current.name) == (current, name)
    assert raised.value.params["current"] == current


def test_every_retired_code_points_at_a_current_region_of_a_new_province() -> None:
    retired = REGIONS.retired()

    assert len(retired) == 20 + 6  # 91.xx to Papua Selatan/Tengah/Pegunungan; Papua Barat Daya
    for entry in retired:
        region = REGIONS.get(entry.current)
        assert region.province_code in {"93", "94", "95", "96"}
        assert entry.code[:2] in {"91", "92"} and entry.code[3:] != ""
        # A retired code is no longer a region itself.
        assert all(r.code != entry.code for r in REGIONS)


@pytest.mark.parametrize("spelling", ["Kabupaten Fakfak", "FAK FAK", "Fak-Fak", "Fakfak"])
def test_fakfak_is_found_by_each_common_spelling(spelling: str) -> None:
    assert [region.code for region in REGIONS.named(spelling)] == ["92.03"]
    assert [region.code for region in search_regions(spelling).regions] == ["92.03"]
    resolved = resolve_region(spelling)
    assert resolved is not None and resolved.name == "Kabupaten Fakfak"


def test_the_directory_records_the_decree_it_follows() -> None:
    assert regions_meta()["decree"] == "Kepmendagri 300.2.2-2430/2025"
    assert REGIONS.get("92.03").name == "Kabupaten Fakfak"


async def test_a_filing_with_a_retired_code_is_a_422_naming_the_current_code(api: Api) -> None:
    filed = await api.file(ksdd_filing_json("93", "91.01"), force=True)

    assert filed.status_code == 422, filed.text
    problem = filed.json()
    assert problem["type"] == "urn:mufakat:problem:retired_region_code"
    assert problem["title"] == "Kode wilayah sudah tidak berlaku"
    assert problem["errors"] == [
        {
            "in": "body",
            "pointer": "/parties/1/region_code",
            "code": "retired_region_code",
            "message": "kode wilayah 91.01 sudah tidak berlaku: Kabupaten Merauke sekarang "
            "berkode 93.01 (UU 14/2022 (Provinsi Papua Selatan))",
        }
    ]


async def test_the_region_list_shows_the_decree_and_finds_fak_fak(api: Api) -> None:
    listed = await api.get("/v1/regions", q="FAK-FAK")

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["decree"] == "Kepmendagri 300.2.2-2430/2025"
    assert [region["code"] for region in body["regions"]] == ["92.03"]
