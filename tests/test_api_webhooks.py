"""`/v1/webhooks`: a key's webhooks, refused URLs, rotation, the delivery log and redelivery;
and the OpenAPI `webhooks` section documenting each event a receiver gets.

Deliveries and attempts are written into the tables directly, as the dispatcher writes them:
these tests are about what the API shows and queues, not about sending.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, func, select

from api.app import create_app
from api.messages.catalogue import TEXTS
from models.notices import CASE_EVENTS
from models.roles import Role
from models.settings import get_settings
from models.tables import Delivery, DeliveryAttempt, WebhookSubscription
from tests.api_harness import Api

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
# A public address literal: judged without a DNS lookup, never connected to by these tests.
PUBLIC_URL = "https://93.184.215.14/mufakat/peristiwa"
T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)
SECRET_FIELDS = {"secret", "previous_secret"}


def key_id_of(api: Api, role: Role, scope: str | None = None) -> str:
    return api.token(role, scope).split("_")[1]


async def register(
    api: Api, role: Role = Role.PARTY, scope: str | None = BANDUNG, **body: Any
) -> httpx.Response:
    return await api.client.post(
        "/v1/webhooks", json={"url": PUBLIC_URL, **body}, headers=api.headers(role, scope)
    )


async def registered(api: Api, role: Role = Role.PARTY, scope: str | None = BANDUNG) -> str:
    created = await register(api, role, scope)
    assert created.status_code == 201, created.text
    subscription_id: str = created.json()["id"]
    return subscription_id


def stored(api: Api, subscription_id: str) -> WebhookSubscription:
    with Session(api.app.state.engine) as session:
        row = session.get(WebhookSubscription, subscription_id)
        assert row is not None
        return row


@asynccontextmanager
async def serving(tmp_path: Path, database_url: str, **settings: Any) -> AsyncIterator[Api]:
    """The production app with these settings, without a worker: no route here reaches Temporal."""
    app = create_app(get_settings(data_dir=tmp_path / "own", database_url=database_url, **settings))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        yield Api(app=app, client=http)
    app.state.engine.dispose()


# --- registering and reading --------------------------------------------------------------------


async def test_a_webhook_is_registered_and_its_secret_shown_only_then(api: Api) -> None:
    created = await register(api, description="Sistem persuratan")
    assert created.status_code == 201, created.text
    body = created.json()
    subscription_id = body["id"]
    assert created.headers["location"] == f"/v1/webhooks/{subscription_id}"
    assert body["secret"].startswith("whsec_")
    assert body["secret"] == stored(api, subscription_id).secret
    expected = {
        "id": subscription_id,
        "key_id": key_id_of(api, Role.PARTY, BANDUNG),
        "url": PUBLIC_URL,
        "events": [event.value for event in CASE_EVENTS],
        "description": "Sistem persuratan",
        "active": True,
        "disabled_at": None,
        "disabled_reason": None,
        "failing_since": None,
        "created_at": body["created_at"],
        "updated_at": body["created_at"],
        "previous_secret_expires_at": None,
    }
    assert {k: v for k, v in body.items() if k != "secret"} == expected

    one = await api.get(f"/v1/webhooks/{subscription_id}", Role.PARTY, BANDUNG)
    assert one.status_code == 200, one.text
    assert one.json() == expected
    listed = await api.get("/v1/webhooks", Role.PARTY, BANDUNG)
    assert listed.json() == {"items": [expected]}
    for answer in (one, listed):
        assert body["secret"] not in answer.text


async def test_chosen_events_are_kept_and_no_case_event_may_be_missing_or_doubled(
    api: Api,
) -> None:
    chosen = ["mufakat.case.action_required", "mufakat.case.overdue"]
    created = await register(api, events=chosen)
    assert created.status_code == 201, created.text
    assert created.json()["events"] == chosen

    for events, code, pointer in [
        (["mufakat.webhook.disabled"], "enum", "/events/0"),
        (["mufakat.case.overdue", "mufakat.case.overdue"], "duplicate_event", "/events"),
        ([], "too_short", "/events"),
    ]:
        refused = await register(api, events=events)
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert [(e["pointer"], e["code"]) for e in errors] == [(pointer, code)], events
    doubled = await register(api, events=["mufakat.case.overdue"] * 2)
    assert doubled.json()["errors"][0]["message"] == (
        "mufakat.case.overdue disebut lebih dari sekali"
    )


async def test_each_key_lists_its_own_webhooks_and_an_admin_every_one(api: Api) -> None:
    mine = [await registered(api, Role.PARTY, BANDUNG) for _ in range(2)]
    theirs = await registered(api, Role.PARTY, KOTA_BANDUNG)
    own = await registered(api, Role.ADMIN, None)

    def ids(answer: httpx.Response) -> list[str]:
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids(await api.get("/v1/webhooks", Role.PARTY, BANDUNG)) == mine
    assert ids(await api.get("/v1/webhooks", Role.PARTY, KOTA_BANDUNG)) == [theirs]
    assert ids(await api.get("/v1/webhooks", Role.OPERATOR)) == []
    assert sorted(ids(await api.get("/v1/webhooks", Role.ADMIN))) == sorted([*mine, theirs, own])
    bandung = key_id_of(api, Role.PARTY, BANDUNG)
    assert ids(await api.get("/v1/webhooks", Role.ADMIN, key_id=bandung)) == mine
    # Naming its own key is allowed; naming another's is for admins.
    assert ids(await api.get("/v1/webhooks", Role.PARTY, BANDUNG, key_id=bandung)) == mine
    other = key_id_of(api, Role.PARTY, KOTA_BANDUNG)
    refused = await api.get("/v1/webhooks", Role.PARTY, BANDUNG, key_id=other)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == PROBLEM + "wrong_role"


async def test_another_keys_webhook_does_not_exist_for_it_but_does_for_an_admin(
    api: Api,
) -> None:
    subscription_id = await registered(api, Role.PARTY, BANDUNG)
    path = f"/v1/webhooks/{subscription_id}"
    other = api.headers(Role.PARTY, KOTA_BANDUNG)
    attempts = [
        api.client.get(path, headers=other),
        api.client.patch(path, json={"active": False}, headers=other),
        api.client.delete(path, headers=other),
        api.client.get(f"{path}/deliveries", headers=other),
        api.client.post(f"{path}/rotate-secret", json={}, headers=other),
        api.client.post(f"{path}/redeliver", json={"since": T0.isoformat()}, headers=other),
        api.client.post(f"{path}/deliveries/msg_1/redeliver", headers=other),
    ]
    for attempt in attempts:
        answer = await attempt
        assert answer.status_code == 404, answer.text
        assert answer.json()["type"] == PROBLEM + "unknown_webhook"
        assert answer.json()["detail"] == f"kunci ini tidak memiliki webhook {subscription_id}"
    assert stored(api, subscription_id).active is True

    admin = api.headers(Role.ADMIN)
    assert (await api.client.get(path, headers=admin)).status_code == 200
    paused = await api.client.patch(path, json={"active": False}, headers=admin)
    assert paused.status_code == 200, paused.text
    assert paused.json()["active"] is False
    assert (await api.client.delete(path, headers=admin)).status_code == 204


async def test_a_deleted_webhook_is_gone_and_its_log_stays(api: Api) -> None:
    subscription_id = await registered(api)
    _insert_deliveries(api, subscription_id, 1)
    path = f"/v1/webhooks/{subscription_id}"
    deleted = await api.client.delete(path, headers=api.headers(Role.PARTY, BANDUNG))
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await api.get(path, Role.PARTY, BANDUNG)).status_code == 404
    with Session(api.app.state.engine) as session:
        assert session.exec(select(Delivery.delivery_id)).all() == ["msg_0"]


# --- the URL a webhook may have -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        (
            "http://127.0.0.1:8080/hook",
            "webhook_url_refused.scheme",
            "skema http tidak diizinkan; gunakan https",
        ),
        (
            "https://127.0.0.1/hook",
            "webhook_url_refused.address",
            "127.0.0.1 bukan alamat publik; jaringan internal hanya bila administrator "
            "mengizinkannya",
        ),
        (
            "https://[::ffff:10.1.2.3]/hook",
            "webhook_url_refused.address",
            "::ffff:10.1.2.3 mengarah ke 10.1.2.3, bukan alamat publik; jaringan internal hanya "
            "bila administrator mengizinkannya",
        ),
        (
            "https://agency:s3cret@93.184.215.14/hook",
            "webhook_url_refused.credentials",
            "URL webhook tidak boleh memuat nama pengguna atau kata sandi",
        ),
        ("https:///hook", "webhook_url_refused.host", "URL ini tidak menyebut host yang sah"),
    ],
)
async def test_a_url_the_server_may_not_reach_is_refused_and_nothing_stored(
    api: Api, url: str, code: str, message: str
) -> None:
    refused = await register(api, url=url)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == PROBLEM + "webhook_url_refused"
    assert problem["title"] == "URL webhook ditolak"
    assert problem["errors"] == [
        {"in": "body", "pointer": "/url", "code": code, "message": message}
    ]
    with Session(api.app.state.engine) as session:
        assert session.exec(select(func.count()).select_from(WebhookSubscription)).one() == 0


async def test_a_refusal_speaks_english_when_asked(api: Api) -> None:
    refused = await api.client.post(
        "/v1/webhooks",
        json={"url": "https://127.0.0.1/hook"},
        headers={**api.headers(Role.PARTY, BANDUNG), "Accept-Language": "en"},
    )
    assert refused.json()["title"] == "Webhook URL refused"
    assert refused.json()["errors"][0]["message"] == (
        "127.0.0.1 is not a public address; internal networks only where an administrator "
        "allows them"
    )


def test_every_refusal_reason_has_its_message_in_both_languages() -> None:
    reasons = ("scheme", "credentials", "host", "unresolvable", "address")
    for language in ("id", "en"):
        missing = [r for r in reasons if f"webhook_url_refused.{r}" not in TEXTS[language]]
        assert missing == [], language


async def test_an_administrator_may_allow_http_and_an_internal_network(
    database_url: str, tmp_path: Path
) -> None:
    async with serving(
        tmp_path,
        database_url,
        webhook_allow_http=True,
        webhook_allowed_networks=["127.0.0.0/8"],
    ) as local:
        accepted = await register(local, url="http://127.0.0.1:8080/hook")
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["url"] == "http://127.0.0.1:8080/hook"
        # Only the network allowed: another private one is still refused.
        refused = await register(local, url="http://10.1.2.3/hook")
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["code"] == "webhook_url_refused.address"


# --- changing, re-enabling, rotating ------------------------------------------------------------


async def test_a_patch_changes_what_it_names_and_judges_a_new_url_again(api: Api) -> None:
    subscription_id = await registered(api)
    path, headers = f"/v1/webhooks/{subscription_id}", api.headers(Role.PARTY, BANDUNG)
    changed = await api.client.patch(
        path,
        json={"events": ["mufakat.case.closed"], "description": "Arsip"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["events"], body["description"]) == (
        PUBLIC_URL,
        ["mufakat.case.closed"],
        "Arsip",
    )
    refused = await api.client.patch(path, json={"url": "https://10.0.0.7/x"}, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == PROBLEM + "webhook_url_refused"
    assert stored(api, subscription_id).url == PUBLIC_URL
    moved = await api.client.patch(path, json={"url": "https://8.8.8.8/in"}, headers=headers)
    assert moved.json()["url"] == "https://8.8.8.8/in"


async def test_active_true_re_enables_a_disabled_webhook_and_false_pauses_it(api: Api) -> None:
    subscription_id = await registered(api)
    with Session(api.app.state.engine) as session:
        row = session.get(WebhookSubscription, subscription_id)
        assert row is not None
        row.active = False
        row.disabled_at = T0 + timedelta(hours=24)
        row.disabled_reason = "gagal selama 24 jam"
        row.failing_since = T0
        session.add(row)
        session.commit()
    path, headers = f"/v1/webhooks/{subscription_id}", api.headers(Role.PARTY, BANDUNG)
    shown = (await api.client.get(path, headers=headers)).json()
    assert (shown["active"], shown["disabled_reason"]) == (False, "gagal selama 24 jam")
    assert datetime.fromisoformat(shown["failing_since"]) == T0

    enabled = await api.client.patch(path, json={"active": True}, headers=headers)
    assert enabled.status_code == 200, enabled.text
    body = enabled.json()
    assert [body[k] for k in ("active", "disabled_at", "disabled_reason", "failing_since")] == [
        True,
        None,
        None,
        None,
    ]
    paused = await api.client.patch(path, json={"active": False}, headers=headers)
    assert [paused.json()[k] for k in ("active", "disabled_at")] == [False, None]


async def test_rotation_shows_a_new_secret_once_and_keeps_the_old_one_for_a_day(
    api: Api,
) -> None:
    created = await register(api)
    first = created.json()["secret"]
    subscription_id = created.json()["id"]
    path, headers = (
        f"/v1/webhooks/{subscription_id}/rotate-secret",
        api.headers(Role.PARTY, BANDUNG),
    )
    rotated = await api.client.post(path, headers=headers)
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != first
    expires = datetime.fromisoformat(body["previous_secret_expires_at"])
    assert expires - datetime.fromisoformat(body["updated_at"]) == timedelta(hours=24)
    row = stored(api, subscription_id)
    assert (row.secret, row.previous_secret) == (body["secret"], first)
    assert row.previous_secret_expires_at == expires
    shown = await api.get(f"/v1/webhooks/{subscription_id}", Role.PARTY, BANDUNG)
    assert set(shown.json()) & SECRET_FIELDS == set()
    assert first not in shown.text and body["secret"] not in shown.text

    at_once = await api.client.post(path, json={"overlap_hours": 0}, headers=headers)
    assert at_once.json()["previous_secret_expires_at"] is None
    assert stored(api, subscription_id).previous_secret is None
    too_long = await api.client.post(path, json={"overlap_hours": 169}, headers=headers)
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["errors"][0]["pointer"] == "/overlap_hours"


async def test_a_key_holds_at_most_twenty_webhooks(api: Api) -> None:
    for _ in range(20):
        await registered(api)
    refused = await register(api)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == PROBLEM + "webhook_limit"
    assert refused.json()["detail"] == (
        "kunci ini sudah memiliki 20 webhook, batasnya; hapus dulu yang tidak dipakai"
    )
    # The limit is the key's: another key still registers.
    assert (await register(api, Role.PARTY, KOTA_BANDUNG)).status_code == 201


# --- the delivery log and redelivery ------------------------------------------------------------


def _insert_deliveries(api: Api, subscription_id: str, count: int) -> None:
    """`count` deliveries a minute apart from T0 (msg_0 the oldest), each with its attempts:
    delivered after a 500 and a 200, except the newest, which is still failing."""
    with Session(api.app.state.engine) as session:
        for n in range(count):
            made = T0 + timedelta(minutes=n)
            newest = n == count - 1
            session.add(
                Delivery.model_validate(
                    {
                        "delivery_id": f"msg_{n}",
                        "notice_id": f"PKD-2026-000001.{n}",
                        "subscription_id": subscription_id,
                        "channel": "webhook",
                        "case_id": "PKD-2026-000001",
                        "type": "mufakat.case.stage_changed",
                        "status": "pending" if newest else "delivered",
                        "attempts": 1 if newest else 2,
                        "next_attempt_at": made + timedelta(minutes=5),
                        "locked_until": made + timedelta(minutes=1) if newest else None,
                        "created_at": made,
                        "delivered_at": None if newest else made + timedelta(seconds=30),
                        "last_status_code": 500 if newest else 200,
                        "last_error": "HTTP 500" if newest else None,
                    }
                )
            )
            answers = (
                [(500, "HTTP 500", "oops")]
                if newest
                else [(500, "HTTP 500", "oops"), (200, None, "ok")]
            )
            for attempt, (status, error, excerpt) in enumerate(answers, start=1):
                session.add(
                    DeliveryAttempt.model_validate(
                        {
                            "delivery_id": f"msg_{n}",
                            "attempt": attempt,
                            "at": made + timedelta(seconds=30 * (attempt - 1)),
                            "status_code": status,
                            "latency_ms": 12.5 * attempt,
                            "error": error,
                            "response_excerpt": excerpt,
                        }
                    )
                )
        session.commit()


async def test_the_delivery_log_pages_newest_first_with_every_attempt(api: Api) -> None:
    subscription_id = await registered(api)
    _insert_deliveries(api, subscription_id, 3)
    path = f"/v1/webhooks/{subscription_id}/deliveries"
    first = await api.get(path, Role.PARTY, BANDUNG, limit=2)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [d["delivery_id"] for d in page["items"]] == ["msg_2", "msg_1"]
    newest = page["items"][0]
    assert {k: v for k, v in newest.items() if k.endswith("_at")} == {
        "created_at": "2026-03-02T02:02:00Z",
        "delivered_at": None,
        "next_attempt_at": "2026-03-02T02:07:00Z",
    }
    assert {k: v for k, v in newest.items() if not k.endswith("_at")} == {
        "delivery_id": "msg_2",
        "notice_id": "PKD-2026-000001.2",
        "case_id": "PKD-2026-000001",
        "type": "mufakat.case.stage_changed",
        "status": "pending",
        "attempts": 1,
        "last_status_code": 500,
        "last_error": "HTTP 500",
        "attempt_log": [
            {
                "attempt": 1,
                "at": "2026-03-02T02:02:00Z",
                "status_code": 500,
                "latency_ms": 12.5,
                "error": "HTTP 500",
                "response_excerpt": "oops",
            }
        ],
    }
    assert [a["status_code"] for a in page["items"][1]["attempt_log"]] == [500, 200]

    rest = await api.get(path, Role.PARTY, BANDUNG, limit=2, before=page["next_cursor"])
    assert [d["delivery_id"] for d in rest.json()["items"]] == ["msg_0"]
    assert rest.json()["next_cursor"] is None

    async def listed(**params: Any) -> list[str]:
        answer = await api.get(path, Role.PARTY, BANDUNG, **params)
        assert answer.status_code == 200, answer.text
        return [d["delivery_id"] for d in answer.json()["items"]]

    assert await listed(status="delivered") == ["msg_1", "msg_0"]
    assert await listed(since=(T0 + timedelta(minutes=1)).isoformat()) == ["msg_2", "msg_1"]
    assert await listed(before=(T0 + timedelta(minutes=1)).isoformat()) == ["msg_0"]
    bad = await api.get(path, Role.PARTY, BANDUNG, before="not-a-cursor")
    assert bad.status_code == 422, bad.text
    assert bad.json()["type"] == PROBLEM + "invalid_cursor"


async def test_one_delivery_is_queued_again_under_its_own_id(api: Api) -> None:
    subscription_id = await registered(api)
    _insert_deliveries(api, subscription_id, 2)
    other = await registered(api)
    headers = api.headers(Role.PARTY, BANDUNG)
    before = datetime.now(UTC)
    again = await api.client.post(
        f"/v1/webhooks/{subscription_id}/deliveries/msg_1/redeliver", headers=headers
    )
    after = datetime.now(UTC)
    assert again.status_code == 202, again.text
    assert (again.json()["delivery_id"], again.json()["status"]) == ("msg_1", "pending")
    with Session(api.app.state.engine) as session:
        row = session.get(Delivery, "msg_1")
        assert row is not None
        assert (row.status, row.locked_until, row.attempts) == ("pending", None, 1)
        assert before <= row.next_attempt_at <= after
        untouched = session.get(Delivery, "msg_0")
        assert untouched is not None and untouched.status == "delivered"

    # A delivery of another webhook (even the same key's) is not this one's.
    elsewhere = await api.client.post(
        f"/v1/webhooks/{other}/deliveries/msg_1/redeliver", headers=headers
    )
    assert elsewhere.status_code == 404, elsewhere.text
    assert elsewhere.json()["type"] == PROBLEM + "unknown_delivery"


async def test_everything_since_a_time_is_queued_again(api: Api) -> None:
    subscription_id = await registered(api)
    _insert_deliveries(api, subscription_id, 3)
    path = f"/v1/webhooks/{subscription_id}/redeliver"
    headers = api.headers(Role.PARTY, BANDUNG)
    since = (T0 + timedelta(minutes=1)).isoformat()
    again = await api.client.post(path, json={"since": since}, headers=headers)
    assert again.status_code == 202, again.text
    assert again.json() == {"redelivered": 2}
    with Session(api.app.state.engine) as session:
        rows = session.exec(select(Delivery).order_by(col(Delivery.delivery_id))).all()
        assert [(r.delivery_id, r.status, r.locked_until) for r in rows] == [
            ("msg_0", "delivered", None),
            ("msg_1", "pending", None),
            ("msg_2", "pending", None),
        ]
    naive = await api.client.post(path, json={"since": "2026-03-02T02:00:00"}, headers=headers)
    assert naive.status_code == 422, naive.text


# --- the document ---------------------------------------------------------------------------


async def test_openapi_documents_every_case_event_as_a_signed_webhook(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    assert sorted(document["webhooks"]) == sorted(event.value for event in CASE_EVENTS)
    for event, item in document["webhooks"].items():
        operation = item["post"]
        content = operation["requestBody"]["content"]
        assert content == {
            "application/cloudevents+json": {"schema": {"$ref": "#/components/schemas/CloudEvent"}}
        }, event
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}, event
    assert {"CloudEvent", "EventData"} <= set(document["components"]["schemas"])
    tags = [tag["name"] for tag in document["tags"]]
    assert {"webhooks", "notifications"} <= set(tags)
