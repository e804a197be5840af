"""A KSDD case from filing to closing, only by clicking in the console (issue 9).

Kabupaten Bandung files against Kota Bandung (R1: the GWPP of Jawa Barat); the operator accepts
it; Kota Bandung responds; musyawarah ends in deadlock; Kabupaten Bandung, on a page grown
stale, is refused and told why; the GWPP closes its facilitation without agreement, issues its
decision and, once carried out, confirms it. Along the way the diagram, the clocks, the timeline
and the dashboard follow, and a case page mid-facilitation is photographed at a laptop's and a
phone's width. At the end the case's history replays.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from playwright.async_api import Browser, Locator, Page, expect

from models.roles import Role
from tests.api_harness import Api
from tests.cases import replays_every_run
from tests.konsol.console import ON_SQLITE, Visit, another, console
from tests.konsol.test_perkara import api_timeline, take

SHOTS = Path("/tmp/shots")
LANDED = re.compile(r"/konsol/perkara/(PKD-\d{4}-\d{6})\?diajukan=1$")


async def file_by_clicking(visit: Visit) -> str:
    """Kabupaten Bandung files the dispute on the filing form; the new case's id."""
    page = visit.page
    await visit.open("/konsol/ajukan")
    requesting = _party_row(page, "requesting")
    await expect(requesting.locator(".pilihan-wilayah")).to_have_text(
        "Kabupaten Bandung (32.04), Jawa Barat"
    )
    responding = _party_row(page, "responding")
    await responding.get_by_label("Wilayah (nama atau kode)").fill("kota band")
    await responding.get_by_role("button", name="Kota Bandung (32.73), Jawa Barat").click()
    await expect(page.locator("#pratinjau-isi .aturan")).to_have_text("R1")
    await page.get_by_label("Judul perkara").fill(
        "Perselisihan pengelolaan TPA regional Legok Nangka"
    )
    await page.get_by_label("Infrastruktur").check()
    await page.get_by_label("Objek kerja sama").fill("Pengelolaan TPA regional")
    await page.get_by_label("Nomor Perjanjian Kerja Sama (PKS)").fill("PKS/12/2024")
    await page.get_by_label("Pokok perselisihan").fill("Pembagian biaya operasional")
    await page.get_by_label("Pendanaan").check()
    await page.get_by_role("button", name="Ajukan perkara", exact=True).click()
    await page.wait_for_url(LANDED)
    found = LANDED.search(page.url)
    assert found is not None
    return found.group(1)


def _party_row(page: Page, side: str) -> Locator:
    return page.locator(f"#pihak-{side} fieldset.pihak").first


async def see_stage(page: Page, stage: str, limit: str, events: int) -> None:
    """The page shows the case in `stage`: its diagram, its clock and its timeline."""
    await expect(page.locator(".case-state")).to_contain_text(stage)
    await expect(page.locator("svg.stage-diagram g.node.current title")).to_contain_text(stage)
    await expect(page.locator(".path-taken li.current")).to_contain_text(stage)
    await expect(page.locator("dl.clock")).to_contain_text(limit)
    await expect(page.locator("ol.timeline > li")).to_have_count(events)


async def dashboard(visit: Visit, open_cases: str, closed_cases: str) -> None:
    await visit.open("/konsol/dasbor")
    await expect(visit.page.locator("#angka-open_cases dd")).to_have_text(open_cases)
    await expect(visit.page.locator("#angka-closed_cases dd")).to_have_text(closed_cases)


async def photograph(page: Page, name: str) -> None:
    """The page at a laptop's and a phone's width, whole, into /tmp/shots."""
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    for size, viewport in [("desktop", (1366, 900)), ("ponsel", (390, 844))]:
        await page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        await page.reload()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport[0], (size, width)  # no sideways scrolling of the page
        # caret="initial": hiding the caret leaves `style=""` on every input, which htmx would
        # carry into the next swap (and the Content-Security-Policy refuse).
        await page.screenshot(
            path=str(SHOTS / f"{name}-{size}.png"), full_page=True, caret="initial"
        )
    await page.set_viewport_size({"width": 1366, "height": 900})


@ON_SQLITE
async def test_a_ksdd_case_from_filing_to_closing_only_by_clicking(
    api: Api, browser: Browser
) -> None:
    async with console(api, browser, Role.PARTY, "32.04") as kabupaten:
        case_id = await file_by_clicking(kabupaten)
        case_page = f"/konsol/perkara/{case_id}"
        page = kabupaten.page
        await expect(page.locator("#pemberitahuan")).to_have_text(
            f"Perkara {case_id} telah diajukan."
        )
        await see_stage(page, "Registrasi permohonan", "5 hari kerja", 1)

        async with another(kabupaten, api, Role.OPERATOR) as operator:
            await dashboard(operator, "1", "0")
            await operator.open(case_page)
            await take(operator.page, "Terima permohonan", {})
            await see_stage(operator.page, "Pemberitahuan dan tanggapan", "14 hari kerja", 3)

        async with another(kabupaten, api, Role.PARTY, "32.73") as kota:
            await kota.open(case_page)
            await take(
                kota.page,
                "Sampaikan tanggapan",
                {"Ringkasan tanggapan": "Kota Bandung menolak pembagian biaya 60:40."},
            )
            await see_stage(kota.page, "Musyawarah untuk mufakat", "30 hari kalender", 5)

            # Both parties now have the case open in musyawarah.
            await kabupaten.open(case_page)
            await see_stage(page, "Musyawarah untuk mufakat", "30 hari kalender", 5)
            await take(
                kota.page,
                "Nyatakan musyawarah buntu",
                {"Alasan": "Tiga kali musyawarah tidak mencapai mufakat tentang biaya."},
            )
            await see_stage(
                kota.page, "Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat", "30 hari kerja", 7
            )

        # Kabupaten Bandung's page still offers the deadlock: the case refuses it, and says why.
        before = await api_timeline(api, case_id)
        form = page.locator("#tindakan-declare-deadlock")
        await form.get_by_label("Alasan").fill("Kami juga menyatakan buntu.")
        await form.get_by_role("button", name="Nyatakan musyawarah buntu").click()
        refusal = form.locator("[role=alert]")
        await expect(refusal).to_contain_text(
            "Nyatakan musyawarah buntu tidak diizinkan pada tahap Fasilitasi Gubernur sebagai "
            "Wakil Pemerintah Pusat"
        )
        await expect(refusal).to_contain_text("Tidak ada yang berubah dalam perkara.")
        kabupaten.refused_logged("409 (Conflict)")
        assert await api_timeline(api, case_id) == before

        async with another(kabupaten, api, Role.GWPP, "32") as gwpp:
            await gwpp.open(case_page)
            await see_stage(
                gwpp.page, "Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat", "30 hari kerja", 7
            )
            await photograph(gwpp.page, "alur-ksdd-fasilitasi")
            await take(
                gwpp.page,
                "Tutup fasilitasi tanpa kesepakatan",
                {"Alasan": "Fasilitasi dua kali tidak menghasilkan kesepakatan."},
            )
            await see_stage(
                gwpp.page, "Keputusan Gubernur sebagai Wakil Pemerintah Pusat", "10 hari kerja", 9
            )
            await take(
                gwpp.page,
                "Terbitkan keputusan",
                {
                    "Nomor keputusan": "100.3.3.2/Kep.45-Pem/2026",
                    "Ringkasan isi keputusan": "Biaya operasional TPA dibagi 50:50.",
                },
            )
            await see_stage(gwpp.page, "Pelaksanaan dan pemantauan", "30 hari kalender", 11)
            await take(
                gwpp.page,
                "Konfirmasi hasil telah dilaksanakan",
                {"Nomor register, akta atau putusan": "LAP-7/2027"},
            )
            closed = gwpp.page
            await expect(closed.locator(".case-state")).to_contain_text("Keputusan GWPP")
            await expect(closed.locator("g.node.reached")).to_contain_text("Keputusan GWPP")
            await expect(closed.locator("g.node.current")).to_have_count(0)
            await expect(closed.locator(".actions")).to_contain_text("Perkara telah selesai.")
            await expect(closed.locator("ol.timeline > li").first).to_contain_text(
                "Perkara selesai: Keputusan GWPP"
            )

        async with another(kabupaten, api, Role.OPERATOR) as operator:
            await dashboard(operator, "0", "1")

    case = (await api.get(f"/v1/cases/{case_id}")).json()
    assert (case["status"], case["closing_state"]) == ("closed", "gwpp_decision")
    actions = [i["action"] for i in await api_timeline(api, case_id) if i["kind"] == "action"]
    assert actions == [
        "accept_filing",
        "submit_response",
        "declare_deadlock",
        "close_without_agreement",
        "issue_decision",
        "confirm_implemented",
    ]
    await api.settled(case_id)
    # Every run replays without a difference: as many as the case says it has (continued as
    # new when Temporal suggested it, after 60 events in tests).
    await replays_every_run(api.app.state.temporal, case_id)
