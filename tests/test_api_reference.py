"""The reference look-ups under /v1: guidelines, regions, routing and the deadline calendar."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from activities.calendar import WorkingDayCalendar
from api.app import include_reference_routes
from api.auth import create_key
from api.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, install_problem_handlers
from api.services.backend import backend_of, share_backend
from models.case import CaseType
from models.guidelines import DEFAULT_VERSION, shipped_pinned
from models.pedoman import Guideline
from models.roles import Role
from models.settings import get_settings
from models.tables import GuidelineRecord
from storage.database import create_database_engine
from storage.schema import ensure_schema

FIRST = shipped_pinned("2026.1")
CURRENT = shipped_pinned("2026.2")
# Recorded guidelines: the first shipped one (cases were pinned to it), drafts sharing each shipped
# version, two of an unshipped version, one with one track. The current one has no case yet.
SAME_AS_FIRST = FIRST.guideline.model_copy(update={"title": "2026.1, as first drafted"})
SAME_AS_CURRENT = CURRENT.guideline.model_copy(update={"title": "2026.2, as first drafted"})
OLDER_3 = CURRENT.guideline.model_copy(update={"version": "2026.3", "title": "2026.3 draft"})
NEWER_3 = CURRENT.guideline.model_copy(update={"version": "2026.3", "title": "2026.3 final"})
KSDD_ONLY = CURRENT.guideline.model_copy(
    update={
        "version": "2026.4",
        "tracks": {CaseType.KSDD: CURRENT.guideline.tracks[CaseType.KSDD]},
    }
)

EVERY_ROUTE = [
    "/v1/pedoman",
    "/v1/pedoman/versions",
    "/v1/pedoman/2026.1",
    "/v1/pedoman/2026.1/graph?track=KSDD",
    "/v1/pedoman/2026.2",
    "/v1/pedoman/2026.2/graph?track=KSDPK",
    "/v1/regions",
    "/v1/regions/32.04",
    "/v1/route?party=32.04&party=32.73",
    "/v1/calendar/deadline?start=2026-03-17&limit=14HK",
]


def _record(guideline: Guideline, day: int) -> GuidelineRecord:
    return GuidelineRecord.model_validate(
        {
            "content_hash": guideline.content_hash(),
            "version": guideline.version,
            "body": guideline.model_dump(mode="json"),
            "published_at": datetime(2026, 1, day, tzinfo=UTC),
        }
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The reference routes on a SQLite read model that has recorded a few guidelines."""
    engine = create_database_engine(f"sqlite:///{tmp_path_factory.mktemp('api') / 'read.db'}")
    ensure_schema(engine)
    with Session(engine) as session:
        guidelines = [FIRST.guideline, SAME_AS_FIRST, SAME_AS_CURRENT, OLDER_3, NEWER_3, KSDD_ONLY]
        session.add_all(_record(g, day) for day, g in enumerate(guidelines, start=1))
        session.commit()
    app = FastAPI()
    app.state.engine = engine
    app.state.settings = get_settings(data_dir=tmp_path_factory.mktemp("data"))
    share_backend(app)
    install_problem_handlers(app)
    include_reference_routes(app)
    yield app
    engine.dispose()


@pytest.fixture(scope="module")
def token(app: FastAPI) -> str:
    # Auditors read everything and have no scope: any role may read these routes.
    with Session(app.state.engine) as session:
        now = datetime(2026, 5, 4, tzinfo=UTC)
        _, secret = create_key(session, role=Role.AUDITOR, scope=None, name="BPK", now=now)
    return secret


@pytest.fixture
async def client(app: FastAPI, token: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as client:
        yield client


async def _ok(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def _assert_problem(response: httpx.Response, status: int, code: str, named: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_BASE + code
    assert body["status"] == status
    assert named in body["detail"]


# --- authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", EVERY_ROUTE)
async def test_every_route_needs_a_key(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url, headers={"Authorization": ""})

    _assert_problem(response, 401, "missing_credentials", "Authorization: Bearer")


@pytest.mark.parametrize("url", EVERY_ROUTE)
async def test_every_route_answers_a_key(client: httpx.AsyncClient, url: str) -> None:
    assert (await client.get(url)).status_code == 200


# --- pedoman ------------------------------------------------------------------------------------


async def test_current_guideline_is_the_newest_shipped_one(client: httpx.AsyncClient) -> None:
    body = await _ok(client, "/v1/pedoman")

    assert DEFAULT_VERSION == "2026.2"
    assert body["version"] == "2026.2"
    assert body["content_hash"] == CURRENT.content_hash
    assert (body["shipped"], body["current"]) == (True, True)
    assert body["published_at"] is None  # no case pinned to it yet
    assert Guideline.model_validate(body["guideline"]) == CURRENT.guideline


async def test_versions_newest_first_shipped_first_within_a_version(
    client: httpx.AsyncClient,
) -> None:
    body = await _ok(client, "/v1/pedoman/versions")

    assert body["current"] == CURRENT.content_hash
    listed = [
        (v["version"], v["content_hash"], v["shipped"], v["current"]) for v in body["versions"]
    ]
    assert listed == [
        ("2026.4", KSDD_ONLY.content_hash(), False, False),
        ("2026.3", NEWER_3.content_hash(), False, False),
        ("2026.3", OLDER_3.content_hash(), False, False),
        ("2026.2", CURRENT.content_hash, True, True),
        ("2026.2", SAME_AS_CURRENT.content_hash(), False, False),
        ("2026.1", FIRST.content_hash, True, False),
        ("2026.1", SAME_AS_FIRST.content_hash(), False, False),
    ]
    published = {v["content_hash"]: v["published_at"] for v in body["versions"]}
    assert published[FIRST.content_hash] == "2026-01-01T00:00:00Z"
    assert published[CURRENT.content_hash] is None


async def test_every_shipped_version_is_served_as_shipped(client: httpx.AsyncClient) -> None:
    first = await _ok(client, "/v1/pedoman/2026.1")
    current = await _ok(client, "/v1/pedoman/2026.2")

    assert (first["content_hash"], first["shipped"], first["current"]) == (
        FIRST.content_hash,
        True,
        False,
    )
    assert first["published_at"] == "2026-01-01T00:00:00Z"
    assert Guideline.model_validate(first["guideline"]) == FIRST.guideline
    # A recorded draft sharing a shipped version never hides the shipped guideline.
    assert (current["content_hash"], current["shipped"], current["current"]) == (
        CURRENT.content_hash,
        True,
        True,
    )


async def test_an_unshipped_version_is_the_newest_recorded(client: httpx.AsyncClient) -> None:
    later = await _ok(client, "/v1/pedoman/2026.3")

    assert (later["content_hash"], later["shipped"], later["current"]) == (
        NEWER_3.content_hash(),
        False,
        False,
    )
    assert later["guideline"]["title"] == "2026.3 final"


@pytest.mark.parametrize(
    ("track", "stage"),
    [("KSDD", "gwpp_facilitation"), ("KSDPK", "arbitration"), ("SINERGI", "coordination")],
)
async def test_graph_is_mermaid_text(client: httpx.AsyncClient, track: str, stage: str) -> None:
    # 2026.1's stages never change; 2026.2's graph is drawn by the same code.
    response = await client.get(f"/v1/pedoman/2026.1/graph?track={track}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("flowchart TD\n")
    assert f"    {stage}[" in response.text


# --- regions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "count", "first"),
    [
        ("", 552, "11"),
        ("?level=provinsi", 38, "11"),
        ("?province=32", 28, "32"),
        ("?province=32&level=kota", 9, "32.71"),
        ("?q=bandung", 3, "32.04"),
        ("?q=BARAT%20bandung", 1, "32.17"),
        ("?q=atlantis", 0, None),
    ],
)
async def test_list_regions(
    client: httpx.AsyncClient, query: str, count: int, first: str | None
) -> None:
    body = await _ok(client, f"/v1/regions{query}")

    assert body["count"] == len(body["regions"]) == count
    assert (body["regions"][0]["code"] if body["regions"] else None) == first


async def test_one_region(client: httpx.AsyncClient) -> None:
    bandung = await _ok(client, "/v1/regions/32.04")
    jakarta_pusat = await _ok(client, "/v1/regions/31.71")

    assert bandung == {
        "code": "32.04",
        "level": "kabupaten",
        "name": "Kabupaten Bandung",
        "province_code": "32",
        "province_name": "Jawa Barat",
        "autonomous": True,
    }
    assert jakarta_pusat["autonomous"] is False


# --- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parties", "rule", "forum", "gwpp_province"),
    [
        (["32.04", "32.73"], "R1", "gwpp", "32"),
        (["32", "33"], "R2", "minister", None),
        (["32", "32.04"], "R3", "minister", None),
        (["32.04", "32.73", "32.17"], "R6", "gwpp", "32"),
    ],
)
async def test_route(
    client: httpx.AsyncClient,
    parties: list[str],
    rule: str,
    forum: str,
    gwpp_province: str | None,
) -> None:
    body = await _ok(client, "/v1/route?" + "&".join(f"party={code}" for code in parties))

    assert (body["rule"], body["forum"], body["gwpp_province"]) == (rule, forum, gwpp_province)
    assert body["explanation"].startswith(f"{rule}: ")


# --- calendar -----------------------------------------------------------------------------------


async def test_working_days_across_lebaran(app: FastAPI, client: httpx.AsyncClient) -> None:
    body = await _ok(client, "/v1/calendar/deadline?start=2026-03-17&limit=14HK")

    deadline = body["deadline"]
    assert deadline["due_date"] == "2026-04-14"
    assert deadline["due_at"] == "2026-04-14T17:00:00Z"  # 00:00 WIB on the 15th
    assert deadline["limit"] == {"amount": 14, "day_type": "HK"}
    assert deadline["calendar_version"] == "holidays-0.109"
    assert deadline["provisional"] is False
    assert [r["percent"] for r in deadline["reminders"]] == [50, 80]
    skipped = {(day["day"], day["name"]) for day in body["holidays_skipped"]}
    assert ("2026-03-18", "Cuti Bersama Hari Suci Nyepi") in skipped
    assert ("2026-04-03", "Wafat Yesus Kristus") in skipped
    assert body["years_without_cuti_bersama"] == []
    assert isinstance(backend_of(app).calendar, WorkingDayCalendar)


async def test_calendar_days_skip_nothing(client: httpx.AsyncClient) -> None:
    body = await _ok(client, "/v1/calendar/deadline?start=2026-03-17&limit=30HKal")

    assert body["deadline"]["due_date"] == "2026-04-16"
    assert body["holidays_skipped"] == []


async def test_window_into_an_unpublished_year_is_provisional(client: httpx.AsyncClient) -> None:
    body = await _ok(client, "/v1/calendar/deadline?start=2027-12-15&limit=20HK")

    assert body["deadline"]["due_date"] == "2028-01-13"
    assert body["deadline"]["provisional"] is True
    assert body["years_without_cuti_bersama"] == [2028]


async def test_one_calendar_per_app(app: FastAPI, client: httpx.AsyncClient) -> None:
    await _ok(client, "/v1/calendar/deadline?start=2026-03-17&limit=1HK")
    calendar = backend_of(app).calendar
    await _ok(client, "/v1/calendar/deadline?start=2026-03-17&limit=2HK")

    assert backend_of(app).calendar is calendar


# --- problems -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "code", "named"),
    [
        ("/v1/pedoman/2099.1", 404, "unknown_guideline_version", 'versi "2099.1"'),
        ("/v1/pedoman/2099.1/graph?track=KSDD", 404, "unknown_guideline_version", '"2099.1"'),
        ("/v1/pedoman/2026.4/graph?track=SINERGI", 404, "unknown_track", "SINERGI"),
        ("/v1/pedoman/2026.1/graph?track=KSDX", 422, "invalid_request", "query /track: harus"),
        ("/v1/pedoman/2026.1/graph", 422, "invalid_request", "query /track: wajib diisi"),
        ("/v1/regions/99.99", 404, "unknown_region", "99.99"),
        ("/v1/regions/3204", 422, "malformed_region_code", 'path /code: kode wilayah "3204"'),
        (
            "/v1/regions?province=99",
            422,
            "unknown_region",
            "/province: tidak ada wilayah dengan kode 99",
        ),
        ("/v1/regions?province=3", 422, "malformed_region_code", '/province: kode wilayah "3"'),
        ("/v1/regions?province=32.04", 422, "not_a_province", "Kabupaten Bandung (32.04)"),
        ("/v1/regions?level=desa", 422, "invalid_request", "query /level: harus"),
        (
            "/v1/route?party=32.04&party=32.99",
            422,
            "unknown_region",
            "query /party/1: tidak ada wilayah dengan kode 32.99",
        ),
        (
            "/v1/route?party=32.04&party=3273",
            422,
            "malformed_region_code",
            '/party/1: kode wilayah "3273"',
        ),
        (
            "/v1/route?party=32.04",
            422,
            "unroutable",
            "query /party: perkara ini tidak dapat diarahkan ke forum mana pun: perselisihan "
            "memerlukan sekurang-kurangnya dua pihak; yang tercantum 1",
        ),
        ("/v1/route", 422, "unroutable", "sekurang-kurangnya dua pihak; yang tercantum 0"),
        ("/v1/route?party=32.04&party=32.04", 422, "unroutable", "pihak 32.04 tercantum dua kali"),
        (
            "/v1/route?party=31.71&party=32.04",
            422,
            "unroutable",
            "Jakarta Pusat (31.71) adalah wilayah administratif, bukan daerah otonom",
        ),
        (
            "/v1/calendar/deadline?start=2026-02-30&limit=14HK",
            422,
            "invalid_start_date",
            'query /start: "2026-02-30" bukan tanggal',
        ),
        (
            "/v1/calendar/deadline?start=2026-03-17&limit=14XX",
            422,
            "invalid_limit",
            'query /limit: "14XX" bukan batas waktu',
        ),
        (
            "/v1/calendar/deadline?start=2026-03-17&limit=0HK",
            422,
            "invalid_limit",
            'query /limit: "0HK" bukan batas waktu: tulis 1 sampai 3650 hari',
        ),
        (
            "/v1/calendar/deadline?start=9999-12-01&limit=60HKal",
            422,
            "date_out_of_range",
            "60HKal sejak 9999-12-01 berakhir setelah tahun 9999",
        ),
        ("/v1/calendar/deadline?limit=14HK", 422, "invalid_request", "query /start: wajib diisi"),
    ],
)
async def test_problems_name_the_value(
    client: httpx.AsyncClient, url: str, status: int, code: str, named: str
) -> None:
    _assert_problem(await client.get(url), status, code, named)


# --- OpenAPI ------------------------------------------------------------------------------------


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    schema = await _ok(client, "/openapi.json")

    paths = schema["paths"]
    for url in EVERY_ROUTE:
        path = url.split("?")[0].replace("32.04", "{code}")
        path = path.replace("2026.1", "{version}").replace("2026.2", "{version}")
        operation = paths[path]["get"]
        assert " / " in operation["summary"], path  # Bahasa Indonesia / English
        assert operation["description"], path
        assert " / " in operation["responses"]["200"]["description"], path
        assert PROBLEM_MEDIA_TYPE in operation["responses"]["401"]["content"], path
    for path in ("/v1/pedoman/{version}", "/v1/pedoman/{version}/graph", "/v1/regions/{code}"):
        assert PROBLEM_MEDIA_TYPE in paths[path]["get"]["responses"]["404"]["content"]
    graph = paths["/v1/pedoman/{version}/graph"]["get"]["responses"]["200"]["content"]
    assert graph["text/plain"]["example"].startswith("flowchart TD")
    assert "Routing" in schema["components"]["schemas"]
    assert "DeadlineQuote" in schema["components"]["schemas"]
