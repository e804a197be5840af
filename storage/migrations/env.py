"""Alembic's environment: the read model's tables, on the connection or URL it is handed."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from models.settings import get_settings
from storage.database import create_database_engine, normalise_url

config = context.config
target_metadata = SQLModel.metadata

# Batch operations are plain ALTERs on PostgreSQL and table copies on SQLite, which cannot alter
# columns, so autogenerate renders every migration in batch mode to keep it portable to both.
RENDER_AS_BATCH = True


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=RENDER_AS_BATCH,
    )
    # Inside a caller's transaction (see storage.migrate) this joins it instead of opening one.
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    # Set as an attribute, not the `sqlalchemy.url` option: ConfigParser would read the `%` of
    # `options=-csearch_path%3D…` as interpolation.
    url = config.attributes.get("url") or get_settings().database_url
    return normalise_url(str(url))


def run_offline() -> None:
    """Write the migrations' SQL instead of running it (`sql=True`)."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        render_as_batch=RENDER_AS_BATCH,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on the caller's connection, or on a new one to the URL."""
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run_on(connection)
        return
    engine = create_database_engine(_url())
    try:
        with engine.connect() as new_connection:
            _run_on(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
