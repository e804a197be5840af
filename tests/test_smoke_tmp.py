from temporalio.testing import WorkflowEnvironment

from tests.cases import OPERATOR, CaseDriver, gwpp, ksdd_filing, party, running_worker, replay_all_runs


async def test_ksdd_gwpp_decision(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await CaseDriver.file(client, queue, ksdd_filing())
        r = await case.act(OPERATOR, "accept_filing")
        assert r.stage == "notice", r
        r = await case.act(party("32.73"), "submit_response", summary="Kami menanggapi")
        assert r.stage == "musyawarah"
        r = await case.act(party("32.04"), "declare_deadlock", reason="Tidak sepakat")
        assert r.stage == "gwpp_facilitation"
        r = await case.act(gwpp("32"), "close_without_agreement", reason="Tidak sepakat")
        r = await case.act(gwpp("32"), "issue_decision", number="1/2026", summary="Bagi dua")
        assert r.stage == "implementation"
        r = await case.act(gwpp("32"), "confirm_implemented", reference="BA-9")
        assert r.closing_state == "gwpp_decision"
        view = await case.handle.result()
        print(len(view.timeline))
        assert await replay_all_runs(client, case.handle.id) == 1
