"""The guideline versions cases run under: the shipped ones, those cases were pinned to, and a
track's stage graph."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import Session

from api.messages.catalogue import msg
from api.problems import NotFound
from models.case import CaseType
from models.guideline_versions import GuidelineDocument, GuidelineVersion
from models.guidelines import default_pinned
from models.pedoman_graph import mermaid
from storage.guideline_catalog import find_guideline, known_versions, shipped_document


class GuidelineVersions(BaseModel):
    """Every guideline version known, newest first."""

    current: str = Field(
        description="Hash pedoman yang berlaku / The content hash of the shipped guideline new "
        "cases are pinned to."
    )
    versions: list[GuidelineVersion]


def current_guideline(session: Session) -> GuidelineDocument:
    """The guideline new cases are pinned to: the newest shipped with the product."""
    return shipped_document(session)


def guideline_versions(session: Session) -> GuidelineVersions:
    """Every guideline version known: the shipped ones and every one a case was pinned to."""
    return GuidelineVersions(
        current=default_pinned().content_hash, versions=known_versions(session)
    )


def guideline(session: Session, version: str) -> GuidelineDocument:
    """One version (404 `unknown_guideline_version`); a shipped version is the shipped guideline,
    else the newest recorded with that version."""
    # No version holds a NUL, and PostgreSQL fails a query comparing text with one (a 500).
    document = None if "\x00" in version else find_guideline(session, version)
    if document is None:
        unknown = msg("unknown_guideline_version", version=version)
        raise NotFound("unknown_guideline_version", unknown)
    return document


def stage_graph(session: Session, version: str, track: CaseType) -> str:
    """A Mermaid flowchart of one track's stages, actions, timeouts and closing states."""
    found = guideline(session, version).guideline
    if track not in found.tracks:
        no_track = msg("unknown_track", version=version, track=track.value)
        raise NotFound("unknown_track", no_track)
    return mermaid(found, track)
