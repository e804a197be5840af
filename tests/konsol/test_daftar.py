"""Daftar kerja in a real browser, with real Temporal: the same cases, in the same order, as
`GET /v1/cases` gives the same key, whatever the tab, filter, search or page."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from models.roles import Role
from tests.api_harness import Api, Step, ksdd_filing_json, ksdpk_filing_json
from tests.konsol.console import Visit, console

ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPOND: Step = (Role.PARTY, "32.73", "submit_response", {"summary": "Tanggapan tertulis"})
RESPOND_SEMARANG: Step = (Role.PARTY, "33.74", "submit_response", {"summary": "Tanggapan"})
CASE_IDS = "table.daftar-perkara a.nomor"


def _filing(title: str, requesting: str, responding: str) -> dict[str, Any]:
    return {**ksdd_filing_json(requesting, responding), "title": title}


async def _five_cases(api: Api) -> dict[str, str]:
    """Cases at different stages, forums, provinces, types and sectors, by a short name."""
    return {
        # R1, Jawa Barat's GWPP: at intake, waiting for the operator.
        "intake": await api.case(filing=_filing("Sengketa TPA Legok Nangka", "32.04", "32.73")),
        # R1: accepted, waiting for Kota Bandung's response.
        "notice": await api.case(
            ACCEPT, filing=_filing("Perselisihan angkutan umum Bandung Raya", "32.04", "32.73")
        ),
        # R1, Jawa Tengah's GWPP: in musyawarah, waiting for the parties.
        "musyawarah": await api.case(
            ACCEPT,
            RESPOND_SEMARANG,
            filing=_filing("Perselisihan air baku Semarang", "33.22", "33.74"),
        ),
        # R7, a company: the investment sector.
        "ksdpk": await api.case(filing=ksdpk_filing_json()),
        # R5, the Minister: kabupaten/kota of two provinces.
        "minister": await api.case(filing=_filing("Sengketa jalan perbatasan", "32.04", "33.74")),
    }


async def _api_ids(api: Api, role: Role, scope: str | None, **params: str) -> list[str]:
    """The ids `GET /v1/cases` lists for this key and these filters, every page, in order."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page_params = {**params, "limit": "200", **({"cursor": cursor} if cursor else {})}
        listed = await api.get("/v1/cases", role, scope, **page_params)
        assert listed.status_code == 200, listed.text
        body = listed.json()
        ids += [item["case_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


async def _shown(page: Page) -> list[str]:
    return await page.locator(CASE_IDS).all_inner_texts()


async def _open(visit: Visit, query: str) -> list[str]:
    await visit.open(f"/konsol/perkara?{query}")
    await expect(visit.page.locator("#ringkasan")).not_to_be_empty()
    return await _shown(visit.page)


async def test_a_party_sees_only_its_own_cases(api: Api, browser: Browser) -> None:
    cases = await _five_cases(api)
    async with console(api, browser, Role.PARTY, "33.74") as visit:
        shown = await _open(visit, "tampil=semua")
        assert sorted(shown) == sorted([cases["musyawarah"], cases["minister"]])
        assert shown == await _api_ids(api, Role.PARTY, "33.74")
        # Another party's case is not on the list whatever the search.
        assert await _open(visit, f"tampil=semua&q={cases['intake']}") == []


async def test_awaiting_me_lists_exactly_what_waits_for_this_key(
    api: Api, browser: Browser
) -> None:
    cases = await _five_cases(api)
    async with console(api, browser, Role.OPERATOR) as visit:
        await visit.open("/konsol/perkara")
        tab = visit.page.get_by_role("link", name="Menunggu tindakan saya")
        await expect(tab).to_have_attribute("aria-current", "page")  # the tab it opens on
        await expect(visit.page.locator(CASE_IDS)).to_have_count(3)
        shown = await _shown(visit.page)
        assert sorted(shown) == sorted([cases["intake"], cases["ksdpk"], cases["minister"]])
        assert shown == await _api_ids(api, Role.OPERATOR, None, awaiting="me")
        await expect(visit.page.locator("table .anda")).to_have_count(3)  # "(Anda)" each time
        # "Semua perkara" keeps the filters and lists every case.
        await visit.page.get_by_role("link", name="Semua perkara").click()
        await expect(visit.page.locator(CASE_IDS)).to_have_count(5)
        assert await _shown(visit.page) == await _api_ids(api, Role.OPERATOR, None)
    async with console(api, browser, Role.PARTY, "32.73") as visit:
        shown = await _open(visit, "tampil=menunggu")
        assert shown == [cases["notice"]]
        assert shown == await _api_ids(api, Role.PARTY, "32.73", awaiting="me")
        row = visit.page.locator("tbody tr", has_text=cases["notice"])
        await expect(row).to_contain_text("Sisa")
        await expect(row).to_contain_text("hari kerja")


async def test_filters_and_search_list_the_same_cases_as_the_api(
    api: Api, browser: Browser
) -> None:
    cases = await _five_cases(api)
    async with console(api, browser, Role.OPERATOR) as visit:
        page = visit.page
        await visit.open("/konsol/perkara?tampil=semua")
        await expect(page.locator(CASE_IDS)).to_have_count(5)
        # Choosing a filter updates the table and the address in place (htmx).
        await page.get_by_text("Saringan", exact=True).click()
        await page.get_by_label("Provinsi").select_option("33")
        await page.wait_for_url(re.compile(r"province=33"))
        await expect(page.locator(CASE_IDS)).to_have_count(2)
        assert await _shown(page) == await _api_ids(api, Role.OPERATOR, None, province="33")
        await page.get_by_label("Tahap").select_option("musyawarah")
        await page.wait_for_url(re.compile(r"stage=musyawarah"))
        await expect(page.locator(CASE_IDS)).to_have_count(1)
        assert await _shown(page) == [cases["musyawarah"]]
        # Typing in the search box searches as one types.
        await visit.open("/konsol/perkara?tampil=semua")
        await page.get_by_label("Cari nomor perkara atau judul").fill("jalan perbatasan")
        await page.wait_for_url(re.compile(r"q=jalan"))
        await expect(page.locator(CASE_IDS)).to_have_count(1)
        assert await _shown(page) == [cases["minister"]]
        # A case id, whole or its beginning, finds the case by its number.
        await page.get_by_label("Cari nomor perkara atau judul").fill(cases["notice"][:-1])
        await page.wait_for_url(re.compile(r"q=PKD"))
        assert await _shown(page) == await _api_ids(
            api, Role.OPERATOR, None, q=cases["notice"][:-1]
        )
        assert cases["notice"] in await _shown(page)
        # Every filter, by its URL, as a bookmark would open it.
        for name, value in [
            ("stage", "notice"),
            ("forum", "gwpp"),
            ("forum", "minister"),
            ("forum", "dispute_clause"),
            ("province", "32"),
            ("type", "KSDPK"),
            ("sector", "investasi"),
            ("party", "32.73"),
            ("overdue", "false"),
            ("overdue", "true"),
            ("status", "open"),
            ("status", "closed"),
            ("q", "Semarang"),
        ]:
            expected = await _api_ids(api, Role.OPERATOR, None, **{name: value})
            shown = await _open(visit, f"tampil=semua&{name}={value}")
            assert shown == expected, (name, value)
        gwpp = [cases["intake"], cases["notice"], cases["musyawarah"]]
        assert sorted(await _open(visit, "tampil=semua&forum=gwpp")) == sorted(gwpp)
        assert await _open(visit, "tampil=semua&type=KSDPK") == [cases["ksdpk"]]


async def test_paging_reaches_every_case_once_forwards_and_back(api: Api, browser: Browser) -> None:
    await _five_cases(api)
    everything = await _api_ids(api, Role.OPERATOR, None)
    async with console(api, browser, Role.OPERATOR) as visit:
        page = visit.page
        await visit.open("/konsol/perkara?tampil=semua&ukuran=2")
        pages = [await _shown(page)]
        while await page.get_by_role("link", name="Berikutnya →").count():
            await page.get_by_role("link", name="Berikutnya →").click()
            await expect(page.locator("nav.halaman [aria-current=page]")).to_have_text(
                f"Halaman {len(pages) + 1}"
            )
            pages.append(await _shown(page))
        assert pages == [everything[0:2], everything[2:4], everything[4:5]]
        await expect(page.locator("#ringkasan")).to_have_text(
            "Menampilkan perkara 5–5 (halaman 3). Tenggat terdekat di atas."
        )
        # The address holds the page: the back button, a reload and "Sebelumnya" all work.
        await page.go_back()
        await expect(page.locator(CASE_IDS).first).to_have_text(everything[2])
        await page.go_forward()
        await expect(page.locator(CASE_IDS).first).to_have_text(everything[4])
        await page.reload()
        assert await _shown(page) == everything[4:5]
        for back in (everything[2:4], everything[0:2]):
            await page.get_by_role("link", name="← Sebelumnya").click()
            await expect(page.locator(CASE_IDS).first).to_have_text(back[0])
            assert await _shown(page) == back
        await expect(page.get_by_role("link", name="← Sebelumnya")).to_have_count(0)


async def test_a_filter_value_the_api_refuses_shows_its_reason(api: Api, browser: Browser) -> None:
    async with console(api, browser, Role.OPERATOR) as visit:
        answer = await visit.page.goto(visit.origin + "/konsol/perkara?stage=rapat")
        assert answer is not None and answer.status == 422
        refusal = visit.page.get_by_role("alert")
        await expect(refusal).to_contain_text('stage: "rapat" bukan tahap dalam pedoman mana pun')
        answer = await visit.page.goto(visit.origin + "/konsol/perkara?overdue=kadang&ukuran=0")
        assert answer is not None and answer.status == 422
        await expect(refusal).to_contain_text('overdue: "kadang" bukan nilai yang dikenal')
        await expect(refusal).to_contain_text("ukuran: jumlah perkara per halaman harus 1 sampai")
        answer = await visit.page.goto(visit.origin + "/konsol/perkara?cursor=bukan-kursor")
        assert answer is not None and answer.status == 422
        await expect(refusal).to_contain_text("cursor: bukan kursor yang diberikan API ini")
        # Chromium logs each 422 page it loads; these three were asked for.
        refused = "Failed to load resource: the server responded with a status of 422"
        assert visit.offline.console_errors == [f"{refused} (Unprocessable Entity)"] * 3
        visit.offline.console_errors.clear()
        # The page around it still works: clearing the filters lists again.
        await refusal.get_by_role("link", name="Tampilkan tanpa saringan").click()
        await expect(visit.page.locator("#ringkasan")).to_have_text(
            "Tidak ada perkara yang ditampilkan."
        )


async def test_the_form_works_as_a_plain_get_without_javascript(api: Api) -> None:
    """What a browser without JavaScript sends: every field, the empty ones too."""
    cases = await _five_cases(api)
    client = api.client
    form = await client.get("/konsol/masuk")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    signed_in = await client.post(
        "/konsol/masuk", data={"kunci": api.token(Role.OPERATOR), "csrf": csrf[1]}
    )
    assert signed_in.status_code == 303
    empty = dict.fromkeys(("stage", "forum", "type", "sector", "party", "overdue", "status"), "")
    listed = await client.get(
        "/konsol/perkara", params={"tampil": "semua", **empty, "province": "33", "q": ""}
    )
    assert listed.status_code == 200
    assert listed.headers["content-type"].startswith("text/html")
    assert "<html" in listed.text  # the whole page, not an htmx fragment
    assert sorted(_ids(listed)) == sorted([cases["musyawarah"], cases["minister"]])
    assert _ids(listed) == await _api_ids(api, Role.OPERATOR, None, province="33")


def _ids(response: httpx.Response) -> list[str]:
    return re.findall(r'class="nomor">(PKD-\d{4}-\d{6})<', response.text)
