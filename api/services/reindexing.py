"""Rebuilding the read model from Temporal, which is the record (`mufakat reindex`)."""

from __future__ import annotations

from api.services.backend import Backend
from workflows.reindex import ReindexReport, clear_cases, reindex

__all__ = ["ReindexReport", "rebuild_read_model"]


async def rebuild_read_model(
    backend: Backend, *, query: str, concurrency: int, fresh: bool
) -> ReindexReport:
    """Project again every case the visibility `query` finds; `fresh` empties the case tables
    first (keys and filing keys stay), once Temporal has answered."""
    if fresh:
        clear_cases(backend.engine)
    return await reindex(backend.temporal, backend.engine, query=query, concurrency=concurrency)
