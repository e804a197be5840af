"""`mufakat db`: migrate the read model's database and compare it with the tables in code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from api.cli.options import DatabaseUrl, DataDir, instance_settings, parse_database_url

# Alembic and SQLAlchemy load when a `db` command runs: every other command would pay over a second.

app = typer.Typer(help="Migrate the read model's database (Alembic).", no_args_is_help=True)

# SystemExit, not typer.Exit: click run with standalone_mode=False (as `main` runs it) returns an
# Exit's code instead of raising it, so the code would never reach the shell.
_DIFFERENT = 1
_FAILED = 2


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the database up to a revision (default: the newest) and print where it is."""
    from storage import migrate

    url = _url(data_dir, database_url)
    with _one_line_errors():
        migrate.upgrade(url, revision)
        at = migrate.current(url)
    typer.echo(f"ok: at {at or 'base'}")


@app.command()
def current(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Print the database's revision, or `base` before the first migration."""
    from storage import migrate

    url = _url(data_dir, database_url)
    with _one_line_errors():
        at = migrate.current(url)
    typer.echo(at or "base")


@app.command()
def check(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Compare the database with the tables in code: `ok`, or one line per difference, exit 1."""
    from storage import migrate

    url = _url(data_dir, database_url)
    with _one_line_errors():
        differences = migrate.check(url)
    for difference in differences:
        typer.echo(difference, err=True)
    if differences:
        raise SystemExit(_DIFFERENT)
    typer.echo("ok: the database matches the tables in code")


def _url(data_dir: Path | None, database_url: str | None) -> str:
    """The read model's URL: as named, else the running instance's, else an existing default."""
    settings = instance_settings(data_dir, database_url, uses_temporal=False)
    try:
        # A named data directory may not exist yet, and `db upgrade` may make its SQLite file.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _fail(str(error))
    parse_database_url(settings.database_url)
    return settings.database_url


@contextmanager
def _one_line_errors() -> Iterator[None]:
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    # ImportError: a URL naming a driver that is not installed, such as mysql://.
    except (SQLAlchemyError, CommandError, OSError, ImportError) as error:
        # The driver's own message says what went wrong; SQLAlchemy's adds the SQL and a link.
        cause = getattr(error, "orig", None) or error
        _fail(str(cause) or type(cause).__name__)


def _fail(reason: str) -> NoReturn:
    typer.echo(f"error: {' '.join(reason.split())}", err=True)
    raise SystemExit(_FAILED) from None
