"""KSDPK under guideline 2026.2 (pedoman.md §9 D14–D18): arbitration, annulment and the courts.

Whole cases under time skipping, each replayed run by run: arbitration through annulment and the
Mahkamah Agung's appeal; the court through mediation, trial, banding and kasasi, with monitoring
reminders where no limit runs; where a musyawarah settlement goes (D16) and in which days the
agreement counts its own period (D17).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case import CaseType, DisputeClause, DisputeRoute
from models.guidelines import shipped_guideline
from models.pedoman_graph import stage_table
from models.roles import Actor, Role
from models.state import CaseView, EntryKind
from models.time import DayType, Limit
from tests.cases import (
    OPERATOR,
    CaseDriver,
    ksdpk_filing,
    party,
    replays_every_run,
    running_worker,
)

CITY, COMPANY = "32.73", "NIB-8120000000001"
BANI = Actor(key_id="bani-sekretariat", role=Role.ADJUDICATOR, scope="BANI")
PN_BANDUNG = Actor(key_id="pn-bandung-panitera", role=Role.ADJUDICATOR, scope="PN-BANDUNG")
NATIONAL_ADJUDICATOR = Actor(key_id="adjudicator", role=Role.ADJUDICATOR)
MONITORING = "monitoring: {} has no limit"


def days(n: int) -> timedelta:
    return timedelta(days=n)


async def _to_the_clause_route(env: WorkflowEnvironment, case: CaseDriver) -> str:
    """Intake, a response, then musyawarah's 14 HKal lapse into the clause's route."""
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(COMPANY), "submit_response", summary="Tanggapan PT Tirta")
    await env.sleep(days(16))
    return (await case.view()).stage


async def _past_due(env: WorkflowEnvironment, case: CaseDriver) -> None:
    view = await case.view()
    assert view.clock is not None
    await env.sleep(view.clock.deadline.due_at - await env.get_current_time() + timedelta(hours=1))


async def _refused(case: CaseDriver, actor: Actor, action: str, **payload: str) -> str:
    """The refusal's message id (the case stays as it was)."""
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.act(actor, action, None, **payload)
    details = refused.value.cause.details  # type: ignore[attr-defined]
    return str(details[0]["message_id"])


def _reminders(view: CaseView) -> list[str]:
    return [e.detail for e in view.timeline if e.kind is EntryKind.REMINDER]


# ---------------------------------------------------------------- D14 arbitration


async def test_arbitration_award_annulled_then_restored_by_the_mahkamah_agung(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.ARBITRATION))
        assert await _to_the_clause_route(env, case) == "tribunal_formation"
        # D9: no institution recorded yet, so no adjudicator key acts.
        assert await _refused(case, BANI, "constitute_tribunal", reference="x") == (
            "wrong_scope.no_institution"
        )
        await case.act(party(CITY), "record_institution", institution="BANI", reference="47/2026")
        assert await _refused(case, PN_BANDUNG, "constitute_tribunal", reference="x") == (
            "wrong_scope.institution"
        )
        deadlocked = await env.get_current_time()
        await env.sleep(days(10))
        formed = await case.act(BANI, "constitute_tribunal", reference="Majelis 47/2026")
        # The 180 HKal run from the tribunal's formation, not from the deadlock.
        assert formed.stage == "arbitration" and formed.deadline is not None
        assert formed.deadline.limit == Limit(amount=180, day_type=DayType.HKAL)
        assert (formed.deadline.started_at - deadlocked).days == 10
        # Pasal 48(2): extended only with every party's agreement.
        extended = await case.act(
            OPERATOR, "extend_deadline", reason="Pemeriksaan saksi ahli", consents=[CITY, COMPANY]
        )
        assert extended.deadline is not None and extended.deadline.extensions == 1
        closed = await case.act(BANI, "close_hearings", reference="BA penutupan pemeriksaan")
        assert closed.stage == "award_drafting" and closed.deadline is not None
        assert closed.deadline.limit == Limit(amount=30, day_type=DayType.HKAL)
        awarded = await case.act(BANI, "issue_award", reference="Putusan BANI 47/2026")
        assert awarded.stage == "award_registration"
        registered = await case.act(BANI, "register_award", reference="12/PAI/2026/PN Bdg")
        assert registered.stage == "annulment_window"
        # The application names the PN, which conducts the case from now on (D9).
        applied = await case.act(
            party(CITY), "apply_annulment", institution="PN-BANDUNG", reference="5/Pdt.Arb/2026"
        )
        assert applied.stage == "annulment"
        assert await _refused(case, BANI, "annul_award", reference="x") == (
            "wrong_scope.institution"
        )
        annulled = await case.act(PN_BANDUNG, "annul_award", reference="5/Pdt.Arb/2026/PN Bdg")
        assert annulled.stage == "annulment_appeal_window"
        appealed = await case.act(party(COMPANY), "appeal_annulment", reference="Akta banding 1")
        assert appealed.stage == "annulment_appeal"
        assert appealed.deadline is not None
        assert appealed.deadline.limit == Limit(amount=30, day_type=DayType.HKAL)
        restored = await case.act(PN_BANDUNG, "restore_award", reference="88 B/Pdt.Sus-Arb/2026")
        assert restored.stage == "implementation"
        view = await case.view()
        assert view.outcome == "arbitral_award"
        assert view.recorded["award_final"] == "annulment_appeal"
        assert view.recorded["institution"] == "PN-BANDUNG"
        # Bina Adwil monitors a KSDPK outcome (D2).
        done = await case.act(OPERATOR, "confirm_implemented", reference="MON-ARB-1")
        assert done.closing_state == "arbitral_award"
        await case.handle.result()
        await replays_every_run(env.client, case.handle.id)


async def test_annulment_windows_lapse_into_implementation_or_an_annulled_award(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        # No application within 30 HKal of registration: the award is carried out.
        kept = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.ARBITRATION))
        await _to_the_clause_route(env, kept)
        await kept.act(party(COMPANY), "record_institution", institution="BANI", reference="48")
        for action in ("constitute_tribunal", "close_hearings", "issue_award", "register_award"):
            await kept.act(BANI, action, reference=f"BANI {action}")
        await _past_due(env, kept)
        view = await kept.view()
        assert (view.stage, view.outcome) == ("implementation", "arbitral_award")
        assert view.recorded["award_final"] == "annulment_window"

        # Annulled, and nobody appeals to the MA within the window: the case closes.
        lost = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.ARBITRATION))
        await _to_the_clause_route(env, lost)
        await lost.act(party(COMPANY), "record_institution", institution="BANI", reference="49")
        for action in ("constitute_tribunal", "close_hearings", "issue_award", "register_award"):
            await lost.act(BANI, action, reference=f"BANI {action}")
        await lost.act(party(CITY), "apply_annulment", institution="PN-BANDUNG", reference="6")
        await lost.act(PN_BANDUNG, "annul_award", reference="6/Pdt.Arb/2026/PN Bdg")
        await _past_due(env, lost)
        closed = await lost.handle.result()
        assert closed.closing_state == "award_annulled"
        await replays_every_run(env.client, lost.handle.id)


async def test_only_a_granted_annulment_is_appealed(skipping_env: WorkflowEnvironment) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.ARBITRATION))
        await _to_the_clause_route(env, case)
        await case.act(party(COMPANY), "record_institution", institution="BANI", reference="50")
        for action in ("constitute_tribunal", "close_hearings", "issue_award", "register_award"):
            await case.act(BANI, action, reference=f"BANI {action}")
        await case.act(party(CITY), "apply_annulment", institution="PN-BANDUNG", reference="7")
        upheld = await case.act(PN_BANDUNG, "uphold_award", reference="7/Pdt.Arb/2026/PN Bdg")
        assert upheld.stage == "implementation"
        assert await _refused(case, party(CITY), "appeal_annulment", reference="x") == (
            "wrong_stage"
        )


# ---------------------------------------------------------------- D15 court


async def test_court_through_mediation_trial_appeal_and_cassation(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.COURT))
        assert await _to_the_clause_route(env, case) == "lawsuit_filing"
        # No statutory limit: no clock, a monitoring reminder every 3 months, never overdue.
        await env.sleep(days(100))
        view = await case.view()
        assert (view.stage, view.clock, view.overdue) == ("lawsuit_filing", None, False)
        assert _reminders(view)[-1:] == [MONITORING.format("lawsuit_filing")]
        filed = await case.act(
            party(CITY), "file_lawsuit", institution="PN-BANDUNG", reference="112/Pdt.G/2026/PN Bdg"
        )
        assert filed.stage == "lawsuit_filing"
        assert (await case.view()).recorded["institution_reference"] == "112/Pdt.G/2026/PN Bdg"
        ordered = await case.act(PN_BANDUNG, "order_mediation", reference="Penetapan mediasi")
        # Perma 1/2016 Pasal 24: 30 working days from the order, +30 with the parties' consent.
        assert ordered.stage == "court_mediation" and ordered.deadline is not None
        assert ordered.deadline.limit == Limit(amount=30, day_type=DayType.HK)
        extended = await case.act(
            OPERATOR, "extend_deadline", reason="Para pihak sepakat", consents=[CITY, COMPANY]
        )
        assert extended.deadline is not None
        assert extended.deadline.limit == Limit(amount=30, day_type=DayType.HK)
        await _past_due(env, case)
        view = await case.view()
        assert (
            view.stage == "trial" and view.recorded["court_mediation_lapsed"] == "court_mediation"
        )
        reminders_before = len(_reminders(view))
        await env.sleep(days(200))
        view = await case.view()
        assert (view.stage, view.clock, view.overdue) == ("trial", None, False)
        assert _reminders(view)[reminders_before:] == [MONITORING.format("trial")] * 2
        judged = await case.act(PN_BANDUNG, "register_judgment", reference="112/Pdt.G/2026/PN Bdg")
        assert judged.stage == "appeal_window" and judged.deadline is not None
        assert judged.deadline.limit == Limit(amount=14, day_type=DayType.HKAL)
        assert (await case.view()).outcome is None  # not final: a banding may still come
        appealed = await case.act(party(COMPANY), "file_appeal", reference="Akta banding 9")
        assert (appealed.stage, appealed.deadline) == ("appeal", None)
        banding = await case.act(PN_BANDUNG, "register_appeal_judgment", reference="77/PDT/2027")
        assert banding.stage == "cassation_window"
        kasasi = await case.act(party(CITY), "file_cassation", reference="Akta kasasi 3")
        assert kasasi.stage == "cassation"
        final = await case.act(PN_BANDUNG, "register_cassation_judgment", reference="901 K/Pdt")
        assert final.stage == "implementation"
        view = await case.view()
        assert (view.outcome, view.recorded["inkracht"]) == ("court_judgment", "cassation")
        done = await case.act(OPERATOR, "confirm_implemented", reference="MON-PN-1")
        assert done.closing_state == "court_judgment"
        await case.handle.result()
        await replays_every_run(env.client, case.handle.id)


async def test_an_unappealed_judgment_becomes_final_when_the_window_lapses(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.COURT))
        await _to_the_clause_route(env, case)
        await case.act(party(COMPANY), "file_lawsuit", institution="PN-BANDUNG", reference="113")
        await case.act(PN_BANDUNG, "order_mediation", reference="Penetapan")
        failed = await case.act(PN_BANDUNG, "declare_mediation_failed", reason="Tidak berhasil")
        assert (failed.stage, failed.deadline) == ("trial", None)
        await case.act(PN_BANDUNG, "register_judgment", reference="113/Pdt.G/2026/PN Bdg")
        await _past_due(env, case)
        view = await case.view()
        assert (view.stage, view.outcome) == ("implementation", "court_judgment")
        assert view.recorded["inkracht"] == "appeal_window"
        # A judgment that stands with nothing to carry out closes the case at once.
        other = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.COURT))
        await _to_the_clause_route(env, other)
        await other.act(party(CITY), "file_lawsuit", institution="PN-BANDUNG", reference="114")
        await other.act(PN_BANDUNG, "order_mediation", reference="Penetapan")
        await other.act(PN_BANDUNG, "declare_mediation_failed", reason="Tidak berhasil")
        await other.act(PN_BANDUNG, "register_judgment", reference="114/Pdt.G/2026/PN Bdg")
        closed = await other.act(PN_BANDUNG, "close_on_final_judgment", reference="Gugatan ditolak")
        assert closed.closing_state == "court_judgment"
        await other.handle.result()
        await replays_every_run(env.client, other.handle.id)


# ---------------------------------------------------------------- D16, D17


async def test_a_musyawarah_settlement_is_registered_only_under_an_adr_clause(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        stages = {}
        for route in (DisputeRoute.MEDIATION, DisputeRoute.ARBITRATION, DisputeRoute.COURT):
            case = await CaseDriver.file(env.client, queue, ksdpk_filing(route))
            await case.act(OPERATOR, "accept_filing")
            await case.act(party(COMPANY), "submit_response", summary="Tanggapan")
            await case.act(party(CITY), "report_agreement", terms="Tarif disesuaikan 2027")
            agreed = await case.act(party(COMPANY), "confirm_agreement")
            stages[route] = agreed.stage
        # UU 30/1999 Pasal 6(7) for the ADR routes; PP 28/2018 Pasal 21 alone for the court.
        assert stages == {
            DisputeRoute.MEDIATION: "settlement_registration",
            DisputeRoute.ARBITRATION: "settlement_registration",
            DisputeRoute.COURT: "agreement_recorded",
        }


async def test_the_agreements_own_period_counts_working_or_calendar_days(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    async with running_worker(env.client) as queue:
        limits = []
        for day_type in (DayType.HK, DayType.HKAL):
            filing = ksdpk_filing(DisputeRoute.COURT, musyawarah_days=20)
            clause = filing.agreement.dispute_clause
            assert clause is not None
            clause.musyawarah_day_type = day_type
            case = await CaseDriver.file(env.client, queue, filing)
            await case.act(OPERATOR, "accept_filing")
            response = await case.act(party(COMPANY), "submit_response", summary="Tanggapan")
            assert response.stage == "musyawarah" and response.deadline is not None
            limits.append(response.deadline.limit)
        assert limits == [
            Limit(amount=20, day_type=DayType.HK),
            Limit(amount=20, day_type=DayType.HKAL),
        ]


def test_a_clause_in_calendar_days_dumps_as_it_did_before_d17() -> None:
    # A filing made before D17 hashes the same (its audit-trail entry): the default is not written.
    clause = DisputeClause(route=DisputeRoute.COURT, musyawarah_days=20)
    assert clause.model_dump(mode="json") == {
        "route": "court",
        "arbitration_allowed": False,
        "musyawarah_days": 20,
    }
    working = DisputeClause(route=DisputeRoute.COURT, musyawarah_days=20, musyawarah_day_type="HK")
    assert DisputeClause.model_validate(working.model_dump(mode="json")) == working


# ---------------------------------------------------------------- D18


def test_every_ksdpk_limit_read_from_hari_as_calendar_days_is_proposed() -> None:
    guideline = shipped_guideline("2026.2")
    stages = guideline.tracks[CaseType.KSDPK].stages
    interpreted = [
        s.name for s in stages if s.limit is not None and s.limit.day_type is DayType.HKAL
    ]
    assert interpreted == [
        "musyawarah",
        "adr_mediation",
        "settlement_registration",
        "tribunal_formation",
        "arbitration",
        "award_drafting",
        "award_registration",
        "annulment_window",
        "annulment",
        "annulment_appeal_window",
        "annulment_appeal",
        "appeal_window",
        "cassation_window",
    ]
    assert [s.name for s in stages if s.name in interpreted and not s.proposed_default] == []
    # Perma 1/2016 itself says "hari" is a working day: court mediation rests on no reading.
    court_mediation = next(s for s in stages if s.name == "court_mediation")
    assert (str(court_mediation.limit), court_mediation.proposed_default) == ("30HK", False)


def test_intake_cites_the_tracks_own_law() -> None:
    intake = shipped_guideline("2026.2").opening[0]
    assert intake.legal_basis_of(CaseType.KSDD).startswith("UU 23/2014 Pasal 370")
    assert intake.legal_basis_of(CaseType.KSDPK).startswith("PP 28/2018 Pasal 21")
    assert intake.legal_basis_of(CaseType.SINERGI).startswith("Tidak diatur")
    assert "PP 28/2018 Pasal 21" in stage_table(shipped_guideline("2026.2"), CaseType.KSDPK)
    # 2026.1 keeps one basis for every track.
    first = shipped_guideline("2026.1").opening[0]
    assert first.legal_basis_of(CaseType.KSDPK) == first.legal_basis
