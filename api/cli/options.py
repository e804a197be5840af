"""Options every `mufakat` command shares, so each finds the database the way the service does."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DataDir = Annotated[
    Path | None,
    typer.Option(help="Data directory (env MUFAKAT_DATA_DIR; default ./.mufakat)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="SQLAlchemy URL of the read model (env MUFAKAT_DATABASE_URL, which keeps a password "
        "out of the process list; default <data-dir>/mufakat.db).",
    ),
]
ApiPort = Annotated[int | None, typer.Option(help="API port (env MUFAKAT_API_PORT; default 8000).")]
TemporalPort = Annotated[
    int | None,
    typer.Option(
        help="Embedded Temporal gRPC port, UI on +1000 (env MUFAKAT_TEMPORAL_PORT; default 7233)."
    ),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and the exit code: 2 for bad input, 1 when a service fails."""
    typer.echo(f"error: {message}", err=True)
    # SystemExit, not typer.Exit: click run with standalone_mode=False (as `main` runs it) returns
    # an Exit's code instead of raising it, so the code would never reach the shell.
    raise SystemExit(code)


_DATA_DIR_STATES = {
    errno.ENOSPC: "is full",
    errno.EDQUOT: "is full",
    errno.EEXIST: "is not a directory",
}


def require_writable_data_dir(data_dir: Path) -> None:
    """Make the data directory and prove it takes a write, or fail in one line (exit 1).

    Checked before anything starts, so a read-only or full disk is named up front instead of
    surfacing as a traceback from whichever file is written first.
    """
    probe = data_dir / f".write-probe-{os.getpid()}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as file:
            # Bytes, flushed to disk: a full disk still lets an empty file be created.
            file.write(b"mufakat")
            file.flush()
            os.fsync(file.fileno())
        probe.unlink()
    except OSError as error:
        with contextlib.suppress(OSError):
            probe.unlink()
        state = _DATA_DIR_STATES.get(error.errno or 0, "is not writable")
        fail(f"data directory {data_dir} {state}: {error.strerror or error}", code=1)


def parse_database_url(text: str) -> URL:
    """The read model's URL parsed, or a one-line failure that never echoes it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        # Not echoed: a malformed URL may still hold a password.
        fail("--database-url / MUFAKAT_DATABASE_URL is not a SQLAlchemy database URL")
