"""Connecting to the read model: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

POOL_TIMEOUT_SECONDS = 10.0
POSTGRESQL_CONNECT_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 5,  # seconds (psycopg's minimum is 2)
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # milliseconds unacknowledged before the connection is dropped
}


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_database_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the read model, tuned for its backend."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # An outage must fail requests fast (the API answers 503) and heal by itself: every checkout
    # pings its connection (a dropped one is replaced, and the whole pool with it), a connection
    # attempt gives up after a few seconds (refused or blackholed), and a request waits for a free
    # connection for a bounded time.
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    kwargs["connect_args"] = _postgresql_connect_defaults(url) | kwargs.get("connect_args", {})
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def _postgresql_connect_defaults(url: str) -> dict[str, Any]:
    # libpq's defaults wait forever for a blackholed server and notice a silently dead peer only
    # after the kernel's ~15 minutes of retransmissions. A URL's own settings win.
    given = make_url(url).query
    return {name: value for name, value in POSTGRESQL_CONNECT_DEFAULTS.items() if name not in given}


def insert_unless_present(session: Session, table: type[SQLModel], **values: Any) -> None:
    """INSERT a row, doing nothing if its key exists already (concurrent writers race for it)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the API read while the worker's projections write; a busy timeout waits for
    # the other process's short transactions instead of failing with "database is locked".
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
