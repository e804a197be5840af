"""pedoman.md §9 D1–D2 (2026.2): the forum follows the case, and the tail is monitored by the
body that produced the outcome; 2026.1 keeps reading "forum" from the routing alone."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio.testing import WorkflowEnvironment

from models.case import CaseFiling
from models.guidelines import shipped_guideline
from models.regions import load_regions
from models.roles import Actor
from models.state import CaseState
from tests.cases import (
    MINISTER,
    OPERATOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    ksdpk_filing,
    party,
    replays_every_run,
    running_worker,
)
from tests.rev2_paper import BERITA_ACARA, formal_decision, refused
from workflows.forum import monitor_after
from workflows.rules import CaseRules
from workflows.starter import route_filing

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


def _rules(version: str, filing: CaseFiling) -> CaseRules:
    guideline = shipped_guideline(version)
    return CaseRules(guideline, filing, route_filing(filing, guideline, load_regions()))


def _at(stage: str, **recorded: str) -> CaseState:
    return CaseState(
        case_id="PKD-2026-000001",
        stage=stage,
        filed_at=datetime(2026, 3, 2, tzinfo=UTC),
        filed_by=OPERATOR,
        recorded=recorded,
    )


def _may(rules: CaseRules, action: str, actor: Actor, state: CaseState) -> bool:
    found = rules.find(state.stage, action)
    assert found is not None
    return rules.may_take(found, actor, state)


def test_after_escalation_the_minister_extends_and_pauses_not_the_gwpp() -> None:
    rules = _rules("2026.2", ksdd_filing())  # R1: GWPP Jawa Barat, then the Minister
    state = _at("minister_facilitation")
    for action in ("extend_deadline", "pause_clock", "resume_clock", "schedule_meeting"):
        assert _may(rules, action, MINISTER, state), action
        assert not _may(rules, action, gwpp("32"), state), action
    # In the GWPP's own stage it is the other way round.
    assert _may(rules, "pause_clock", gwpp("32"), _at("gwpp_facilitation"))
    assert not _may(rules, "pause_clock", MINISTER, _at("gwpp_facilitation"))


def test_under_2026_1_the_routed_gwpp_stays_the_forum() -> None:
    rules = _rules("2026.1", ksdd_filing())
    state = _at("minister_facilitation")
    assert _may(rules, "pause_clock", gwpp("32"), state)
    assert not _may(rules, "pause_clock", MINISTER, state)


def test_intake_is_conducted_by_the_operator() -> None:
    assert not _may(_rules("2026.2", ksdd_filing()), "accept_filing", gwpp("32"), _at("intake"))
    assert _may(_rules("2026.1", ksdd_filing()), "accept_filing", gwpp("32"), _at("intake"))


def test_the_body_that_produced_the_outcome_monitors_it() -> None:
    guideline = shipped_guideline("2026.2")
    cases = {
        # An agreement in musyawarah: the GWPP for kabupaten/kota of its province, else Bina Adwil.
        ("musyawarah", BANDUNG, KOTA_BANDUNG): "gwpp",
        ("musyawarah", "32", "33"): "operator",
        ("musyawarah", "32.04", "33.01"): "operator",
        ("gwpp_decision", BANDUNG, KOTA_BANDUNG): "gwpp",
        ("minister_facilitation", BANDUNG, KOTA_BANDUNG): "minister",
    }
    for (stage, first, second), body in cases.items():
        filing = ksdd_filing(first, second)
        routing = route_filing(filing, guideline, load_regions())
        stages = guideline.stages_for(filing.case_type)
        assert monitor_after(guideline, filing, routing, stages[stage]) == body, stage
    ksdpk = ksdpk_filing()
    routing = route_filing(ksdpk, guideline, load_regions())
    stages = guideline.stages_for(ksdpk.case_type)
    assert monitor_after(guideline, ksdpk, routing, stages["musyawarah"]) == "operator"
    old = shipped_guideline("2026.1")
    old_stage = old.stages_for(ksdpk.case_type)["musyawarah"]
    assert monitor_after(old, ksdpk, routing, old_stage) is None


def test_the_tail_follows_the_recorded_body() -> None:
    rules = _rules("2026.2", ksdd_filing())
    by_minister = _at("implementation", monitored_by="minister")
    assert _may(rules, "confirm_implemented", MINISTER, by_minister)
    assert not _may(rules, "confirm_implemented", gwpp("32"), by_minister)
    assert _may(
        rules, "confirm_implemented", OPERATOR, _at("implementation", monitored_by="operator")
    )


async def test_an_escalated_r1_case_is_conducted_and_monitored_by_the_minister(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdd_filing())
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
        await case.act(party(BANDUNG), "declare_deadlock", reason="Buntu", document=BERITA_ACARA)
        unable = await case.act(
            gwpp("32"), "declare_unable", reason="Tidak dapat", berita_acara_sha256="1" * 64
        )
        assert unable.stage == "minister_facilitation"
        assert await refused(case, gwpp("32"), "pause_clock", reason="Menunggu") == "wrong_role"
        paused = await case.act(MINISTER, "pause_clock", reason="Menunggu dokumen")
        assert paused.stage == "minister_facilitation"
        await case.act(MINISTER, "resume_clock", reason="Dokumen diterima")
        await case.act(
            MINISTER, "close_without_agreement", reason="Tidak sepakat", document=BERITA_ACARA
        )
        decided = await case.act(
            MINISTER, "issue_decision", **formal_decision("keputusan_mendagri")
        )
        assert decided.stage == "implementation"
        view = await case.view()
        assert view.recorded["monitored_by"] == "minister"
        assert view.finality == "final_by_law"  # R1 after escalation: UU 23/2014 Pasal 370(4)
        assert await refused(case, gwpp("32"), "confirm_implemented", reference="X") == (
            "wrong_role"
        )
        closed = await case.act(MINISTER, "confirm_implemented", reference="LAP-1")
        assert closed.closing_state == "minister_decision"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)


async def test_a_gwpp_takes_over_only_after_guidance_evaluation_and_approval(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdd_filing(mandatory=True))
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
        await case.act(party(BANDUNG), "report_agreement", terms="Biaya dibagi dua")
        await case.act(party(KOTA_BANDUNG), "confirm_agreement")
        await case.act(party(BANDUNG), "sign_agreement", reference="BA-1")
        await case.act(party(KOTA_BANDUNG), "sign_agreement", reference="BA-1")
        await case.act(party(BANDUNG), "report_non_compliance", reason="Tidak dilaksanakan")
        order = formal_decision("keputusan_gubernur_wpp")
        early = await refused(case, gwpp("32"), "order_takeover", **order)
        assert early == "missing_confirmation.requires"
        await case.act(gwpp("32"), "record_takeover_guidance", reference="BIN-1")
        await case.act(gwpp("32"), "record_takeover_evaluation", reference="EVA-1")
        await case.act(gwpp("32"), "propose_takeover", reference="USUL-1")
        assert await refused(case, gwpp("32"), "approve_takeover", reference="X") == "wrong_role"
        await case.act(MINISTER, "approve_takeover", reference="SETUJU-1")
        taken = await case.act(gwpp("32"), "order_takeover", **order)
        assert taken.closing_state == "takeover"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)
