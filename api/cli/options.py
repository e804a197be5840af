"""Options every `mufakat` command shares, so each finds the database the way the service does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
