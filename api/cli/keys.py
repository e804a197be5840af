"""`mufakat keys`: create, list and revoke API keys in the service's own database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.options import DatabaseUrl, DataDir, fail, instance_settings, parse_database_url
from models.roles import Role

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.tables import ApiKey

# The database machinery (SQLAlchemy, FastAPI through api.auth) is imported when a `keys` command
# runs: importing it here would add most of a second to every `mufakat` command.

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def _database(data_dir: Path | None, database_url: str | None) -> tuple[str, Path | None]:
    """The read model's URL, and its SQLite file if that does not exist yet.

    Without a named location it is the running instance's database, or an existing default one
    (`instance_settings`); only `keys create` makes a new file, and only where it was told to.
    """
    settings = instance_settings(data_dir, database_url, uses_temporal=False)
    url = parse_database_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        file = Path(url.database)
        if not file.exists():
            return settings.database_url, file
    return settings.database_url, None


@contextmanager
def _session(database_url: str) -> Iterator[Session]:
    """A session on the database the service uses, its tables created if missing."""
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    from api.services.connecting import read_model

    engine = None
    try:
        engine = read_model(database_url, migrate=True)
        with Session(engine) as session:
            yield session
    except OperationalError as error:
        # Only the driver's own first line: the full text would repeat the SQL statement.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "cannot connect"
        shown = parse_database_url(database_url).render_as_string(hide_password=True)
        fail(f"database {shown}: {reason}", code=1)
    finally:
        if engine is not None:
            engine.dispose()


def _created(file: Path | None) -> None:
    """Say so when a command made a new database: a key there serves no running instance."""
    if file is not None and file.exists():
        typer.echo(
            f"note: created a new read model at {file}; the key works once the service runs on it",
            err=True,
        )


def _when(at: datetime | None) -> str:
    if at is None:
        return "-"
    # SQLite hands instants back without their zone; they were stored in UTC.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@app.command()
def create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(Role)}.", show_default=False)],
    name: Annotated[str, typer.Option(help="Who holds the key.", show_default=False)],
    scope: Annotated[
        str | None,
        typer.Option(
            help="gwpp: province code (32); party: region code (32, 32.04) or third-party id; "
            "prosecutor: optional region code; adjudicator: optional institution id "
            "(PN-BANDUNG, BANI); none for national roles.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key and print its token, the only time it is shown."""
    try:
        # Parsed here rather than as a typer choice, so a wrong role is one line, like a bad scope.
        parsed = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}: expected one of {', '.join(Role)}")
    database, new_file = _database(data_dir, database_url)
    if new_file is not None:
        # A first key may come before the service has ever run on the named data directory.
        new_file.parent.mkdir(parents=True, exist_ok=True)
    from api.auth import create_key  # after the checks: it loads FastAPI

    with _session(database) as session:
        try:
            key, token = create_key(
                session, role=parsed, scope=scope, name=name, now=datetime.now(UTC)
            )
        except ValueError as error:
            fail(str(error))
    typer.echo("warning: the token is shown only now and cannot be recovered; store it", err=True)
    typer.echo(f"token: {token}")
    typer.echo(f"key id: {key.key_id}")
    typer.echo(f"role: {key.role}")
    typer.echo(f"scope: {key.scope or '-'}")
    _created(new_file)


@app.command("list")
def list_(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """List every key, revoked ones included; never a secret."""
    database, missing = _database(data_dir, database_url)
    if missing is not None:
        fail(f"no read model at {missing}", code=1)
    from api.auth import list_keys  # after the checks: it loads FastAPI

    with _session(database) as session:
        keys = list_keys(session)
    header = ("KEY ID", "NAME", "ROLE", "SCOPE", "CREATED", "REVOKED")
    rows = [header, *(_row(key) for key in keys)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo("  ".join(cells).rstrip())


def _row(key: ApiKey) -> tuple[str, str, str, str, str, str]:
    return (
        key.key_id,
        key.name,
        key.role,
        key.scope or "-",
        _when(key.created_at),
        _when(key.revoked_at),
    )


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `keys list` shows it.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: every request with it is refused from now on."""
    database, missing = _database(data_dir, database_url)
    if missing is not None:
        fail(f"no key {key_id}")  # a database not made yet holds no key
    from api.auth import revoke_key  # after the checks: it loads FastAPI

    with _session(database) as session:
        try:
            key = revoke_key(session, key_id, datetime.now(UTC))
        except LookupError:
            fail(f"no key {key_id}")
    typer.echo(f"revoked: {key.key_id} ({key.name}) at {_when(key.revoked_at)}")
