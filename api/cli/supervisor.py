"""Run child processes as one unit: start in order, stop in reverse, and fail if any one dies."""

from __future__ import annotations

import contextlib
import ctypes
import enum
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
_PR_SET_PDEATHSIG = 1


class Outcome(enum.Enum):
    """Why a wait ended."""

    READY = "ready"
    STOP_REQUESTED = "stop requested"
    CHILD_DIED = "child died"
    TIMED_OUT = "timed out"


@dataclass
class Child:
    """One supervised process and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the supervisor is killed outright (no chance
    # to stop its children), the kernel sends SIGTERM so no dev server is left holding its port.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Starts children in their own process group, so a terminal's Ctrl-C reaches only us.

    Use as a context manager: leaving it stops every child still running, newest first.
    `wait_for` is single-threaded polling on purpose: it keeps `preexec_fn` safe.
    """

    def __init__(self, *, env: Mapping[str, str], stop_timeout: float = 15.0) -> None:
        self._env = dict(env)
        self._stop_timeout = stop_timeout
        self._children: list[Child] = []
        self.stop_signal: int | None = None
        self.died: Child | None = None

    def __enter__(self) -> Self:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._request_stop)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop_all()

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def start(self, name: str, argv: Sequence[str], log_path: Path) -> Child:
        """Start `argv` with stdout and stderr appended to `log_path`."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = log_path.open("ab")
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=self._env,
            process_group=0,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        child = Child(name=name, process=process, log_path=log_path, log_file=log_file)
        self._children.append(child)
        log.debug("started %s (pid %d)", name, process.pid)
        return child

    def wait_for(
        self, ready: Callable[[], bool] | None = None, *, timeout: float | None = None
    ) -> Outcome:
        """Wait until `ready()` holds, a stop signal arrives, a child dies, or time runs out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.stop_signal is not None:
                return Outcome.STOP_REQUESTED
            for child in self._children:
                if child.process.poll() is not None:
                    self.died = child
                    return Outcome.CHILD_DIED
            if ready is not None and ready():
                return Outcome.READY
            if deadline is not None and time.monotonic() >= deadline:
                return Outcome.TIMED_OUT
            time.sleep(POLL_SECONDS)

    def stop_all(self) -> None:
        """Stop children newest first: SIGTERM, then SIGKILL after the timeout."""
        while self._children:
            child = self._children.pop()
            self._stop(child)
            child.log_file.close()

    def _stop(self, child: Child) -> None:
        process = child.process
        if process.poll() is None:
            log.info("stopping %s", child.name)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=self._stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing it", child.name, self._stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
