"""Empty read-model databases for tests, on SQLite and on PostgreSQL (`database_url`, `engine`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import NullPool, create_engine, make_url
from sqlalchemy.engine import Engine

from storage.database import create_database_engine
from storage.schema import ensure_schema

BACKENDS = ("sqlite", "postgresql")

# The PostgreSQL server the tests use (every development and CI machine runs one); an unreachable
# server fails the PostgreSQL tests rather than skipping them, so that path is never untested.
POSTGRESQL_URL_ENV = "MUFAKAT_TEST_POSTGRESQL_URL"
DEFAULT_POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def temporary_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file in `directory`, or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'read-model.db'}"
    elif backend == "postgresql":
        with _postgresql_schema() as url:
            yield url
    else:
        raise ValueError(f"unknown database backend {backend!r}")


@contextmanager
def _postgresql_schema() -> Iterator[str]:
    # A schema per test, not a database: creating one is fast, and tests run side by side
    # (also from other checkouts) without seeing each other's tables.
    server = os.environ.get(POSTGRESQL_URL_ENV) or DEFAULT_POSTGRESQL_URL
    admin = create_engine(server, poolclass=NullPool, connect_args={"connect_timeout": 5})
    schema = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            # Every connection made from this URL resolves unqualified names, Alembic's version
            # table included, in the test's schema alone.
            url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                # A leaked transaction would make DROP wait forever; fail the teardown instead.
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend, dropped after the test."""
    with temporary_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the newest revision."""
    migrated = create_database_engine(database_url)
    try:
        ensure_schema(migrated)
        yield migrated
    finally:
        migrated.dispose()
