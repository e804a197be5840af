"""Options every `mufakat` command shares, so each finds the database the way the service does.

A command that works on an instance's data (`keys`, `db`, `reindex`, `audit`) takes each setting
from, in this order: its option or `MUFAKAT_*` variable; the running `mufakat dev` (its record,
`api.cli.instance`); the default data directory `./.mufakat`. Without an explicit location it
never creates a database: a command run from the wrong folder says so instead of answering from
an empty one.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from api.cli.instance import InstanceRecord
    from models.settings import Settings

DataDir = Annotated[
    Path | None,
    typer.Option(
        help="Data directory (env MUFAKAT_DATA_DIR; default: the running `mufakat dev`'s, "
        "else ./.mufakat)."
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="SQLAlchemy URL of the read model (env MUFAKAT_DATABASE_URL, which keeps a password "
        "out of the process list; default: the running `mufakat dev`'s, else "
        "<data-dir>/mufakat.db).",
    ),
]
ApiPort = Annotated[int | None, typer.Option(help="API port (env MUFAKAT_API_PORT; default 8000).")]
TemporalPort = Annotated[
    int | None,
    typer.Option(
        help="Embedded Temporal gRPC port, UI on +1000 (env MUFAKAT_TEMPORAL_PORT; default 7233)."
    ),
]
# For commands that find the running instance: naming it as `mufakat dev` was started.
InstanceTemporalPort = Annotated[
    int | None,
    typer.Option(
        help="Embedded Temporal gRPC port (env MUFAKAT_TEMPORAL_PORT; default: the running "
        "`mufakat dev`'s, else 7233).",
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


def _settings(**values: Any) -> Settings:
    """Settings from the environment with `values` on top, or one line naming what is wrong."""
    from pydantic import ValidationError

    from models.settings import get_settings

    try:
        return get_settings(**values)
    except ValidationError as error:
        problems = (f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        fail("; ".join(problems))


def _in_environment(setting: str) -> bool:
    """The `MUFAKAT_*` variable of a setting is set (pydantic reads them case-insensitively)."""
    wanted = f"MUFAKAT_{setting}".upper()
    return any(name.upper() == wanted for name in os.environ)


def instance_settings(
    data_dir: Path | None,
    database_url: str | None,
    temporal_port: int | None = None,
    *,
    uses_temporal: bool = True,
) -> Settings:
    """The settings of the instance a command works on, or one line saying why there is none.

    Each setting comes from the command's option or its `MUFAKAT_*` variable, else from the
    running `mufakat dev` (the one on the named data directory, or the only one recorded), else
    from the defaults. With nothing named and nothing running, the default data directory's read
    model must exist: it is never created here. `uses_temporal=False` (keys, db): a named
    database is all the command needs, so no record is consulted for it.
    """
    from api.cli.instance import recorded_instances, running_in

    told_dir = data_dir is not None or _in_environment("data_dir")
    told_database = database_url is not None or _in_environment("database_url")
    told = {"data_dir": data_dir, "database_url": database_url, "temporal_port": temporal_port}
    named = {name: value for name, value in told.items() if value is not None}
    if told_dir:
        settings = _settings(**named)
        record = running_in(settings.data_dir)
        if record is None:
            return settings
    elif told_database and not uses_temporal:
        return _settings(**named)
    else:
        running, stale = recorded_instances()
        if len(running) > 1:
            fail(
                f"{len(running)} instances of mufakat dev are running, "
                f"{'; '.join(one.describe() for one in running)}: choose one with --data-dir"
            )
        if not running:
            settings = _settings(**named)
            if not told_database:
                _require_read_model(settings, stale)
            return settings
        record = running[0]
    return _settings(**(_recorded(record, told_dir, told_database) | named))


def _recorded(record: InstanceRecord, told_dir: bool, told_database: bool) -> dict[str, Any]:
    """The settings the running instance gives, where the command was told nothing."""
    values: dict[str, Any] = {}
    if not told_dir:
        values["data_dir"] = record.data_dir
    if not told_database:
        if record.database_url_has_password:
            # The record never holds the password, and guessing another database is worse.
            fail(
                f"the mufakat dev on {record.data_dir} uses the read model "
                f"{record.database_url}, whose password is not recorded: "
                "set MUFAKAT_DATABASE_URL"
            )
        values["database_url"] = record.database_url
    for setting in ("temporal_port", "namespace", "documents_dir", "archive_dir"):
        if not _in_environment(setting):
            values[setting] = getattr(record, setting)
    return values


def _require_read_model(settings: Settings, stale: list[InstanceRecord]) -> None:
    """Nothing runs and nothing was named: the default data directory's read model, if it is
    there; otherwise one line, rather than an empty database made in whatever folder this is."""
    gone = ""
    if stale:
        last = stale[0]
        gone = f" (the one recorded on {last.data_dir}, pid {last.pid}, has stopped)"
    url = parse_database_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    if Path(str(url.database)).is_file():
        typer.echo(
            f"note: no mufakat dev is running{gone}; using the data directory {settings.data_dir}",
            err=True,
        )
        return
    fail(
        f"no mufakat dev is running{gone} and there is no read model in {settings.data_dir}: "
        "start mufakat dev, or give --data-dir or --database-url",
        code=1,
    )
