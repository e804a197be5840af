"""Appending to the audit trail, in the projection's own transaction (or the trail writer's)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.audit import FILING_ACTION, GENESIS, entry_hash, hashed_content
from models.state import EntryKind, TimelineEntry
from models.tables import AuditEntry


def append_audit(session: Session, case_id: str, actions: list[TimelineEntry]) -> None:
    """Chain one entry per newly committed action (or the filing) onto the case's trail."""
    if not actions:
        return
    # A rebuilt read model projects old actions again; the trail already has them, unchanged.
    recorded = set(
        session.exec(
            select(AuditEntry.update_id).where(
                AuditEntry.case_id == case_id,
                col(AuditEntry.update_id).in_([a.idempotency_key for a in actions]),
            )
        )
    )
    actions = [a for a in actions if a.idempotency_key not in recorded]
    if not actions:
        return
    last = session.exec(
        select(AuditEntry)
        .where(AuditEntry.case_id == case_id)
        .order_by(col(AuditEntry.seq).desc())
        .limit(1)
    ).first()
    seq, previous = (last.seq, last.entry_hash) if last else (0, GENESIS)
    for action in actions:
        actor = action.actor
        name = FILING_ACTION if action.kind is EntryKind.FILED else action.action
        assert actor is not None and action.idempotency_key is not None and name
        seq += 1
        entry = AuditEntry(
            case_id=case_id,
            seq=seq,
            timeline_seq=action.seq,
            update_id=action.idempotency_key,
            action=name,
            at=action.at,
            actor_key=actor.key_id,
            actor_role=actor.role.value,
            actor_scope=actor.scope,
            on_behalf_of=actor.on_behalf_of,
            stage_before=action.stage_before,
            stage_after=action.stage_after,
            payload=action.payload,
            documents=action.documents,
            prev_hash=previous,
            entry_hash="",
        )
        entry.entry_hash = entry_hash(hashed_content(entry))
        previous = entry.entry_hash
        session.add(entry)


def audit_trail(session: Session, case_id: str) -> list[AuditEntry]:
    """The case's trail, in the order it was written."""
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(col(AuditEntry.seq))
        )
    )
