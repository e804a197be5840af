"""`mufakat keys`, run as the installed console script against a fresh data directory."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import MUFAKAT

# The test's own data directory must win, whatever the developer's shell has set.
ENV = {name: value for name, value in os.environ.items() if not name.startswith("MUFAKAT_")}


POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def keys(
    data_dir: Path | None, *args: str, env: dict[str, str] = ENV
) -> subprocess.CompletedProcess[str]:
    where = [] if data_dir is None else ["--data-dir", str(data_dir)]
    return subprocess.run(
        [MUFAKAT, "keys", *args, *where],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_create_list_revoke(tmp_path: Path) -> None:
    data_dir = tmp_path / "not-yet"  # created on first use

    created = keys(data_dir, "create", "--role", "party", "--scope", "32.04", "--name", "Bandung")
    assert created.returncode == 0, created.stderr
    token_line, *details = created.stdout.splitlines()
    token = token_line.removeprefix("token: ")
    match = re.fullmatch(r"mk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", token)
    assert match is not None, created.stdout
    key_id, secret = match.groups()
    assert details == [f"key id: {key_id}", "role: party", "scope: 32.04"]
    assert created.stderr.startswith("warning: the token is shown only now")
    assert (data_dir / "mufakat.db").is_file()

    listed = keys(data_dir, "list")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split() == ["KEY", "ID", "NAME", "ROLE", "SCOPE", "CREATED", "REVOKED"]
    assert row.split()[:4] == [key_id, "Bandung", "party", "32.04"]
    assert row.split()[-1] == "-"
    assert secret not in listed.stdout

    revoked = keys(data_dir, "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"revoked: {key_id} (Bandung) at ")

    (row,) = keys(data_dir, "list").stdout.splitlines()[1:]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", row.split()[-1])


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["create", "--role", "mayor", "--name", "x"],
            "error: unknown role 'mayor': expected one of operator, gwpp, minister, party, "
            "prosecutor, adjudicator, auditor, admin",
        ),
        (
            ["create", "--role", "gwpp", "--scope", "32.04", "--name", "x"],
            "error: role gwpp needs a province code like 32, not 32.04",
        ),
        (
            ["create", "--role", "auditor", "--scope", "32", "--name", "BPK"],
            "error: role auditor is national and takes no scope",
        ),
        (["revoke", "0123456789ab"], "error: no key 0123456789ab"),
    ],
)
def test_bad_requests_print_one_line_and_exit_2(
    tmp_path: Path, args: list[str], error: str
) -> None:
    done = keys(tmp_path, *args)
    assert done.returncode == 2
    assert done.stderr == f"{error}\n"
    assert done.stdout == ""


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose tables live in a schema of their own, dropped afterwards."""
    schema = f"test_cli_keys_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_a_database_url_from_the_environment_or_an_option(postgres_url: str) -> None:
    env = {**ENV, "MUFAKAT_DATABASE_URL": postgres_url}
    created = keys(None, "create", "--role", "prosecutor", "--name", "JAM Datun", env=env)
    assert created.returncode == 0, created.stderr
    key_id = created.stdout.splitlines()[1].removeprefix("key id: ")

    listed = keys(None, "list", "--database-url", postgres_url)
    assert listed.returncode == 0, listed.stderr
    (row,) = listed.stdout.splitlines()[1:]
    assert row.split()[:5] == [key_id, "JAM", "Datun", "prosecutor", "-"]
