"""A subscription's delivery log: each delivery the dispatcher made, with its attempts.

Read newest first, a page at a time: a cursor names the last delivery of a page (its instant
and id, as the order is), so a page never repeats or skips a delivery made meanwhile.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from api.messages.catalogue import msg
from api.problems import Unprocessable
from api.services.delivery.subscription_models import ID_PATTERN
from models.tables import Delivery, DeliveryAttempt

DEFAULT_DELIVERIES_PAGE = 50
MAX_DELIVERIES_PAGE = 200


class DeliveryStatus(StrEnum):
    """Where a delivery stands (the dispatcher's `Delivery.status`)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DIGEST = "digest"
    FAILED = "failed"


@dataclass(frozen=True)
class DeliveryQuery:
    """Which page of a subscription's delivery log: newest first."""

    status: DeliveryStatus | None = None
    since: datetime | None = None
    before: str | None = None
    limit: int = DEFAULT_DELIVERIES_PAGE


class AttemptPublic(BaseModel):
    """One try at a delivery, as the receiver answered it."""

    attempt: int
    at: AwareDatetime
    status_code: int | None = Field(description="None: no HTTP answer (see `error`).")
    latency_ms: float
    error: str | None
    response_excerpt: str | None


class DeliveryPublic(BaseModel):
    """One notice to one subscription, under the id every attempt carries."""

    delivery_id: str = Field(
        description="The CloudEvents `id` and `webhook-id`.", examples=["msg_2a7c4e9f1b3d5a7c"]
    )
    notice_id: str = Field(examples=["PKD-2026-000123.3"])
    case_id: str
    type: str = Field(examples=["mufakat.case.stage_changed"])
    status: DeliveryStatus
    attempts: int
    created_at: AwareDatetime
    delivered_at: AwareDatetime | None
    next_attempt_at: AwareDatetime
    last_status_code: int | None
    last_error: str | None
    attempt_log: list[AttemptPublic] = Field(description="Every attempt, first to last.")


class DeliveryPage(BaseModel):
    """A page of a subscription's deliveries, newest first."""

    items: list[DeliveryPublic]
    next_cursor: str | None = Field(description="`before` for the next page; none at the end.")


def delivery_page(
    session: Session, subscription_id: str, channel: str, query: DeliveryQuery
) -> DeliveryPage:
    """A page of one subscription's deliveries on `channel` (`webhook`, `email`)."""
    statement = select(Delivery).where(
        col(Delivery.subscription_id) == subscription_id, col(Delivery.channel) == channel
    )
    if query.status is not None:
        statement = statement.where(col(Delivery.status) == query.status.value)
    if query.since is not None:
        statement = statement.where(col(Delivery.created_at) >= query.since)
    if query.before is not None:
        created_at, delivery_id = _position(query.before)
        earlier = col(Delivery.created_at) < created_at
        if delivery_id is not None:
            same_instant = and_(
                col(Delivery.created_at) == created_at, col(Delivery.delivery_id) < delivery_id
            )
            earlier = or_(earlier, same_instant)
        statement = statement.where(earlier)
    rows = session.exec(
        statement.order_by(col(Delivery.created_at).desc(), col(Delivery.delivery_id).desc()).limit(
            query.limit + 1
        )
    ).all()
    page = rows[: query.limit]
    attempts = attempts_of(session, [row.delivery_id for row in page])
    last = page[-1] if len(rows) > query.limit else None
    return DeliveryPage(
        items=[delivery_public(row, attempts.get(row.delivery_id, [])) for row in page],
        next_cursor=_cursor(last.created_at, last.delivery_id) if last is not None else None,
    )


def attempts_of(session: Session, delivery_ids: list[str]) -> dict[str, list[DeliveryAttempt]]:
    """Each delivery's attempts, first to last."""
    found: dict[str, list[DeliveryAttempt]] = {}
    if not delivery_ids:
        return found
    rows = session.exec(
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.delivery_id).in_(delivery_ids))
        .order_by(col(DeliveryAttempt.delivery_id), col(DeliveryAttempt.attempt))
    )
    for row in rows:
        found.setdefault(row.delivery_id, []).append(row)
    return found


def delivery_public(row: Delivery, attempts: list[DeliveryAttempt]) -> DeliveryPublic:
    """A delivery as the log shows it."""
    return DeliveryPublic(
        delivery_id=row.delivery_id,
        notice_id=row.notice_id,
        case_id=row.case_id,
        type=row.type,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        attempt_log=[
            AttemptPublic(
                attempt=a.attempt,
                at=a.at,
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
                response_excerpt=a.response_excerpt,
            )
            for a in attempts
        ],
    )


def queue_again(delivery: Delivery, now: datetime) -> None:
    """Put a delivery back in the dispatcher's queue, due now, under the same id."""
    # The dispatcher claims pending deliveries that are due and not locked: this one, at once.
    delivery.status = DeliveryStatus.PENDING.value
    delivery.next_attempt_at = now
    delivery.locked_until = None
    delivery.claim = None


def _cursor(created_at: datetime, delivery_id: str) -> str:
    raw = f"{created_at.isoformat()} {delivery_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _position(before: str) -> tuple[datetime, str | None]:
    """Where a page starts: a `next_cursor` (an instant and a delivery id), or an instant."""
    at = _instant(before)
    if at is not None:
        return at, None
    try:
        raw = base64.urlsafe_b64decode(before + "=" * (-len(before) % 4)).decode()
        instant, delivery_id = raw.split(" ")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors too
        raise Unprocessable("invalid_cursor", msg("invalid_cursor.before")) from None
    at = _instant(instant)
    if at is None or not re.fullmatch(ID_PATTERN, delivery_id):
        raise Unprocessable("invalid_cursor", msg("invalid_cursor.before"))
    return at, delivery_id


def _instant(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None
