"""What `audit verify` and `audit verify-archive` both print and write: the failed checks' first
problems, and the `--json` report's header.

Light on imports, as `verify-archive` is: an auditor's machine runs it with no server.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from api.cli.options import fail

if TYPE_CHECKING:
    from models.verification import Check

# Problems shown per failed check in the summary; `--json` keeps every one.
FIRST_PROBLEMS = 3


def require_json_dir(json_file: Path | None) -> None:
    """Fail before any work when `--json` names a file in no directory."""
    if json_file is not None and not json_file.parent.is_dir():
        fail(f"no directory {json_file.parent} for --json")


def echo_problems(checks: Iterable[Check]) -> None:
    """Each failed check's first problems, under its name; the count of the rest."""
    for check in checks:
        if check.ok:
            continue
        shown = check.problems[:FIRST_PROBLEMS]
        for index, problem in enumerate(shown):
            label = f"{check.name.value}:" if index == 0 else ""
            typer.echo(f"  {label:<12}{problem}")
        if len(check.problems) > len(shown):
            typer.echo(f"  {'':<12}(+{len(check.problems) - len(shown)} more)")


def verified_document(cases: int, failed: list[str], **report: Any) -> dict[str, Any]:
    """A `--json` report: when and by which build, how many cases, which failed, then `report`."""
    from api.services.offline import report_document

    return report_document(cases, failed, **report)
