"""What guideline 2026.2 (pedoman.md §9) adds to the console, in a real browser against real
Temporal: a case's meetings scheduled and recorded by their forms (D10), each responding party's
response and the party that withdrew (D3, D4), an addressed, confidential legal-opinion thread
and its disclosure (D6, D7), and the filing form's request letter (D12); and, without a browser,
the meeting's time read in the conducting office's zone, a provisional deadline's years (D19),
a stage that only reminds (D15) and a decision's finality (D13)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from api.konsol.action_forms import CaseChoices, Choice, action_form, payload_from_form
from api.konsol.case_record import payload_lines
from api.konsol.clocks import provisional
from api.konsol.filing_check import FormInvalid, to_filing
from api.konsol.filing_form import FilingForm
from api.konsol.render import tanggal
from api.schemas import DeadlinePublic
from models.pedoman import PayloadKind
from models.roles import Role
from tests.api_harness import Api, Step, ksdd_filing_json, ksdpk_filing_json
from tests.konsol.console import ON_SQLITE, console, serious_violations
from tests.konsol.test_ajukan import fill_dispute, party_row, pick_region

BANDUNG, KOTA_BANDUNG, BANDUNG_BARAT, CIMAHI = "32.04", "32.73", "32.17", "32.77"
ACCEPTED: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPONDED: Step = (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"})
CASE_PAGE = re.compile(r"/konsol/perkara/(PKD-\d{4}-\d{6})\?diajukan=1$")


def form_of(page: Page, action: str) -> Locator:
    return page.locator("details.action-form").filter(
        has=page.locator(f"summary:text-is('{action}')")
    )


async def opened(page: Page, action: str) -> Locator:
    form = form_of(page, action)
    if await form.get_attribute("open") is None:
        await form.locator("summary").click()
    return form


async def submit(page: Page, form: Locator, action: str) -> None:
    """Click the form's button and wait for the notice that the action was accepted."""
    async with page.expect_response(lambda r: r.url.endswith("/tindakan")) as answered:
        await form.get_by_role("button", name=action, exact=True).click()
    assert (await answered.value).status == 200, await (await answered.value).text()
    await expect(page.locator("#pemberitahuan")).to_have_text(f"Tindakan «{action}» diterima.")


async def api_case(
    api: Api, case_id: str, role: Role = Role.OPERATOR, scope: str | None = None
) -> dict[str, Any]:
    answer = await api.get(f"/v1/cases/{case_id}", role, scope)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def region(code: str, side: str, name: str) -> dict[str, Any]:
    kind = "kota" if int(code[3:]) >= 71 else "kabupaten"
    return {"kind": kind, "side": side, "region_code": code, "name": name}


@ON_SQLITE
async def test_a_meeting_is_scheduled_then_recorded_with_its_attendance_and_minutes(
    api: Api, browser: Browser
) -> None:
    case_id = await api.case(ACCEPTED, RESPONDED)
    uploaded = await api.upload(
        case_id,
        b"%PDF-1.4\n% Notulen rapat musyawarah I\n",
        filename="notulen-1.pdf",
        doc_type="notulen",
    )
    assert uploaded.status_code == 201, uploaded.text
    minutes: str = uploaded.json()["document"]["sha256"]
    async with console(api, browser, Role.OPERATOR) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        meetings = page.locator("#rapat")
        await expect(meetings).to_contain_text("Belum ada rapat yang dijadwalkan.")

        form = await opened(page, "Jadwalkan rapat")
        # Typed in the zone of the office conducting the stage, and said so.
        await expect(form).to_contain_text("Waktu setempat kantor yang menangani tahap ini (WIB).")
        await form.get_by_label("Tanggal dan jam rapat").fill("2027-01-12T09:30")
        await form.get_by_label("Tempat rapat").fill("Ruang Rapat Biro Pemerintahan, Gedung Sate")
        await form.get_by_label("Pemda 32.04").check()
        await form.get_by_label("Pemda 32.73").check()
        await form.get_by_label("Instansi lain yang diundang").fill("Biro Hukum Setda Jawa Barat")
        await form.get_by_label("Acara rapat").fill("Pembahasan pembagian biaya operasional TPA.")
        await submit(page, form, "Jadwalkan rapat")

        first = meetings.locator("#rapat-1")
        await expect(meetings.locator("h3")).to_have_text(["Musyawarah untuk mufakat"])
        await expect(first).to_contain_text("Dijadwalkan")
        await expect(first.locator("time")).to_have_text("12 Januari 2027 09.30 WIB")
        await expect(first).to_contain_text("Ruang Rapat Biro Pemerintahan, Gedung Sate")
        await expect(first).to_contain_text("Pemda 32.04, Pemda 32.73, Biro Hukum Setda Jawa Barat")

        form = await opened(page, "Catat hasil rapat")
        await form.get_by_label("Nomor rapat yang dijadwalkan").select_option(
            label="Rapat 1: 12 Januari 2027 09.30 WIB — Pembahasan pembagian biaya operasional TPA."
        )
        rows = form.locator(".attendance-row")
        await expect(rows).to_have_count(2)
        await rows.nth(0).get_by_label("Kehadiran").select_option(label="Hadir")
        await rows.nth(1).get_by_label("Kehadiran").select_option(label="Tidak hadir")
        await form.get_by_label("Yang disepakati atau diputuskan rapat").fill(
            "Rapat ditunda; Kota Bandung diundang kembali."
        )
        await form.get_by_label("Notulen atau berita acara rapat").select_option(minutes)
        await submit(page, form, "Catat hasil rapat")

        await expect(first).to_contain_text("Tercatat")
        attendance = first.locator("table.attendance-table tbody tr")
        await expect(attendance).to_have_text(
            [re.compile("Pemda 32.04\\s*Hadir"), re.compile("Pemda 32.73\\s*Tidak hadir")]
        )
        link = first.get_by_role("link", name="notulen-1.pdf")
        await expect(link).to_have_attribute("href", f"/konsol/perkara/{case_id}/dokumen/{minutes}")
        await expect(first).to_contain_text("Rapat ditunda; Kota Bandung diundang kembali.")
        # Every meeting recorded: none is left to record.
        assert await serious_violations(page) == []

    recorded = (await api_case(api, case_id))["meetings"]
    assert [(m["number"], m["at"], m["minutes"]["sha256"]) for m in recorded] == [
        (1, "2027-01-12T09:30:00+07:00", minutes)
    ]
    assert [(a["party"], a["status"]) for a in recorded[0]["attendance"]] == [
        (BANDUNG, "hadir"),
        (KOTA_BANDUNG, "tidak_hadir"),
    ]
    assert recorded[0]["invitees"] == [BANDUNG, KOTA_BANDUNG, "Biro Hukum Setda Jawa Barat"]


@ON_SQLITE
async def test_each_responding_partys_response_and_a_withdrawn_party_are_shown(
    api: Api, browser: Browser
) -> None:
    filing = ksdd_filing_json()
    filing["parties"] = [
        region(BANDUNG, "requesting", "Kabupaten Bandung"),
        region(BANDUNG_BARAT, "requesting", "Kabupaten Bandung Barat"),
        region(KOTA_BANDUNG, "responding", "Kota Bandung"),
        region(CIMAHI, "responding", "Kota Cimahi"),
    ]
    case_id = await api.case(ACCEPTED, RESPONDED, filing=filing)
    async with console(api, browser, Role.PARTY, BANDUNG_BARAT) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        responses = page.locator(".responses")
        await expect(responses.locator("h3")).to_have_text(
            "Tanggapan para pihak (Pemberitahuan dan tanggapan)"
        )
        await expect(responses.locator("li")).to_have_text(
            [
                re.compile(r"^Kota Bandung: Menanggapi \d+ \w+ \d{4} \d\d\.\d\d WIB$"),
                "Kota Cimahi: Belum menanggapi",
            ]
        )
        # One of two requesting parties withdraws: the case goes on without it (D4).
        form = await opened(page, "Cabut permohonan")
        await form.get_by_label("Alasan").fill("Kabupaten Bandung Barat menyelesaikan sendiri.")
        await submit(page, form, "Cabut permohonan")
        await expect(page.locator(".case-state")).to_contain_text("Pemberitahuan dan tanggapan")
        withdrawn = page.locator(".withdrawals li")
        await expect(withdrawn).to_have_count(1)
        await expect(withdrawn).to_contain_text("Kabupaten Bandung Barat")
        await expect(withdrawn).to_contain_text("tahap Pemberitahuan dan tanggapan")
        barat = page.locator("ul.parties > li").filter(has_text="Kabupaten Bandung Barat")
        await expect(barat.locator(".badge")).to_have_text(["Pemohon", "Mencabut"])

    # Kota Cimahi answers too: every responding party has, the case moves on, and the page
    # keeps who answered.
    answered = await api.act(case_id, Role.PARTY, CIMAHI, "submit_response", summary="Menolak.")
    assert answered.status_code == 200, answered.text
    await api.settled(case_id)
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        await visit.open(f"/konsol/perkara/{case_id}")
        lines = visit.page.locator(".responses li")
        await expect(lines).to_have_count(2)
        await expect(lines.nth(1)).to_contain_text("Kota Cimahi: Menanggapi")
        await expect(visit.page.locator(".case-state")).to_contain_text("Musyawarah untuk mufakat")
    body = await api_case(api, case_id)
    assert [(r["party"], r["action"]) for r in body["responses"]] == [
        (KOTA_BANDUNG, "submit_response"),
        (CIMAHI, "submit_response"),
    ]
    assert [w["party"] for w in body["withdrawals"]] == [BANDUNG_BARAT]


@ON_SQLITE
async def test_an_addressed_legal_opinion_is_confidential_until_its_requester_discloses_it(
    api: Api, browser: Browser
) -> None:
    case_id = await api.case(ACCEPTED, RESPONDED)
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        form = await opened(page, "Minta pendapat hukum Kejaksaan")
        await form.get_by_label("Pertanyaan hukum").fill(
            "Apakah PKS/12/2024 tetap mengikat setelah pergantian kepala daerah?"
        )
        await form.get_by_label(
            "Kejari (kode kabupaten/kota), Kejati (kode provinsi) atau JAM Datun"
        ).select_option(label="Kejaksaan Tinggi")
        await form.get_by_label("Kode wilayah kantor itu; kosong untuk JAM Datun").fill("32")
        await submit(page, form, "Minta pendapat hukum Kejaksaan")
        thread = page.locator("ul.threads > li")
        await expect(thread).to_have_count(1)
        await expect(thread).to_contain_text("Ditujukan kepada Kejaksaan Tinggi Jawa Barat")
        await expect(thread.locator(".confidential")).to_have_text(
            "Rahasia — hanya pemohon, kejaksaan yang dituju, forum, operator dan auditor"
        )

    # The other party sees no trace of it (the service filters; the page shows what it gets).
    async with console(api, browser, Role.PARTY, KOTA_BANDUNG) as visit:
        await visit.open(f"/konsol/perkara/{case_id}")
        panel = visit.page.locator("section[aria-labelledby=h-pendapat]")
        await expect(panel).to_contain_text("Belum ada permohonan pendapat hukum.")
        await expect(visit.page.locator("main")).not_to_contain_text("pergantian kepala daerah")

    answered = await api.act(
        case_id,
        Role.PROSECUTOR,
        "32",
        "submit_legal_opinion",
        thread=1,
        opinion="PKS tetap mengikat; pergantian kepala daerah tidak mengakhirinya.",
    )
    assert answered.status_code == 200, answered.text
    await api.settled(case_id)
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open(f"/konsol/perkara/{case_id}")
        form = await opened(page, "Buka pendapat hukum kepada para pihak")
        await form.get_by_label("Nomor utas pendapat hukum").select_option(
            label="Utas 1: Apakah PKS/12/2024 tetap mengikat setelah pergantian kepala daerah?"
        )
        await submit(page, form, "Buka pendapat hukum kepada para pihak")
        thread = page.locator("ul.threads > li")
        await expect(thread.locator(".disclosed")).to_contain_text("Dibuka kepada para pihak")
        await expect(thread.locator(".confidential")).to_have_count(0)

    async with console(api, browser, Role.PARTY, KOTA_BANDUNG) as visit:
        await visit.open(f"/konsol/perkara/{case_id}")
        thread = visit.page.locator("ul.threads > li")
        await expect(thread).to_contain_text("PKS tetap mengikat")
        await expect(thread).to_contain_text("Ditujukan kepada Kejaksaan Tinggi Jawa Barat")
        await expect(thread.locator(".disclosed")).to_contain_text("Dibuka kepada para pihak")


@ON_SQLITE
async def test_the_filing_form_asks_for_the_request_letter_and_files_it(
    api: Api, browser: Browser
) -> None:
    async with console(api, browser, Role.PARTY, BANDUNG) as visit:
        page = visit.page
        await visit.open("/konsol/ajukan")
        await pick_region(
            party_row(page, "responding"), "kota band", "Kota Bandung (32.73), Jawa Barat"
        )
        await fill_dispute(page, pks="PKS/12/2024", subject="Pembagian biaya", letter=False)
        # Chromium logs the 422 as a console error a moment after the answer: wait for both.
        async with (
            page.expect_console_message(lambda m: "422" in m.text),
            page.expect_response(lambda r: r.url.endswith("/konsol/ajukan")) as answered,
        ):
            await page.get_by_role("button", name="Ajukan perkara", exact=True).click()
        assert (await answered.value).status == 422
        visit.refused_logged("422 (Unprocessable Entity)")
        # Each missing part is said at its field and in the summary, like every other field.
        for label in (
            "Nomor surat permohonan",
            "Tanggal surat permohonan",
            "Nama penanda tangan",
            "Jabatan penanda tangan",
        ):
            field = page.get_by_label(label)
            await expect(field).to_have_attribute("aria-invalid", "true")
            await expect(page.locator("#ringkasan-galat")).to_contain_text(label)
        await expect(page.locator("#galat-f-request_letter-number")).to_have_text("Wajib diisi.")
        assert await serious_violations(page) == []

        await page.get_by_label("Nomor surat permohonan").fill("000.1.5/123/Pem")
        await page.get_by_label("Tanggal surat permohonan").fill("2026-02-02")
        await page.get_by_label("Nama penanda tangan").fill("Drs. H. Asep Sunandar")
        await page.get_by_label("Jabatan penanda tangan").fill("Sekretaris Daerah")
        await page.get_by_label("Ditandatangani a.n./u.b.").select_option(label="a.n. (atas nama)")
        await page.get_by_label("Pejabat yang diwakili").fill("Bupati Bandung")
        await page.get_by_role("button", name="Ajukan perkara", exact=True).click()
        await page.wait_for_url(CASE_PAGE)
        found = CASE_PAGE.search(page.url)
        assert found is not None
        # The case page names it among the filing's facts.
        await expect(page.locator(".request-letter")).to_have_text(
            "000.1.5/123/Pem, 2 Februari 2026 — Drs. H. Asep Sunandar, Sekretaris Daerah, "
            "a.n. Bupati Bandung"
        )
    filed = await api_case(api, found.group(1))
    assert filed["request_letter"] == {
        "number": "000.1.5/123/Pem",
        "date": "2026-02-02",
        "signatory": {
            "name": "Drs. H. Asep Sunandar",
            "position": "Sekretaris Daerah",
            "delegation": "a.n.",
            "for_official": "Bupati Bandung",
        },
    }


# ---------------------------------------------------------------- without a browser


def test_a_meetings_time_is_read_in_the_conducting_offices_zone() -> None:
    parties = (Choice("51.03", "Kabupaten Badung"), Choice("51.71", "Kota Denpasar"))
    case = CaseChoices(parties=parties, timezone="Asia/Makassar", zone="WITA")
    form = action_form(
        action="schedule_meeting",
        label="Jadwalkan rapat",
        description="",
        payload_kind=PayloadKind.MEETING_SCHEDULE,
        on_own_behalf=True,
        on_behalf_of=(),
        case=case,
    )
    at = next(f for f in form.fields if f.path == "at")
    assert (at.widget, at.help) == (
        "datetime",
        "Waktu setempat kantor yang menangani tahap ini (WITA).",
    )
    sent = {
        "isian.at": ["2027-01-12T09:30"],
        "isian.place": ["Kantor Gubernur Bali"],
        # Checked parties, then the offices typed beside them; a party typed again counts once.
        "isian.invitees": ["51.03", "51.71", "Biro Pemerintahan Setda Bali\n51.03\n"],
        "isian.agenda": ["Pembagian retribusi parkir."],
    }
    assert payload_from_form(form.fields, sent, case) == {
        "at": "2027-01-12T09:30:00+08:00",
        "place": "Kantor Gubernur Bali",
        "invitees": ["51.03", "51.71", "Biro Pemerintahan Setda Bali"],
        "agenda": "Pembagian retribusi parkir.",
    }


def _deadline(years: list[int]) -> DeadlinePublic:
    due = datetime(2027, 1, 20, 17, tzinfo=UTC)
    return DeadlinePublic(
        clock="stage",
        stage="musyawarah",
        due_at=due,
        due_local=due,
        due_date_local=date(2027, 1, 20),
        zone="WIB",
        timezone="Asia/Jakarta",
        limit="30HKal",
        day_type="HKal",
        calendar_version="holidays-0.109",
        provisional=bool(years),
        provisional_years=years,
        overdue=False,
        paused=False,
    )


@pytest.mark.parametrize(
    ("years", "said"),
    [
        ([], ""),
        ([2027], "Tanggal sementara: hari libur dan cuti bersama tahun 2027 belum pasti."),
        (
            [2027, 2028],
            "Tanggal sementara: hari libur dan cuti bersama tahun 2027, 2028 belum pasti.",
        ),
    ],
)
def test_a_provisional_deadline_names_its_years(years: list[int], said: str) -> None:
    assert provisional(_deadline(years)) == said


@ON_SQLITE
async def test_a_stage_without_a_limit_shows_its_next_monitoring_reminder(
    api: Api, browser: Browser
) -> None:
    responded: Step = (Role.PARTY, "NIB-8120000000001", "submit_response", {"summary": "Menolak."})
    case_id = await api.case(ACCEPTED, responded, filing=ksdpk_filing_json("court"))
    berita_acara = await api.upload(case_id, b"%PDF-1.4\n% BA musyawarah\n", scope="32.73")
    assert berita_acara.status_code == 201, berita_acara.text
    deadlock = await api.act(
        case_id,
        Role.PARTY,
        "32.73",
        "declare_deadlock",
        reason="Tidak ada titik temu.",
        berita_acara_sha256=berita_acara.json()["document"]["sha256"],
    )
    assert deadlock.status_code == 200, deadlock.text
    await api.settled(case_id)
    body = await api_case(api, case_id)
    assert (body["stage"], body["deadline"]) == ("lawsuit_filing", None)
    async with console(api, browser, Role.PARTY, "32.73") as visit:
        await visit.open(f"/konsol/perkara/{case_id}")
        await expect(visit.page.locator("section.now .monitoring")).to_have_text(
            "Tanpa batas waktu — pengingat pemantauan berikutnya: "
            f"{tanggal(body['monitor_at'])} (setiap 90 hari kalender)"
        )


@ON_SQLITE
async def test_a_gwpp_decision_open_to_objection_says_so_next_to_the_outcome(
    api: Api, browser: Browser
) -> None:
    case_id = await api.case(ACCEPTED, RESPONDED)
    berita_acara = await api.attached(case_id, b"%PDF-1.4\n% BA musyawarah buntu\n")
    steps: list[tuple[Role, str | None, str, dict[str, Any]]] = [
        (Role.PARTY, BANDUNG, "declare_deadlock", {"reason": "Buntu tiga kali."}),
        (Role.GWPP, "32", "close_without_agreement", {"reason": "Fasilitasi tanpa kesepakatan."}),
    ]
    for role, scope, action, payload in steps:
        taken = await api.act(
            case_id, role, scope, action, berita_acara_sha256=berita_acara, **payload
        )
        assert taken.status_code == 200, taken.text
    decision = await api.upload(
        case_id, b"%PDF-1.4\n% Keputusan Gubernur\n", Role.GWPP, "32", doc_type="keputusan"
    )
    assert decision.status_code == 201, decision.text
    issued = await api.act(
        case_id,
        Role.GWPP,
        "32",
        "issue_decision",
        legal_form="keputusan_gubernur_wpp",
        number="100.3.3.2/Kep.45-Pem/2026",
        date="2026-12-01",
        signatory={"name": "Bey Machmudin", "position": "Gubernur Jawa Barat"},
        summary="Biaya operasional TPA dibagi 50:50.",
        document=decision.json()["document"],
    )
    assert issued.status_code == 200, issued.text
    await api.settled(case_id)
    assert (await api_case(api, case_id))["finality"] == "open_to_objection"
    async with console(api, browser, Role.PARTY, KOTA_BANDUNG) as visit:
        await visit.open(f"/konsol/perkara/{case_id}")
        await expect(visit.page.locator(".case-finality")).to_have_text(
            "Hasil perkara: Keputusan GWPP Masa keberatan terbuka"
        )


def test_the_timeline_writes_a_decision_and_an_attendance_in_words() -> None:
    decision = {
        "legal_form": "keputusan_gubernur_wpp",
        "number": "100.3.3.2/Kep.45-Pem/2026",
        "signatory": {
            "name": "Drs. H. Asep Sunandar",
            "position": "Sekretaris Daerah",
            "delegation": "a.n.",
            "for_official": "Gubernur Jawa Barat",
        },
    }
    assert dict(payload_lines(PayloadKind.FORMAL_DECISION, decision)) == {
        "Keputusan Gubernur selaku Wakil Pemerintah Pusat atau Keputusan Menteri Dalam Negeri": (
            "Keputusan Gubernur selaku Wakil Pemerintah Pusat"
        ),
        "Nomor keputusan": "100.3.3.2/Kep.45-Pem/2026",
        "Penandatangan": "Drs. H. Asep Sunandar, Sekretaris Daerah, a.n. Gubernur Jawa Barat",
    }
    record = {
        "meeting": 1,
        "attendance": [
            {"party": BANDUNG, "status": "hadir"},
            {"party": KOTA_BANDUNG, "status": "tidak_hadir"},
        ],
    }
    assert dict(payload_lines(PayloadKind.MEETING_RECORD, record))["Kehadiran setiap pihak"] == (
        "32.04: Hadir; 32.73: Tidak hadir"
    )


def test_a_letter_signed_for_someone_names_whom() -> None:
    form = FilingForm(
        values={
            "request_letter.signatory.delegation": "a.n.",
            "request_letter.signatory.for_official": "",
        }
    )
    with pytest.raises(FormInvalid) as invalid:
        to_filing(form)
    assert invalid.value.errors["request_letter.signatory.for_official"] == [
        "Isi pejabat yang diwakili (a.n./u.b.)."
    ]
