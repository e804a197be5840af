"""Halaman perkara in a real browser, against real Temporal: what the page shows, an action taken
by clicking, a refusal explained with nothing changed, a party kept out of another's case, an
operator recording for a party, and a document uploaded, dropped and downloaded by its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from api.konsol.render import tanggal
from models.roles import Role
from tests.api_harness import Api, Step
from tests.konsol.console import ON_SQLITE, console

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
ACCEPTED: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPONDED: Step = (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"})


async def take(page: Page, action: str, fields: dict[str, str], *, for_party: str = "") -> None:
    """Open an action's form, fill it by its labels, click its button, and wait for the notice
    that it was accepted."""
    form = page.locator("details.action-form").filter(
        has=page.locator(f"summary:text-is('{action}')")
    )
    if await form.get_attribute("open") is None:
        await form.locator("summary").click()
    if for_party:
        await form.get_by_label("Atas nama pihak").select_option(label=for_party)
    for label, value in fields.items():
        await form.get_by_label(label).fill(value)
    async with page.expect_response(lambda r: r.url.endswith("/tindakan")) as answered:
        await form.get_by_role("button", name=action, exact=True).click()
    assert (await answered.value).status == 200
    await expect(page.locator("#pemberitahuan")).to_have_text(f"Tindakan «{action}» diterima.")


async def api_case(api: Api, case_id: str) -> dict[str, Any]:
    answer = await api.get(f"/v1/cases/{case_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def api_timeline(api: Api, case_id: str) -> list[dict[str, Any]]:
    answer = await api.get(f"/v1/cases/{case_id}/timeline")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


@ON_SQLITE
async def test_the_page_shows_the_case_its_diagram_clocks_and_timeline(
    api: Api, browser: Browser
) -> None:
    case_id = await api.case(ACCEPTED, RESPONDED)
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Perselisihan pengelolaan TPA regional Legok Nangka"
        )
        head = page.locator(".case-head")
        await expect(head).to_contain_text("Kabupaten Bandung, Jawa Barat (32.04)")
        await expect(head).to_contain_text("Kota Bandung, Jawa Barat (32.73)")
        await expect(head).to_contain_text(
            "Gubernur Jawa Barat sebagai Wakil Pemerintah Pusat (GWPP)"
        )
        await expect(head).to_contain_text("Aturan rute R1")
        # The diagram: this case's stages, the current one highlighted, the path taken marked.
        diagram = page.locator("svg.stage-diagram")
        await expect(diagram.locator("g.node.current")).to_have_count(1)
        await expect(diagram.locator("g.node.current")).to_contain_text("Musyawarah untuk mufakat")
        await expect(diagram.locator("g.node.visited")).to_have_count(2)
        await expect(diagram.locator("path.link.taken")).to_have_count(2)
        # A GWPP case (R1) escalates to the Minister after the GWPP, so both stay; a KSDD case
        # has no mediation or arbitration.
        await expect(diagram).to_contain_text("Fasilitasi Menteri Dalam")
        await expect(diagram).not_to_contain_text("Arbitrase")
        path = page.locator(".path-taken li")
        await expect(path).to_have_text(
            [
                "Registrasi permohonan",
                "Pemberitahuan dan tanggapan",
                "Musyawarah untuk mufakat sekarang",
            ]
        )
        # The clock: 30 calendar days of musyawarah, one extension with everyone's consent.
        clock = page.locator("dl.clock")
        await expect(clock).to_contain_text("30 hari kalender")
        await expect(clock).to_contain_text("0 dari 1 kali dipakai")
        await expect(clock.locator(".badge")).to_have_text("30 hari kalender lagi")
        due = (await api_case(api, case_id))["deadline"]["due_date_local"]
        await expect(clock).to_contain_text(tanggal(due))
        # The timeline, newest first: every entry of the case's own timeline.
        events = page.locator("ol.timeline > li")
        await expect(events).to_have_count(len(await api_timeline(api, case_id)))
        await expect(events.first).to_contain_text("Masuk tahap Musyawarah untuk mufakat")
        await expect(events.last).to_contain_text("Perkara diajukan")
        await expect(page.locator("ol.timeline")).to_contain_text("Tanggapan tertulis")
        # What this party may do now: the stage's own actions, unfolded.
        for action in ["Laporkan kesepakatan", "Nyatakan musyawarah buntu"]:
            form = page.locator("details.action-form[open] > summary", has_text=action)
            await expect(form).to_have_count(1)


@ON_SQLITE
async def test_an_action_form_submitted_by_clicking_applies_the_action(
    api: Api, browser: Browser
) -> None:
    case_id = await api.case(ACCEPTED)
    async with console(api, browser, Role.PARTY, KOTA_BANDUNG) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        await take(page, "Sampaikan tanggapan", {"Ringkasan tanggapan": "Kota menolak 60:40."})
        # The case was swapped in: its new stage, its diagram, its timeline.
        await expect(page.locator(".case-state")).to_contain_text("Musyawarah untuk mufakat")
        await expect(page.locator("g.node.current")).to_contain_text("Musyawarah untuk mufakat")
        await expect(page.locator("ol.timeline > li").nth(1)).to_contain_text("Sampaikan tanggapan")
        await expect(page.locator("#pemberitahuan")).to_be_focused()
    case = await api_case(api, case_id)
    assert case["stage"] == "musyawarah"
    actions = [i for i in await api_timeline(api, case_id) if i["kind"] == "action"]
    last = actions[-1]
    assert (last["action"], last["actor_scope"], last["payload"]["summary"]) == (
        "submit_response",
        KOTA_BANDUNG,
        "Kota menolak 60:40.",
    )


@ON_SQLITE
async def test_a_refused_action_is_explained_and_changes_nothing(
    api: Api, browser: Browser
) -> None:
    case_id = await api.case(ACCEPTED, RESPONDED)
    berita_acara = await api.attached(case_id, b"%PDF-1.4\n% BA musyawarah\n")
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        # Meanwhile Kota Bandung declares the deadlock: the page's form is now out of date.
        declared = await api.act(
            case_id,
            Role.PARTY,
            KOTA_BANDUNG,
            "declare_deadlock",
            reason="Buntu",
            berita_acara_sha256=berita_acara,
        )
        assert declared.status_code == 200, declared.text
        before = await api_timeline(api, case_id)
        form = page.locator("#tindakan-declare-deadlock")
        await form.get_by_label("Alasan").fill("Tiga kali bertemu tanpa mufakat.")
        await form.get_by_label("Berita acara yang sudah dilampirkan").select_option(berita_acara)
        async with page.expect_response(lambda r: r.url.endswith("/tindakan")) as answered:
            await form.get_by_role("button", name="Nyatakan musyawarah buntu").click()
        assert (await answered.value).status == 409
        refusal = page.locator("#tindakan-declare-deadlock [role=alert]")
        await expect(refusal).to_contain_text("Ditolak:")
        await expect(refusal).to_contain_text("Tidak ada yang berubah dalam perkara.")
        await expect(refusal).to_contain_text("Fasilitasi Gubernur")  # the stage it is in now
        # The user's text is still there, to send elsewhere or keep.
        await expect(form.get_by_label("Alasan")).to_have_value("Tiga kali bertemu tanpa mufakat.")
        visit.refused_logged("409 (Conflict)")
    assert await api_timeline(api, case_id) == before


@ON_SQLITE
async def test_a_party_cannot_open_another_partys_case(api: Api, browser: Browser) -> None:
    case_id = await api.case()
    before = await api_timeline(api, case_id)
    async with console(api, browser, Role.PARTY, "32.01") as visit:
        answer = await visit.page.goto(f"{visit.origin}/konsol/perkara/{case_id}")
        assert answer is not None and answer.status == 403
        page = visit.page
        await expect(page.get_by_role("heading", level=1)).to_have_text("Di luar cakupan kunci")
        await expect(page.locator("main")).not_to_contain_text("Legok Nangka")
        await expect(page.locator("main")).not_to_contain_text("Pemda 32.73")
        # Nor can it download from it or act in it, whatever it sends.
        token = await page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token is not None
        base = f"{visit.origin}/konsol/perkara/{case_id}"
        downloaded = await page.request.get(f"{base}/dokumen/{'0' * 64}")
        assert downloaded.status == 403
        acted = await page.request.post(
            f"{base}/tindakan",
            form={"csrf": token, "tindakan": "withdraw", "isian.reason": "Dicabut saja."},
        )
        assert acted.status == 403
        assert "Legok Nangka" not in await acted.text()
        visit.refused_logged("403 (Forbidden)")
    assert await api_timeline(api, case_id) == before


@ON_SQLITE
async def test_an_operator_records_an_action_for_a_party(api: Api, browser: Browser) -> None:
    case_id = await api.case(ACCEPTED)
    async with console(api, browser, Role.OPERATOR) as visit:
        await visit.open(f"/konsol/perkara/{case_id}")
        await take(
            visit.page,
            "Sampaikan tanggapan",
            {"Ringkasan tanggapan": "Disampaikan dengan surat tanggal 3 Maret."},
            for_party="Pemda 32.73",
        )
        await expect(visit.page.locator("ol.timeline > li").nth(1)).to_contain_text(
            "Operator Bina Adwil atas nama Pemda 32.73"
        )
    recorded = [i for i in await api_timeline(api, case_id) if i["action"] == "submit_response"]
    assert [(i["actor_role"], i["on_behalf_of"]) for i in recorded] == [("operator", KOTA_BANDUNG)]


@ON_SQLITE
async def test_upload_by_picker_and_by_drop_then_download_by_hash(
    api: Api, browser: Browser, tmp_path: Path
) -> None:
    case_id = await api.case(ACCEPTED)
    content = b"%PDF-1.4\n% Berita acara musyawarah pertama\n"
    picked = tmp_path / "Berita acara musyawarah I.pdf"
    picked.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        upload = page.locator("#unggah")
        await upload.get_by_label("Berkas").set_input_files(picked)
        await upload.get_by_label("Jenis dokumen").select_option(label="Berita acara")
        await upload.get_by_role("button", name="Unggah dan catat dalam perkara").click()
        await expect(page.locator("#pemberitahuan")).to_contain_text(digest)
        listed = page.locator("ul.documents > li")
        await expect(listed).to_have_count(1)
        await expect(listed).to_contain_text(digest)
        await expect(listed).to_contain_text("Berita acara musyawarah I.pdf")

        # Dropped onto the zone: the same as picking it.
        dropped = await page.evaluate_handle(
            """() => {
                const transfer = new DataTransfer();
                const file = new File(["notulen rapat"], "notulen.txt", {type: "text/plain"});
                transfer.items.add(file);
                return transfer;
            }"""
        )
        zone = page.locator("#unggah [data-dropzone]")
        await zone.dispatch_event("drop", {"dataTransfer": dropped})
        await expect(zone.locator("[data-file-name]")).to_have_text("notulen.txt")
        await page.locator("#unggah").get_by_label("Jenis dokumen").select_option(label="Notulen")
        await (
            page.locator("#unggah")
            .get_by_role("button", name="Unggah dan catat dalam perkara")
            .click()
        )
        await expect(listed).to_have_count(2)
        await expect(listed.first).to_contain_text(hashlib.sha256(b"notulen rapat").hexdigest())

        async with page.expect_download() as downloading:
            await page.get_by_role("link", name="Berita acara musyawarah I.pdf").click()
        download = await downloading.value
        saved = tmp_path / "unduhan.pdf"
        await download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == digest
    documents = (await api.get(f"/v1/cases/{case_id}/documents")).json()["items"]
    assert [d["document"]["sha256"] for d in documents] == [
        digest,
        hashlib.sha256(b"notulen rapat").hexdigest(),
    ]
    assert [d["attached_by"]["scope"] for d in documents] == [BANDUNG, BANDUNG]
