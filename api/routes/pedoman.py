"""`/v1/pedoman`: the guideline versions cases run under, and their stage graphs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.deps import CallerDep, SessionDep
from api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, NotFound, Problem
from api.messages.catalogue import msg
from models.case import CaseType
from models.guideline_catalog import (
    GuidelineDocument,
    GuidelineVersion,
    find_guideline,
    known_versions,
    shipped_guideline,
)
from models.guidelines import default_guideline, pin
from models.pedoman_graph import mermaid

router = APIRouter(prefix="/v1/pedoman", tags=["pedoman"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "model": Problem,
        "description": "Versi tidak dikenal / No guideline has this version (or this track).",
        "content": {PROBLEM_MEDIA_TYPE: {}},
    }
}
_MERMAID_EXAMPLE = 'flowchart TD\n    filed(("filed")) --> intake\n    intake["intake<br/>…"]\n'

VersionPath = Annotated[
    str,
    Path(
        description="Versi pedoman / The guideline version",
        openapi_examples={"shipped": {"value": "2026.1"}},
    ),
]


class GuidelineVersions(BaseModel):
    """Every guideline version known, newest first."""

    current: str = Field(
        description="Hash pedoman bawaan / The content hash of the shipped guideline."
    )
    versions: list[GuidelineVersion]


@router.get(
    "",
    summary="Pedoman yang berlaku / The current guideline",
    response_description="Pedoman bawaan beserta hash-nya / The shipped guideline and its hash",
    responses=PROBLEM_RESPONSES,
)
def get_current_guideline(caller: CallerDep, session: SessionDep) -> GuidelineDocument:
    """The guideline new cases are pinned to: the one shipped with the product."""
    return shipped_guideline(session)


@router.get(
    "/versions",
    summary="Daftar versi pedoman / The guideline versions",
    response_description="Daftar pedoman / The guideline versions",
    responses=PROBLEM_RESPONSES,
)
def list_guideline_versions(caller: CallerDep, session: SessionDep) -> GuidelineVersions:
    """Every guideline version known: the shipped one and every one a case was pinned to."""
    return GuidelineVersions(
        current=pin(default_guideline()).content_hash, versions=known_versions(session)
    )


@router.get(
    "/{version}",
    summary="Satu versi pedoman / One guideline version",
    response_description="Pedoman versi ini / The guideline of this version",
    responses=PROBLEM_RESPONSES | _NOT_FOUND,
)
def get_guideline(
    caller: CallerDep, session: SessionDep, version: VersionPath
) -> GuidelineDocument:
    """One version; if several differ in content, the shipped one or else the newest recorded."""
    return _guideline(session, version)


@router.get(
    "/{version}/graph",
    summary="Grafik tahapan (Mermaid) / The stage graph as Mermaid",
    response_class=PlainTextResponse,
    response_description="Diagram Mermaid satu jalur / A Mermaid flowchart of one track",
    responses=PROBLEM_RESPONSES
    | _NOT_FOUND
    | {200: {"content": {"text/plain": {"example": _MERMAID_EXAMPLE}}}},
)
def get_guideline_graph(
    caller: CallerDep,
    session: SessionDep,
    version: VersionPath,
    track: Annotated[
        CaseType,
        Query(
            description="Jalur perkara / The track (case type) to draw",
            openapi_examples={"KSDD": {"value": "KSDD"}},
        ),
    ],
) -> PlainTextResponse:
    """A Mermaid flowchart of one track's stages, actions, timeouts and closing states."""
    guideline = _guideline(session, version).guideline
    if track not in guideline.tracks:
        no_track = msg("unknown_track", version=version, track=track.value)
        raise NotFound("unknown_track", no_track)
    return PlainTextResponse(mermaid(guideline, track))


def _guideline(session: Session, version: str) -> GuidelineDocument:
    # No version holds a NUL, and PostgreSQL fails a query comparing text with one (a 500).
    document = None if "\x00" in version else find_guideline(session, version)
    if document is None:
        unknown = msg("unknown_guideline_version", version=version)
        raise NotFound("unknown_guideline_version", unknown)
    return document
