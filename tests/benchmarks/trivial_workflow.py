"""A trivial workflow for the case benchmark: one update, no activities, no state to speak of.

It finishes once it has taken as many updates as its input asks for, so a driver can give it the
same number of round trips as a case (or none: it then finishes on its first workflow task).
"""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="BenchTrivial")
class TrivialWorkflow:
    """Counts updates and returns the count after the last expected one."""

    def __init__(self) -> None:
        self._taken = 0

    @workflow.run
    async def run(self, updates: int) -> int:
        await workflow.wait_condition(lambda: self._taken >= updates)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._taken

    @workflow.update(name="step")
    def step(self, step: int) -> int:
        """Take one step; returns how many steps this workflow has taken."""
        self._taken += 1
        return self._taken

    @step.validator
    def _validate_step(self, step: int) -> None:
        if step < 0:
            raise ValueError("a step number is never negative")
