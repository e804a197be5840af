"""`/docs` and `/redoc` in a real browser on a network with no internet: every operation listed.

The app runs under uvicorn on 127.0.0.1; the page may reach that origin and nothing else. A
request anywhere else (a CDN, a font service) is aborted and counted, and must not happen.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from playwright.async_api import Browser, expect

from api.app import create_app
from models.settings import get_settings
from tests.browser import OfflinePage, offline_page, serving

ROOT = Path(__file__).resolve().parents[1]
TITLE = "Mufakat · Dokumentasi API / API documentation"
# Swagger UI and ReDoc fetch the OpenAPI document and render it; on a loaded machine that can
# take seconds, so wait generously (a wait, not a measured time).
RENDER_TIMEOUT_MS = 30_000
FILE_A_CASE = ("POST", "/v1/cases")
TAKE_AN_ACTION = ("POST", "/v1/cases/{case_id}/actions")
# ReDoc 2 draws its "API docs by Redocly" logo from this address, with no option to turn it
# off. The page's Content-Security-Policy refuses it before any request is made, and ReDoc then
# hides the image: the one refusal expected in the console.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest_asyncio.fixture(loop_scope="session")
async def origin(tmp_path: Path) -> AsyncIterator[str]:
    """The production app served over HTTP; the docs need neither Temporal nor any case."""
    settings = get_settings(
        data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'read-model.db'}"
    )
    async with serving(create_app(settings)) as served:
        yield served


async def operations(origin: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of /openapi.json by (METHOD, path), each webhook (OpenAPI 3.1 `webhooks`,
    by its name) included: both pages list those too."""
    async with httpx.AsyncClient(base_url=origin) as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, dict[str, dict[str, dict[str, Any]]]] = response.json()
    return {
        (method.upper(), path): operation
        for section in ("paths", "webhooks")
        for path, item in document[section].items()
        for method, operation in item.items()
    }


def assert_same_origin_only(policy: str) -> None:
    """The page's Content-Security-Policy names no origin but its own."""
    assert policy.startswith("default-src 'none'; ")
    assert "http" not in policy
    assert "*" not in policy


async def open_page(visit: OfflinePage, url: str) -> None:
    """Load a docs page: served, nothing of it fetched from elsewhere, and its policy naming no
    origin but its own."""
    response = await visit.page.goto(url)
    assert response is not None
    assert response.status == 200
    assert visit.blocked == []  # its scripts and styles, requested before "load"
    assert_same_origin_only(response.headers.get("content-security-policy", ""))


def assert_offline(visit: OfflinePage, *refused: str) -> None:
    """Nothing left the machine, nothing broke, and the only console errors are the
    Content-Security-Policy's refusals of `refused` addresses."""
    assert visit.blocked == []
    assert visit.page_errors == []
    assert len(visit.console_errors) == len(refused), visit.console_errors
    for error, address in zip(visit.console_errors, refused, strict=True):
        assert address in error
        assert "Content Security Policy" in error


async def test_swagger_ui_lists_every_operation_offline(
    browser: Browser, origin: str, tmp_path: Path
) -> None:
    expected = await operations(origin)
    async with offline_page(browser, origin) as visit:
        await open_page(visit, f"{origin}/docs")

        blocks = visit.page.locator(".opblock")
        await expect(blocks).to_have_count(len(expected), timeout=RENDER_TIMEOUT_MS)
        await visit.page.screenshot(path=tmp_path / "docs.png")
        listed = [
            (
                (await block.locator(".opblock-summary-method").inner_text()).upper(),
                await block.locator(".opblock-summary-path").get_attribute("data-path"),
            )
            for block in await blocks.all()
        ]
        assert sorted(listed) == sorted(expected)
        for method, path in (FILE_A_CASE, TAKE_AN_ACTION):
            block = blocks.filter(has=visit.page.locator(f'[data-path="{path}"]')).filter(
                has=visit.page.locator(".opblock-summary-method", has_text=method)
            )
            summary = block.locator(".opblock-summary-description")
            await expect(summary).to_have_text(expected[method, path]["summary"])
        assert await visit.page.title() == TITLE
        assert_offline(visit)


async def test_redoc_lists_every_operation_offline(
    browser: Browser, origin: str, tmp_path: Path
) -> None:
    expected = await operations(origin)
    async with offline_page(browser, origin) as visit:
        await open_page(visit, f"{origin}/redoc")

        # The side menu: one item per operation, under its tag, named by its summary.
        items = visit.page.locator('li[role="menuitem"][data-item-id*="operation/"]')
        await expect(items).to_have_count(len(expected), timeout=RENDER_TIMEOUT_MS)
        await visit.page.screenshot(path=tmp_path / "redoc.png")
        listed = [
            (await item.get_attribute("data-item-id") or "").rsplit("/", 1)[1]
            for item in await items.all()
        ]
        assert sorted(listed) == sorted(operation["operationId"] for operation in expected.values())
        for method, path in (FILE_A_CASE, TAKE_AN_ACTION):
            operation = expected[method, path]
            item = items.and_(visit.page.locator(f'[data-item-id$="/{operation["operationId"]}"]'))
            await expect(item).to_have_attribute("aria-label", operation["summary"])
            await expect(item.locator(".operation-type")).to_have_text(method.lower())
        assert await visit.page.title() == TITLE
        assert_offline(visit, REDOCLY_LOGO)


def test_vendored_files_are_the_pinned_ones() -> None:
    """Each vendored browser file (the docs pages' and the console's) is the one its manifest
    pins, licence texts included."""
    checked = subprocess.run(
        [sys.executable, "deploy/tools/npm_assets.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == (
        "api/static/docs/MANIFEST.json: every file matches\n"
        "api/static/konsol/vendor/MANIFEST.json: every file matches\n"
    )
    docs = json.loads((ROOT / "api/static/docs/MANIFEST.json").read_text())
    assert sorted(docs["packages"]) == ["redoc", "swagger-ui-dist"]
    konsol = json.loads((ROOT / "api/static/konsol/vendor/MANIFEST.json").read_text())
    assert sorted(konsol["packages"]) == ["@picocss/pico", "axe-core", "chart.js", "htmx.org"]
    for package in [*docs["packages"].values(), *konsol["packages"].values()]:
        assert any(name.startswith("LICENSE") for name in package["files"]), package
