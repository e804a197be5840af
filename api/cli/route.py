"""`mufakat route` (placeholder until routing lands)."""

import typer


def route(codes: list[str]) -> None:
    """Print the forum and routing rule for the parties' region codes."""
    raise typer.Exit(1)
