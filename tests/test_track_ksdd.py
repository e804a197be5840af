"""KSDD cases end to end on the real dev server, each replayed afterwards."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from tests.cases import (
    MINISTER,
    OPERATOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    party,
    replays_every_run,
    running_worker,
)

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
# These cases follow 2026.1's paper (a reason, not a berita acara; a decision without its
# legal form; the forum of the routing throughout); 2026.2's is in tests/test_rev2_*.py.
V1 = "2026.1"


async def _to_musyawarah(case: CaseDriver, responding: str = KOTA_BANDUNG) -> None:
    assert (await case.act(OPERATOR, "accept_filing")).stage == "notice"
    result = await case.act(party(responding), "submit_response", summary="Tanggapan tertulis")
    assert result.stage == "musyawarah"


async def test_agreement_in_musyawarah_needs_every_party(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdd_filing())
        await _to_musyawarah(case)
        reported = await case.act(party(BANDUNG), "report_agreement", terms="Biaya dibagi dua")
        assert reported.stage == "musyawarah"  # the other party has not confirmed yet
        confirmed = await case.act(party(KOTA_BANDUNG), "confirm_agreement")
        assert confirmed.stage == "agreement_recorded"
        assert (await case.act(party(BANDUNG), "sign_agreement", reference="BA-1")).stage == (
            "agreement_recorded"
        )
        # An operator records the second signature on the party's behalf.
        for_party = OPERATOR.model_copy(update={"on_behalf_of": KOTA_BANDUNG})
        signed = await case.act(for_party, "sign_agreement", reference="BA-1")
        assert signed.stage == "implementation"
        done = await case.act(gwpp("32"), "confirm_implemented", reference="LAP-1")
        assert done.closing_state == "agreement"
        view = await case.handle.result()
        signature = next(e for e in view.timeline if e.actor == for_party)
        assert signature.actor is not None and signature.actor.on_behalf_of == KOTA_BANDUNG
        assert view.routing.rule == "R1"
        await replays_every_run(client, case.handle.id)


async def test_gwpp_decision_path(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdd_filing(), guideline_version=V1)
        await _to_musyawarah(case)
        deadlock = await case.act(party(BANDUNG), "declare_deadlock", reason="Tidak mufakat")
        assert deadlock.stage == "gwpp_facilitation"
        await case.act(gwpp("32"), "close_without_agreement", reason="Fasilitasi gagal")
        decided = await case.act(gwpp("32"), "issue_decision", number="100/2026", summary="Putus")
        assert decided.stage == "implementation"
        closed = await case.act(gwpp("32"), "confirm_implemented", reference="LAP-2")
        assert closed.closing_state == "gwpp_decision"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)


async def test_gwpp_unable_goes_to_the_minister_whose_decision_is_final(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdd_filing(), guideline_version=V1)
        await _to_musyawarah(case)
        await case.act(party(KOTA_BANDUNG), "declare_deadlock", reason="Buntu")
        unable = await case.act(gwpp("32"), "declare_unable", reason="Tidak dapat menyelesaikan")
        assert unable.stage == "minister_facilitation"
        # After escalation the Minister is the forum: the Minister, not the GWPP, decides.
        await case.act(MINISTER, "close_without_agreement", reason="Tidak sepakat")
        decided = await case.act(MINISTER, "issue_decision", number="KEP-1", summary="Final")
        assert decided.stage == "implementation"
        view = await case.view()
        assert view.outcome == "minister_decision"
        await case.act(party(BANDUNG), "report_non_compliance", reason="Tidak dilaksanakan")
        ended = await case.act(gwpp("32"), "terminate_cooperation", number="K-2", summary="Akhir")
        assert ended.closing_state == "cooperation_terminated"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)


async def test_province_pair_goes_to_the_minister_and_mandatory_takeover(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(
            client, queue, ksdd_filing("32", "33", mandatory=True), guideline_version=V1
        )
        await case.act(OPERATOR, "accept_filing")
        await case.act(party("33"), "submit_response", summary="Tanggapan")
        deadlock = await case.act(party("32"), "declare_deadlock", reason="Buntu")
        assert deadlock.stage == "minister_facilitation"
        await case.act(MINISTER, "record_agreement", terms="Sepakat")
        await case.act(party("32"), "sign_agreement", reference="BA-3")
        await case.act(party("33"), "sign_agreement", reference="BA-3")
        await case.act(party("33"), "report_non_compliance", reason="Kewajiban tidak dipenuhi")
        takeover = await case.act(MINISTER, "order_takeover", number="K-9", summary="Diambil alih")
        assert takeover.closing_state == "takeover"
        view = await case.handle.result()
        assert view.routing.rule == "R2"
        await replays_every_run(client, case.handle.id)
