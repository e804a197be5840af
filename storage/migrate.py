"""Alembic migrations of the read model, run from code: no alembic.ini needed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import ColumnCollectionConstraint, Index
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.database import create_database_engine

# Any process that migrates takes this PostgreSQL advisory lock first: "mufakat" in ASCII.
MIGRATION_LOCK = 0x6D_75_66_61_6B_61_74
# How long a process waits for another's migration on SQLite (milliseconds).
MIGRATION_WAIT_MS = 15 * 60 * 1000

# Alembic keeps the running migration in module globals (`alembic.context`, `alembic.op`), so
# two threads of one process must not migrate at the same time, even different databases.
_ALEMBIC_IN_USE = threading.Lock()


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """An Alembic config for the shipped migrations, on a URL or an open connection."""
    config = Config()
    location = str(resources.files("storage") / "migrations")
    # Option values go through ConfigParser interpolation, where `%` is special.
    config.set_main_option("script_location", location.replace("%", "%%"))
    if url is not None:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    engine = create_database_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the engine's database up to `revision`, one process at a time."""
    with _ALEMBIC_IN_USE, engine.connect() as connection, _exclusive(connection):
        command.upgrade(alembic_config(connection=connection), revision)


def current(url: str) -> str | None:
    """The database's revision, or None before the first migration."""
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def check(url: str) -> list[str]:
    """Every difference between the tables in code and those in the database, one per line."""
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return [_describe(diff) for diff in compare_metadata(context, SQLModel.metadata)]
    finally:
        engine.dispose()


@contextmanager
def _exclusive(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock and a transaction; others wait, then find no work."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        connection.commit()
        try:
            with connection.begin():
                yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
    elif connection.dialect.name == "sqlite":
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        # Batch migrations copy a table and drop the old one, which fails while other tables'
        # foreign keys point at it; SQLite ignores this pragma inside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # Another process's migration holds the write lock as long as it runs (filling a new
        # column of every open case takes a minute at 60,000 cases), far past the busy timeout
        # that suits ordinary transactions: wait for it as PostgreSQL's advisory lock would.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
        connection.commit()
        try:
            with connection.begin():
                # pysqlite sends no BEGIN before DDL, so two processes would race to create the
                # same table; BEGIN IMMEDIATE takes the write lock now, and the other process
                # waits for it (busy timeout) before it reads the version table.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield
        finally:
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_timeout}")
            connection.commit()
    else:
        with connection.begin():
            yield


def _describe(diff: Any) -> str:
    # compare_metadata yields tuples such as ("add_table", Table) or ("add_column", schema,
    # table name, Column), and a list of ("modify_type", schema, table name, column name,
    # reflected options, old, new) tuples per changed column.
    if isinstance(diff, list):
        return "; ".join(_describe(change) for change in diff)
    operation, *subjects = diff
    if operation.startswith("modify_"):
        _schema, table, column, _options, old, new = subjects
        return f"{operation} {table}.{column}: {old} → {new}"
    return f"{operation} {_name(subjects[-1])}"


def _name(subject: Any) -> str:
    if isinstance(subject, Table):
        return subject.name
    if isinstance(subject, Column):
        return f"{subject.table.name}.{subject.name}"
    if isinstance(subject, Index | ColumnCollectionConstraint):
        table = subject.table.name if subject.table is not None else ""
        columns = ", ".join(column.name for column in subject.columns)
        return f"{subject.name or type(subject).__name__} on {table}({columns})"
    return str(subject)
