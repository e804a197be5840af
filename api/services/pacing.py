"""How many cases `mufakat audit verify` verifies at a time, and in how many processes.

Light on imports: the command's help names these figures before anything else loads.
"""

from __future__ import annotations

import os

# Below this many cases, starting verifying processes (a second or two of CPU, for the fork
# server to import Temporal and the workflow) costs more than it saves: this process verifies.
PROCESS_POOL_FROM = 50
# Cases in flight per verifying process: fetching some overlaps with replaying others.
CONCURRENCY = 8


def verifying_processes(cases: int, processes: int | None) -> int:
    """How many processes verify `cases` cases; 0 means this process verifies them all."""
    if processes is not None:
        return processes
    return (os.cpu_count() or 1) if cases >= PROCESS_POOL_FROM else 0


def verify_concurrency(processes: int) -> int:
    """Cases verified at a time when the command is not told."""
    return max(CONCURRENCY, CONCURRENCY * processes)
