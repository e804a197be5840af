"""A KSDD case from filing to closing, only by clicking in the console (issue 9).

Kabupaten Bandung files against Kota Bandung (R1: the GWPP of Jawa Barat) with its request
letter; the operator accepts it; Kota Bandung responds; musyawarah ends in deadlock, on a berita
acara Kota Bandung uploads; Kabupaten Bandung, on a page grown stale, is refused and told why;
the GWPP closes its facilitation without agreement (its berita acara) and issues its decision as
a Keputusan Gubernur, signed and uploaded; Kota Bandung objects within the objection window
(guideline 2026.2, pedoman.md §9 D13), so the Minister facilitates, records the parties'
agreement, both parties sign it, and the Minister, who produced the outcome, confirms it carried
out (D2). Along the way the diagram, the clocks, the timeline and the dashboard follow, and a
case page mid-facilitation is photographed at a laptop's and a phone's width. At the end the
case's history replays.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

from playwright.async_api import Browser, Locator, Page, expect

from models.roles import Role
from tests.api_harness import Api
from tests.cases import replays_every_run
from tests.konsol.console import ON_SQLITE, Visit, another, console
from tests.konsol.test_perkara import api_timeline, take

SHOTS = Path("/tmp/shots")
BA_MUSYAWARAH, BA_CONTENT = "BA musyawarah buntu.pdf", b"%PDF-1.4\n% BA musyawarah buntu\n"
BA_CHOICE = f"{BA_MUSYAWARAH} ({hashlib.sha256(BA_CONTENT).hexdigest()[:12]}…)"
KEPUTUSAN, KEPUTUSAN_CONTENT = "Kepgub 45-2026.pdf", b"%PDF-1.4\n% Keputusan Gubernur\n"
BERITA_ACARA = "Berita acara yang sudah dilampirkan pada perkara"
LEGAL_FORM = "Keputusan Gubernur selaku Wakil Pemerintah Pusat atau Keputusan Menteri Dalam Negeri"
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
    await page.get_by_label("Nomor surat permohonan").fill("000.1.5/123/Pem")
    await page.get_by_label("Tanggal surat permohonan").fill("2026-02-02")
    await page.get_by_label("Nama penanda tangan").fill("Dr. H. Dadang Supriatna")
    await page.get_by_label("Jabatan penanda tangan").fill("Bupati Bandung")
    await page.get_by_label("Pokok perselisihan").fill("Pembagian biaya operasional")
    await page.get_by_label("Pendanaan").check()
    await page.get_by_role("button", name="Ajukan perkara", exact=True).click()
    await page.wait_for_url(LANDED)
    found = LANDED.search(page.url)
    assert found is not None
    return found.group(1)


def _party_row(page: Page, side: str) -> Locator:
    return page.locator(f"#pihak-{side} fieldset.pihak").first


async def upload(page: Page, name: str, content: bytes, doc_type: str) -> None:
    """Upload a document with the page's upload form."""
    form = page.locator("#unggah")
    await form.get_by_label("Berkas").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    await form.get_by_label("Jenis dokumen").select_option(label=doc_type)
    await form.get_by_role("button", name="Unggah dan catat dalam perkara").click()
    await expect(page.locator("ul.documents")).to_contain_text(name)


async def chose(page: Page, action: str, label: str, option: str) -> None:
    """Pick `option` in a select of an action's form (before `take` fills the rest)."""
    form = page.locator("details.action-form").filter(
        has=page.locator(f"summary:text-is('{action}')")
    )
    if await form.get_attribute("open") is None:
        await form.locator("summary").click()
    await form.get_by_label(label).select_option(label=option)


def document_choice(name: str, content: bytes) -> str:
    """How a document picker names a case's document."""
    return f"{name} ({hashlib.sha256(content).hexdigest()[:12]}…)"


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
            # A deadlock needs its berita acara (D11): uploaded first, then picked.
            await upload(kota.page, BA_MUSYAWARAH, BA_CONTENT, "Berita acara")

            # Both parties now have the case open in musyawarah.
            await kabupaten.open(case_page)
            await see_stage(page, "Musyawarah untuk mufakat", "30 hari kalender", 6)
            await chose(kota.page, "Nyatakan musyawarah buntu", BERITA_ACARA, BA_CHOICE)
            await take(
                kota.page,
                "Nyatakan musyawarah buntu",
                {"Alasan": "Tiga kali musyawarah tidak mencapai mufakat tentang biaya."},
            )
            await see_stage(
                kota.page, "Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat", "30 hari kerja", 8
            )

        # Kabupaten Bandung's page still offers the deadlock: the case refuses it, and says why.
        before = await api_timeline(api, case_id)
        form = page.locator("#tindakan-declare-deadlock")
        await form.get_by_label("Alasan").fill("Kami juga menyatakan buntu.")
        await form.get_by_label(BERITA_ACARA).select_option(label=BA_CHOICE)
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
                gwpp.page, "Fasilitasi Gubernur sebagai Wakil Pemerintah Pusat", "30 hari kerja", 8
            )
            await photograph(gwpp.page, "alur-ksdd-fasilitasi")
            await chose(gwpp.page, "Tutup fasilitasi tanpa kesepakatan", BERITA_ACARA, BA_CHOICE)
            await take(
                gwpp.page,
                "Tutup fasilitasi tanpa kesepakatan",
                {"Alasan": "Fasilitasi dua kali tidak menghasilkan kesepakatan."},
            )
            await see_stage(
                gwpp.page, "Keputusan Gubernur sebagai Wakil Pemerintah Pusat", "10 hari kerja", 10
            )
            # The decision in its legal form, signed (D12).
            await upload(gwpp.page, KEPUTUSAN, KEPUTUSAN_CONTENT, "Keputusan")
            issue = "Terbitkan keputusan"
            await chose(
                gwpp.page, issue, LEGAL_FORM, "Keputusan Gubernur selaku Wakil Pemerintah Pusat"
            )
            await chose(
                gwpp.page,
                issue,
                "Keputusan yang ditandatangani",
                document_choice(KEPUTUSAN, KEPUTUSAN_CONTENT),
            )
            await take(
                gwpp.page,
                issue,
                {
                    "Nomor keputusan": "100.3.3.2/Kep.45-Pem/2026",
                    "Tanggal ditetapkan": "2026-12-01",
                    "Nama": "Bey Machmudin",
                    "Jabatan": "Penjabat Gubernur Jawa Barat",
                    "Ringkasan isi keputusan": "Biaya operasional TPA dibagi 50:50.",
                },
            )
            await see_stage(gwpp.page, "Masa keberatan", "14 hari kerja", 13)
            await expect(gwpp.page.locator(".case-finality")).to_contain_text(
                "Masa keberatan terbuka"
            )

        async with another(kabupaten, api, Role.PARTY, "32.73") as kota:
            await kota.open(case_page)
            await take(
                kota.page,
                "Ajukan keberatan atas keputusan",
                {"Alasan": "Pembagian 50:50 mengabaikan volume sampah Kota Bandung."},
            )
            await see_stage(kota.page, "Fasilitasi Menteri Dalam Negeri", "30 hari kerja", 15)

        async with another(kabupaten, api, Role.MINISTER) as minister:
            await minister.open(case_page)
            await take(
                minister.page,
                "Catat kesepakatan",
                {"Isi kesepakatan": "Biaya dibagi menurut volume sampah tiap daerah."},
            )
            await see_stage(minister.page, "Berita acara kesepakatan", "10 hari kerja", 17)

        sign = "Tandatangani berita acara kesepakatan"
        await kabupaten.open(case_page)
        await take(page, sign, {"Nomor register, akta atau putusan": "BA-KSP/1/2027"})
        async with another(kabupaten, api, Role.PARTY, "32.73") as kota:
            await kota.open(case_page)
            await take(kota.page, sign, {"Nomor register, akta atau putusan": "BA-KSP/1/2027"})
            await see_stage(kota.page, "Pelaksanaan dan pemantauan", "30 hari kalender", 20)

        # The Minister produced the outcome, so the Minister monitors it (D2).
        async with another(kabupaten, api, Role.MINISTER) as minister:
            await minister.open(case_page)
            await take(
                minister.page,
                "Konfirmasi hasil telah dilaksanakan",
                {"Nomor register, akta atau putusan": "LAP-7/2027"},
            )
            closed = minister.page
            await expect(closed.locator(".case-state")).to_contain_text("Kesepakatan para pihak")
            await expect(closed.locator("g.node.reached")).to_contain_text("Kesepakatan")
            await expect(closed.locator("g.node.current")).to_have_count(0)
            await expect(closed.locator(".actions")).to_contain_text("Perkara telah selesai.")
            await expect(closed.locator("ol.timeline > li").first).to_contain_text(
                "Perkara selesai: Kesepakatan para pihak"
            )

        async with another(kabupaten, api, Role.OPERATOR) as operator:
            await dashboard(operator, "0", "1")

    case = (await api.get(f"/v1/cases/{case_id}")).json()
    assert (case["status"], case["closing_state"]) == ("closed", "agreement")
    actions = [i["action"] for i in await api_timeline(api, case_id) if i["kind"] == "action"]
    assert actions == [
        "accept_filing",
        "submit_response",
        "attach_document",
        "declare_deadlock",
        "close_without_agreement",
        "attach_document",
        "issue_decision",
        "object_to_decision",
        "record_agreement",
        "sign_agreement",
        "sign_agreement",
        "confirm_implemented",
    ]
    await api.settled(case_id)
    # Every run replays without a difference: as many as the case says it has (continued as
    # new when Temporal suggested it, after 60 events in tests).
    await replays_every_run(api.app.state.temporal, case_id)
