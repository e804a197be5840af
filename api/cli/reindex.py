"""`mufakat reindex`: rebuild the read model from Temporal."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from api.cli.options import DatabaseUrl, DataDir, InstanceTemporalPort, fail, instance_settings


def reindex(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    temporal_port: InstanceTemporalPort = None,
    fresh: Annotated[
        bool, typer.Option(help="Empty the case tables first (keys and filing keys stay).")
    ] = False,
    query: Annotated[
        str, typer.Option(help="Visibility query choosing the cases.")
    ] = "WorkflowType = 'Case'",
    concurrency: Annotated[int, typer.Option(min=1, max=64)] = 8,
) -> None:
    """Rebuild the read model from every case's workflow (Temporal is the record)."""
    from api.services.connecting import connect_backend, read_model
    from api.services.reindexing import rebuild_read_model

    # The running instance's, unless told: never a new empty database in whatever folder this is.
    settings = instance_settings(data_dir, database_url, temporal_port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = read_model(settings.database_url, migrate=True)

    async def run() -> None:
        try:
            backend = await connect_backend(settings, engine)
        except (RuntimeError, ValueError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            fail(f"cannot connect to Temporal: {reason}", code=1)
        report = await rebuild_read_model(
            backend, query=query, concurrency=concurrency, fresh=fresh
        )
        typer.echo(f"projected {len(report.projected)} case(s)")
        for case_id, reason in sorted(report.failed.items()):
            typer.echo(f"error: {case_id}: {reason}", err=True)
        if report.failed:
            raise SystemExit(1)

    asyncio.run(run())
