"""Notifikasi in a real browser: an e-mail address added, refused, paused, resumed and deleted; a
webhook the dispatcher disabled, shown with its reason and last deliveries, and enabled again;
and a key that never sees another key's subscriptions.

The page needs no Temporal: the app here runs without a worker, with settings that let a
webhook point at 127.0.0.1 over HTTP (as an administrator would allow an internal network).
Deliveries are written into the table as the dispatcher writes them: the page shows the log,
sending is the dispatcher's to test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from sqlmodel import Session

from api.app import create_app
from models.roles import Role
from models.settings import get_settings
from models.tables import Delivery, WebhookSubscription
from tests.api_harness import Api
from tests.browser import serving
from tests.konsol.console import ON_SQLITE, console, screenshots, serious_violations, sign_in

pytestmark = ON_SQLITE

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
PAGE = "/konsol/notifikasi"
CASE = "PKD-2026-000123"
DISABLED_AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 09.00 WIB
FAILING_SINCE = DISABLED_AT - timedelta(hours=24)
REASON = "failing since 2026-03-02T02:00:00+00:00: HTTP 503"
CHOSEN = ["Tindakan diperlukan", "Pengingat tenggat", "Tenggat terlampaui"]
CHOSEN_TYPES = [
    "mufakat.case.action_required",
    "mufakat.case.reminder",
    "mufakat.case.overdue",
]


@pytest_asyncio.fixture(loop_scope="session")
async def local(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The production app allowing webhooks to 127.0.0.1 over HTTP; no worker (none is asked)."""
    settings = get_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        webhook_allow_http=True,
        webhook_allowed_networks=["127.0.0.1/32"],
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        yield Api(app=app, client=http)
    app.state.engine.dispose()


async def email_subscriptions(api: Api, role: Role, scope: str | None) -> list[dict[str, Any]]:
    listed = await api.get("/v1/email-subscriptions", role, scope)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def subscribe(api: Api, role: Role, scope: str | None, address: str, **body: Any) -> str:
    made = await api.client.post(
        "/v1/email-subscriptions",
        json={"address": address, **body},
        headers=api.headers(role, scope),
    )
    assert made.status_code == 201, made.text
    subscription_id: str = made.json()["id"]
    return subscription_id


async def register_webhook(api: Api, role: Role, scope: str | None, url: str, **body: Any) -> str:
    made = await api.client.post(
        "/v1/webhooks", json={"url": url, **body}, headers=api.headers(role, scope)
    )
    assert made.status_code == 201, made.text
    subscription_id: str = made.json()["id"]
    return subscription_id


def disable(api: Api, subscription_id: str) -> None:
    """As the dispatcher leaves a webhook whose receiver failed for `webhook_retry_hours`."""
    with Session(api.app.state.engine) as session:
        row = session.get(WebhookSubscription, subscription_id)
        assert row is not None
        row.active = False
        row.disabled_at = DISABLED_AT
        row.failing_since = FAILING_SINCE
        row.disabled_reason = REASON
        session.add(row)
        session.commit()


def delivered(api: Api, subscription_id: str, count: int) -> None:
    """`count` deliveries an hour apart, the newest at DISABLED_AT: failed with 503, the rest
    acknowledged with 200 after two attempts."""
    with Session(api.app.state.engine) as session:
        for n in range(count):
            made = DISABLED_AT - timedelta(hours=n)
            failed = n == 0
            session.add(
                Delivery.model_validate(
                    {
                        "delivery_id": f"msg_{subscription_id}_{n:02d}",
                        "notice_id": f"{CASE}.{count - n}",
                        "subscription_id": subscription_id,
                        "channel": "webhook",
                        "case_id": CASE,
                        "type": "mufakat.case.overdue" if failed else "mufakat.case.stage_changed",
                        "status": "failed" if failed else "delivered",
                        "attempts": 9 if failed else 2,
                        "next_attempt_at": made,
                        "locked_until": None,
                        "created_at": made,
                        "delivered_at": None if failed else made + timedelta(seconds=30),
                        "last_status_code": 503 if failed else 200,
                        "last_error": "HTTP 503" if failed else None,
                    }
                )
            )
        session.commit()


async def notified(api: Api, role: Role, scope: str | None = None) -> None:
    """A key told by e-mail (one address, a digest) and by a webhook the dispatcher disabled,
    with a delivery log: the page with every part it has (also for the accessibility scan)."""
    await subscribe(
        api, role, scope, "sekretariat@bandungkab.go.id", name="Dra. Siti Rahmawati", digest=True
    )
    # A public address literal: judged without a DNS lookup, never connected to.
    hook = await register_webhook(api, role, scope, "https://93.184.215.14/mufakat/peristiwa")
    disable(api, hook)
    delivered(api, hook, 3)


async def submit(page: Page, button: str) -> int:
    """Click a form's button; the status of the answer the browser lands on."""
    async with page.expect_navigation() as landed:
        await page.get_by_role("button", name=button, exact=True).click()
    answer = await landed.value
    assert answer is not None
    return answer.status


async def test_an_address_is_added_paused_resumed_and_deleted(local: Api, browser: Browser) -> None:
    async with console(local, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(PAGE)
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Notifikasi — kapan giliran Anda"
        )
        await expect(page.locator("#tanpa-surel")).to_be_visible()
        await page.get_by_label("Alamat surel").fill("Sekretariat@BandungKab.go.id")
        await page.get_by_label("Nama penerima (boleh kosong)").fill("Dra. Siti Rahmawati")
        form = page.locator("#tambah-surel")
        boxes = form.locator("input[name=peristiwa]")
        # Every case event, each by its title, chosen to start with.
        await expect(boxes).to_have_count(12)
        for index in range(12):
            await expect(boxes.nth(index)).to_be_checked()
        for label in await form.locator("fieldset label").all_inner_texts():
            if label.strip() not in CHOSEN:
                await form.get_by_label(label.strip(), exact=True).uncheck()
        await page.get_by_label("Ringkasan harian").check()
        assert await submit(page, "Tambah alamat") == 200

        assert page.url.endswith(f"{PAGE}?selesai=ditambah")
        await expect(page.locator("#pemberitahuan")).to_have_text("Alamat surel ditambahkan.")
        rows = page.locator("#daftar-surel tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.locator(".alamat")).to_have_text("Sekretariat@bandungkab.go.id")
        await expect(rows.locator(".nama")).to_have_text("Dra. Siti Rahmawati")
        await expect(rows.locator(".peristiwa")).to_have_text(", ".join(CHOSEN))
        await expect(rows.locator(".ringkasan")).to_have_text("ya")
        await expect(rows.locator(".status")).to_have_text("Aktif")
        [stored] = await email_subscriptions(local, Role.PARTY, BANDUNG)
        assert (stored["address"], stored["events"], stored["digest"], stored["active"]) == (
            "Sekretariat@bandungkab.go.id",
            CHOSEN_TYPES,
            True,
            True,
        )

        assert await submit(page, "Jeda Sekretariat@bandungkab.go.id") == 200
        await expect(page.locator("#pemberitahuan")).to_have_text(
            "Pemberitahuan ke alamat itu dijeda."
        )
        await expect(rows.locator(".status")).to_have_text("Dijeda")
        assert [s["active"] for s in await email_subscriptions(local, Role.PARTY, BANDUNG)] == [
            False
        ]

        assert await submit(page, "Lanjutkan Sekretariat@bandungkab.go.id") == 200
        await expect(rows.locator(".status")).to_have_text("Aktif")
        assert [s["active"] for s in await email_subscriptions(local, Role.PARTY, BANDUNG)] == [
            True
        ]

        # Deleting asks first; the answer "yes" sends the form.
        asked: list[str] = []

        async def accept(dialog: Any) -> None:
            asked.append(dialog.message)
            await dialog.accept()

        page.once("dialog", accept)
        assert await submit(page, "Hapus Sekretariat@bandungkab.go.id") == 200
        assert asked == [
            "Hapus Sekretariat@bandungkab.go.id? Surel tidak lagi dikirim ke alamat itu."
        ]
        await expect(page.locator("#pemberitahuan")).to_have_text("Alamat surel dihapus.")
        await expect(page.locator("#daftar-surel")).to_have_count(0)
    assert await email_subscriptions(local, Role.PARTY, BANDUNG) == []


async def test_a_refused_address_is_explained_beside_its_field_and_nothing_is_stored(
    local: Api, browser: Browser
) -> None:
    async with console(local, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(PAGE)
        await page.get_by_label("Alamat surel").fill("sekretariat bandungkab")
        for box in await page.locator("input[name=peristiwa]").all():
            await box.uncheck()
        assert await submit(page, "Tambah alamat") == 422
        visit.refused_logged("422 (Unprocessable Entity)")

        address = page.get_by_label("Alamat surel")
        await expect(page.locator("#alamat-galat")).to_have_text(
            "Bukan alamat surel (nama@domain.tld)."
        )
        await expect(address).to_have_attribute("aria-invalid", "true")
        await expect(address).to_have_attribute("aria-describedby", "alamat-galat")
        await expect(address).to_have_value("sekretariat bandungkab")
        await expect(page.locator("#peristiwa-galat")).to_have_text(
            "Pilih sekurang-kurangnya satu peristiwa."
        )
        await expect(page.locator("input[name=peristiwa]:checked")).to_have_count(0)
        await expect(page.locator("#tanpa-surel")).to_be_visible()
        assert await email_subscriptions(local, Role.PARTY, BANDUNG) == []
        # The refused form reads well at both sizes, for a screen reader too.
        assert await serious_violations(page) == []
        await screenshots(page, "notifikasi-galat")

        # A key at its limit is told so above the form, and nothing more is stored.
        for n in range(10):
            await subscribe(local, Role.PARTY, BANDUNG, f"petugas{n}@bandungkab.go.id")
        await visit.open(PAGE)
        await page.locator("#tambah-surel summary").click()
        await page.get_by_label("Alamat surel").fill("kesebelas@bandungkab.go.id")
        assert await submit(page, "Tambah alamat") == 409
        visit.refused_logged("409 (Conflict)")
        await expect(page.locator("#galat-surel")).to_have_text(
            "Kunci ini sudah memiliki 10 langganan surel, batasnya; hapus dulu yang tidak dipakai."
        )
        await expect(page.get_by_label("Alamat surel")).to_have_value("kesebelas@bandungkab.go.id")
        await expect(page.locator("#daftar-surel tbody tr")).to_have_count(10)
    assert len(await email_subscriptions(local, Role.PARTY, BANDUNG)) == 10


async def test_a_disabled_webhook_shows_why_and_its_last_deliveries_and_is_enabled_again(
    local: Api, browser: Browser
) -> None:
    url = "http://127.0.0.1:9/mufakat/peristiwa"
    hook = await register_webhook(
        local, Role.PARTY, BANDUNG, url, events=CHOSEN_TYPES, description="Sistem persuratan"
    )
    disable(local, hook)
    delivered(local, hook, 12)
    async with console(local, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(PAGE)
        shown = page.locator(f"#webhook-{hook}")
        await expect(shown.locator("h3")).to_have_text(url)
        await expect(shown.locator(".badge")).to_have_text("Dinonaktifkan")
        await expect(shown.locator(".jumlah-peristiwa")).to_have_text("3 peristiwa")
        await expect(shown.locator(".nonaktif")).to_contain_text(
            "Dinonaktifkan 3 Maret 2026 09.00 WIB karena penerimanya terus gagal menerima. "
            "Gagal sejak 2 Maret 2026 09.00 WIB."
        )
        await expect(shown.locator(".alasan")).to_have_text(REASON)
        # The newest ten of twelve, newest first, each by its title and its case's page.
        rows = shown.locator("table.pengiriman tbody tr")
        await expect(rows).to_have_count(10)
        await expect(rows.first.locator("td")).to_have_text(
            ["Tenggat terlampaui", CASE, "gagal", "9", "503", "3 Maret 2026 09.00 WIB"]
        )
        await expect(rows.nth(1).locator("td")).to_have_text(
            ["Tahap berpindah", CASE, "terkirim", "2", "200", "3 Maret 2026 08.00 WIB"]
        )
        await expect(rows.last.locator("td").last).to_have_text("3 Maret 2026 00.00 WIB")
        await expect(rows.first.get_by_role("link", name=CASE)).to_have_attribute(
            "href", f"/konsol/perkara/{CASE}"
        )
        # Secrets never reach the console.
        assert "whsec_" not in await page.content()

        assert await submit(page, "Aktifkan kembali") == 200
        await expect(page.locator("#pemberitahuan")).to_have_text(
            "Webhook diaktifkan kembali; pengiriman berikutnya dicoba lagi."
        )
        await expect(shown.locator(".badge")).to_have_text("Aktif")
        await expect(shown.locator(".nonaktif")).to_have_count(0)
        await expect(shown.get_by_role("button", name="Aktifkan kembali")).to_have_count(0)
    with Session(local.app.state.engine) as session:
        row = session.get(WebhookSubscription, hook)
        assert row is not None
        assert (row.active, row.disabled_at, row.disabled_reason, row.failing_since) == (
            True,
            None,
            None,
            None,
        )


async def test_a_key_sees_only_its_own_subscriptions(local: Api, browser: Browser) -> None:
    await notified(local, Role.PARTY, BANDUNG)
    bandung_second = await subscribe(local, Role.PARTY, BANDUNG, "bupati@bandungkab.go.id")
    await subscribe(local, Role.PARTY, KOTA_BANDUNG, "setda@bandung.go.id")
    await register_webhook(local, Role.PARTY, KOTA_BANDUNG, "http://127.0.0.1:9/kota")
    async with console(local, browser, Role.PARTY, KOTA_BANDUNG) as visit:
        page = visit.page
        await visit.open(PAGE)
        await expect(page.locator("#daftar-surel tbody tr .alamat")).to_have_text(
            ["setda@bandung.go.id"]
        )
        await expect(page.locator("article.webhook h3")).to_have_text(["http://127.0.0.1:9/kota"])
        await expect(page.locator("article.webhook .jumlah-peristiwa")).to_have_text(
            ["Semua peristiwa perkara"]
        )
        await expect(page.locator("table.pengiriman")).to_have_count(0)
        # Another key's subscription is not there to pause, even by its id.
        token = await page.locator("meta[name=csrf-token]").get_attribute("content")
        assert token is not None
        refused = await page.request.post(
            f"{visit.origin}{PAGE}/surel/{bandung_second}/aktif", form={"csrf": token}
        )
        assert refused.status == 404
        assert "Langganan surel tidak ditemukan" in await refused.text()
    assert [s["active"] for s in await email_subscriptions(local, Role.PARTY, BANDUNG)] == [
        True,
        True,
    ]
    # An administrator's page is its own key's too, not every key's.
    async with console(local, browser, Role.ADMIN) as visit:
        await visit.open(PAGE)
        await expect(visit.page.locator("#tanpa-surel")).to_be_visible()
        await expect(visit.page.locator("#tanpa-webhook")).to_be_visible()


async def test_the_forms_work_without_javascript(local: Api, browser: Browser) -> None:
    async with serving(local.app, lifespan="off") as origin:
        context = await browser.new_context(java_script_enabled=False)
        try:
            page = await context.new_page()
            await sign_in(page, origin, local.token(Role.PARTY, KOTA_BANDUNG))
            await page.goto(origin + PAGE)
            await page.get_by_label("Alamat surel").fill("setda@bandung.go.id")
            assert await submit(page, "Tambah alamat") == 200
            await expect(page.locator("#daftar-surel .peristiwa")).to_have_text(
                "Semua peristiwa perkara"
            )
            assert await submit(page, "Hapus setda@bandung.go.id") == 200
            await expect(page.locator("#pemberitahuan")).to_have_text("Alamat surel dihapus.")
        finally:
            await context.close()
    assert await email_subscriptions(local, Role.PARTY, KOTA_BANDUNG) == []
