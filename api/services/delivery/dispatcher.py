"""The dispatcher: sends the outbox's deliveries, with retries of its own, in the worker process.

Why an outbox and a dispatcher, not a delivery workflow per case or per subscription:
- What a subscription may see, the delivery log, redelivery "since a time", disabling a
  receiver after a day of failures, and the daily e-mail digest are questions across cases and
  subscriptions: rows in the read model answer them with an index; workflows would each hold a
  piece and need a read model of their own anyway.
- A delivery workflow per event would add a workflow start (and its history) to every event;
  per subscription, a long-lived workflow would carry every pending event in its state, and a
  receiver down for a day would grow that history with each retry timer.
- The guarantees come from the outbox's rows: a notice reaches it only from committed history
  (activities/outbox.py), a delivery is claimed with a lease (`locked_until`) rather than
  removed, so a worker killed mid-delivery leaves it to be claimed again when the lease ends, and
  every attempt goes out under the delivery's stable id (at least once; receivers drop repeats).

Several dispatchers (one per worker) may run against one database: a claim is a conditional
update on the lease, so each delivery is sent by one of them at a time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from api.auth import Caller
from api.services.delivery.backoff import retry_delay
from api.services.delivery.cloudevents import cloud_event, event_body
from api.services.delivery.email_message import (
    digest_email,
    notice_email,
    webhook_disabled_email,
)
from api.services.delivery.email_sender import EmailFailed, EmailSender, SmtpConfig, digest_due
from api.services.delivery.fanout import (
    DELIVERED,
    DIGEST,
    EMAIL,
    FAILED,
    PENDING,
    WEBHOOK,
    fan_out,
)
from api.services.delivery.ssrf import UrlPolicy
from api.services.delivery.webhook_sender import AttemptOutcome, WebhookSender
from api.services.legal_opinions import unseen_clocks
from models.notices import Notice
from models.roles import Role
from models.settings import Settings
from models.state import CaseView
from models.tables import (
    ApiKey,
    CaseRecord,
    Delivery,
    DeliveryAttempt,
    EmailSubscription,
    NoticeRecord,
    WebhookSubscription,
)

log = logging.getLogger("mufakat.delivery")
Row = TypeVar("Row", bound=SQLModel)

JAKARTA = ZoneInfo("Asia/Jakarta")
# How often the digests are looked at (they go once a day, at `email_digest_hour`).
DIGEST_CHECK = timedelta(minutes=1)


@dataclass(frozen=True)
class Claimed:
    """A delivery claimed for one attempt, with what sending it needs."""

    delivery: Delivery
    notice: Notice
    view: CaseView | None
    caller: Caller | None
    webhook: WebhookSubscription | None
    email: EmailSubscription | None


class Dispatcher:
    """Fans out new notices and sends due deliveries until cancelled."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._base_url = settings.base_url
        self._concurrency = settings.delivery_concurrency
        self._poll = settings.delivery_poll_seconds
        self._retry_for = timedelta(hours=settings.webhook_retry_hours)
        self._first_retry = timedelta(seconds=settings.webhook_first_retry_seconds)
        # Long enough for one attempt to finish and be recorded; a dispatcher that dies holds
        # its deliveries no longer than this.
        self._lease = timedelta(seconds=2 * settings.webhook_timeout_seconds + 5)
        self._webhooks = WebhookSender(
            UrlPolicy.from_settings(settings), timeout=settings.webhook_timeout_seconds
        )
        smtp = SmtpConfig.from_settings(settings)
        self._smtp = smtp
        self._mail = EmailSender(smtp) if smtp is not None else None
        self._rng = rng or random.Random()
        self._woken = asyncio.Event()
        self._stopping = asyncio.Event()
        self._answered: list[tuple[Claimed, AttemptOutcome, datetime]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_digest_check = datetime.min.replace(tzinfo=UTC)

    def wake(self) -> None:
        """New notices are in the outbox (called from any thread: the outbox writes in one)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._woken.set)

    async def run(self) -> None:
        """Work until stopped: fan out, send, and sleep until woken or the next poll.

        Cancelled instead of stopped (a process going down), the attempts in flight are cut
        short: their leases lapse and their deliveries go again, under the same ids.
        """
        self._loop = asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping.is_set():
                self._woken.clear()
                busy = await self._step(in_flight)
                if busy:
                    continue
                waiting = asyncio.create_task(self._woken.wait())
                stopping = asyncio.create_task(self._stopping.wait())
                try:
                    await asyncio.wait(
                        {waiting, stopping, *in_flight},
                        timeout=self._poll,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    waiting.cancel()
                    stopping.cancel()
            # Stopped: the attempts under way finish (each bounded by the webhook timeout) and
            # are recorded, so nothing is left writing to the database after `run` returns.
            await asyncio.gather(*in_flight, return_exceptions=True)
            await self._record_answers()
        finally:
            for task in in_flight:
                task.cancel()
            await self._webhooks.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client (`run` does on its way out; after `drain`, call this)."""
        await self._webhooks.aclose()

    def stop(self) -> None:
        """Finish the attempts under way and return from `run`, taking no new work."""
        self._stopping.set()

    async def _step(self, in_flight: set[asyncio.Task[None]]) -> bool:
        """One round; whether there may be more work at once (no sleep before the next)."""
        in_flight.difference_update({t for t in in_flight if t.done()})
        try:
            await self._record_answers()
            now = datetime.now(UTC)
            fanned = await asyncio.to_thread(fan_out, self._engine, now)
            if now >= self._next_digest_check:
                self._next_digest_check = now + DIGEST_CHECK
                await self._send_digests(now)
            free = self._concurrency - len(in_flight)
            claimed, picked = await asyncio.to_thread(self._claim, free, now) if free else ([], 0)
        except Exception:  # the database away: say so, and try again at the next poll
            log.exception("delivery round failed; trying again")
            return False
        for item in claimed:
            in_flight.add(asyncio.create_task(self._attempt(item)))
        # Deliveries given up on (their subscription gone) count: more may be due behind them.
        return bool(fanned) or (free > 0 and picked == free)

    async def _record_answers(self) -> None:
        """Record the attempts answered since the last round, in one transaction, and tell the
        owners of webhooks that this disabled. Unrecorded (the database away), an attempt is
        sent again once its lease lapses: at least once."""
        answered, self._answered = self._answered, []
        if not answered:
            return
        try:
            disabled = await asyncio.to_thread(self._record, answered)
        except Exception:
            log.exception("could not record %d attempts; they go again", len(answered))
            raise
        for hook in disabled:
            log.warning(
                "webhook %s disabled: failing since %s", hook.subscription_id, hook.failing_since
            )
            await self._tell_owner(hook)

    async def drain(self) -> None:
        """Fan out and send until nothing is due now (tests, benchmarks, `mufakat` commands)."""
        self._loop = asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        while True:
            busy = await self._step(in_flight)
            if in_flight:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            elif not busy:
                return

    # ------------------------------------------------------------------ claiming

    def _claim(self, limit: int, now: datetime) -> tuple[list[Claimed], int]:
        """Lease up to `limit` due deliveries to this dispatcher, with what sending them needs.

        One conditional update takes them all under a token of this claim, so two dispatchers
        never take the same delivery, and a handful of queries load the rest.
        """
        channels = [WEBHOOK] if self._mail is None else [WEBHOOK, EMAIL]
        free = or_(col(Delivery.locked_until).is_(None), col(Delivery.locked_until) < now)
        token = uuid.uuid4().hex
        with Session(self._engine) as session:
            due = list(
                session.exec(
                    select(Delivery.delivery_id)
                    .where(
                        col(Delivery.status) == PENDING,
                        col(Delivery.next_attempt_at) <= now,
                        col(Delivery.channel).in_(channels),
                        free,
                    )
                    .order_by(col(Delivery.next_attempt_at))
                    .limit(limit)
                )
            )
            if not due:
                return [], 0
            session.execute(
                update(Delivery)
                .where(col(Delivery.delivery_id).in_(due), col(Delivery.status) == PENDING, free)
                .values(locked_until=now + self._lease, claim=token)
            )
            session.commit()
            taken = list(session.exec(select(Delivery).where(col(Delivery.claim) == token)))
            claimed, refused = _loaded(session, taken)
            session.expunge_all()
            for reason, ids in refused.items():
                session.execute(
                    update(Delivery)
                    .where(col(Delivery.delivery_id).in_(ids))
                    .values(status=FAILED, last_error=reason, locked_until=None)
                )
            session.commit()
            return claimed, len(due)

    # ------------------------------------------------------------------ sending

    async def _attempt(self, item: Claimed) -> None:
        at = datetime.now(UTC)
        notice = self._for(item)
        if item.webhook is not None:
            hook = item.webhook
            body = event_body(cloud_event(notice, item.delivery.delivery_id, self._base_url))
            outcome = await self._webhooks.send(
                hook.url, _secrets(hook, at), item.delivery.delivery_id, body, at
            )
        else:
            outcome = await self._send_email(item, notice)
        # Recorded with the others answered meanwhile, by the next round (one transaction).
        self._answered.append((item, outcome, at))

    def _for(self, item: Claimed) -> Notice:
        """The notice as this subscriber may read it: without the waits of hidden threads."""
        if item.view is None or item.caller is None:
            return item.notice
        hidden = unseen_clocks(item.view, item.caller)
        if not hidden:
            return item.notice
        waiting = [a for a in item.notice.awaiting if a.clock not in hidden]
        return item.notice.model_copy(update={"awaiting": waiting})

    async def _send_email(self, item: Claimed, notice: Notice) -> AttemptOutcome:
        assert item.email is not None and self._mail is not None and self._smtp is not None
        started = asyncio.get_running_loop().time()
        message = notice_email(
            notice,
            to=item.email.address,
            name=item.email.name,
            sender=self._smtp.sender,
            base_url=self._base_url,
            message_id=item.delivery.delivery_id,
        )
        error: str | None = None
        permanent = False
        try:
            await self._mail.send(message)
        except EmailFailed as failed:
            error, permanent = str(failed), failed.permanent
        latency = (asyncio.get_running_loop().time() - started) * 1000
        code = 550 if permanent else None
        return AttemptOutcome(
            ok=error is None,
            status_code=code,
            latency_ms=latency,
            error=error,
            response_excerpt=None,
        )

    def _record(
        self, answered: list[tuple[Claimed, AttemptOutcome, datetime]]
    ) -> list[WebhookSubscription]:
        """Each attempt, its delivery's new state and, for a webhook, its subscription's; the
        webhooks this disabled.

        Statements rather than loaded rows: a subscription deleted or changed meanwhile (its
        owner, over the API) is simply not touched, never a conflict that loses the attempt.
        """
        now = datetime.now(UTC)
        disabled: list[WebhookSubscription] = []
        with Session(self._engine) as session:
            for item, outcome, at in answered:
                hook = self._record_one(session, item.delivery, outcome, at, now)
                if hook is not None:
                    disabled.append(hook)
            session.commit()
        return disabled

    def _record_one(
        self,
        session: Session,
        delivery: Delivery,
        outcome: AttemptOutcome,
        at: datetime,
        now: datetime,
    ) -> WebhookSubscription | None:
        values: dict[str, Any] = {
            "attempts": Delivery.attempts + 1,
            "last_status_code": outcome.status_code,
            "last_error": _cut(outcome.error),
            "locked_until": None,
            "claim": None,
        }
        if outcome.ok:
            values |= {"status": DELIVERED, "delivered_at": now}
        else:
            wait = retry_delay(delivery.attempts + 1, self._rng, self._first_retry)
            values["next_attempt_at"] = now + wait
            if delivery.channel == EMAIL and _gave_up_on_email(
                delivery, outcome, now, self._retry_for
            ):
                values["status"] = FAILED
        attempt = session.execute(
            update(Delivery)
            .where(col(Delivery.delivery_id) == delivery.delivery_id)
            .values(**values)
            .returning(col(Delivery.attempts))
        ).scalar_one_or_none()
        if attempt is None:
            return None
        session.add(
            DeliveryAttempt(
                delivery_id=delivery.delivery_id,
                attempt=attempt,
                at=at,
                status_code=outcome.status_code,
                latency_ms=round(outcome.latency_ms, 1),
                error=_cut(outcome.error),
                response_excerpt=_cut(outcome.response_excerpt),
            )
        )
        if delivery.channel != WEBHOOK:
            return None
        return self._count(session, delivery.subscription_id, outcome, now)

    def _count(
        self, session: Session, subscription_id: str, outcome: AttemptOutcome, now: datetime
    ) -> WebhookSubscription | None:
        """An answer's effect on its webhook: a success clears its failing streak; a failure
        starts one, and disables the webhook (failing what it still had to receive) once it
        has lasted `webhook_retry_hours`. The webhook disabled, if it was."""
        this = col(WebhookSubscription.subscription_id) == subscription_id
        failing = col(WebhookSubscription.failing_since)
        if outcome.ok:
            session.execute(
                update(WebhookSubscription)
                .where(this, failing.is_not(None))
                .values(failing_since=None)
            )
            return None
        session.execute(
            update(WebhookSubscription).where(this, failing.is_(None)).values(failing_since=now)
        )
        hook = session.exec(select(WebhookSubscription).where(this)).first()
        if hook is None or not hook.active or hook.failing_since is None:
            return None
        if now - hook.failing_since < self._retry_for:
            return None
        last = outcome.error or f"HTTP {outcome.status_code}"
        reason = _cut(f"failing since {hook.failing_since.isoformat()}: {last}")
        session.execute(
            update(WebhookSubscription)
            .where(this, col(WebhookSubscription.active))
            .values(active=False, disabled_at=now, disabled_reason=reason, updated_at=now)
        )
        session.execute(
            update(Delivery)
            .where(
                col(Delivery.subscription_id) == subscription_id, col(Delivery.status) == PENDING
            )
            .values(status=FAILED, last_error="the subscription was disabled", locked_until=None)
        )
        session.expunge(hook)
        hook.disabled_reason = reason
        return hook

    async def _tell_owner(self, hook: WebhookSubscription) -> None:
        """E-mail the owner's addresses that its webhook was disabled (none: the log and the
        subscription's own state say it)."""
        if self._mail is None or self._smtp is None:
            return
        addresses = await asyncio.to_thread(self._addresses_of, hook.key_id)
        for subscription in addresses:
            message = webhook_disabled_email(
                subscription_id=hook.subscription_id,
                url=hook.url,
                failing_since=hook.failing_since or datetime.now(UTC),
                last_error=hook.disabled_reason,
                to=subscription.address,
                name=subscription.name,
                sender=self._smtp.sender,
                base_url=self._base_url,
                message_id=f"disabled-{hook.subscription_id}-{subscription.subscription_id}",
            )
            try:
                await self._mail.send(message)
            except EmailFailed as failed:
                log.warning("telling %s of its disabled webhook failed: %s", hook.key_id, failed)

    def _addresses_of(self, key_id: str) -> list[EmailSubscription]:
        with Session(self._engine) as session:
            return list(
                session.exec(
                    select(EmailSubscription).where(
                        col(EmailSubscription.key_id) == key_id, col(EmailSubscription.active)
                    )
                )
            )

    # ------------------------------------------------------------------ digests

    async def _send_digests(self, now: datetime) -> None:
        if self._mail is None or self._smtp is None:
            return
        hour = self._settings.email_digest_hour
        due = await asyncio.to_thread(self._digests_due, now, hour)
        for subscription, deliveries, notices in due:
            message = digest_email(
                notices,
                to=subscription.address,
                name=subscription.name,
                sender=self._smtp.sender,
                base_url=self._base_url,
                day=now.astimezone(JAKARTA).date(),
                message_id=f"digest-{subscription.subscription_id}-{_day(now)}",
            )
            try:
                await self._mail.send(message)
            except EmailFailed as failed:
                log.warning("digest to %s failed: %s", subscription.subscription_id, failed)
                continue
            await asyncio.to_thread(self._digest_sent, subscription, deliveries, now)

    def _digests_due(
        self, now: datetime, hour: int
    ) -> list[tuple[EmailSubscription, list[str], list[Notice]]]:
        with Session(self._engine) as session:
            found = []
            subscriptions = session.exec(
                select(EmailSubscription).where(
                    col(EmailSubscription.active), col(EmailSubscription.digest)
                )
            )
            for subscription in subscriptions:
                if not digest_due(now, subscription.last_digest_at, hour):
                    continue
                waiting = list(
                    session.exec(
                        select(Delivery, NoticeRecord)
                        .join(NoticeRecord, col(NoticeRecord.notice_id) == Delivery.notice_id)
                        .where(
                            col(Delivery.subscription_id) == subscription.subscription_id,
                            col(Delivery.status) == DIGEST,
                        )
                        .order_by(col(NoticeRecord.at))
                    )
                )
                if waiting:
                    session.expunge(subscription)
                    found.append(
                        (
                            subscription,
                            [d.delivery_id for d, _ in waiting],
                            [Notice.model_validate(n.body) for _, n in waiting],
                        )
                    )
            return found

    def _digest_sent(
        self, subscription: EmailSubscription, deliveries: Sequence[str], now: datetime
    ) -> None:
        with Session(self._engine) as session:
            session.execute(
                update(Delivery)
                .where(col(Delivery.delivery_id).in_(list(deliveries)))
                .values(status=DELIVERED, delivered_at=now, attempts=Delivery.attempts + 1)
            )
            stored = session.get(EmailSubscription, subscription.subscription_id)
            if stored is not None:
                stored.last_digest_at = now
                session.add(stored)
            session.commit()


def _loaded(session: Session, taken: list[Delivery]) -> tuple[list[Claimed], dict[str, list[str]]]:
    """What sending each claimed delivery needs, and those to give up (by reason): their
    subscription or its key is gone, or the subscription was disabled meanwhile."""
    notices = _by_id(session, NoticeRecord, NoticeRecord.notice_id, {d.notice_id for d in taken})
    subscriptions = {d.subscription_id for d in taken}
    hooks = _by_id(session, WebhookSubscription, WebhookSubscription.subscription_id, subscriptions)
    mails = _by_id(session, EmailSubscription, EmailSubscription.subscription_id, subscriptions)
    owners: list[WebhookSubscription | EmailSubscription] = [*hooks.values(), *mails.values()]
    keys = _by_id(session, ApiKey, ApiKey.key_id, {o.key_id for o in owners})
    cases = _by_id(session, CaseRecord, CaseRecord.case_id, {d.case_id for d in taken})
    views = {case_id: CaseView.model_validate(r.detail) for case_id, r in cases.items()}
    claimed: list[Claimed] = []
    refused: dict[str, list[str]] = {}
    for delivery in taken:
        record = notices.get(delivery.notice_id)
        hook = hooks.get(delivery.subscription_id)
        mail = mails.get(delivery.subscription_id)
        owner = hook or mail
        key = keys.get(owner.key_id) if owner is not None else None
        if record is None or owner is None or key is None or key.revoked_at is not None:
            reason = "the subscription or its key no longer exists"
        elif not owner.active:
            reason = "the subscription is disabled"
        else:
            caller = Caller(key.key_id, key.name, Role(key.role), key.scope)
            notice = Notice.model_validate(record.body)
            view = views.get(delivery.case_id)
            claimed.append(Claimed(delivery, notice, view, caller, hook, mail))
            continue
        refused.setdefault(reason, []).append(delivery.delivery_id)
    return claimed, refused


def _by_id(session: Session, table: type[Row], key: Any, ids: set[str]) -> dict[str, Row]:
    """The rows of `table` whose `key` column is one of `ids`, by that key."""
    if not ids:
        return {}
    rows = session.exec(select(table).where(col(key).in_(list(ids))))
    return {getattr(row, key.key): row for row in rows}


def _secrets(hook: WebhookSubscription, at: datetime) -> list[str]:
    """The current secret, and during a rotation's overlap the previous one too."""
    expires = hook.previous_secret_expires_at
    if hook.previous_secret and expires is not None and at < expires:
        return [hook.secret, hook.previous_secret]
    return [hook.secret]


def _gave_up_on_email(
    delivery: Delivery, outcome: AttemptOutcome, now: datetime, retry_for: timedelta
) -> bool:
    """An e-mail the server refused for good, or failing for longer than webhooks may."""
    permanent = outcome.status_code is not None and outcome.status_code >= 500
    return permanent or now - delivery.created_at >= retry_for


def _cut(text: str | None, limit: int = 500) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def _day(now: datetime) -> date:
    return now.astimezone(JAKARTA).date()
