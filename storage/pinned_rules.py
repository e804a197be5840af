"""What a case's rules need from the read model besides its view: the guideline it is pinned
to (parsed once per process) and the extensions each of its stages has used."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.pedoman import Guideline
from models.state import EntryKind
from models.tables import GuidelineRecord, TimelineRecord

# Guidelines never change under a content hash, so each is parsed once per process; there are
# only as many as the ministry publishes.
_GUIDELINES: dict[str, Guideline] = {}


def recorded_guideline(session: Session, content_hash: str) -> Guideline | None:
    """The guideline recorded under this hash, or None when none is."""
    guideline = _GUIDELINES.get(content_hash)
    if guideline is None:
        # Its body alone: also read by a migration (0007), before later columns exist.
        body = session.exec(
            select(GuidelineRecord.body).where(GuidelineRecord.content_hash == content_hash)
        ).first()
        if body is None:
            return None
        guideline = _GUIDELINES.setdefault(content_hash, Guideline.model_validate(body))
    return guideline


def remember_guideline(content_hash: str, guideline: Guideline) -> None:
    """Keep a guideline already parsed (a case's first projection carries it)."""
    _GUIDELINES.setdefault(content_hash, guideline)


def extensions_used(session: Session, case_id: str, guideline: Guideline) -> dict[str, int]:
    """Extensions used per stage, counted from the case's timeline as the workflow counts them:
    one per applied extending action, in the stage it was taken in, however often the case
    entered that stage."""
    names = guideline.extending_actions()
    if not names:
        return {}
    rows = session.exec(
        select(TimelineRecord.stage_before, func.count())
        .where(
            TimelineRecord.case_id == case_id,
            TimelineRecord.kind == EntryKind.ACTION.value,
            col(TimelineRecord.action).in_(names),
        )
        .group_by(col(TimelineRecord.stage_before))
    )
    return {stage: count for stage, count in rows}
