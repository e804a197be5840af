"""Every guideline version the service knows: the shipped default and those cases were pinned to."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from models.guideline_versions import GuidelineDocument, GuidelineVersion
from models.guidelines import default_guideline, pin
from models.pedoman import Guideline
from models.tables import GuidelineRecord


def known_versions(session: Session) -> list[GuidelineVersion]:
    """Every version, newest first; within a version the shipped one, then the newest recorded."""
    shipped = pin(default_guideline())
    records = session.exec(select(GuidelineRecord)).all()
    found = {
        record.content_hash: GuidelineVersion(
            version=record.version,
            content_hash=record.content_hash,
            shipped=record.content_hash == shipped.content_hash,
            published_at=_aware(record.published_at),
        )
        for record in records
    }
    if shipped.content_hash not in found:
        found[shipped.content_hash] = GuidelineVersion(
            version=shipped.guideline.version,
            content_hash=shipped.content_hash,
            shipped=True,
            published_at=None,
        )
    return sorted(found.values(), key=_version_order, reverse=True)


def shipped_guideline(session: Session) -> GuidelineDocument:
    """The guideline shipped with the product, which new cases are pinned to."""
    shipped = pin(default_guideline())
    recorded = session.get(GuidelineRecord, shipped.content_hash)
    return GuidelineDocument(
        version=shipped.guideline.version,
        content_hash=shipped.content_hash,
        shipped=True,
        published_at=_aware(recorded.published_at) if recorded else None,
        guideline=shipped.guideline,
    )


def find_guideline(session: Session, version: str) -> GuidelineDocument | None:
    """The guideline of `version`: the shipped one if it has that version, else the newest."""
    if default_guideline().version == version:
        return shipped_guideline(session)
    query = (
        select(GuidelineRecord)
        .where(GuidelineRecord.version == version)
        .order_by(col(GuidelineRecord.published_at).desc(), col(GuidelineRecord.content_hash))
    )
    record = session.exec(query.limit(1)).first()
    if record is None:
        return None
    return GuidelineDocument(
        version=record.version,
        content_hash=record.content_hash,
        shipped=False,
        published_at=_aware(record.published_at),
        guideline=Guideline.model_validate(record.body),
    )


def _version_order(entry: GuidelineVersion) -> tuple[tuple[int, ...], bool, float]:
    # Numerically, so 2026.10 sorts after 2026.9; the version pattern guarantees dotted digits.
    number = tuple(int(part) for part in entry.version.split(".") if part.isdigit())
    stamp = entry.published_at.timestamp() if entry.published_at else 0.0
    return number, entry.shipped, stamp


def _aware(at: datetime) -> datetime:
    # SQLite hands instants back without their zone; projections write them in UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
