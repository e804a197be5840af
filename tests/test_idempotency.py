"""An action's idempotency key applies it once, also after continue-as-new."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from tests.cases import OPERATOR, CaseDriver, ksdd_filing, replay_all_runs, running_worker
from tests.conftest import SUGGEST_CONTINUE_AS_NEW_AFTER


async def test_same_key_twice_applies_once(dev_env: WorkflowEnvironment) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        first = await case.act(OPERATOR, "accept_filing", key="surat-001")
        again = await case.act(OPERATOR, "accept_filing", key="surat-001")
        assert again.seq == first.seq and again.stage == "notice"
        view = await case.view()
        assert [e.idempotency_key for e in view.timeline].count("surat-001") == 1


async def test_key_is_honoured_across_continue_as_new(dev_env: WorkflowEnvironment) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "add_note", key="catatan-1", text="Catatan pertama")
        # Each action adds several events; enough of them make the server suggest a new run.
        for n in range(SUGGEST_CONTINUE_AS_NEW_AFTER // 4):
            await case.act(OPERATOR, "add_note", text=f"Catatan {n}")
        view = await case.view()
        assert view.runs >= 2, "the case should have continued as new"
        notes_before = len(view.timeline)
        retried = await case.act(OPERATOR, "add_note", key="catatan-1", text="Catatan pertama")
        assert retried.duplicate
        view = await case.view()
        assert len(view.timeline) == notes_before
        assert [e.idempotency_key for e in view.timeline].count("catatan-1") == 1
        await case.act(OPERATOR, "reject_out_of_scope", reason="Selesai untuk uji")
        await case.handle.result()
        assert await replay_all_runs(dev_env.client, case.handle.id) == view.runs
