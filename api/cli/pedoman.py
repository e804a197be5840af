"""`mufakat pedoman` (placeholder until the checker lands)."""

import typer

app = typer.Typer(help="Check and show guidelines.")


@app.command()
def check(file: str) -> None:
    """Check a guideline file."""
    raise typer.Exit(1)
