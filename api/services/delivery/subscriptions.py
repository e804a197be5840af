"""Webhook and e-mail subscriptions: who is told of which case events, where, and what was sent.

Every rule of a subscription lives here, for the JSON routes, the console and the CLI alike:

- A subscription belongs to the key that made it; another key is told it does not exist (404),
  so ids cannot be probed, except an admin key, which may read and change every one.
- A key has at most `MAX_WEBHOOKS` webhooks and `MAX_EMAIL_SUBSCRIPTIONS` e-mail addresses:
  each is a stream of work for the dispatcher, and a key holding hundreds is a mistake or abuse.
- A webhook URL is judged (`ssrf.check_url`) when it is registered and whenever it changes; the
  dispatcher judges the address again at every connection.
- A webhook's secret is shown once, when it is made or rotated; a rotation keeps the previous
  secret signing beside the new one for an overlap, so receivers can switch without a gap.
- A redelivery sends a delivery again under its own id (receivers drop what they have seen).

What the dispatcher does with a subscription (fan-out, retries, disabling) is its own; this
module only reads its log (`delivery_log`) and puts deliveries back in its queue. What requests
may say and answers show is `subscription_models`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.auth import Caller, require_role
from api.messages.catalogue import Message, msg
from api.messages.fields import field_problem
from api.problems import Conflict, NotFound, invalid_request
from api.services.delivery.delivery_log import (
    DeliveryPage,
    DeliveryPublic,
    DeliveryQuery,
    attempts_of,
    delivery_page,
    delivery_public,
    queue_again,
)
from api.services.delivery.signing import new_secret
from api.services.delivery.ssrf import UrlPolicy, UrlRefused, check_url
from api.services.delivery.subscription_models import (
    EmailSubscriptionCreate,
    EmailSubscriptionList,
    EmailSubscriptionPublic,
    EmailSubscriptionUpdate,
    Redelivered,
    SecretRotation,
    WebhookCreate,
    WebhookList,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
    email_subscription_public,
    webhook_fields,
    webhook_public,
)
from models.notices import CASE_EVENTS, EventType
from models.roles import Role
from models.settings import Settings
from models.tables import (
    Delivery,
    EmailSubscription,
    WebhookSubscription,
)

MAX_WEBHOOKS = 20
MAX_EMAIL_SUBSCRIPTIONS = 10

WEBHOOK = "webhook"
EMAIL = "email"


# --- webhooks -------------------------------------------------------------------------------


async def create_webhook(
    engine: Engine, caller: Caller, body: WebhookCreate, settings: Settings, *, now: datetime
) -> WebhookWithSecret:
    """Register a webhook for the caller's key; its answer is the only one with the secret.

    422 `webhook_url_refused` for a URL the policy refuses, 409 `webhook_limit` past the limit.
    """
    await _check_webhook_url(body.url, settings)
    return await run_in_threadpool(_store_webhook, engine, caller, body, now)


def _store_webhook(
    engine: Engine, caller: Caller, body: WebhookCreate, now: datetime
) -> WebhookWithSecret:
    with Session(engine) as session:
        # Counted, then inserted: two requests of one key at the same instant could both pass
        # the limit. It bounds mistakes, not an attack (a key cannot outrun its own requests
        # by much), so no lock is worth taking for it.
        _within_limit(session, WebhookSubscription, caller, MAX_WEBHOOKS, "webhook_limit")
        row = WebhookSubscription.model_validate(
            {
                "subscription_id": f"wh_{secrets.token_hex(12)}",
                "key_id": caller.key_id,
                "url": body.url,
                "events": _event_names(body.events),
                "description": body.description,
                "secret": new_secret(),
                # Nullable without a default in the table: each named, as none has happened yet.
                "previous_secret_expires_at": None,
                "disabled_at": None,
                "failing_since": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return WebhookWithSecret(**webhook_fields(row), secret=row.secret)


def list_webhooks(session: Session, caller: Caller, *, key_id: str | None = None) -> WebhookList:
    """The caller's webhooks; an admin's answer holds every key's (or `key_id`'s) instead."""
    query = select(WebhookSubscription)
    owner = _listed_owner(caller, key_id)
    if owner is not None:
        query = query.where(col(WebhookSubscription.key_id) == owner)
    rows = session.exec(
        query.order_by(
            col(WebhookSubscription.created_at), col(WebhookSubscription.subscription_id)
        )
    )
    return WebhookList(items=[webhook_public(row) for row in rows])


def read_webhook(session: Session, caller: Caller, subscription_id: str) -> WebhookPublic:
    """One of the caller's webhooks (any, for an admin); 404 `unknown_webhook` otherwise."""
    return webhook_public(_own_webhook(session, caller, subscription_id))


async def update_webhook(
    engine: Engine,
    caller: Caller,
    subscription_id: str,
    body: WebhookUpdate,
    settings: Settings,
    *,
    now: datetime,
) -> WebhookPublic:
    """Change a webhook; a new URL is judged again, `active: true` also lifts a disabling."""
    current = await run_in_threadpool(_read_own_webhook, engine, caller, subscription_id)
    if body.url is not None and body.url != current.url:
        await _check_webhook_url(body.url, settings)
    return await run_in_threadpool(
        _apply_webhook_update, engine, caller, subscription_id, body, now
    )


def _read_own_webhook(engine: Engine, caller: Caller, subscription_id: str) -> WebhookPublic:
    with Session(engine) as session:
        return read_webhook(session, caller, subscription_id)


def _apply_webhook_update(
    engine: Engine, caller: Caller, subscription_id: str, body: WebhookUpdate, now: datetime
) -> WebhookPublic:
    with Session(engine) as session:
        # Read again: deleted since the URL was judged is still a 404.
        row = _own_webhook(session, caller, subscription_id)
        if body.url is not None:
            row.url = body.url
        if body.events is not None:
            row.events = _event_names(body.events)
        if body.description is not None:
            row.description = body.description
        if body.active is True:
            # Its owner says the receiver is back: start afresh, as if it had never failed.
            row.active = True
            row.disabled_at = row.disabled_reason = row.failing_since = None
        elif body.active is False:
            row.active = False
        row.updated_at = now
        session.add(row)
        session.commit()
        session.refresh(row)
        return webhook_public(row)


def delete_webhook(session: Session, caller: Caller, subscription_id: str) -> None:
    """Remove a webhook. Its deliveries stay as a log; the dispatcher sends none of them again."""
    session.delete(_own_webhook(session, caller, subscription_id))
    session.commit()


def rotate_secret(
    session: Session,
    caller: Caller,
    subscription_id: str,
    rotation: SecretRotation,
    *,
    now: datetime,
) -> WebhookWithSecret:
    """A new secret (shown this once); the current one keeps signing beside it for the overlap.

    Rotating again within an overlap ends the older overlap: only the secret just replaced
    keeps signing. An overlap of 0 stops the replaced secret at once.
    """
    row = _own_webhook(session, caller, subscription_id)
    if rotation.overlap_hours:
        row.previous_secret = row.secret
        row.previous_secret_expires_at = now + timedelta(hours=rotation.overlap_hours)
    else:
        row.previous_secret = row.previous_secret_expires_at = None
    row.secret = new_secret()
    row.updated_at = now
    session.add(row)
    session.commit()
    session.refresh(row)
    return WebhookWithSecret(**webhook_fields(row), secret=row.secret)


def webhook_deliveries(
    session: Session, caller: Caller, subscription_id: str, query: DeliveryQuery
) -> DeliveryPage:
    """A page of a webhook's delivery log, each delivery with its attempts."""
    _own_webhook(session, caller, subscription_id)
    return delivery_page(session, subscription_id, WEBHOOK, query)


def redeliver(
    session: Session, caller: Caller, subscription_id: str, delivery_id: str, *, now: datetime
) -> DeliveryPublic:
    """Queue one delivery of a webhook to be sent now, again, under the same id.

    Sent while the webhook is active (a paused or disabled one keeps it until it is resumed).
    """
    _own_webhook(session, caller, subscription_id)
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound(
            "unknown_delivery",
            msg("unknown_delivery", delivery_id=delivery_id, subscription_id=subscription_id),
        )
    queue_again(delivery, now)
    session.add(delivery)
    session.commit()
    session.refresh(delivery)
    return delivery_public(delivery, attempts_of(session, [delivery_id]).get(delivery_id, []))


def redeliver_since(
    session: Session, caller: Caller, subscription_id: str, since: datetime, *, now: datetime
) -> Redelivered:
    """Queue every delivery of a webhook made at or after `since` to be sent again now."""
    _own_webhook(session, caller, subscription_id)
    deliveries = session.exec(
        select(Delivery).where(
            col(Delivery.subscription_id) == subscription_id,
            col(Delivery.channel) == WEBHOOK,
            col(Delivery.created_at) >= since,
        )
    ).all()
    for delivery in deliveries:
        queue_again(delivery, now)
        session.add(delivery)
    session.commit()
    return Redelivered(redelivered=len(deliveries))


async def _check_webhook_url(url: str, settings: Settings) -> None:
    """422 `webhook_url_refused` with a field problem at /url naming why."""
    try:
        await check_url(url, UrlPolicy.from_settings(settings))
    except UrlRefused as refused:
        why = _refusal_message(refused, settings)
        code = f"webhook_url_refused.{refused.reason}"
        raise invalid_request(
            [field_problem("body", ["url"], code, why)], "webhook_url_refused"
        ) from None


def _refusal_message(refused: UrlRefused, settings: Settings) -> Message:
    host = refused.params.get("host", "")
    if refused.reason == "scheme":
        allowed = ["https", "http"] if settings.webhook_allow_http else ["https"]
        scheme = refused.params.get("scheme") or "-"
        return msg("webhook_url_refused.scheme", scheme=scheme, allowed=allowed)
    if refused.reason == "credentials":
        return msg("webhook_url_refused.credentials")
    if refused.reason == "unresolvable":
        return msg("webhook_url_refused.unresolvable", host=host)
    if refused.reason == "address":
        address = refused.params.get("address", host)
        if address == host.strip("[]"):
            return msg("webhook_url_refused.address", address=address)
        return msg("webhook_url_refused.resolves_to", host=host, address=address)
    return msg("webhook_url_refused.host")


def _own_webhook(session: Session, caller: Caller, subscription_id: str) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None or not _manages(caller, row.key_id):
        raise NotFound("unknown_webhook", msg("unknown_webhook", subscription_id=subscription_id))
    return row


# --- e-mail subscriptions -------------------------------------------------------------------


def create_email_subscription(
    session: Session, caller: Caller, body: EmailSubscriptionCreate, *, now: datetime
) -> EmailSubscriptionPublic:
    """Tell an address of the caller's key's events; 409 `email_subscription_limit` past it."""
    _within_limit(
        session, EmailSubscription, caller, MAX_EMAIL_SUBSCRIPTIONS, "email_subscription_limit"
    )
    row = EmailSubscription.model_validate(
        {
            "subscription_id": f"em_{secrets.token_hex(12)}",
            "key_id": caller.key_id,
            "address": body.address,
            "name": body.name,
            "events": _event_names(body.events),
            "digest": body.digest,
            "created_at": now,
            "updated_at": now,
            "last_digest_at": None,
        }
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return email_subscription_public(row)


def list_email_subscriptions(
    session: Session, caller: Caller, *, key_id: str | None = None
) -> EmailSubscriptionList:
    """The caller's e-mail subscriptions; an admin's answer holds every key's (or `key_id`'s)."""
    query = select(EmailSubscription)
    owner = _listed_owner(caller, key_id)
    if owner is not None:
        query = query.where(col(EmailSubscription.key_id) == owner)
    rows = session.exec(
        query.order_by(col(EmailSubscription.created_at), col(EmailSubscription.subscription_id))
    )
    return EmailSubscriptionList(items=[email_subscription_public(row) for row in rows])


def read_email_subscription(
    session: Session, caller: Caller, subscription_id: str
) -> EmailSubscriptionPublic:
    """One of the caller's e-mail subscriptions (any, for an admin); 404 otherwise."""
    return email_subscription_public(_own_email_subscription(session, caller, subscription_id))


def update_email_subscription(
    session: Session,
    caller: Caller,
    subscription_id: str,
    body: EmailSubscriptionUpdate,
    *,
    now: datetime,
) -> EmailSubscriptionPublic:
    """Change an e-mail subscription; what the request leaves out stays."""
    row = _own_email_subscription(session, caller, subscription_id)
    if body.address is not None:
        row.address = body.address
    if body.name is not None:
        row.name = body.name
    if body.events is not None:
        row.events = _event_names(body.events)
    if body.digest is not None:
        row.digest = body.digest
    if body.active is not None:
        row.active = body.active
    row.updated_at = now
    session.add(row)
    session.commit()
    session.refresh(row)
    return email_subscription_public(row)


def delete_email_subscription(session: Session, caller: Caller, subscription_id: str) -> None:
    """Remove an e-mail subscription; its deliveries stay as a log, none is sent again."""
    session.delete(_own_email_subscription(session, caller, subscription_id))
    session.commit()


def email_deliveries(
    session: Session, caller: Caller, subscription_id: str, query: DeliveryQuery
) -> DeliveryPage:
    """A page of an e-mail subscription's delivery log, each delivery with its attempts."""
    _own_email_subscription(session, caller, subscription_id)
    return delivery_page(session, subscription_id, EMAIL, query)


def _own_email_subscription(
    session: Session, caller: Caller, subscription_id: str
) -> EmailSubscription:
    row = session.get(EmailSubscription, subscription_id)
    if row is None or not _manages(caller, row.key_id):
        raise NotFound(
            "unknown_email_subscription",
            msg("unknown_email_subscription", subscription_id=subscription_id),
        )
    return row


# --- shared by both kinds -------------------------------------------------------------------


def _manages(caller: Caller, key_id: str) -> bool:
    return caller.role is Role.ADMIN or caller.key_id == key_id


def _listed_owner(caller: Caller, key_id: str | None) -> str | None:
    """Whose subscriptions a list holds: the caller's own; an admin's, every key's or one's."""
    if caller.role is Role.ADMIN:
        return key_id
    if key_id is not None and key_id != caller.key_id:
        require_role(caller, Role.ADMIN)
    return caller.key_id


def _within_limit(
    session: Session,
    table: type[WebhookSubscription] | type[EmailSubscription],
    caller: Caller,
    limit: int,
    code: Literal["webhook_limit", "email_subscription_limit"],
) -> None:
    held = session.exec(
        select(func.count()).select_from(table).where(col(table.key_id) == caller.key_id)
    ).one()
    if held >= limit:
        detail = (
            msg("webhook_limit", limit=limit)
            if code == "webhook_limit"
            else msg("email_subscription_limit", limit=limit)
        )
        raise Conflict(code, detail)


def _event_names(events: Sequence[EventType] | None) -> list[str]:
    return [event.value for event in (CASE_EVENTS if events is None else events)]
