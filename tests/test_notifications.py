"""Notices end to end: real cases on real Temporal, the outbox, the dispatcher, and real receivers
(an HTTP server and an SMTP server in this process), over SQLite and PostgreSQL.

What must hold (issue 11): a receiver is told, signed and as a CloudEvent, of exactly what its
key may see; a failing receiver gets the event again under the same id until it acknowledges
it; a hanging one never slows an action; nothing is lost when the worker dies mid-delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import standardwebhooks
from cloudevents.v1.http import from_http
from sqlalchemy import make_url
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from api.cli.embedded import child_env
from api.services.delivery.dispatcher import Dispatcher
from models.roles import Role
from models.settings import Settings, get_settings
from models.tables import Delivery, DeliveryAttempt, NoticeRecord
from storage.database import create_database_engine
from tests.api_harness import Api, Step, running_api
from tests.relay import PostgresRelay
from tests.smtp_server import SmtpServer
from tests.webhook_receiver import ReceivedRequest, Receiver

BANDUNG, KOTA_BANDUNG, GARUT = "32.04", "32.73", "32.05"
ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})
RESPOND: Step = (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan"})
NOTE: dict[str, Any] = {"text": "Catatan rapat"}
PUBLIC_URL = "https://mufakat.kemendagri.go.id"
MUFAKAT = str(Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "mufakat")
WAIT_SECONDS = 60.0


@dataclass
class Notifying:
    """The app and its worker, with a dispatcher sending the outbox's deliveries."""

    api: Api
    settings: Settings

    @property
    def engine(self) -> Any:
        return self.api.app.state.engine

    async def subscribe(
        self, receiver: Receiver, role: Role, scope: str | None, events: list[str] | None = None
    ) -> tuple[str, str]:
        """A webhook of this key to the receiver: its id and its secret."""
        body: dict[str, Any] = {"url": receiver.url}
        if events is not None:
            body["events"] = events
        created = await self.api.client.post(
            "/v1/webhooks", json=body, headers=self.api.headers(role, scope)
        )
        assert created.status_code == 201, created.text
        return created.json()["id"], created.json()["secret"]

    def deliveries(self, subscription_id: str) -> list[Delivery]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(Delivery)
                    .where(col(Delivery.subscription_id) == subscription_id)
                    .order_by(col(Delivery.created_at), col(Delivery.notice_id))
                )
            )

    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(DeliveryAttempt)
                    .where(col(DeliveryAttempt.delivery_id) == delivery_id)
                    .order_by(col(DeliveryAttempt.attempt))
                )
            )

    def notices(self, case_id: str) -> list[str]:
        """The types of the case's notices in the outbox, in the order the case made them."""
        with Session(self.engine) as session:
            records = session.exec(
                select(NoticeRecord).where(col(NoticeRecord.case_id) == case_id)
            ).all()
        ordered = sorted(records, key=lambda r: int(r.notice_id.rsplit(".", 1)[1]))
        return [r.type for r in ordered]


def _settings(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    return get_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        task_queue=f"notify-{uuid.uuid4()}",
        public_url=PUBLIC_URL,
        webhook_allow_http=True,
        webhook_allowed_networks=["127.0.0.0/8"],
        webhook_timeout_seconds=1.0,
        webhook_first_retry_seconds=0.2,
        delivery_poll_seconds=0.1,
        **extra,
    )


@contextlib.asynccontextmanager
async def _dispatching(dispatcher: Dispatcher) -> AsyncIterator[None]:
    running = asyncio.create_task(dispatcher.run())
    try:
        yield
    finally:
        dispatcher.stop()  # no database work left in a thread once the engine is disposed
        await running


@pytest_asyncio.fixture(loop_scope="session")
async def smtp() -> AsyncIterator[SmtpServer]:
    async with SmtpServer() as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session")
async def notifying(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: SmtpServer
) -> AsyncIterator[Notifying]:
    settings = _settings(tmp_path, database_url, **smtp.settings_overrides())
    dispatcher: Dispatcher | None = None

    def wake() -> None:
        if dispatcher is not None:
            dispatcher.wake()

    async with running_api(dev_env, settings, on_notice=wake) as api:
        dispatcher = Dispatcher(api.app.state.engine, settings)
        async with _dispatching(dispatcher):
            yield Notifying(api, settings)


async def _eventually(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        done = check()
        if not isinstance(done, bool):
            done = await done
        if done:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _all_delivered(notifying: Notifying, subscription_id: str, count: int) -> None:
    def delivered() -> bool:
        rows = notifying.deliveries(subscription_id)
        return len(rows) == count and all(r.status == "delivered" for r in rows)

    await _eventually(delivered, f"{count} deliveries to {subscription_id}")


async def _arrived(receiver: Receiver, count: int) -> list[ReceivedRequest]:
    """The first `count` requests to the receiver, once they have come (bounded)."""
    async with asyncio.timeout(WAIT_SECONDS):
        return await receiver.wait_for(count)


def _event(request: ReceivedRequest) -> Any:
    return from_http(request.headers, request.body)


async def test_a_party_is_told_signed_as_cloudevents_of_each_step_of_its_case(
    notifying: Notifying,
) -> None:
    async with Receiver() as receiver:
        subscription, secret = await notifying.subscribe(receiver, Role.PARTY, BANDUNG)
        case_id = await notifying.api.case(ACCEPT)
        expected = [
            "mufakat.case.filed",
            "mufakat.case.action_required",
            "mufakat.case.stage_changed",
            "mufakat.case.action_required",
        ]
        assert notifying.notices(case_id) == expected
        await _all_delivered(notifying, subscription, 4)
        received = await _arrived(receiver, 4)
    verifier = standardwebhooks.Webhook(secret)
    events = []
    for request in received:
        verifier.verify(request.body, request.headers)  # raises unless signed with the secret
        events.append(_event(request))
    assert sorted(e["type"] for e in events) == sorted(expected)
    ids = {d.delivery_id for d in notifying.deliveries(subscription)}
    assert {e["id"] for e in events} == ids
    assert {r.headers["webhook-id"] for r in received} == ids
    moved = next(e for e in events if e["type"] == "mufakat.case.stage_changed")
    assert moved["subject"] == case_id
    assert moved["source"] == f"{PUBLIC_URL}/v1/cases"
    data = moved.get_data()
    assert data["stage"] == "notice"
    assert data["links"] == {
        "api": f"{PUBLIC_URL}/v1/cases/{case_id}",
        "konsol": f"{PUBLIC_URL}/konsol/perkara/{case_id}",
    }
    # Who must act, and by when: the responding party answers the notice by the stage's due.
    assert [(a["role"], a["scope"]) for a in data["awaiting"]] == [("party", KOTA_BANDUNG)]
    assert data["awaiting"][0]["due_at"] == data["due_at"] is not None


async def test_a_subscription_never_receives_a_case_its_key_may_not_see(
    notifying: Notifying,
) -> None:
    async with Receiver() as party, Receiver() as other, Receiver() as gwpp:
        seen, _ = await notifying.subscribe(party, Role.PARTY, KOTA_BANDUNG)
        unseen, _ = await notifying.subscribe(other, Role.PARTY, GARUT)
        province, _ = await notifying.subscribe(gwpp, Role.GWPP, "32")
        case_id = await notifying.api.case(ACCEPT)
        await _all_delivered(notifying, seen, 4)
        await _all_delivered(notifying, province, 4)
        # Fanned out: the outbox holds no notice of the case still to be fanned out.
        with Session(notifying.engine) as session:
            rows = session.exec(select(NoticeRecord).where(NoticeRecord.case_id == case_id))
            assert all(r.fanned_out_at is not None for r in rows)
    assert notifying.deliveries(unseen) == []
    assert other.received == []
    assert len(party.received) == 4


async def test_a_receiver_failing_then_answering_gets_the_event_until_acknowledged(
    notifying: Notifying,
) -> None:
    async with Receiver() as receiver:
        receiver.respond(500, 503)
        subscription, _ = await notifying.subscribe(
            receiver, Role.PARTY, BANDUNG, events=["mufakat.case.filed"]
        )
        case_id = await notifying.api.case()
        await _all_delivered(notifying, subscription, 1)
        received = await _arrived(receiver, 3)
    [delivery] = notifying.deliveries(subscription)
    assert delivery.case_id == case_id
    assert delivery.attempts == 3
    assert [a.status_code for a in notifying.attempts(delivery.delivery_id)] == [500, 503, 200]
    # The same event each time, under the same id: the receiver keeps the first, drops the rest.
    assert {r.headers["webhook-id"] for r in received} == {delivery.delivery_id}
    assert len({r.body for r in received}) == 1
    log = await notifying.api.get(f"/v1/webhooks/{subscription}/deliveries", Role.PARTY, BANDUNG)
    assert log.status_code == 200, log.text
    [entry] = log.json()["items"]
    assert entry["status"] == "delivered"
    assert [a["status_code"] for a in entry["attempt_log"]] == [500, 503, 200]


async def _note_latencies(
    api: Api, case_id: str, count: int, held: Callable[[], int] = lambda: 0
) -> tuple[list[float], list[int]]:
    """Seconds each of `count` notes (a party's note: no stage change) takes to be answered,
    and `held()` (requests a receiver holds open) as each answer came."""
    seconds, holding = [], []
    for _ in range(count):
        started = time.perf_counter()
        response = await api.act(case_id, Role.PARTY, BANDUNG, "add_note", **NOTE)
        seconds.append(time.perf_counter() - started)
        holding.append(held())
        assert response.status_code == 200, response.text
    return seconds, holding


async def test_a_hanging_receiver_does_not_slow_an_action(notifying: Notifying) -> None:
    api = notifying.api
    quiet = await api.case(ACCEPT)
    without, _ = await _note_latencies(api, quiet, 8)
    async with Receiver() as receiver:
        receiver.hang()
        await notifying.subscribe(receiver, Role.PARTY, BANDUNG)
        case_id = await api.case(ACCEPT)
        await _arrived(receiver, 1)  # a delivery is hanging in the receiver now
        with_hanging, held = await _note_latencies(api, case_id, 8, lambda: receiver.hanging)
    # Each note was answered while the receiver held deliveries open, unanswered.
    assert all(held), held
    # The same within noise: no receiver is on an action's path (median, 8 actions each).
    assert statistics.median(with_hanging) <= 1.5 * statistics.median(without) + 0.05, (
        without,
        with_hanging,
    )


async def test_an_email_subscription_is_sent_the_notice_in_indonesian(
    notifying: Notifying, smtp: SmtpServer
) -> None:
    api = notifying.api
    created = await api.client.post(
        "/v1/email-subscriptions",
        json={"address": "biro.hukum@bandungkab.go.id", "events": ["mufakat.case.stage_changed"]},
        headers=api.headers(Role.PARTY, BANDUNG),
    )
    assert created.status_code == 201, created.text
    before = len(smtp.messages)
    case_id = await api.case(ACCEPT)
    await _all_delivered(notifying, created.json()["id"], 1)
    [message] = smtp.messages[before:]
    assert message["To"] == "biro.hukum@bandungkab.go.id"
    assert case_id in message["Subject"]
    text = message.get_body(("plain",))
    assert text is not None
    assert f"{PUBLIC_URL}/konsol/perkara/{case_id}" in text.get_content()


def _dispatcher_env(notifying: Notifying) -> dict[str, str]:
    settings = notifying.settings
    env = {k: v for k, v in child_env(os.environ).items() if not k.startswith("MUFAKAT_")}
    return env | {
        "MUFAKAT_DATABASE_URL": settings.database_url,
        "MUFAKAT_TASK_QUEUE": settings.task_queue,
        "MUFAKAT_LOG_LEVEL": "WARNING",
        "MUFAKAT_WEBHOOK_ALLOW_HTTP": "true",
        "MUFAKAT_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        # Long enough that the first worker is killed before its attempt times out.
        "MUFAKAT_WEBHOOK_TIMEOUT_SECONDS": "5",
        "MUFAKAT_DELIVERY_POLL_SECONDS": "0.1",
        "MUFAKAT_PUBLIC_URL": PUBLIC_URL,
    }


@contextlib.asynccontextmanager
async def _dispatcher_process(
    env: dict[str, str], data_dir: Path, log_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`mufakat dispatcher`, as `mufakat dev` runs it beside the worker."""
    argv = [MUFAKAT, "dispatcher", "--data-dir", str(data_dir)]
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_killing_the_process_delivering_mid_delivery_loses_nothing(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    # The app's worker runs the cases; `mufakat dispatcher` processes deliver, the first one
    # killed while its attempt hangs in the receiver.
    settings = _settings(tmp_path, database_url)
    async with running_api(dev_env, settings) as api:
        notifying = Notifying(api, settings)
        env = _dispatcher_env(notifying)
        log_path = tmp_path / "dispatcher.log"
        async with Receiver() as receiver:
            receiver.hang()
            subscription, _ = await notifying.subscribe(
                receiver, Role.PARTY, BANDUNG, events=["mufakat.case.filed"]
            )
            async with _dispatcher_process(env, tmp_path / "d1", log_path) as first:
                case_id = await api.case()
                await _arrived(receiver, 1)  # the delivery is in flight in the first process
                first.kill()
                await first.wait()
            [delivery] = notifying.deliveries(subscription)
            assert delivery.status == "pending" and delivery.locked_until is not None
            receiver.respond(200)
            receiver.release()
            async with _dispatcher_process(env, tmp_path / "d2", log_path):
                await _all_delivered(notifying, subscription, 1)
                await api.settled(case_id)
            received = receiver.received
    # The second process sent it once the first one's lease lapsed, under the same id.
    assert [r.headers["webhook-id"] for r in received] == [delivery.delivery_id] * 2
    [done] = notifying.deliveries(subscription)
    assert done.status == "delivered"
    assert done.attempts == 1  # the killed attempt never recorded an answer


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_reminders_wait_for_the_daily_digest_and_the_rest_goes_at_once(
    skipping_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    # The digest hour is midnight in Jakarta: a subscription that never had one is due now.
    settings = _settings(tmp_path, database_url, email_digest_hour=0, **smtp.settings_overrides())
    async with running_api(skipping_env, settings) as api:
        notifying = Notifying(api, settings)
        created = await api.client.post(
            "/v1/email-subscriptions",
            json={
                "address": "operator@kemendagri.go.id",
                "events": ["mufakat.case.reminder", "mufakat.case.overdue"],
                "digest": True,
            },
            headers=api.headers(Role.OPERATOR),
        )
        assert created.status_code == 201, created.text
        before = len(smtp.messages)
        case_id = await api.case()
        # Intake is 10 HK: 50% and 80% pass, then the limit (time skipping).
        await skipping_env.sleep(timedelta(days=20))
        await _eventually(
            lambda: (
                notifying.notices(case_id)[-3:]
                == ["mufakat.case.reminder", "mufakat.case.reminder", "mufakat.case.overdue"]
            ),
            "the reminders and the overdue notice in the outbox",
        )
        dispatcher = Dispatcher(api.app.state.engine, settings)
        await dispatcher.drain()
        await dispatcher.aclose()
    subscription = created.json()["id"]
    statuses = sorted((d.type, d.status) for d in notifying.deliveries(subscription))
    assert statuses == [
        ("mufakat.case.overdue", "delivered"),
        ("mufakat.case.reminder", "delivered"),
        ("mufakat.case.reminder", "delivered"),
    ]
    sent = smtp.messages[before:]
    assert len(sent) == 2  # the overdue notice on its own, and one digest of both reminders
    [digest] = [m for m in sent if m["Subject"].startswith("[Mufakat] Ringkasan")]
    text = digest.get_body(("plain",))
    assert text is not None
    assert text.get_content().count(f"{PUBLIC_URL}/konsol/perkara/{case_id}") == 1
    assert "50%" in text.get_content() and "80%" in text.get_content()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_receiver_failing_past_its_retry_window_is_disabled_and_its_owner_told(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    # A window of about a second, instead of a day.
    settings = _settings(
        tmp_path, database_url, webhook_retry_hours=1 / 3600, **smtp.settings_overrides()
    )
    async with running_api(dev_env, settings) as api, Receiver() as receiver:
        notifying = Notifying(api, settings)
        receiver.respond(*[500] * 1000)
        subscription, _ = await notifying.subscribe(receiver, Role.PARTY, BANDUNG)
        owner = await api.client.post(
            "/v1/email-subscriptions",
            json={"address": "it@bandungkab.go.id", "events": ["mufakat.case.closed"]},
            headers=api.headers(Role.PARTY, BANDUNG),
        )
        assert owner.status_code == 201, owner.text
        before = len(smtp.messages)
        await api.case()
        dispatcher = Dispatcher(api.app.state.engine, settings)
        async with _dispatching(dispatcher):

            async def disabled() -> bool:
                hook = await api.get(f"/v1/webhooks/{subscription}", Role.PARTY, BANDUNG)
                return hook.json()["active"] is False

            await _eventually(disabled, "the webhook disabled")
            await _eventually(lambda: len(smtp.messages) > before, "the owner's e-mail")
        hook = (await api.get(f"/v1/webhooks/{subscription}", Role.PARTY, BANDUNG)).json()
    assert hook["disabled_at"] is not None
    assert "HTTP 500" in hook["disabled_reason"]
    assert {d.status for d in notifying.deliveries(subscription)} == {"failed"}
    [told] = smtp.messages[before:]
    assert told["To"] == "it@bandungkab.go.id"
    body = told.get_body(("plain",))
    assert body is not None and f"{PUBLIC_URL}/v1/webhooks/{subscription}" in body.get_content()


async def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    notifying: Notifying,
) -> None:
    api = notifying.api
    async with Receiver() as receiver:
        subscription, old = await notifying.subscribe(
            receiver, Role.PARTY, BANDUNG, events=["mufakat.case.filed"]
        )
        rotated = await api.client.post(
            f"/v1/webhooks/{subscription}/rotate-secret",
            json={"overlap_hours": 1},
            headers=api.headers(Role.PARTY, BANDUNG),
        )
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["secret"]
        await api.case()
        [request] = await _arrived(receiver, 1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver still on the old secret, and one already moved
        standardwebhooks.Webhook(secret).verify(request.body, request.headers)


async def test_a_redelivery_sends_the_same_event_again(notifying: Notifying) -> None:
    api = notifying.api
    async with Receiver() as receiver:
        subscription, _ = await notifying.subscribe(
            receiver, Role.PARTY, BANDUNG, events=["mufakat.case.filed"]
        )
        await api.case()
        await _all_delivered(notifying, subscription, 1)
        [delivery] = notifying.deliveries(subscription)
        again = await api.client.post(
            f"/v1/webhooks/{subscription}/deliveries/{delivery.delivery_id}/redeliver",
            headers=api.headers(Role.PARTY, BANDUNG),
        )
        assert again.status_code == 202, again.text
        first, second = await _arrived(receiver, 2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.delivery_id
    assert first.body == second.body


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_dispatcher_outlives_the_database_going_away(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, database_url)
    direct = make_url(database_url)
    relay = PostgresRelay(direct.host or "127.0.0.1", direct.port or 5432)
    proxied = direct.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    engine = create_database_engine(proxied)
    try:
        async with running_api(dev_env, settings) as api, Receiver() as receiver:
            notifying = Notifying(api, settings)
            subscription, _ = await notifying.subscribe(
                receiver, Role.PARTY, BANDUNG, events=["mufakat.case.filed"]
            )
            await api.case()  # in the outbox; the database is away before anything is sent
            dispatcher = Dispatcher(engine, settings)
            async with _dispatching(dispatcher):
                await asyncio.sleep(1)  # rounds fail meanwhile: logged, never fatal
                assert receiver.received == []
                await relay.relay()
                await _all_delivered(notifying, subscription, 1)
            [delivery] = notifying.deliveries(subscription)
            assert delivery.attempts == 1
            assert len(receiver.received) == 1
    finally:
        await relay.refuse()
        engine.dispose()
