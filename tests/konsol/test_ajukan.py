"""Ajukan perkara in a real browser, against real Temporal: filing by picking regions, the live
forum preview, a refused filing that files nothing, a possible duplicate filed only when
confirmed, a double submit that is one case, the form without JavaScript, who may file, and
screenshots with an axe-core scan at laptop and phone sizes."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlencode

from playwright.async_api import Browser, Locator, Page, expect

from models.roles import Role
from tests.api_harness import Api, ksdd_filing_json
from tests.browser import serving
from tests.konsol.console import ON_SQLITE, console, screenshots, serious_violations, sign_in

pytestmark = ON_SQLITE

CASE_PAGE = re.compile(r"/konsol/perkara/(PKD-\d{4}-\d{6})\?diajukan=1$")


async def pick_region(row: Locator, typed: str, choice: str) -> None:
    """Type into a party row's region picker and click one of its matches."""
    await row.get_by_label("Wilayah (nama atau kode)").fill(typed)
    await row.get_by_role("button", name=choice, exact=True).click()
    await expect(row.locator(".pilihan-wilayah")).to_have_text(choice)


async def add_responding_party(page: Page) -> Locator:
    """Add a responding party's row and wait until htmx has swapped it in and bound its picker
    (typing before that would fire no search)."""
    rows = page.locator("#pihak-responding fieldset.pihak")
    count = await rows.count()
    await page.get_by_role("button", name="+ Tambah pihak termohon").click()
    await expect(rows).to_have_count(count + 1)
    await page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, "
        ".htmx-added')"
    )
    return rows.nth(count)


def party_row(page: Page, side: str, index: int = 0) -> Locator:
    return page.locator(f"#pihak-{side} fieldset.pihak").nth(index)


async def fill_dispute(page: Page, *, pks: str, subject: str, letter: bool = True) -> None:
    """The case, its agreement and its dispute; and the request letter the current guideline
    requires (pedoman.md §9 D12) unless `letter` is False."""
    await page.get_by_label("Judul perkara").fill(
        "Perselisihan pengelolaan TPA regional Legok Nangka"
    )
    await page.get_by_label("Infrastruktur").check()
    await page.get_by_label("Objek kerja sama").fill("Pengelolaan TPA regional")
    await page.get_by_label("Nomor Perjanjian Kerja Sama (PKS)").fill(pks)
    if letter:
        await page.get_by_label("Nomor surat permohonan").fill("000.1.5/123/Pem")
        await page.get_by_label("Tanggal surat permohonan").fill("2026-02-02")
        await page.get_by_label("Nama penanda tangan").fill("Dr. H. Dadang Supriatna")
        await page.get_by_label("Jabatan penanda tangan").fill("Bupati Bandung")
    # A checkbox last: its change (and the preview it asks for) happens now, not when the
    # submit button takes the focus and the page leaves with a preview request in flight.
    await page.get_by_label("Pokok perselisihan").fill(subject)
    await page.get_by_label("Pendanaan").check()


async def file_and_land(page: Page) -> str:
    """Click "Ajukan perkara" and wait for the case page; the case's id."""
    await page.get_by_role("button", name="Ajukan perkara", exact=True).click()
    await page.wait_for_url(CASE_PAGE)
    found = CASE_PAGE.search(page.url)
    assert found is not None
    return found.group(1)


async def case_ids(api: Api) -> list[str]:
    listed = await api.get("/v1/cases", status="open", limit=100)
    assert listed.status_code == 200, listed.text
    return sorted(item["case_id"] for item in listed.json()["items"])


async def test_a_party_files_a_ksdd_case_by_picking_regions(api: Api, browser: Browser) -> None:
    async with console(api, browser, Role.PARTY, "32.04") as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        # The key's own region is the first requesting party already.
        requesting = party_row(page, "requesting")
        await expect(requesting.locator(".pilihan-wilayah")).to_have_text(
            "Kabupaten Bandung (32.04), Jawa Barat"
        )
        await pick_region(
            party_row(page, "responding"), "kota band", "Kota Bandung (32.73), Jawa Barat"
        )
        await expect(page.locator("#pratinjau-isi .aturan")).to_have_text("R1")
        await fill_dispute(page, pks="PKS/12/2024", subject="Pembagian biaya operasional")
        case_id = await file_and_land(page)

    case = await api.get(f"/v1/cases/{case_id}")
    assert case.status_code == 200, case.text
    body: dict[str, Any] = case.json()
    parties = [(p["side"], p["kind"], p["region_code"], p["name"]) for p in body["parties"]]
    assert parties == [
        ("requesting", "kabupaten", "32.04", "Kabupaten Bandung"),
        ("responding", "kota", "32.73", "Kota Bandung"),
    ]
    assert (body["case_type"], body["routing"]["rule"], body["routing"]["forum"]) == (
        "KSDD",
        "R1",
        "gwpp",
    )
    assert body["sectors"] == ["infrastruktur"]
    assert body["agreement"]["pks_number"] == "PKS/12/2024"
    assert body["dispute"]["categories"] == ["pendanaan"]


async def test_the_preview_follows_the_parties(api: Api, browser: Browser) -> None:
    async with console(api, browser, Role.OPERATOR) as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        preview = page.locator("#pratinjau-isi")
        await expect(preview).to_contain_text("Pilih sekurang-kurangnya satu pihak pemohon")
        requesting, responding = party_row(page, "requesting"), party_row(page, "responding")

        # By keyboard: type a code, arrow down into the matches, Enter on the one wanted.
        picker = requesting.get_by_label("Wilayah (nama atau kode)")
        await picker.fill("32.04")
        await expect(
            requesting.get_by_role("button", name="Kabupaten Bandung (32.04), Jawa Barat")
        ).to_be_visible()
        await picker.press("ArrowDown")
        await page.keyboard.press("Enter")
        await expect(requesting.locator(".pilihan-wilayah")).to_have_text(
            "Kabupaten Bandung (32.04), Jawa Barat"
        )
        await pick_region(responding, "32.73", "Kota Bandung (32.73), Jawa Barat")
        await expect(preview.locator(".aturan")).to_have_text("R1")
        await expect(preview).to_contain_text(
            "Gubernur Jawa Barat sebagai Wakil Pemerintah Pusat (GWPP)"
        )
        await expect(preview).to_contain_text(
            "Kabupaten Bandung (32.04) dan Kota Bandung (32.73) adalah kabupaten/kota di "
            "Jawa Barat (32)"
        )

        # Two provinces: the Minister (R2).
        await pick_region(requesting, "jawa barat", "Provinsi Jawa Barat (32)")
        await pick_region(responding, "jawa tengah", "Provinsi Jawa Tengah (33)")
        await expect(preview.locator(".aturan")).to_have_text("R2")
        await expect(preview).to_contain_text("Menteri Dalam Negeri")
        await expect(preview).to_contain_text(
            "Jawa Barat (32) dan Jawa Tengah (33) adalah provinsi"
        )

        # A third party in a KSDD case: no rule routes it, and the preview says why.
        await responding.get_by_label("Jenis pihak").select_option(
            label="Badan usaha (swasta, BUMN, BUMD)"
        )
        await expect(preview).to_contain_text("para pihak perkara KSDD hanya daerah")
        # The same parties as KSDPK with an arbitration clause: R7.
        await page.get_by_label("KSDPK: daerah dengan pihak ketiga").check()
        await page.get_by_label("Jalur penyelesaian menurut klausul").select_option(
            label="Arbitrase (BANI atau ad hoc)"
        )
        await expect(preview.locator(".aturan")).to_have_text("R7")
        await expect(preview).to_contain_text("arbitrase (BANI atau ad hoc)")


async def test_a_refused_filing_shows_its_fields_and_files_nothing(
    api: Api, browser: Browser
) -> None:
    before = await case_ids(api)
    async with console(api, browser, Role.PARTY, "32.04") as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        await party_row(page, "responding").get_by_label("Wilayah (nama atau kode)").fill("99.99")
        await page.get_by_label("Nomor Perjanjian Kerja Sama (PKS)").fill("PKS/7/2025")
        await page.get_by_label("Pendanaan").check()
        await page.get_by_role("button", name="Ajukan perkara", exact=True).click()

        summary = page.locator("#ringkasan-galat")
        await expect(summary).to_contain_text("Perkara belum diajukan")
        await expect(page.locator("#galat-f-title")).to_have_text("Wajib diisi.")
        responding = party_row(page, "responding")
        await expect(responding.locator(".galat")).to_contain_text(
            "Tidak ada satu wilayah pun dengan kode atau nama “99.99”"
        )
        await expect(page.locator("#galat-f-sectors")).to_contain_text(
            "Pilih sekurang-kurangnya satu sektor"
        )
        # What was typed stays.
        await expect(responding.get_by_label("Wilayah (nama atau kode)")).to_have_value("99.99")
        await expect(page.get_by_label("Nomor Perjanjian Kerja Sama (PKS)")).to_have_value(
            "PKS/7/2025"
        )
        await expect(page.get_by_label("Pendanaan")).to_be_checked()
        assert page.url.endswith("/konsol/ajukan")
        visit.refused_logged("422 (Unprocessable Entity)")
    assert await case_ids(api) == before


async def test_a_possible_duplicate_is_named_and_filed_only_when_confirmed(
    api: Api, browser: Browser
) -> None:
    filed = await api.file(ksdd_filing_json())
    assert filed.status_code == 201, filed.text
    earlier = filed.json()["case_id"]
    async with console(api, browser, Role.PARTY, "32.04") as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        await pick_region(
            party_row(page, "responding"), "32.73", "Kota Bandung (32.73), Jawa Barat"
        )
        # The same agreement number and subject, written differently.
        await fill_dispute(page, pks="pks/12/2024 ", subject="pembagian  biaya operasional")
        await page.get_by_role("button", name="Ajukan perkara", exact=True).click()

        warning = page.locator("#duplikat")
        await expect(warning).to_contain_text("Sudah ada perkara terbuka")
        await expect(warning.get_by_role("link", name=earlier)).to_have_attribute(
            "href", f"/konsol/perkara/{earlier}"
        )
        assert await case_ids(api) == [earlier]
        visit.refused_logged("409 (Conflict)")

        await page.get_by_label("Tetap ajukan (bukan perkara yang sama)").check()
        again = await file_and_land(page)
    assert again != earlier
    assert await case_ids(api) == sorted([earlier, again])


async def test_the_filing_form_reads_well_on_a_laptop_and_a_phone(
    api: Api, browser: Browser
) -> None:
    """Screenshots of the form with its preview, and of a refused filing; axe-core finds no
    serious violation in either, and neither is wider than the screen."""
    async with console(api, browser, Role.PARTY, "32.04") as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        await pick_region(
            party_row(page, "responding"), "kota band", "Kota Bandung (32.73), Jawa Barat"
        )
        second = await add_responding_party(page)
        await pick_region(second, "cimahi", "Kota Cimahi (32.77), Jawa Barat")
        await expect(page.locator("#pratinjau-isi .aturan")).to_have_text("R6")
        await fill_dispute(page, pks="PKS/12/2024", subject="Pembagian biaya operasional")
        await looks_right(page, "ajukan")

        await page.get_by_label("Judul perkara").fill("")
        await page.get_by_role("button", name="Ajukan perkara", exact=True).click()
        await expect(page.locator("#ringkasan-galat")).to_contain_text("Judul perkara")
        visit.refused_logged("422 (Unprocessable Entity)")
        await looks_right(page, "ajukan-galat")


async def looks_right(page: Page, name: str) -> None:
    assert await serious_violations(page) == []
    await page.evaluate("window.scrollTo(0, 0)")  # the preview beside the form's top
    await screenshots(page, name)


async def test_the_form_files_without_javascript(api: Api, browser: Browser) -> None:
    """Codes typed, the preview refreshed and rows added and removed by sending the form back."""
    async with serving(api.app, lifespan="off") as origin:
        context = await browser.new_context(java_script_enabled=False)
        try:
            page = await context.new_page()
            await sign_in(page, origin, api.token(Role.PARTY, "32.04"))
            await page.goto(origin + "/konsol/ajukan")
            await (
                party_row(page, "responding").get_by_label("Wilayah (nama atau kode)").fill("32.73")
            )
            await page.get_by_role("button", name="Perbarui pratinjau").click()
            await expect(page.locator("#pratinjau-isi .aturan")).to_have_text("R1")
            await expect(party_row(page, "responding").locator(".pilihan-wilayah")).to_have_text(
                "Kota Bandung (32.73), Jawa Barat"
            )

            await page.get_by_role("button", name="+ Tambah pihak termohon").click()
            second = party_row(page, "responding", 1)
            await second.get_by_label("Wilayah (nama atau kode)").fill("Kota Cimahi")
            await page.get_by_role("button", name="Perbarui pratinjau").click()
            await expect(page.locator("#pratinjau-isi .aturan")).to_have_text("R6")
            await (
                party_row(page, "responding", 1)
                .get_by_role("button", name="Hapus pihak ini")
                .click()
            )
            await expect(page.locator("#pihak-responding fieldset.pihak")).to_have_count(1)
            await expect(page.locator("#pratinjau-isi .aturan")).to_have_text("R1")

            await fill_dispute(page, pks="PKS/3/2026", subject="Tanpa JavaScript")
            case_id = await file_and_land(page)
        finally:
            await context.close()
    case = await api.get(f"/v1/cases/{case_id}")
    assert [p["region_code"] for p in case.json()["parties"]] == ["32.04", "32.73"]


async def test_only_operators_and_parties_file(api: Api, browser: Browser) -> None:
    async with console(api, browser, Role.GWPP, "32") as visit:
        answer = await visit.page.goto(visit.origin + "/konsol/ajukan")
        assert answer is not None and answer.status == 403
        await expect(visit.page.get_by_role("alert")).to_contain_text(
            "perkara diajukan oleh operator atau pihak, bukan oleh gwpp"
        )
        await expect(visit.page.get_by_role("link", name="Ajukan perkara")).to_have_count(0)
        visit.refused_logged("403 (Forbidden)")


async def test_a_double_submit_is_one_case(api: Api, browser: Browser) -> None:
    before = await case_ids(api)
    async with console(api, browser, Role.PARTY, "32.04") as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        await pick_region(
            party_row(page, "responding"), "32.73", "Kota Bandung (32.73), Jawa Barat"
        )
        await fill_dispute(page, pks="PKS/4/2026", subject="Dikirim dua kali")
        # The form as the browser would send it, sent twice at once (a double click).
        pairs = await page.evaluate(
            "() => [...new FormData(document.getElementById('formulir-ajukan')).entries()]"
        )
        body = urlencode([*((name, value) for name, value in pairs), ("tindakan", "ajukan")])
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answers = await asyncio.gather(
            *(
                page.request.post(
                    visit.origin + "/konsol/ajukan", data=body, headers=headers, max_redirects=0
                )
                for _ in range(2)
            )
        )
        locations = [answer.headers.get("location", "") for answer in answers]
    assert [answer.status for answer in answers] == [303, 303]
    assert locations[0] == locations[1]
    found = CASE_PAGE.search(locations[0])
    assert found is not None
    assert await case_ids(api) == sorted([*before, found.group(1)])
