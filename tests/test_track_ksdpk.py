"""KSDPK cases under guideline 2026.1: musyawarah, then the route the dispute clause names.

Pinned to 2026.1, whose cases keep running on it; revision 2's KSDPK track (arbitration,
annulment, the court's appeal and cassation) is in tests/test_rev2_ksdpk.py.
"""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from models.case import DisputeRoute
from tests.cases import (
    ADJUDICATOR,
    MINISTER,
    OPERATOR,
    CaseDriver,
    ksdpk_filing,
    party,
    replays_every_run,
    running_worker,
)

CITY, COMPANY = "32.73", "NIB-8120000000001"
FIRST = "2026.1"


async def _deadlock(case: CaseDriver) -> str:
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(COMPANY), "submit_response", summary="Tanggapan PT")
    return (await case.act(party(CITY), "declare_deadlock", reason="Buntu")).stage


async def test_mediation_settlement_registered_and_implemented(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdpk_filing(DisputeRoute.MEDIATION), FIRST)
        assert await _deadlock(case) == "adr_mediation"
        agreed = await case.act(ADJUDICATOR, "record_agreement", terms="Tarif disesuaikan")
        assert agreed.stage == "settlement_registration"
        registered = await case.act(party(COMPANY), "register_settlement", reference="PN-1/2026")
        assert registered.stage == "implementation"
        # The forum of a KSDPK case is the Minister (Bina Adwil monitors implementation).
        closed = await case.act(MINISTER, "confirm_implemented", reference="MON-1")
        assert closed.closing_state == "adr_settlement"
        view = await case.handle.result()
        assert view.routing.rule == "R7"
        await replays_every_run(client, case.handle.id)


async def test_failed_mediation_goes_to_arbitration_and_an_award(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdpk_filing(DisputeRoute.MEDIATION), FIRST)
        await _deadlock(case)
        failed = await case.act(party(COMPANY), "declare_failed", reason="Mediasi gagal")
        assert failed.stage == "arbitration"
        award = await case.act(ADJUDICATOR, "register_award", reference="BANI-77")
        assert award.stage == "implementation"
        await case.act(party(CITY), "report_non_compliance", reason="Putusan tidak dijalankan")
        referred = await case.act(MINISTER, "refer_to_execution", reference="PN-EKS-1")
        assert referred.closing_state == "execution_referred"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)


async def test_failed_mediation_without_arbitration_goes_to_court_judgment(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        filing = ksdpk_filing(DisputeRoute.MEDIATION, arbitration=False)
        case = await CaseDriver.file(client, queue, filing, FIRST)
        await _deadlock(case)
        assert (await case.act(ADJUDICATOR, "declare_failed", reason="Gagal")).stage == "court"
        judged = await case.act(ADJUDICATOR, "register_judgment", reference="PN-BDG-12")
        assert judged.stage == "implementation"
        closed = await case.act(MINISTER, "confirm_implemented", reference="MON-2")
        assert closed.closing_state == "court_judgment"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)


async def test_arbitration_clause_settled_or_lapsed(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        settled = await CaseDriver.file(
            client, queue, ksdpk_filing(DisputeRoute.ARBITRATION), FIRST
        )
        assert await _deadlock(settled) == "arbitration"
        result = await settled.act(ADJUDICATOR, "record_settlement", reference="BANI-DAMAI")
        assert result.closing_state == "settled_in_arbitration"

        lapsed = await CaseDriver.file(client, queue, ksdpk_filing(DisputeRoute.ARBITRATION), FIRST)
        await _deadlock(lapsed)
        result = await lapsed.act(ADJUDICATOR, "record_lapse", reference="BANI-GUGUR")
        assert result.closing_state == "lapsed"
        for case in (settled, lapsed):
            await case.handle.result()
            await replays_every_run(client, case.handle.id)


async def test_court_clause_settlement(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdpk_filing(DisputeRoute.COURT), FIRST)
        assert await _deadlock(case) == "court"
        deed = await case.act(ADJUDICATOR, "register_settlement", reference="AKTA-3")
        assert deed.stage == "implementation"
        closed = await case.act(MINISTER, "confirm_implemented", reference="MON-3")
        assert closed.closing_state == "court_settlement"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)
