"""pedoman.md §9 D10–D11 (2026.2): meetings and their minutes; a deadlock on a party's absence
(or, where the guideline says so, absence as consent); the berita acara behind a deadlock."""

from __future__ import annotations

from typing import Any

from temporalio.testing import WorkflowEnvironment

from models.guidelines import pin, shipped_guideline
from tests.cases import (
    OPERATOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    new_case_id,
    party,
    replays_every_run,
    running_worker,
)
from tests.rev2_paper import BERITA_ACARA, MINUTES, refused
from workflows.starter import case_input, start_case

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
GWPP = gwpp("32")
LETTER: dict[str, Any] = {**BERITA_ACARA, "name": "Surat Tugas.pdf", "doc_type": "surat"}


def _schedule(day: int) -> dict[str, Any]:
    return {
        "at": f"2026-03-{day:02d}T09:00:00+07:00",
        "place": "Ruang Rapat Biro Pemerintahan, Gedung Sate",
        "invitees": [BANDUNG, KOTA_BANDUNG],
        "agenda": "Pembagian biaya operasional TPA",
    }


def _without_kota(meeting: int) -> dict[str, Any]:
    """Kabupaten Bandung sends its representative; Kota Bandung does not come."""
    return {
        "meeting": meeting,
        "attendance": [
            {
                "party": BANDUNG,
                "status": "diwakili",
                "representative": "Kepala DLH Kabupaten Bandung",
                "letter": LETTER,
            },
            {"party": KOTA_BANDUNG, "status": "tidak_hadir"},
        ],
        "decided": "Biaya dibagi 50:50.",
        "document": MINUTES,
    }


async def _in_musyawarah(client: Any, queue: str, *, consent: bool = False) -> CaseDriver:
    case = case_input(case_id=new_case_id(), filing=ksdd_filing(), filed_by=OPERATOR)
    if consent:
        guideline = shipped_guideline("2026.2")
        questions = guideline.open_questions.model_copy(update={"non_attendance_is_consent": True})
        modified = guideline.model_copy(update={"open_questions": questions})
        case = case.model_copy(update={"pinned": pin(modified)})
    driver = CaseDriver(await start_case(client, case, task_queue=queue))
    await driver.act(OPERATOR, "accept_filing")
    await driver.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
    return driver


async def _two_meetings_missed(case: CaseDriver) -> None:
    for number, day in ((1, 9), (2, 16)):
        await case.act(GWPP, "schedule_meeting", **_schedule(day))
        await case.act(GWPP, "record_meeting", **_without_kota(number))


async def test_the_forum_declares_a_deadlock_after_two_missed_meetings(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await _in_musyawarah(client, queue)
        deadlock = {"reason": "Kota Bandung tidak hadir", "absent_party": KOTA_BANDUNG}
        await case.act(GWPP, "schedule_meeting", **_schedule(9))
        await case.act(GWPP, "record_meeting", **_without_kota(1))
        once = await refused(case, GWPP, "declare_deadlock", **deadlock, document=BERITA_ACARA)
        assert once == "missing_confirmation.absences"
        # The forum needs the ground: a party's absence, not any reason.
        no_ground = await refused(
            case, GWPP, "declare_deadlock", reason="x" * 5, document=BERITA_ACARA
        )
        assert no_ground == "bad_payload.deadlock_ground"
        await case.act(OPERATOR, "schedule_meeting", **_schedule(16))
        assert await refused(case, GWPP, "record_meeting", **_without_kota(1)) == (
            "already_done.meeting"
        )
        await case.act(GWPP, "record_meeting", **_without_kota(2))
        moved = await case.act(GWPP, "declare_deadlock", **deadlock, document=BERITA_ACARA)
        assert moved.stage == "gwpp_facilitation"
        view = await case.view()
        assert [(m.number, m.stage, m.absent()) for m in view.meetings] == [
            (1, "musyawarah", [KOTA_BANDUNG]),
            (2, "musyawarah", [KOTA_BANDUNG]),
        ]
        assert view.meetings[0].consent_by_absence == []
        # The minutes and the representative's letter are the case's documents.
        kinds = [d.document.doc_type.value for d in view.documents]
        assert kinds == ["notulen", "surat", "notulen", "surat", "berita_acara"]
        await replays_every_run(client, case.handle.id)


async def test_where_absence_is_consent_the_absent_party_consents_and_no_deadlock_follows(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await _in_musyawarah(client, queue, consent=True)
        await _two_meetings_missed(case)
        view = await case.view()
        assert [m.consent_by_absence for m in view.meetings] == [[KOTA_BANDUNG], [KOTA_BANDUNG]]
        refusal = await refused(
            case,
            GWPP,
            "declare_deadlock",
            reason="Kota Bandung tidak hadir",
            absent_party=KOTA_BANDUNG,
            document=BERITA_ACARA,
        )
        assert refusal == "not_applicable.absence_is_consent"
        await replays_every_run(client, case.handle.id)


async def test_a_deadlock_needs_a_berita_acara_attached_to_the_case(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await _in_musyawarah(client, queue)
        reason = {"reason": "Tidak mufakat tentang pembagian biaya"}
        assert await refused(case, party(BANDUNG), "declare_deadlock", **reason) == (
            "bad_payload.fields"
        )
        sha256 = BERITA_ACARA["sha256"]
        missing = await refused(
            case, party(BANDUNG), "declare_deadlock", **reason, berita_acara_sha256=sha256
        )
        assert missing == "bad_payload.berita_acara"
        await case.act(party(BANDUNG), "attach_document", **BERITA_ACARA)
        moved = await case.act(
            party(BANDUNG), "declare_deadlock", **reason, berita_acara_sha256=sha256
        )
        assert moved.stage == "gwpp_facilitation"
        # Closing the GWPP's facilitation needs one too.
        closing = {"reason": "Fasilitasi tidak mencapai kesepakatan"}
        assert await refused(case, GWPP, "close_without_agreement", **closing) == (
            "bad_payload.fields"
        )
        closed = await case.act(GWPP, "close_without_agreement", **closing, document=BERITA_ACARA)
        assert closed.stage == "gwpp_decision"
        await replays_every_run(client, case.handle.id)
