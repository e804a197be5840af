"""The audit view in a real browser: the trail and its hash chain, the verify button and its
report, the export download (the CLI's format, verifying offline), and the API's refusals."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

from playwright.async_api import Browser, Page
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.services.offline import verify_export
from models.roles import Role
from models.tables import AuditEntry
from tests.api_harness import Api, Step
from tests.conftest import run_mufakat_audit
from tests.konsol.console import ON_SQLITE, another, console, screenshots, serious_violations

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
STEPS: list[Step] = [
    (Role.OPERATOR, None, "accept_filing", {}),
    (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"}),
    (Role.OPERATOR, None, "add_note", {"text": "Rapat musyawarah dijadwalkan"}),
]
REFUSED = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"
# Files each case has in an export (audit/export.py), besides the archive's own.
CASE_FILES = ("history.json", "trail.json", "documents.json")
# The CLI reads the SQLite file the test's app writes; PostgreSQL adds nothing here.
pytestmark = ON_SQLITE


async def trail_shown(page: Page) -> list[list[str]]:
    """The trail's rows as shown: number, action, hash prefix."""
    rows: list[list[str]] = await page.eval_on_selector_all(
        "table.jejak tbody tr",
        """(rows) => rows.map((row) => [row.querySelector("th").textContent.trim(),
            row.querySelector("td code").textContent.trim(),
            row.querySelector("td:last-child code").textContent.trim()])""",
    )
    return rows


def unpacked(path: Path, top: str) -> dict[str, bytes]:
    """An export's files by their path under its top folder."""
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as packed:
        for member in packed.getmembers():
            assert member.isfile() and member.name.startswith(f"{top}/"), member.name
            extracted = packed.extractfile(member)
            assert extracted is not None
            files[member.name.removeprefix(f"{top}/")] = extracted.read()
    return files


async def test_auditor_sees_the_chain_verifies_and_exports(
    api: Api, browser: Browser, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    case_id = await api.case(*STEPS)
    served = (await api.get(f"/v1/cases/{case_id}/audit", Role.AUDITOR)).json()
    async with console(api, browser, Role.AUDITOR) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}/audit")
        # The filing and the three actions, as the API serves them, with a whole chain.
        assert await trail_shown(page) == [
            [str(entry["seq"]), entry["action"], entry["entry_hash"][:12] + "…"]
            for entry in served["entries"]
        ]
        assert [row[1] for row in await trail_shown(page)] == [
            "file_case",
            "accept_filing",
            "submit_response",
            "add_note",
        ]
        status = await page.locator("#status-rantai").inner_text()
        assert "Rantai utuh." in status and "4 entri" in status
        assert served["entries"][-1]["entry_hash"] in status

        # Verify: the report replaces nothing else on the page, check by check as the API's.
        await page.get_by_role("button", name="Verifikasi").click()
        report = page.locator("#laporan article")
        await report.wait_for()
        assert "semua pemeriksaan lolos" in await report.locator("h3").inner_text()
        verified = (
            await api.client.post(f"/v1/cases/{case_id}/verify", headers=api.headers(Role.AUDITOR))
        ).json()
        assert verified["ok"] is True
        for check in verified["checks"]:
            row = report.locator(f"#periksa-{check['name']}")
            assert (await row.locator(".badge").inner_text()) == "Lolos", check
        assert await report.locator(".pemeriksaan > li").count() == len(verified["checks"])
        assert await serious_violations(page) == []
        await screenshots(page, "audit")

        # The export: what the CLI writes for the case, and it verifies offline as trusted.
        async with page.expect_download() as started:
            await page.get_by_role("button", name="Unduh ekspor").click()
        download = await started.value
        name = download.suggested_filename
        assert name.startswith(f"mufakat-audit-{case_id}-") and name.endswith(".tar.gz")
        downloaded = tmp_path / name
        await download.save_as(downloaded)
    from_cli = tmp_path / "cli.tar.gz"
    cli = await run_mufakat_audit(
        api.app.state.settings,
        dev_env.client.service_client.config.target_host,
        "export",
        case_id,
        "--archive",
        str(from_cli),
    )
    assert cli.returncode == 0, cli.stderr
    console_files = await asyncio.to_thread(unpacked, downloaded, name.removesuffix(".tar.gz"))
    cli_files = await asyncio.to_thread(unpacked, from_cli, "cli")
    assert console_files.keys() == cli_files.keys()
    for file in CASE_FILES:
        assert console_files[f"{case_id}/{file}"] == cli_files[f"{case_id}/{file}"], file
    key_id = (await api.get("/v1/audit/public-key", Role.AUDITOR)).json()["key_id"]
    offline = await verify_export(downloaded, trusted=None, trusted_key_id=key_id)
    assert offline.ok and offline.trust.verdict == "trusted", offline


async def test_an_edited_entry_breaks_the_chain_on_screen(api: Api, browser: Browser) -> None:
    case_id = await api.case(*STEPS)

    def edit() -> None:
        with Session(api.app.state.engine) as session:
            entry = session.exec(
                select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.seq == 4)
            ).one()
            entry.payload = {**entry.payload, "text": "Tidak ada rapat"}
            session.add(entry)
            session.commit()

    await asyncio.to_thread(edit)
    async with console(api, browser, Role.AUDITOR) as visit:
        await visit.open(f"/konsol/perkara/{case_id}/audit")
        status = visit.page.locator("#status-rantai")
        assert "Rantai rusak." in await status.inner_text()
        assert await status.locator("li").all_inner_texts() == [
            "entri 4: isinya tidak lagi cocok dengan hash-nya (telah diubah)"
        ]
        # Verified from a browser that runs no script: the form posts, the page comes back
        # whole with the report.
        signed_in = await visit.page.context.storage_state()
        plain = await browser.new_context(java_script_enabled=False, storage_state=signed_in)
        try:
            page = await plain.new_page()
            await page.goto(visit.origin + f"/konsol/perkara/{case_id}/audit")
            async with page.expect_navigation():
                await page.get_by_role("button", name="Verifikasi").click()
            report = page.locator("#laporan article")
            assert "ada pemeriksaan yang gagal" in await report.locator("h3").inner_text()
            chain = report.locator("#periksa-chain")
            assert await chain.locator(".badge").inner_text() == "Gagal"
            assert await chain.locator("ul[lang=en] li").count() == 1
            # The trail no longer says what the history does, either.
            failed = await report.locator("li:has(> .badge.overdue)").evaluate_all(
                "(items) => items.map((item) => item.id)"
            )
            assert failed == ["periksa-chain", "periksa-trail"], await report.inner_text()
        finally:
            await plain.close()


async def test_who_may_open_verify_and_export(api: Api, browser: Browser) -> None:
    """The page answers as `GET /v1/cases/{id}/audit` does; verifying and exporting are for
    auditors and administrators, refused in Indonesian otherwise."""
    case_id = await api.case(*STEPS)
    path = f"/konsol/perkara/{case_id}/audit"
    async with console(api, browser, Role.OPERATOR) as visit:
        await visit.open(path)
        assert await visit.page.locator("table.jejak tbody tr").count() == 4
        assert await visit.page.get_by_role("button", name="Verifikasi").count() == 0
        note = await visit.page.locator(".catatan-peran").inner_text()
        assert note == "Verifikasi dan ekspor hanya untuk auditor dan administrator."
        # Sent anyway, with the session's CSRF token: refused, as the API refuses it.
        token = await visit.page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token
        refused = await visit.page.request.post(
            visit.origin + path + "/verifikasi",
            headers={"X-CSRF-Token": token, "HX-Request": "true"},
        )
        assert refused.status == 403
        assert "perkara diverifikasi oleh auditor atau admin, bukan oleh operator" in (
            await refused.text()
        )
        exported = await visit.page.request.get(visit.origin + path + "/ekspor")
        assert exported.status == 403 and "text/html" in exported.headers["content-type"]

        for scope, status in ((BANDUNG, 200), ("35.78", 403)):
            api_status = (
                await api.get(f"/v1/cases/{case_id}/audit", Role.PARTY, scope)
            ).status_code
            assert api_status == status
            async with another(visit, api, Role.PARTY, scope) as party:
                answer = await party.page.goto(party.origin + path)
                assert answer is not None and answer.status == status
                if status == 403:
                    problem = await party.page.locator("article.problem p").first.inner_text()
                    assert problem == f"perkara {case_id} di luar cakupan kunci ini (party 35.78)"
                    # The browser logs the refused page's status; that one error is expected.
                    party.offline.console_errors.remove(REFUSED)
        missing = await visit.page.goto(visit.origin + "/konsol/perkara/PKD-2026-999999/audit")
        assert missing is not None and missing.status == 404
        visit.offline.console_errors.remove(NOT_FOUND)
