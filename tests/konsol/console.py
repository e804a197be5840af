"""The console in a real browser: the test's app served over HTTP, a page signed in with a key.

    async with console(api, browser, Role.PARTY, "32.04") as visit:
        await visit.page.goto(visit.origin + "/konsol/perkara")

`console` serves the `api` harness's app (real Temporal, real database) on loopback, opens an
offline page (it reaches that origin alone), signs in through the sign-in form like a person,
and at the end asserts the page logged no console error and no uncaught script error (a
Content-Security-Policy refusal is a console error).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from models.roles import Role
from tests.api_harness import Api
from tests.browser import OfflinePage, offline_page, serving

# What a screen shows does not depend on the read model's database, and the services under it
# run on SQLite and PostgreSQL in the JSON API's tests: a console test runs on SQLite unless
# the screen has queries of its own (the worklist's, the dashboard's).
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# axe-core as the console serves it (vendored from npm): added as a script file of the page's own
# origin, so the scan runs under the console's Content-Security-Policy, not around it.
AXE = "/konsol/static/vendor/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")
# A laptop (1366 by 768) and a phone (390 by 844), the sizes the console is made for.
SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 768},
    "ponsel": {"width": 390, "height": 844},
}


def screenshot_dir() -> Path:
    """Where screenshots go: `$MUFAKAT_SCREENSHOTS`, else the system's temporary directory."""
    return Path(os.environ.get("MUFAKAT_SCREENSHOTS") or Path(tempfile.gettempdir()) / "shots")


async def axe_results(page: Page) -> dict[str, object]:
    """axe's results for the page as it is now (violations, passes)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(url=AXE)
    result: dict[str, object] = await page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return result


async def serious_violations(page: Page) -> list[tuple[str, list[str]]]:
    """The page's serious and critical accessibility violations: rule id and elements."""
    violations = (await axe_results(page))["violations"]
    assert isinstance(violations, list)
    return [
        (violation["id"], [" ".join(node["target"]) for node in violation["nodes"]])
        for violation in violations
        if violation["impact"] in BLOCKING
    ]


async def screenshots(page: Page, name: str) -> None:
    """Full-page screenshots at each size; nothing on the page is wider than the screen."""
    directory = screenshot_dir()
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        await page.set_viewport_size(viewport)
        # `caret="initial"`: Playwright's default hides the caret with a style attribute on
        # inputs, which htmx would copy into swapped content, where the CSP refuses it.
        await page.screenshot(
            path=directory / f"{name}-{size}.png", full_page=True, caret="initial"
        )
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, size, width)
    await page.set_viewport_size(SIZES["desktop"])


@dataclass
class Visit:
    origin: str
    offline: OfflinePage

    @property
    def page(self) -> Page:
        return self.offline.page

    async def open(self, path: str) -> None:
        await self.page.goto(self.origin + path)

    def refused_logged(self, status: str) -> None:
        """Chromium logs an answer with a 4xx status (`"409 (Conflict)"`) as a console error: the
        refusal the test asked for, and no other; cleared, so the visit's end checks the rest."""
        logged = f"Failed to load resource: the server responded with a status of {status}"
        assert self.offline.console_errors == [logged], self.offline.console_errors
        self.offline.console_errors.clear()


async def sign_in(page: Page, origin: str, token: str) -> None:
    """Sign in through the form, as a person pasting a key does."""
    await page.goto(origin + "/konsol/masuk")
    await page.get_by_label("Kunci API").fill(token)
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url(lambda url: "/konsol/masuk" not in url)


@contextlib.asynccontextmanager
async def console(
    api: Api, browser: Browser, role: Role, scope: str | None = None
) -> AsyncIterator[Visit]:
    """A page signed in to the console as a key of `role` and `scope`."""
    async with serving(api.app, lifespan="off") as origin, offline_page(browser, origin) as off:
        await sign_in(off.page, origin, api.token(role, scope))
        yield Visit(origin, off)
        assert off.console_errors == [], off.console_errors
        assert off.page_errors == [], off.page_errors
        assert off.blocked == [], off.blocked


@contextlib.asynccontextmanager
async def another(
    visit: Visit, api: Api, role: Role, scope: str | None = None
) -> AsyncIterator[Visit]:
    """A second person on the same served console (their own browser context)."""
    browser = visit.page.context.browser
    assert browser is not None
    async with offline_page(browser, visit.origin) as off:
        await sign_in(off.page, visit.origin, api.token(role, scope))
        yield Visit(visit.origin, off)
        assert off.console_errors == [], off.console_errors
        assert off.page_errors == [], off.page_errors
