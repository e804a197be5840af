"""The read model's migrations, on SQLite and PostgreSQL: up, down, drift, and `mufakat db`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from models.tables import CaseNumber
from storage import migrate
from storage.database import create_database_engine
from storage.schema import ensure_schema
from tests.conftest import MUFAKAT

HEAD = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def _tables(url: str) -> set[str]:
    engine = create_database_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    assert migrate.current(database_url) is None
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == HEAD == "0013"
    assert _tables(database_url) == {*SQLModel.metadata.tables, "alembic_version"}
    engine = create_database_engine(database_url)
    try:
        schema = inspect(engine)
        indexes = {index["name"] for index in schema.get_indexes("cases")}
        assert {
            "ix_cases_due_order",
            "ix_cases_status_due_order",
            "ix_cases_stage_due_order",
        } <= indexes
        [party_key] = schema.get_foreign_keys("case_parties")
        assert party_key["referred_table"] == "cases"
        if engine.dialect.name == "postgresql":  # SQLite keeps no time zone in its column types
            due_at = next(c for c in schema.get_columns("cases") if c["name"] == "due_at")
            assert isinstance(due_at["type"], DateTime) and due_at["type"].timezone
    finally:
        engine.dispose()


def test_upgrade_to_0004_indexes_the_provinces_of_recorded_cases(database_url: str) -> None:
    migrate.upgrade(database_url, "0003")
    engine = create_database_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO cases (case_id, version, case_type, title, title_search, stage, "
                    "status, forum, routing_rule, due_order, overdue, paused, filed_at, "
                    "updated_at, guideline_version, guideline_hash, detail) VALUES ('PKD-2026-"
                    "000001', 1, 'KSDD', 't', 't', 'intake', 'open', 'minister', 'R5', "
                    ":due, false, false, :due, :due, '2026.1', 'h', '{}')"
                ),
                {"due": "2026-12-01 00:00:00"},
            )
            for party, province in [("32.04", "32"), ("33.74", "33"), ("33.02", "33"), ("X", None)]:
                connection.execute(
                    text(
                        "INSERT INTO case_parties (case_id, party_id, kind, side, name, "
                        "province_code) VALUES ('PKD-2026-000001', :party, 'kota', 'requesting', "
                        "'n', :province)"
                    ),
                    {"party": party, "province": province},
                )
        migrate.upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT province_code FROM case_provinces ORDER BY province_code")
            ).all()
        assert [row[0] for row in rows] == ["32", "33"]  # once per province, none for "X"
    finally:
        engine.dispose()


def test_migrations_match_the_tables_in_code(engine: Engine, database_url: str) -> None:
    assert migrate.check(database_url) == []


def test_check_reports_a_missing_index(engine: Engine, database_url: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_cases_stage_due_order"))
    expected = "add_index ix_cases_stage_due_order on cases(stage, due_order, case_id)"
    assert migrate.check(database_url) == [expected]


def test_downgrade_to_base_drops_every_table(database_url: str) -> None:
    migrate.upgrade(database_url)
    command.downgrade(migrate.alembic_config(database_url), "base")
    assert migrate.current(database_url) is None
    assert _tables(database_url) == {"alembic_version"}


def test_ensure_schema_again_keeps_the_data(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(CaseNumber(year=2026, last=7))
        session.commit()
    ensure_schema(engine)
    with Session(engine) as session:
        assert session.exec(select(CaseNumber.last)).all() == [7]
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert versions.scalars().all() == [HEAD]


def test_ensure_schema_waits_for_a_migration_in_progress(database_url: str) -> None:
    holder = create_database_engine(database_url)
    waiter = create_database_engine(database_url)
    try:
        with holder.connect() as connection, ThreadPoolExecutor(1) as pool:
            # Another process's migration, as storage.migrate runs it: locked, one transaction.
            if holder.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": migrate.MIGRATION_LOCK})
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            waiting = pool.submit(ensure_schema, waiter)
            assert not wait([waiting], timeout=0.5).done
            command.upgrade(migrate.alembic_config(connection=connection), "head")
            connection.commit()
            waiting.result(timeout=30)  # no "table already exists": it found the work done
        assert migrate.current(database_url) == HEAD
    finally:
        holder.dispose()
        waiter.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_tables_and_version_table_live_in_the_test_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        found = connection.execute(
            text(
                "SELECT table_schema FROM information_schema.tables"
                " WHERE table_name IN ('alembic_version', 'cases')"
                " AND table_schema IN (:schema, 'public')"
            ),
            {"schema": schema},
        )
        assert schema.startswith("test_") and found.scalars().all() == [schema, schema]


def _mufakat(*args: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUFAKAT_")}
    env["MUFAKAT_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [MUFAKAT, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


def test_cli_upgrade_from_several_processes_then_current(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    upgrades = [
        _mufakat("db", "upgrade", "--database-url", database_url, data_dir=data_dir)
        for _ in range(3)
    ]
    assert [_finish(process) for process in upgrades] == [(0, f"ok: at {HEAD}\n", "")] * 3
    current = _mufakat("db", "current", "--database-url", database_url, data_dir=data_dir)
    assert _finish(current) == (0, f"{HEAD}\n", "")
    assert data_dir.is_dir()


def test_sqlite_upgrade_waits_for_a_migration_longer_than_the_busy_timeout(tmp_path: Path) -> None:
    """A long migration (filling a column of every open case) holds SQLite's write lock past
    the 10 s busy timeout of ordinary transactions; a second process must wait, not fail."""
    database = tmp_path / "read-model.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")  # as every process of the service opens it
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as another process's migration holds it
    try:
        upgrade = _mufakat(
            "db", "upgrade", "--database-url", f"sqlite:///{database}", data_dir=tmp_path / "data"
        )
        # The process's start-up plus the ordinary busy timeout (storage/database.py), and more.
        time.sleep(15)
        assert upgrade.poll() is None, upgrade.communicate()
    finally:
        holder.rollback()
        holder.close()
    assert _finish(upgrade) == (0, f"ok: at {HEAD}\n", "")


def test_cli_check_on_the_default_sqlite_file(tmp_path: Path) -> None:
    data_dir = ["--data-dir", str(tmp_path / "fresh")]
    code, _, drift = _finish(_mufakat("db", "check", *data_dir, data_dir=tmp_path))
    assert code == 1 and "add_table cases" in drift.splitlines()
    assert _finish(_mufakat("db", "current", *data_dir, data_dir=tmp_path)) == (0, "base\n", "")
    assert _finish(_mufakat("db", "upgrade", *data_dir, data_dir=tmp_path))[0] == 0
    clean = _finish(_mufakat("db", "check", *data_dir, data_dir=tmp_path))
    assert clean == (0, "ok: the database matches the tables in code\n", "")
    assert (tmp_path / "fresh" / "mufakat.db").is_file()


def test_cli_failure_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    failed = _mufakat("db", "current", "--database-url", missing, data_dir=tmp_path)
    assert _finish(failed) == (2, "", "error: unable to open database file\n")
