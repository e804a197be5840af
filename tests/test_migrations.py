"""The read model's migrations, on SQLite and PostgreSQL: up, down, drift, and `mufakat db`."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from models import migrate
from models.database import create_database_engine
from models.schema import ensure_schema
from models.tables import CaseNumber

MUFAKAT = str(Path(sys.executable).parent / "mufakat")
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
    assert migrate.current(database_url) == HEAD == "0001"
    assert _tables(database_url) == {*SQLModel.metadata.tables, "alembic_version"}
    engine = create_database_engine(database_url)
    try:
        schema = inspect(engine)
        indexes = {index["name"] for index in schema.get_indexes("cases")}
        assert {"ix_cases_status_due", "ix_cases_stage_due"} <= indexes
        [party_key] = schema.get_foreign_keys("case_parties")
        assert party_key["referred_table"] == "cases"
        if engine.dialect.name == "postgresql":  # SQLite keeps no time zone in its column types
            due_at = next(c for c in schema.get_columns("cases") if c["name"] == "due_at")
            assert isinstance(due_at["type"], DateTime) and due_at["type"].timezone
    finally:
        engine.dispose()


def test_migrations_match_the_tables_in_code(engine: Engine, database_url: str) -> None:
    assert migrate.check(database_url) == []


def test_check_reports_a_missing_index(engine: Engine, database_url: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_cases_stage_due"))
    expected = "add_index ix_cases_stage_due on cases(stage, due_at, case_id)"
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


def test_ensure_schema_from_several_processes_at_once(database_url: str) -> None:
    # One engine each, as separate processes would have; the losers must wait, then do nothing.
    engines = [create_database_engine(database_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(ensure_schema, engines))
    finally:
        for engine in engines:
            engine.dispose()
    assert migrate.current(database_url) == HEAD
    assert migrate.check(database_url) == []


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


def _mufakat(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUFAKAT_")}
    env["MUFAKAT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [MUFAKAT, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_upgrades_and_reports_the_revision(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    before = _mufakat("db", "current", "--database-url", database_url, data_dir=data_dir)
    assert (before.returncode, before.stdout) == (0, "base\n"), before.stderr
    done = _mufakat("db", "upgrade", "--database-url", database_url, data_dir=data_dir)
    assert (done.returncode, done.stdout) == (0, f"ok: at {HEAD}\n"), done.stderr
    assert data_dir.is_dir() and migrate.current(database_url) == HEAD


def test_cli_check_on_the_default_sqlite_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    drift = _mufakat("db", "check", "--data-dir", str(data_dir), data_dir=tmp_path)
    assert drift.returncode == 1 and "add_table cases" in drift.stderr.splitlines()
    assert _mufakat("db", "upgrade", "--data-dir", str(data_dir), data_dir=tmp_path).returncode == 0
    clean = _mufakat("db", "check", "--data-dir", str(data_dir), data_dir=tmp_path)
    assert (clean.returncode, clean.stderr) == (0, "")
    assert (data_dir / "mufakat.db").is_file()


def test_cli_failure_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    failed = _mufakat("db", "current", "--database-url", missing, data_dir=tmp_path)
    assert failed.returncode == 2
    assert failed.stderr == "error: unable to open database file\n"
