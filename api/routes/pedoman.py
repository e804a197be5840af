"""`/v1/pedoman`: the guideline versions cases run under, and their stage graphs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from api.deps import CallerDep, SessionDep
from api.problems import PROBLEM_RESPONSES, UNKNOWN_GUIDELINE_VERSION
from api.services import guidelines
from api.services.guidelines import GuidelineVersions
from models.case import CaseType
from models.guideline_versions import GuidelineDocument

router = APIRouter(prefix="/v1/pedoman", tags=["pedoman"])

_MERMAID_EXAMPLE = 'flowchart TD\n    filed(("filed")) --> intake\n    intake["intake<br/>…"]\n'

VersionPath = Annotated[
    str,
    Path(
        description="Versi pedoman / The guideline version",
        openapi_examples={
            "current": {"value": "2026.2"},
            "older": {"summary": "An older shipped version", "value": "2026.1"},
        },
    ),
]


@router.get(
    "",
    summary="Pedoman yang berlaku / The current guideline",
    response_description="Pedoman bawaan beserta hash-nya / The shipped guideline and its hash",
    responses=PROBLEM_RESPONSES,
)
def get_current_guideline(caller: CallerDep, session: SessionDep) -> GuidelineDocument:
    """The guideline new cases are pinned to: the newest shipped with the product."""
    return guidelines.current_guideline(session)


@router.get(
    "/versions",
    summary="Daftar versi pedoman / The guideline versions",
    response_description="Daftar pedoman / The guideline versions",
    responses=PROBLEM_RESPONSES,
)
def list_guideline_versions(caller: CallerDep, session: SessionDep) -> GuidelineVersions:
    """Every guideline version known: the shipped ones and every one a case was pinned to."""
    return guidelines.guideline_versions(session)


@router.get(
    "/{version}",
    summary="Satu versi pedoman / One guideline version",
    response_description="Pedoman versi ini / The guideline of this version",
    responses=PROBLEM_RESPONSES | UNKNOWN_GUIDELINE_VERSION,
)
def get_guideline(
    caller: CallerDep, session: SessionDep, version: VersionPath
) -> GuidelineDocument:
    """One version: the shipped guideline of that version, else the newest recorded with it."""
    return guidelines.guideline(session, version)


@router.get(
    "/{version}/graph",
    summary="Grafik tahapan (Mermaid) / The stage graph as Mermaid",
    response_class=PlainTextResponse,
    response_description="Diagram Mermaid satu jalur / A Mermaid flowchart of one track",
    responses=PROBLEM_RESPONSES
    | UNKNOWN_GUIDELINE_VERSION
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
    return PlainTextResponse(guidelines.stage_graph(session, version, track))
