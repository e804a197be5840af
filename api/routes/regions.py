"""`/v1/regions`: the shipped Kemendagri region codes (kode wilayah)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import CallerDep
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import PROBLEM_RESPONSES, UNKNOWN_REGION, NotFound, invalid_request
from api.services.routing import region_code_problem
from models.regions import (
    Region,
    RegionCodeError,
    RegionLevel,
    UnknownRegion,
    load_regions,
    name_key,
    regions_meta,
)

router = APIRouter(prefix="/v1/regions", tags=["regions"])


class RegionOut(BaseModel):
    """A province (`32`) or a kabupaten/kota (`32.04`)."""

    code: str = Field(examples=["32.04"])
    level: RegionLevel
    name: str = Field(examples=["Kabupaten Bandung"])
    province_code: str = Field(examples=["32"])
    province_name: str = Field(examples=["Jawa Barat"])
    autonomous: bool = Field(
        description="Daerah otonom / False for Jakarta's administrative kabupaten/kota, "
        "which cannot be parties."
    )

    @classmethod
    def of(cls, region: Region) -> RegionOut:
        return cls(
            code=region.code,
            level=region.level,
            name=region.name,
            province_code=region.province_code,
            province_name=region.province_name,
            autonomous=region.is_autonomous,
        )


class RegionList(BaseModel):
    """The regions that match the filters, in code order."""

    count: int = Field(examples=[3])
    regions: list[RegionOut]
    decree: str = Field(
        default="",
        description="Keputusan Mendagri yang diikuti kode dan nama wilayah / The Kepmendagri "
        "decree the codes and names follow (regions.meta.json).",
        examples=["Kepmendagri 300.2.2-2430/2025"],
    )


@router.get(
    "",
    summary="Daftar wilayah / The regions",
    response_description="Daftar wilayah / The matching regions",
    responses=PROBLEM_RESPONSES,
)
async def list_regions(
    caller: CallerDep,
    province: Annotated[
        str | None,
        Query(
            description="Kode provinsi: provinsi itu dan kabupaten/kotanya / A province code: "
            "the province and its kabupaten/kota",
            openapi_examples={"Jawa Barat": {"value": "32"}},
        ),
    ] = None,
    level: Annotated[
        RegionLevel | None, Query(description="Tingkat wilayah / The region level")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Cari nama (tanpa membedakan huruf besar) / Case-insensitive name search",
            openapi_examples={"Bandung": {"value": "bandung"}},
        ),
    ] = None,
) -> RegionList:
    """Every region, or those of one province, level or name."""
    regions = list(load_regions())
    if province is not None:
        code = _province(province)
        regions = [region for region in regions if region.province_code == code]
    if level is not None:
        regions = [region for region in regions if region.level is level]
    if q is not None and (words := q.casefold().split()):
        # Every word anywhere in the name, so "bandung barat" and "barat bandung" both find it;
        # or the common spelling of a name ("FAK FAK", "Fak-Fak" for Fakfak; pedoman.md D23).
        key = name_key(q)
        regions = [
            r
            for r in regions
            if all(word in r.name.casefold() for word in words) or key in name_key(r.name)
        ]
    return RegionList(
        count=len(regions),
        regions=[RegionOut.of(region) for region in regions],
        decree=str(regions_meta()["decree"]),
    )


@router.get(
    "/{code}",
    summary="Satu wilayah / One region",
    response_description="Wilayah dengan kode ini / The region with this code",
    responses=PROBLEM_RESPONSES | UNKNOWN_REGION,
)
async def get_region(
    caller: CallerDep,
    code: Annotated[
        str,
        Path(
            description="Kode wilayah / The region code: 32 or 32.04",
            openapi_examples={"Kabupaten Bandung": {"value": "32.04"}},
        ),
    ],
) -> RegionOut:
    """The region with this Kemendagri code."""
    try:
        return RegionOut.of(load_regions().get(code))
    except UnknownRegion as error:
        raise NotFound("unknown_region", msg("unknown_region", code=error.code)) from None
    except RegionCodeError as error:
        raise region_code_problem(error, ["code"], "path") from None


def _province(code: str) -> str:
    # A filter that matches nothing because of a typo must say so, not answer an empty list.
    try:
        region = load_regions().get(code)
    except RegionCodeError as error:
        raise region_code_problem(error, ["province"]) from None
    if not region.is_province:
        not_one = msg("not_a_province", region=str(region))
        raise invalid_request(
            [field_problem("query", ["province"], "not_a_province", not_one)], "not_a_province"
        )
    return region.code
