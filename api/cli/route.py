"""`mufakat route`: the forum and routing rule for a KSDD case's region codes."""

from __future__ import annotations

from typing import Annotated

import typer

from models.forum import ForumKind, Routing
from models.pedoman import OpenQuestions
from models.regions import RegionCodeError, RegionDirectory, load_regions
from models.routing import RoutingError, route_regions


def route(
    codes: Annotated[
        list[str],
        typer.Argument(
            metavar="CODE...",
            help="Region codes, the requesting party first: 32 (province) or 32.04 (kab/kota).",
            show_default=False,
        ),
    ],
) -> None:
    """Print the forum and routing rule for the parties' region codes."""
    regions = load_regions()
    try:
        # The defaults until the shipped guideline's own open_questions can be loaded here.
        routing = route_regions(codes, regions=regions, open_questions=OpenQuestions())
    except (RegionCodeError, RoutingError) as error:
        typer.echo(f"error: {error}", err=True)
        # SystemExit, not typer.Exit: click run with standalone_mode=False (as `main` runs it)
        # returns an Exit's code instead of raising it, so the code would never reach the shell.
        raise SystemExit(2) from None
    typer.echo(f"forum: {forum_label(routing, regions)}")
    typer.echo(f"rule: {routing.rule.value}")
    typer.echo(f"why: {routing.explanation}")


def forum_label(routing: Routing, regions: RegionDirectory) -> str:
    """The forum as people name it, e.g. `GWPP Jawa Barat (32)`."""
    if routing.forum is ForumKind.GWPP and routing.gwpp_province is not None:
        province = regions.get(routing.gwpp_province)
        return f"GWPP {province.name} ({province.code})"
    if routing.forum is ForumKind.MINISTER:
        return "Minister of Home Affairs (Mendagri)"
    return f"dispute clause: {routing.clause_route}"
