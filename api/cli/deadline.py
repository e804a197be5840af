"""`mufakat deadline` (placeholder until the calendar lands)."""

import typer


def deadline(start: str, limit: str) -> None:
    """Print the due date of a limit counted from a start date."""
    raise typer.Exit(1)
