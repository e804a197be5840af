"""Every guideline version the service knows: those shipped with the product (the newest is the
default for new cases) and those cases were pinned to."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from models.guideline_versions import GuidelineDocument, GuidelineVersion
from models.guidelines import DEFAULT_VERSION, SHIPPED_VERSIONS, shipped_pinned
from models.pedoman import Guideline
from models.tables import GuidelineRecord


def known_versions(session: Session) -> list[GuidelineVersion]:
    """Every version, newest first; within a version the shipped one, then the newest recorded."""
    shipped = _shipped_hashes()
    current = shipped_pinned(DEFAULT_VERSION).content_hash
    records = session.exec(select(GuidelineRecord)).all()
    found = {
        record.content_hash: GuidelineVersion(
            version=record.version,
            content_hash=record.content_hash,
            shipped=record.content_hash in shipped,
            current=record.content_hash == current,
            published_at=_aware(record.published_at),
        )
        for record in records
    }
    for content_hash, version in shipped.items():
        # Shipped but no case pinned to it yet (a new release), or never (an old one).
        found.setdefault(
            content_hash,
            GuidelineVersion(
                version=version,
                content_hash=content_hash,
                shipped=True,
                current=content_hash == current,
                published_at=None,
            ),
        )
    return sorted(found.values(), key=_version_order, reverse=True)


def shipped_document(session: Session, version: str = DEFAULT_VERSION) -> GuidelineDocument:
    """A guideline shipped with the product (by default the one new cases are pinned to)."""
    shipped = shipped_pinned(version)
    recorded = session.get(GuidelineRecord, shipped.content_hash)
    return GuidelineDocument(
        version=version,
        content_hash=shipped.content_hash,
        shipped=True,
        current=version == DEFAULT_VERSION,
        published_at=_aware(recorded.published_at) if recorded else None,
        guideline=shipped.guideline,
    )


def find_guideline(session: Session, version: str) -> GuidelineDocument | None:
    """The guideline of `version`: the shipped one if it has that version, else the newest."""
    if version in SHIPPED_VERSIONS:
        return shipped_document(session, version)
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
        current=False,
        published_at=_aware(record.published_at),
        guideline=Guideline.model_validate(record.body),
    )


def _shipped_hashes() -> dict[str, str]:
    """Content hash → version, for every shipped version."""
    return {shipped_pinned(version).content_hash: version for version in SHIPPED_VERSIONS}


def _version_order(entry: GuidelineVersion) -> tuple[tuple[int, ...], bool, float]:
    # Numerically, so 2026.10 sorts after 2026.9; the version pattern guarantees dotted digits.
    number = tuple(int(part) for part in entry.version.split(".") if part.isdigit())
    stamp = entry.published_at.timestamp() if entry.published_at else 0.0
    return number, entry.shipped, stamp


def _aware(at: datetime) -> datetime:
    # SQLite hands instants back without their zone; projections write them in UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
