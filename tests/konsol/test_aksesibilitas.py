"""The console's main screens under axe-core, and their screenshots for people to look at.

axe-core (vendored from npm, api/static/konsol/vendor/axe-core) finds no violation of impact
"serious" or "critical" of WCAG 2.1 A/AA or axe's best practices on the sign-in page, the
worklist (both tabs, and filtered), a KSDD case in GWPP facilitation (as the operator and as the
GWPP), the filing form, the dashboard and the notification settings, at a laptop's and a phone's
size; lesser ones are written out (`pytest -s` shows them). axe is loaded from the app itself, so
the Content-Security-Policy stays in force during the scan: a page that breaks its own CSP fails.

Each screen at each size is also written full-page into `$MUFAKAT_SCREENSHOTS` (else the system's
temporary directory, under shots/) as `<screen>-<size>.png`, and must fit its width (no sideways
scrolling):

    MUFAKAT_SCREENSHOTS=/tmp/shots .venv/bin/pytest tests/konsol/test_aksesibilitas.py

The screens do not depend on the database: one backend (SQLite) is enough.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from playwright.async_api import Browser

from models.regions import load_regions
from models.roles import Role
from tests.api_harness import Api, Step, ksdd_filing_json, ksdpk_filing_json
from tests.browser import offline_page
from tests.konsol.console import (
    BLOCKING,
    ON_SQLITE,
    SIZES,
    Visit,
    another,
    axe_results,
    console,
    screenshot_dir,
)
from tests.konsol.test_notifikasi import notified

ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPOND: Step = (Role.PARTY, "32.73", "submit_response", {"summary": "Tanggapan tertulis"})


def _filing(title: str, requesting: str, responding: str) -> dict[str, Any]:
    """A KSDD filing between two regions, named as their governments sign."""
    filing = ksdd_filing_json(requesting, responding)
    for party in filing["parties"]:
        party["name"] = f"Pemerintah {load_regions().get(party['region_code']).name}"
    return {**filing, "title": title}


async def _worked_cases(api: Api) -> str:
    """A few cases a ministry would have open; the id of the one in GWPP facilitation."""
    facilitation = await api.case(
        ACCEPT,
        RESPOND,
        filing=_filing("Perselisihan pengelolaan TPA regional Legok Nangka", "32.04", "32.73"),
    )
    # Musyawarah ends in deadlock on its berita acara (pedoman.md §9 D11).
    berita_acara = await api.attached(facilitation, b"%PDF-1.4\n% BA musyawarah\n")
    deadlock = await api.act(
        facilitation,
        Role.PARTY,
        "32.04",
        "declare_deadlock",
        reason="Tidak tercapai mufakat",
        berita_acara_sha256=berita_acara,
    )
    assert deadlock.status_code == 200, deadlock.text
    await api.settled(facilitation)
    await api.case(
        ACCEPT, filing=_filing("Sengketa biaya angkutan umum Bandung Raya", "32.04", "32.73")
    )
    await api.case(filing=_filing("Perselisihan pemanfaatan air baku", "33.22", "33.74"))
    await api.case(filing=ksdpk_filing_json())
    await api.case(filing=_filing("Sengketa pemeliharaan jalan perbatasan", "32.04", "33.74"))
    return facilitation


def _described(screen: str, violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = len(violation["nodes"]) - 5
    return (
        f"{screen}: [{violation['impact']}] {violation['id']} ({violation['help']}): "
        f"{targets}{f' … and {more} more' if more > 0 else ''}"
    )


async def _screen(visit: Visit, name: str, path: str) -> list[str]:
    """The screen opened afresh at each size, scanned and photographed; what is wrong with it
    (blocking violations, sideways scrolling)."""
    page = visit.page
    wrong: list[str] = []
    directory = screenshot_dir()
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        await page.set_viewport_size(viewport)
        answer = await page.goto(visit.origin + path)
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        await page.wait_for_load_state("networkidle")
        result = await axe_results(page)
        passes, violations = result["passes"], result["violations"]
        assert isinstance(passes, list) and isinstance(violations, list)
        sys.stdout.write(f"{name} ({size}): {len(passes)} rules passed\n")
        for violation in violations:
            described = _described(f"{name} ({size})", violation)
            if violation["impact"] in BLOCKING:
                wrong.append(described)
            else:
                sys.stdout.write(described + "\n")  # reported, not failed
        width = await page.evaluate("document.documentElement.scrollWidth")
        inner = await page.evaluate("window.innerWidth")
        if width > inner:
            wrong.append(f"{name} at {size}: the page is {width} px wide in {inner} px")
        await page.screenshot(path=directory / f"{name}-{size}.png", full_page=True)
    return wrong


@ON_SQLITE
async def test_the_main_screens_are_accessible_and_fit_a_laptop_and_a_phone(
    api: Api, browser: Browser
) -> None:
    facilitation = await _worked_cases(api)
    wrong: list[str] = []
    async with console(api, browser, Role.OPERATOR) as visit:
        async with offline_page(browser, visit.origin) as signed_out:
            wrong += await _screen(Visit(visit.origin, signed_out), "masuk", "/konsol/masuk")
            assert signed_out.console_errors == [] and signed_out.page_errors == []
        wrong += await _screen(visit, "daftar-menunggu", "/konsol/perkara")
        wrong += await _screen(visit, "daftar-semua", "/konsol/perkara?tampil=semua")
        filtered = "/konsol/perkara?tampil=semua&province=32&status=open&ukuran=25"
        wrong += await _screen(visit, "daftar-saringan", filtered)
        wrong += await _screen(visit, "perkara-operator", f"/konsol/perkara/{facilitation}")
        wrong += await _screen(visit, "ajukan", "/konsol/ajukan")
        wrong += await _screen(visit, "dasbor", "/konsol/dasbor")
        await notified(api, Role.OPERATOR)
        wrong += await _screen(visit, "notifikasi", "/konsol/notifikasi")
        # The Governor's secretariat is the forum in facilitation: its page has its actions.
        async with another(visit, api, Role.GWPP, "32") as gwpp:
            wrong += await _screen(gwpp, "perkara-fasilitasi", f"/konsol/perkara/{facilitation}")
    # Every screen is scanned and photographed first, so each problem can be looked at.
    assert wrong == [], "\n".join(wrong)
