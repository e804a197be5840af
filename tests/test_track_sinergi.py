"""SINERGI cases: consultation, coordination, and referral to the President."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from tests.cases import (
    MINISTER,
    OPERATOR,
    CaseDriver,
    gwpp,
    party,
    replays_every_run,
    running_worker,
    sinergi_filing,
)

BOGOR, MINISTRY = "32.01", "KL-PUPR"
# 2026.1's paper (closing a consultation with a reason alone); 2026.2 needs a berita acara.
V1 = "2026.1"


async def _to_consultation(case: CaseDriver) -> None:
    await case.act(OPERATOR, "accept_filing")
    responded = await case.act(party(MINISTRY), "submit_response", summary="Tanggapan K/L")
    assert responded.stage == "consultation"


async def test_consultation_fails_then_coordination_refers_to_president(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, sinergi_filing(), guideline_version=V1)
        await _to_consultation(case)
        moved = await case.act(MINISTER, "close_without_agreement", reason="Belum sepakat")
        assert moved.stage == "coordination"
        referred = await case.act(MINISTER, "refer_to_president", reason="Kebuntuan kebijakan")
        assert referred.closing_state == "referred_to_president"
        view = await case.handle.result()
        assert view.routing.rule == "R8" and view.routing.gwpp_province == "32"
        await replays_every_run(client, case.handle.id)


async def test_kabupaten_consults_through_its_gwpp_to_agreement(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, sinergi_filing())
        await _to_consultation(case)
        agreed = await case.act(gwpp("32"), "record_agreement", terms="Dokumen sinergi direvisi")
        assert agreed.stage == "agreement_recorded"
        await case.act(party(BOGOR), "sign_agreement", reference="BA-S1")
        await case.act(party(MINISTRY), "sign_agreement", reference="BA-S1")
        closed = await case.act(MINISTER, "confirm_implemented", reference="MON-S1")
        assert closed.closing_state == "agreement"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)
