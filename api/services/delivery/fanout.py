"""Fan-out: each notice in the outbox becomes one delivery per subscription that may see it.

A subscription receives a notice only if its key, still valid, may see the case now
(`api/services/visibility.py`, the same rule as every read of the API) and may see the timeline
entry that caused it (a confidential legal-opinion thread, pedoman.md §9 D6: `legal_opinions`),
and only of the types it asked for. The deliveries of a notice and the mark that it is fanned
out are one transaction, and a delivery's id is derived from the notice and the subscription,
so a fan-out cut short (a worker killed) is simply done again, never twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.auth import Caller
from api.services.legal_opinions import unseen_entries
from api.services.visibility import visible_cases
from models.notices import DIGESTIBLE, Notice
from models.roles import Role
from models.state import CaseView
from models.tables import (
    ApiKey,
    CaseRecord,
    Delivery,
    EmailSubscription,
    NoticeRecord,
    WebhookSubscription,
)

WEBHOOK = "webhook"
EMAIL = "email"
PENDING = "pending"
DELIVERED = "delivered"
DIGEST = "digest"
FAILED = "failed"
# Notices fanned out per transaction: a burst of filings is taken in bounded bites.
BATCH = 200


@dataclass(frozen=True)
class Subscriber:
    """An active subscription with the key it belongs to, as fan-out needs it."""

    subscription_id: str
    channel: str
    events: frozenset[str]
    caller: Caller
    digest: bool = False


def delivery_id(notice_id: str, subscription_id: str) -> str:
    """The delivery's stable id (`msg_…`): the same for the same notice and subscription."""
    digest = hashlib.sha256(f"{notice_id}\x00{subscription_id}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def subscribers(session: Session) -> list[Subscriber]:
    """Every active subscription whose key is not revoked."""
    keys = {
        k.key_id: k for k in session.exec(select(ApiKey).where(col(ApiKey.revoked_at).is_(None)))
    }
    found: list[Subscriber] = []
    for hook in session.exec(select(WebhookSubscription).where(col(WebhookSubscription.active))):
        if (key := keys.get(hook.key_id)) is not None:
            found.append(
                Subscriber(hook.subscription_id, WEBHOOK, frozenset(hook.events), _caller(key))
            )
    for mail in session.exec(select(EmailSubscription).where(col(EmailSubscription.active))):
        if (key := keys.get(mail.key_id)) is not None:
            found.append(
                Subscriber(
                    mail.subscription_id, EMAIL, frozenset(mail.events), _caller(key), mail.digest
                )
            )
    return found


def fan_out(engine: Engine, now: datetime) -> int:
    """Fan out the notices not yet fanned out (a bounded batch); the deliveries made."""
    made = 0
    with Session(engine) as session:
        pending = list(
            session.exec(
                select(NoticeRecord)
                .where(col(NoticeRecord.fanned_out_at).is_(None))
                .order_by(col(NoticeRecord.at))
                .limit(BATCH)
            )
        )
        if not pending:
            return 0
        everyone = subscribers(session)
        for record in pending:
            notice = Notice.model_validate(record.body)
            interested = [s for s in everyone if notice.type.value in s.events]
            for subscriber in _who_sees(session, notice, interested):
                made += 1
                session.add(_delivery(notice, subscriber, now))
            record.fanned_out_at = now
            session.add(record)
        session.commit()
    return made


def _who_sees(
    session: Session, notice: Notice, interested: list[Subscriber]
) -> Iterable[Subscriber]:
    """The subscribers whose key may see the notice's case and the entry that caused it."""
    if not interested:
        return []
    record = session.get(CaseRecord, notice.case_id)
    if record is None:  # a case the read model lost: nobody may be shown it
        return []
    view = CaseView.model_validate(record.detail)
    sees_case: dict[tuple[Role, str | None], bool] = {}
    seen: list[Subscriber] = []
    for subscriber in interested:
        caller = subscriber.caller
        who = (caller.role, caller.scope)
        if who not in sees_case:
            sees_case[who] = _sees_case(session, caller, notice.case_id)
        if sees_case[who] and notice.seq not in unseen_entries(view, caller):
            seen.append(subscriber)
    return seen


def _sees_case(session: Session, caller: Caller, case_id: str) -> bool:
    condition = visible_cases(caller)
    if condition is None:
        return True
    query = sa_select(col(CaseRecord.case_id)).where(col(CaseRecord.case_id) == case_id, condition)
    return session.execute(query).first() is not None


def _delivery(notice: Notice, subscriber: Subscriber, now: datetime) -> Delivery:
    digest = subscriber.digest and notice.type in DIGESTIBLE
    return Delivery(
        delivery_id=delivery_id(notice.notice_id, subscriber.subscription_id),
        notice_id=notice.notice_id,
        subscription_id=subscriber.subscription_id,
        channel=subscriber.channel,
        case_id=notice.case_id,
        type=notice.type.value,
        status=DIGEST if digest else PENDING,
        next_attempt_at=now,
        created_at=now,
    )


def _caller(key: ApiKey) -> Caller:
    return Caller(key_id=key.key_id, name=key.name, role=Role(key.role), scope=key.scope)
