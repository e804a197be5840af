"""The notify-on-transition change shipped without its `workflow.patched` guard: what not to do.

Registered under the real workflow type name, so a Replayer runs it against recorded histories
exactly as a worker deployed with this code would run the cases those histories belong to.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.case_workflow import CaseWorkflow

with workflow.unsafe.imports_passed_through():
    from models.state import CaseInput, CaseView, EntryKind


@workflow.defn(name="Case")
class UnguardedCaseWorkflow(CaseWorkflow):
    """CaseWorkflow whose stage changes always notify, whatever the history recorded."""

    @workflow.run
    async def run(self, case: CaseInput) -> CaseView:
        return await super().run(case)

    async def _move(self, stage: str) -> None:
        before = self._state.stage
        self._state.stage = stage
        self._state.proposal = None
        self._state.collected = {}
        self._record(EntryKind.TRANSITION, stage_before=before, detail=f"{before} → {stage}")
        await self._start_clock()
        await self._notify("stage_changed", f"the case moved from {before} to {stage}")
