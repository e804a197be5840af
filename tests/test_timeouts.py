"""Limits expiring under time skipping: every timeout rule fires, reminders go out, clocks move."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case import DisputeRoute
from models.state import CaseView, EntryKind
from tests.cases import (
    ADJUDICATOR,
    MINISTER,
    OPERATOR,
    PROSECUTOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    ksdpk_filing,
    party,
    replays_every_run,
    running_worker,
)
from tests.rev2_paper import BERITA_ACARA, formal_decision

BANDUNG, KOTA_BANDUNG, COMPANY = "32.04", "32.73", "NIB-8120000000001"


def days(n: int) -> timedelta:
    return timedelta(days=n)


async def sleep_past_due(env: WorkflowEnvironment, case: CaseDriver) -> None:
    """Skip time to just after the running stage's due instant."""
    view = await case.view()
    assert view.clock is not None
    remaining = view.clock.deadline.due_at - await env.get_current_time()
    await env.sleep(remaining + timedelta(hours=1))


def kinds(view: CaseView, kind: EntryKind) -> list[str]:
    return [entry.detail for entry in view.timeline if entry.kind is kind]


async def test_intake_overdue_with_reminders_at_50_and_80_percent(
    skipping_env: WorkflowEnvironment,
) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await CaseDriver.file(skipping_env.client, queue, ksdd_filing())
        await skipping_env.sleep(days(20))
        view = await case.view()
        assert view.stage == "intake" and view.overdue
        assert view.clock is not None and sorted(view.clock.reminders_sent) == [50, 80]
        assert kinds(view, EntryKind.OVERDUE) == ["stage intake is overdue"]
        # Overdue is a flag, not a dead end: the operator can still act.
        assert (await case.act(OPERATOR, "accept_filing")).stage == "notice"


async def test_completion_timeout_closes_incomplete(skipping_env: WorkflowEnvironment) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await CaseDriver.file(skipping_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "request_completion", missing=["salinan PKS"])
        await skipping_env.sleep(days(30))
        view = await case.handle.result()
        assert view.closing_state == "incomplete"
        await replays_every_run(skipping_env.client, case.handle.id)


async def test_ksdd_timeouts_walk_to_the_minister_decision(
    skipping_env: WorkflowEnvironment,
) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await CaseDriver.file(skipping_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "accept_filing")
        # No response within 14 HK: the case proceeds and the silent party is named (D3).
        await skipping_env.sleep(days(30))
        view = await case.view()
        assert view.stage == "musyawarah" and view.recorded["no_response"] == KOTA_BANDUNG
        # Each limit expires in turn: 30 HKal, 30 HK, 10 HK (GWPP could not resolve), 30 HK.
        for stage in (
            "gwpp_facilitation",
            "gwpp_decision",
            "minister_facilitation",
            "minister_decision",
        ):
            await sleep_past_due(skipping_env, case)
            assert (await case.view()).stage == stage
        await skipping_env.sleep(days(25))
        view = await case.view()
        assert view.stage == "minister_decision" and view.overdue
        decision = formal_decision("keputusan_mendagri")
        decided = await case.act(MINISTER, "issue_decision", **decision)
        assert decided.stage == "implementation"
        # Timers, activities and updates interleaved: the history must still replay.
        await replays_every_run(skipping_env.client, case.handle.id)


async def test_failed_mediation_timeout_follows_the_clause(
    skipping_env: WorkflowEnvironment,
) -> None:
    async with running_worker(skipping_env.client) as queue:
        # Revision 2 (D14, D15): arbitration starts with the tribunal, the court with a lawsuit.
        for arbitration, expected in ((True, "tribunal_formation"), (False, "lawsuit_filing")):
            filing = ksdpk_filing(DisputeRoute.MEDIATION, arbitration=arbitration)
            case = await CaseDriver.file(skipping_env.client, queue, filing)
            await case.act(OPERATOR, "accept_filing")
            await case.act(party(COMPANY), "submit_response", summary="Tanggapan")
            await skipping_env.sleep(days(20))  # 14 HKal of musyawarah
            assert (await case.view()).stage == "adr_mediation"
            await skipping_env.sleep(days(20))  # 14 HKal with the chosen mediator
            assert (await case.view()).stage == expected


async def test_agreement_sets_its_own_musyawarah_period(skipping_env: WorkflowEnvironment) -> None:
    async with running_worker(skipping_env.client) as queue:
        filing = ksdpk_filing(DisputeRoute.COURT, musyawarah_days=45)
        case = await CaseDriver.file(skipping_env.client, queue, filing)
        await case.act(OPERATOR, "accept_filing")
        result = await case.act(party(COMPANY), "submit_response", summary="Tanggapan")
        assert result.deadline is not None and str(result.deadline.limit) == "45HKal"
        await skipping_env.sleep(days(30))
        assert (await case.view()).stage == "musyawarah"
        await replays_every_run(skipping_env.client, case.handle.id)
        await skipping_env.sleep(days(20))
        assert (await case.view()).stage == "lawsuit_filing"


async def test_implementation_overdue_keeps_reminding(skipping_env: WorkflowEnvironment) -> None:
    async with running_worker(skipping_env.client) as queue:
        # 2026.1's court stage registers a final judgment at once (2026.2: test_rev2_ksdpk.py).
        filing = ksdpk_filing(DisputeRoute.COURT)
        case = await CaseDriver.file(skipping_env.client, queue, filing, "2026.1")
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(COMPANY), "submit_response", summary="Tanggapan")
        await case.act(party(KOTA_BANDUNG), "declare_deadlock", reason="Buntu")
        await case.act(ADJUDICATOR, "register_judgment", reference="PN-1")
        await skipping_env.sleep(days(40 + 200))  # 30 HKal, then a reminder every 90 HKal
        view = await case.view()
        assert view.stage == "implementation" and view.overdue
        assert len([d for d in kinds(view, EntryKind.REMINDER) if "still overdue" in d]) == 2


async def test_legal_opinion_runs_beside_the_stage_and_goes_overdue(
    skipping_env: WorkflowEnvironment,
) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await CaseDriver.file(skipping_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "accept_filing")
        # Addressed to the Kejati of Jawa Barat, which PROSECUTOR's key is (D7).
        kejati = {"office": "kejati", "region_code": "32"}
        first = await case.act(
            party(BANDUNG), "request_legal_opinion", question="Sahkah PKS?", addressee=kejati
        )
        await case.act(
            OPERATOR, "request_legal_opinion", question="Kewenangan siapa?", addressee=kejati
        )
        assert first.stage == "notice"
        # The main stage moves on while both threads are open.
        await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
        answered = await case.act(PROSECUTOR, "submit_legal_opinion", thread=1, opinion="Sah")
        assert answered.stage == "musyawarah"
        await skipping_env.sleep(days(25))  # beyond 14 HK
        view = await case.view()
        threads = {t.thread: t for t in view.legal_opinions}
        assert threads[1].status == "submitted" and not threads[1].overdue
        assert threads[2].status == "open" and threads[2].overdue
        assert view.stage == "musyawarah"


async def test_pause_stops_the_clock_and_resume_moves_the_deadline(
    skipping_env: WorkflowEnvironment,
) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await CaseDriver.file(skipping_env.client, queue, ksdd_filing())
        accepted = await case.act(OPERATOR, "accept_filing")
        assert accepted.deadline is not None
        first_due = accepted.deadline.due_at
        await case.act(OPERATOR, "pause_clock", reason="Menunggu dokumen PKS dari pemohon")
        await skipping_env.sleep(days(30))  # well past the original 14 HK
        view = await case.view()
        assert view.stage == "notice" and view.paused and not view.overdue
        resumed = await case.act(OPERATOR, "resume_clock", reason="Dokumen diterima")
        assert resumed.deadline is not None and resumed.deadline.due_at > first_due
        assert resumed.deadline.paused_days > 0
        await skipping_env.sleep(days(30))
        assert (await case.view()).stage == "musyawarah"
        await replays_every_run(skipping_env.client, case.handle.id)


async def test_extension_moves_the_deadline_once(skipping_env: WorkflowEnvironment) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await CaseDriver.file(skipping_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
        moved = await case.act(
            party(BANDUNG), "declare_deadlock", reason="Buntu", document=BERITA_ACARA
        )
        assert moved.deadline is not None
        extended = await case.act(gwpp("32"), "extend_deadline", reason="Rapat lanjutan")
        assert extended.deadline is not None and extended.deadline.extensions == 1
        assert extended.deadline.due_at > moved.deadline.due_at
        with pytest.raises(WorkflowUpdateFailedError):
            await case.act(gwpp("32"), "extend_deadline", reason="Sekali lagi")
        await skipping_env.sleep(days(60))  # the original 30 HK has passed, the extended has not
        assert (await case.view()).stage == "gwpp_facilitation"
        await sleep_past_due(skipping_env, case)
        assert (await case.view()).stage == "gwpp_decision"
