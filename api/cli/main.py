"""The `mufakat` command."""

from __future__ import annotations

import os
import sys
import traceback

import typer
from typer._click.exceptions import ClickException

from api.cli import audit, db, deadline, dev, keys, pedoman, reindex, route

app = typer.Typer(
    name="mufakat",
    help="Mufakat: regional-cooperation disputes (perselisihan Kerja Sama Daerah), case by case.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(pedoman.app, name="pedoman")
app.add_typer(keys.app, name="keys")
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(deadline.app, name="deadline")
app.command("route")(route.route)
app.command("dev")(dev.dev)
app.command("worker")(dev.worker)
app.command("dispatcher")(dev.dispatcher)
app.command("api")(dev.api)
app.command("reindex")(reindex.reindex)


def main() -> None:
    """Run the CLI, then leave without interpreter finalisation.

    The Temporal SDK's native runtime can crash while Python finalises (sdk-python#300), which
    would turn a successful command into SIGABRT; flushing and `os._exit` avoids that race.
    """
    code = 0
    try:
        # Without standalone mode click returns the exit code of typer.Exit instead of raising.
        result = app(standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except KeyboardInterrupt:
        code = 130
    except ClickException as error:  # usage errors: one line, no traceback
        error.show()
        code = error.exit_code
    except Exception:  # still leave through os._exit below, with the traceback on stderr
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
