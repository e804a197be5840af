"""Replaying case histories against the current workflow code, many at a time.

A `Replayer` costs a worker to start, so histories go through long-lived replay streams: one per
process that verifies cases.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from functools import cache
from typing import Protocol

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from workflows.case_workflow import CaseWorkflow

# A replay polls no task queue, so its worker needs no build id; naming one spares Temporal from
# hashing the code of every loaded module to make one (over a second per process).
REPLAY_BUILD_ID = "mufakat-replay"


class HistoryReplayer(Protocol):
    """Replays one history against the current workflow code: its failure, or None."""

    async def replay(self, history: WorkflowHistory) -> Exception | None: ...


@cache
def case_replayer() -> Replayer:
    """The replayer for case histories: the worker's workflow and data converter, sandboxed."""
    # One per process: every Replayer starts a thread pool that it never shuts down.
    return Replayer(
        workflows=[CaseWorkflow], data_converter=pydantic_data_converter, build_id=REPLAY_BUILD_ID
    )


@cache
def unsandboxed_case_replayer() -> Replayer:
    """The case workflow and the worker's converter, replayed outside the workflow sandbox.

    Replaying checks that the current code issues exactly the commands a history records; the
    sandbox adds nothing to that check (it guards code, not records, and the history corpus
    replays sandboxed in CI), while it more than doubles the CPU time of every replay.
    """
    return Replayer(
        workflows=[CaseWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=UnsandboxedWorkflowRunner(),
        build_id=REPLAY_BUILD_ID,
        # Activations run on the event loop's thread instead of being handed to a thread pool
        # (a tenth of the CPU time). It also turns off deadlock detection, which guards a
        # worker's task queue; a replay has none to hold up.
        debug_mode=True,
    )


class ReplayStream:
    """Replays many histories through one replay worker, so none pays for starting one."""

    def __init__(self, replayer: Replayer | None = None) -> None:
        self._replayer = replayer or case_replayer()
        self._queue: asyncio.Queue[_Queued | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._broken: BaseException | None = None

    async def __aenter__(self) -> ReplayStream:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task

    async def replay(self, history: WorkflowHistory) -> Exception | None:
        """Replay one history: why it failed, or None when it replays cleanly."""
        if self._task is None or self._broken is not None:
            raise RuntimeError("the replay stream is not running") from self._broken
        future: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((history, future))
        return await future

    async def _run(self) -> None:
        # The replayer takes one history at a time and answers in order, so the futures of
        # the histories handed to it wait in that order too.
        handed: deque[asyncio.Future[Exception | None]] = deque()

        async def histories() -> AsyncIterator[WorkflowHistory]:
            while (queued := await self._queue.get()) is not None:
                handed.append(queued[1])
                yield queued[0]

        try:
            async with self._replayer.workflow_replay_iterator(histories()) as results:
                async for result in results:
                    future = handed.popleft()
                    if not future.done():  # unless its caller stopped waiting
                        future.set_result(result.replay_failure)
        except BaseException as error:
            self._broken = error
            waiting = list(handed)
            while not self._queue.empty():
                queued = self._queue.get_nowait()
                if queued is not None:
                    waiting.append(queued[1])
            for future in waiting:
                if not future.done():
                    future.set_exception(RuntimeError(f"the replay worker stopped: {error}"))
            raise


_Queued = tuple[WorkflowHistory, "asyncio.Future[Exception | None]"]
