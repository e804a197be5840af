"""Deadlines in local time: WIB, WITA or WIT, the zone of the office conducting the stage."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import datetime, timedelta

import pytest

from activities.calendar import WorkingDayCalendar
from activities.deadlines import start_clock
from models.case import CaseType
from models.forum import ForumKind
from models.guidelines import default_guideline
from models.regions import load_regions
from models.roles import Role
from models.time import DeadlineRequest, parse_limit
from models.zones import PROVINCE_ZONES, WIB, WIT, WITA, conducting_zone, local_due, province_zone
from tests.api_harness import Api, ksdd_filing_json
from tests.conftest import MUFAKAT
from tests.rev2_paper import with_berita_acara

# Keppres 41/1987 over today's 38 provinces; every other province is WIB.
WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


def test_every_province_has_its_statutory_zone() -> None:
    provinces = {region.code for region in load_regions() if region.is_province}

    assert set(PROVINCE_ZONES) == provinces
    assert Counter(zone.name for zone in PROVINCE_ZONES.values()) == {
        "WIB": 18,
        "WITA": 12,
        "WIT": 8,
    }
    assert {code for code, zone in PROVINCE_ZONES.items() if zone is WITA} == WITA_PROVINCES
    assert {code for code, zone in PROVINCE_ZONES.items() if zone is WIT} == WIT_PROVINCES
    # Kalimantan Barat and Tengah are WIB (since 1988); a kabupaten/kota reads its province's.
    assert province_zone("61.71") is WIB and province_zone("62") is WIB
    assert province_zone("63.71") is WITA and province_zone("51.03") is WITA
    with pytest.raises(KeyError, match=r"'99\.01'"):
        province_zone("99.01")


@pytest.mark.parametrize(
    ("stage", "forum", "province", "default", "expected"),
    [
        # The governor's office for its own stages, wherever the guideline counts.
        ("gwpp_facilitation", ForumKind.GWPP, "51", "Asia/Jakarta", "Asia/Makassar"),
        ("gwpp_decision", ForumKind.GWPP, "94", "Asia/Jakarta", "Asia/Jayapura"),
        # `forum` is the routed forum: the GWPP, or else the Minister, in Jakarta.
        ("enforcement", ForumKind.GWPP, "73", "Asia/Jakarta", "Asia/Makassar"),
        ("enforcement", ForumKind.MINISTER, None, "Asia/Jayapura", "Asia/Jakarta"),
        ("minister_facilitation", ForumKind.GWPP, "51", "Asia/Makassar", "Asia/Jakarta"),
        # Intake is the operator's (pedoman.md §9 D1), musyawarah the parties': no seat known.
        ("intake", ForumKind.GWPP, "51", "Asia/Jakarta", "Asia/Jakarta"),
        ("intake", ForumKind.GWPP, "51", "Asia/Makassar", "Asia/Makassar"),
        ("musyawarah", ForumKind.GWPP, "94", "Asia/Jayapura", "Asia/Jayapura"),
    ],
)
def test_the_office_conducting_the_stage_names_the_zone(
    stage: str, forum: ForumKind, province: str | None, default: str, expected: str
) -> None:
    stages = default_guideline().stages_for(CaseType.KSDD)

    zone = conducting_zone(stages[stage], forum=forum, gwpp_province=province, default=default)

    assert zone.iana == expected


def test_a_deadline_over_lebaran_in_each_zone() -> None:
    # 14 HK from 17 March 2026 skip Nyepi, the Idul Fitri holidays and Good Friday.
    start = datetime.fromisoformat("2026-03-17T10:00:00+07:00")
    deadline = start_clock(
        WorkingDayCalendar(), DeadlineRequest(start=start, limit=parse_limit("14HK"))
    )
    assert deadline.due_date == "2026-04-14"
    assert deadline.due_at.isoformat() == "2026-04-14T17:00:00+00:00"

    read = {zone.name: local_due(deadline.due_at, zone) for zone in (WIB, WITA, WIT)}

    assert {name: local.due_local.isoformat() for name, local in read.items()} == {
        "WIB": "2026-04-15T00:00:00+07:00",
        "WITA": "2026-04-15T01:00:00+08:00",
        "WIT": "2026-04-15T02:00:00+09:00",
    }
    # The last whole local day to act is the counted last day in every Indonesian zone.
    assert {local.due_date_local.isoformat() for local in read.values()} == {"2026-04-14"}
    assert [local.timezone for local in read.values()] == [
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
    ]


async def _to_forum(api: Api, requesting: str, responding: str) -> tuple[str, dict[str, object]]:
    """File a KSDD case, take it through musyawarah to its forum; its id and intake deadline."""
    filed = await api.file(ksdd_filing_json(requesting, responding))
    assert filed.status_code == 201, filed.text
    case = filed.json()
    for role, scope, action, payload in [
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, responding, "submit_response", {"summary": "Tanggapan tertulis"}),
        (Role.PARTY, requesting, "declare_deadlock", with_berita_acara("Tidak mufakat")),
    ]:
        response = await api.act(case["case_id"], role, scope, action, **payload)
        assert response.status_code == 200, response.text
    return case["case_id"], case["deadline"]


@pytest.mark.parametrize(
    ("requesting", "responding", "stage", "zone", "timezone", "offset"),
    [
        ("51.03", "51.71", "gwpp_facilitation", "WITA", "Asia/Makassar", 8),  # Badung, Denpasar
        ("91.03", "91.71", "gwpp_facilitation", "WIT", "Asia/Jayapura", 9),  # Jayapura
        ("51", "52", "minister_facilitation", "WIB", "Asia/Jakarta", 7),  # Bali, NTB (R2)
    ],
)
async def test_the_stage_deadline_reads_in_the_conducting_office_zone(
    api: Api,
    requesting: str,
    responding: str,
    stage: str,
    zone: str,
    timezone: str,
    offset: int,
) -> None:
    case_id, intake = await _to_forum(api, requesting, responding)
    # Intake is the operator's: the guideline's zone.
    assert (intake["zone"], intake["timezone"]) == ("WIB", "Asia/Jakarta")

    case = (await api.get(f"/v1/cases/{case_id}")).json()
    assert case["stage"] == stage
    deadline = case["deadline"]
    due_at = datetime.fromisoformat(deadline["due_at"])
    due_local = datetime.fromisoformat(deadline["due_local"])
    assert (deadline["zone"], deadline["timezone"]) == (zone, timezone)
    assert due_local == due_at and due_local.utcoffset() == timedelta(hours=offset)
    # Counted on the guideline's Jakarta calendar: 00:00 WIB after the last day is 01:00 WITA or
    # 02:00 WIT, and the last whole day to act is the same date everywhere.
    assert due_local.hour == offset - 7 and due_local.minute == 0
    assert deadline["due_date_local"] == (due_local.date() - timedelta(days=1)).isoformat()

    [row] = (await api.get("/v1/cases")).json()["items"]
    assert row["case_id"] == case_id
    assert {key: row[key] for key in ("due_local", "due_date_local", "zone", "timezone")} == {
        key: deadline[key] for key in ("due_local", "due_date_local", "zone", "timezone")
    }


async def test_openapi_documents_the_local_time_fields(api: Api) -> None:
    schemas = api.app.openapi()["components"]["schemas"]

    for model in ("DeadlinePublic", "CaseSummary"):
        properties = schemas[model]["properties"]
        assert "WIB, WITA atau WIT" in properties["zone"]["description"]
        assert "last day to act" in properties["due_date_local"]["description"]
        assert "UTC offset" in properties["due_local"]["description"]
        assert "IANA" in properties["timezone"]["description"]
    assert set(schemas["DeadlinePublic"]["required"]) >= {"due_local", "due_date_local", "zone"}


def test_cli_deadline_names_the_zone() -> None:
    done = subprocess.run(
        [MUFAKAT, "deadline", "2026-03-17", "14HK"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "due date:  2026-04-14 (ends 2026-04-15T00:00:00+07:00 WIB, Asia/Jakarta)"
    )
