"""`mufakat pedoman`: check a guideline file, draw its stage graph, compare two guidelines, export
a shipped one."""

from __future__ import annotations

import json
import tomllib
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from models.case import CaseType
from models.guidelines import DEFAULT_VERSION, SHIPPED_VERSIONS, shipped_guideline
from models.pedoman import Guideline
from models.pedoman_check import Problem, check_guideline
from models.pedoman_diff import diff_guidelines, diff_text
from models.pedoman_graph import mermaid, stage_table

app = typer.Typer(help="Check, show and export guidelines (pedoman).", no_args_is_help=True)

# SystemExit, not typer.Exit: click run with standalone_mode=False (as `main` runs it) returns an
# Exit's code instead of raising it, so the code would never reach the shell.
_PROBLEMS = 1
_UNREADABLE = 2


class GraphFormat(StrEnum):
    MERMAID = "mermaid"
    TABLE = "table"


class ExportFormat(StrEnum):
    TOML = "toml"
    JSON = "json"


def _read(file: Path) -> dict[str, Any]:
    """The file's raw mapping, or one line naming the file and exit 2."""
    try:
        text = file.read_text(encoding="utf-8")
        data: Any = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        # An OSError's own text repeats the file name; its strerror alone says what went wrong.
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        reason = " ".join(reason.split())
        typer.echo(f"{file}: cannot read: {reason}", err=True)
        raise SystemExit(_UNREADABLE) from None
    if not isinstance(data, dict):  # a JSON file whose top level is not an object
        typer.echo(f"{file}: cannot read: the top level must be a table (object)", err=True)
        raise SystemExit(_UNREADABLE)
    return data


def _shipped_version(version: str) -> str:
    if version not in SHIPPED_VERSIONS:
        shipped = ", ".join(SHIPPED_VERSIONS)
        typer.echo(f"guideline {version} is not shipped (shipped: {shipped})", err=True)
        raise SystemExit(_UNREADABLE)
    return version


def _guideline(source: str) -> Guideline:
    """A shipped version (`2026.1`) or a guideline file; a file must pass the schema."""
    if source in SHIPPED_VERSIONS:
        return shipped_guideline(source)
    data = _read(Path(source))
    try:
        return Guideline.model_validate(data)
    except ValidationError:
        _fail(check_guideline(data))


def _fail(problems: list[Problem]) -> NoReturn:
    for problem in problems:
        typer.echo(str(problem), err=True)
    raise SystemExit(_PROBLEMS)


@app.command()
def check(
    file: Annotated[
        Path, typer.Argument(help="A guideline file, TOML or JSON.", show_default=False)
    ],
) -> None:
    """Check a guideline file: `ok: <version> <content hash>`, or one line per problem."""
    data = _read(file)
    problems = check_guideline(data)
    if problems:
        _fail(problems)
    guideline = Guideline.model_validate(data)
    typer.echo(f"ok: {guideline.version} {guideline.content_hash()}")


@app.command()
def show(
    file: Annotated[
        Path | None, typer.Option(help="A guideline file (default: a shipped guideline).")
    ] = None,
    version: Annotated[
        str, typer.Option("--version", help="The shipped version to draw, without --file.")
    ] = DEFAULT_VERSION,
    track: Annotated[
        CaseType | None, typer.Option(help="One track (default: every track).")
    ] = None,
    output: Annotated[GraphFormat, typer.Option("--format", help="How to draw it.")] = (
        GraphFormat.MERMAID
    ),
) -> None:
    """Draw a guideline's stage graph per track, as Mermaid or as a plain-text table."""
    guideline = shipped_guideline(_shipped_version(version))
    if file is not None:
        data = _read(file)
        try:
            guideline = Guideline.model_validate(data)
        except ValidationError:
            # Only schema problems stop the drawing: a broken graph is what one wants to see.
            _fail(check_guideline(data))
    if track is not None and track not in guideline.tracks:
        typer.echo(f"guideline {guideline.version} has no track {track.value}", err=True)
        raise SystemExit(_UNREADABLE)
    render = mermaid if output is GraphFormat.MERMAID else stage_table
    chosen = [track] if track is not None else list(guideline.tracks)
    for number, case_type in enumerate(chosen):
        if track is None:
            heading = f"%% {case_type.value}"
            if output is GraphFormat.TABLE:
                heading = f"{case_type.value}: {guideline.tracks[case_type].title}"
            typer.echo(("\n" if number else "") + heading)
        typer.echo(render(guideline, case_type), nl=False)


@app.command()
def diff(
    before: Annotated[str, typer.Argument(help="A shipped version (2026.1) or a guideline file.")],
    after: Annotated[str, typer.Argument(help="A shipped version or a guideline file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """What changed: stage by stage per track, then open questions, legal opinions, common
    actions."""
    changes = diff_guidelines(_guideline(before), _guideline(after))
    if as_json:
        typer.echo(json.dumps(changes.as_json(), indent=2, ensure_ascii=False))
        return
    typer.echo(diff_text(changes), nl=False)


@app.command()
def export(
    output: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = (
        ExportFormat.TOML
    ),
    version: Annotated[
        str, typer.Option("--version", help="A shipped version (default: new cases' version).")
    ] = DEFAULT_VERSION,
) -> None:
    """Print a shipped guideline, as its TOML source or as JSON."""
    _shipped_version(version)
    if output is ExportFormat.TOML:
        source = resources.files("models").joinpath("data", f"pedoman-{version}.toml")
        typer.echo(source.read_text(encoding="utf-8"), nl=False)
        return
    data = shipped_guideline(version).model_dump(mode="json")
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
