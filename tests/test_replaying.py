"""Verifying lanes: this process verifies only until a verifying process has answered."""

from __future__ import annotations

import asyncio

from audit.verify_pool import Lanes


async def test_this_process_stops_verifying_once_the_pool_answers() -> None:
    lanes = Lanes(pool_slots=2)
    took: list[tuple[str, bool]] = []

    async def batch(name: str) -> None:
        async with lanes.take() as in_pool:
            took.append((name, in_pool))
            # This process is quick and the pool slow to answer, as while processes start.
            await asyncio.sleep(0.05 if in_pool else 0.01)

    await asyncio.gather(*(batch(f"early-{n}") for n in range(6)))
    early = dict(took)
    assert not all(early.values()), "while the pool starts, this process verifies"
    assert any(early.values()), "the pool takes batches as soon as it is asked"
    took.clear()
    await asyncio.gather(*(batch(f"late-{n}") for n in range(6)))
    assert all(in_pool for _, in_pool in took), took
