"""`mufakat dev`, `worker`, `api` (placeholder until the supervisor lands)."""

import typer


def dev() -> None:
    """Run the embedded default."""
    raise typer.Exit(1)


def worker() -> None:
    """Run the worker."""
    raise typer.Exit(1)


def api() -> None:
    """Run the API."""
    raise typer.Exit(1)
