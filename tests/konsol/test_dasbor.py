"""Dasbor in a real browser: the same figures as `GET /v1/stats` and its trends, for an operator
and for a party; every CSV download equal to them; charts drawn under the Content-Security-Policy;
no serious accessibility violation; then the same after limits have passed (time skipping), with
screenshots at desktop and phone sizes."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from playwright.async_api import Browser, Page
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from models.roles import Role
from models.settings import get_settings
from tests.api_harness import Api, Step, ksdd_filing_json, ksdpk_filing_json
from tests.konsol.console import SIZES, another, console, screenshots, serious_violations
from workflows.worker import build_worker

RESPOND = {"summary": "Tanggapan tertulis"}
ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
HEADLINES = ("open_cases", "closed_cases", "overdue_cases", "overdue_legal_opinions")

# Each figure's CSV: its file, its key column, and for each value column the API's figure.
CSVS: dict[str, tuple[str, dict[str, str]]] = {
    "ringkasan": ("kode", {"jumlah": "headlines"}),
    "tahap": ("kode_tahap", {"perkara_terbuka": "by_stage"}),
    "forum": ("kode_forum", {"perkara_terbuka": "by_forum"}),
    "terlambat": ("kode_forum", {"perkara_terlambat": "overdue_by_forum"}),
    "provinsi": ("kode_provinsi", {"perkara_terbuka": "by_province"}),
    "sektor": ("kode_sektor", {"perkara_terbuka": "by_sector"}),
    "lama-tahap": (
        "kode_tahap",
        {
            "median_hari_kerja": "median_working_days_by_stage",
            "masa_tahap_selesai": "finished_stays_by_stage",
        },
    ),
    "per-bulan": ("bulan", {"diajukan": "filed_by_month", "selesai": "closed_by_month"}),
}


async def api_figures(api: Api, role: Role, scope: str | None) -> dict[str, Any]:
    """`GET /v1/stats` for this key, its trends included."""
    stats = (await api.get("/v1/stats", role, scope)).json()
    figures: dict[str, Any] = dict(stats)
    figures["headlines"] = {name: stats[name] for name in HEADLINES}
    return figures


def parsed(content: bytes, key_column: str, column: str) -> dict[str, int | float]:
    """A CSV column by the key column's values; numbers as the API writes them."""
    text = content.decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    return {row[key_column]: (float if "." in row[column] else int)(row[column]) for row in rows}


async def check_downloads(page: Page, figures: dict[str, Any]) -> None:
    """Every CSV link on the page downloads the API's numbers, exactly."""
    for slug, (key_column, columns) in CSVS.items():
        link = page.locator(f'a[href="/konsol/dasbor/{slug}.csv"]')
        async with page.expect_download() as started:
            await link.click()
        download = await started.value
        assert download.suggested_filename.startswith(f"mufakat-dasbor-{slug}-")
        content = await asyncio.to_thread(Path(await download.path()).read_bytes)
        header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert header[0] == key_column and header[2:] == list(columns), header
        for column, figure in columns.items():
            assert parsed(content, key_column, column) == figures[figure], (slug, column)


async def check_page(page: Page, figures: dict[str, Any]) -> None:
    """The headline counts are the API's, and every figure with data has a drawn chart."""
    for name in HEADLINES:
        shown = await page.locator(f"#angka-{name} dd").inner_text()
        assert shown == f"{figures[name]:,}".replace(",", "."), name
    drawn = await page.evaluate(
        """() => [...document.querySelectorAll("canvas")].map(
            (canvas) => [canvas.id, window.Chart.getChart(canvas) !== undefined, canvas.width])"""
    )
    expected = {
        f"kanvas-{slug}"
        for slug, (_, columns) in CSVS.items()
        if slug != "ringkasan" and figures[next(iter(columns.values()))]
    }
    assert {canvas for canvas, chart, width in drawn if chart and width > 0} == expected
    assert len(drawn) == len(expected)


async def test_dashboard_shows_the_api_figures(api: Api, browser: Browser) -> None:
    await api.case(ACCEPT, (Role.PARTY, "32.73", "submit_response", RESPOND))
    await api.case(ACCEPT, filing=ksdd_filing_json("32", "33"))
    await api.case(filing=ksdpk_filing_json())
    await api.case(
        (Role.PARTY, "32.01", "withdraw", {"reason": "Sudah diselesaikan"}),
        filing=ksdd_filing_json("32.01", "32.04"),
    )
    async with console(api, browser, Role.OPERATOR) as visit:
        await visit.open("/konsol/dasbor")
        figures = await api_figures(api, Role.OPERATOR, None)
        assert figures["open_cases"] == 3 and figures["closed_cases"] == 1
        await check_page(visit.page, figures)
        await check_downloads(visit.page, figures)
        assert await serious_violations(visit.page) == []
        # Kota Bandung sees its two cases only.
        async with another(visit, api, Role.PARTY, "32.73") as party:
            await party.open("/konsol/dasbor")
            mine = await api_figures(api, Role.PARTY, "32.73")
            assert mine["open_cases"] == 2 and mine["closed_cases"] == 0
            await check_page(party.page, mine)
            await check_downloads(party.page, mine)
            coverage = await party.page.locator(".cakupan").inner_text()
            assert "Kota Bandung (32.73)" in coverage
        # A figure that does not exist is the console's own page, not a file.
        missing = await visit.page.request.get(visit.origin + "/konsol/dasbor/tidak-ada.csv")
        assert missing.status == 404 and "Tidak ditemukan" in await missing.text()


async def test_dashboard_without_script_shows_the_tables(api: Api, browser: Browser) -> None:
    await api.case(ACCEPT)
    async with console(api, browser, Role.OPERATOR) as visit:
        # The same session in a browser that runs no script.
        signed_in = await visit.page.context.storage_state()
        plain = await browser.new_context(java_script_enabled=False, storage_state=signed_in)
        try:
            page = await plain.new_page()
            await page.goto(visit.origin + "/konsol/dasbor")
            # Every figure with data is a table, open; no empty chart box.
            assert await page.locator("details.tabel-data").count() == 6
            assert await page.locator("details.tabel-data[open]").count() == 6
            assert await page.locator(".kanvas:visible").count() == 0
            row = page.locator("#grafik-tahap tbody tr")
            assert await row.inner_text() == "Pemberitahuan dan tanggapan\t1"
        finally:
            await plain.close()


@pytest_asyncio.fixture(loop_scope="session")
async def skipping_api(skipping_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Api]:
    """The app and its worker on the time-skipping server, over SQLite."""
    settings = get_settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'read-model.db'}",
        task_queue=f"dasbor-{uuid.uuid4()}",
    )
    app = create_app(settings)
    app.state.temporal = skipping_env.client
    worker = build_worker(
        skipping_env.client, read_model=app.state.engine, task_queue=settings.task_queue
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with worker, httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        yield Api(app=app, client=http)
    app.state.engine.dispose()


async def _file(api: Api, filing: dict[str, Any], *steps: tuple[Role, str | None, str]) -> str:
    filed = await api.file(filing)
    assert filed.status_code == 201, filed.text
    case_id: str = filed.json()["case_id"]
    for role, scope, action in steps:
        payload = RESPOND if action == "submit_response" else {}
        acted = await api.act(case_id, role, scope, action, **payload)
        assert acted.status_code == 200, acted.text
    return case_id


async def test_dashboard_after_limits_pass(
    skipping_api: Api, skipping_env: WorkflowEnvironment, browser: Browser
) -> None:
    """Cases left past their limits: overdue by forum, and stays of working days, on screen and
    in the CSVs; screenshots of it at desktop and phone sizes."""
    api = skipping_api
    await _file(api, ksdd_filing_json("32.04", "32.73"), (Role.OPERATOR, None, "accept_filing"))
    await _file(api, ksdd_filing_json("33.02", "33.74"))  # R1: GWPP Jawa Tengah
    await _file(api, ksdd_filing_json("32", "33"))  # R2: the Minister
    await _file(api, {**ksdd_filing_json("35.78", "33.74"), "sectors": ["aset"]})  # R5
    await _file(api, ksdpk_filing_json())  # R7: the dispute clause
    # 40 days: past intake's 5 HK and notice's 14 HK whatever the holidays, within the 30 HKal
    # of musyawarah that the first case then enters.
    await skipping_env.sleep(timedelta(days=40))
    async with asyncio.timeout(30):  # the timeouts are projected after the timers fire
        while True:
            figures = await api_figures(api, Role.OPERATOR, None)
            if figures["overdue_cases"] == 4 and "musyawarah" in figures["by_stage"]:
                break
            await asyncio.sleep(0.1)
    async with console(api, browser, Role.OPERATOR) as visit:
        await visit.page.set_viewport_size(SIZES["desktop"])
        await visit.open("/konsol/dasbor")
        figures = await api_figures(api, Role.OPERATOR, None)
        # The first case left notice when its 14 HK ran out; the others sat in intake.
        assert figures["overdue_by_forum"] == {"gwpp": 1, "minister": 2, "dispute_clause": 1}
        assert figures["by_stage"] == {"musyawarah": 1, "intake": 4}
        # Accepted at once; notice ended by its limit: exactly its 14 HK, whatever the dates.
        assert figures["median_working_days_by_stage"] == {"intake": 0.0, "notice": 14.0}
        assert figures["finished_stays_by_stage"] == {"intake": 1, "notice": 1}
        await check_page(visit.page, figures)
        await check_downloads(visit.page, figures)
        assert await serious_violations(visit.page) == []
        await screenshots(visit.page, "dasbor")
        # Kota Bandung's two cases: the one in musyawarah is within its limit.
        async with another(visit, api, Role.PARTY, "32.73") as party:
            await party.open("/konsol/dasbor")
            mine = await api_figures(api, Role.PARTY, "32.73")
            assert mine["overdue_by_forum"] == {"dispute_clause": 1}
            await check_page(party.page, mine)
            await check_downloads(party.page, mine)
