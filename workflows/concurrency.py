"""Running many case operations a few at a time, as the results come."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable
from typing import Any, TypeVar

_I = TypeVar("_I")
_T = TypeVar("_T")


async def as_ready(
    items: Iterable[_I] | AsyncIterable[_I],
    work: Callable[[_I], Coroutine[Any, Any, _T]],
    concurrency: int,
) -> AsyncIterator[_T]:
    """`work` over `items`, at most `concurrency` at a time; results as they are ready."""
    # Tasks are made as others finish, not all at first: `--all` may name many thousands.
    running: set[asyncio.Task[_T]] = set()
    try:
        async for item in _each(items):
            if len(running) >= concurrency:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    yield task.result()
            running.add(asyncio.create_task(work(item)))
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in running:
            task.cancel()


async def _each(items: Iterable[_I] | AsyncIterable[_I]) -> AsyncIterator[_I]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
