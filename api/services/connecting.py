"""How a process beside the API (a CLI command) reaches the read model and Temporal, the way
the API and the worker do."""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.services.backend import Backend
from models.settings import Settings
from storage.database import create_database_engine
from storage.schema import ensure_schema
from workflows.client import connect_client


def read_model(database_url: str, *, migrate: bool) -> Engine:
    """An engine on the read model; `migrate` brings its schema to the newest revision first
    (an audit reads the record as it is, and changes nothing)."""
    engine = create_database_engine(database_url)
    if migrate:
        try:
            ensure_schema(engine)
        except BaseException:
            engine.dispose()
            raise
    return engine


async def temporal_client(settings: Settings) -> Client:
    """A client of the settings' Temporal: Temporal's own settings (`TEMPORAL_*`) when they name
    a server, else the embedded dev server. Raises RuntimeError or ValueError when it cannot."""
    return await connect_client(
        embedded_address=settings.embedded_temporal_address,
        namespace=settings.namespace,
        # A plain dict: Temporal's settings loader refuses `os.environ` itself ("'_Environ'
        # object is not an instance of 'dict'") once TEMPORAL_ADDRESS is set.
        env=dict(os.environ),
    )


async def connect_backend(settings: Settings, engine: Engine) -> Backend:
    """A backend on `engine` and the settings' Temporal; raises as `temporal_client` does."""
    return Backend(engine, await temporal_client(settings), settings)
