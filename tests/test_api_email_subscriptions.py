"""`/v1/email-subscriptions`: a key's addresses, checked, owned, limited, with a delivery log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from models.notices import CASE_EVENTS
from models.roles import Role
from models.tables import Delivery, DeliveryAttempt
from tests.api_harness import Api

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
PATH = "/v1/email-subscriptions"
T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)


async def subscribe(
    api: Api, role: Role = Role.PARTY, scope: str | None = BANDUNG, **body: Any
) -> httpx.Response:
    sent = {"address": "sekretariat@bandungkab.go.id", **body}
    return await api.client.post(PATH, json=sent, headers=api.headers(role, scope))


async def subscribed(api: Api, role: Role = Role.PARTY, scope: str | None = BANDUNG) -> str:
    created = await subscribe(api, role, scope)
    assert created.status_code == 201, created.text
    subscription_id: str = created.json()["id"]
    return subscription_id


async def test_an_address_is_subscribed_read_changed_and_removed(api: Api) -> None:
    created = await subscribe(
        api, address="Siti.Rahma@BandungKab.Go.Id", name="Dra. Siti Rahmawati", digest=True
    )
    assert created.status_code == 201, created.text
    body = created.json()
    subscription_id = body["id"]
    assert created.headers["location"] == f"{PATH}/{subscription_id}"
    expected = {
        "id": subscription_id,
        "key_id": api.token(Role.PARTY, BANDUNG).split("_")[1],
        # The domain is case-insensitive and kept in lower case; the mailbox is the receiver's.
        "address": "Siti.Rahma@bandungkab.go.id",
        "name": "Dra. Siti Rahmawati",
        "events": [event.value for event in CASE_EVENTS],
        "digest": True,
        "active": True,
        "created_at": body["created_at"],
        "updated_at": body["created_at"],
        "last_digest_at": None,
    }
    assert body == expected
    headers = api.headers(Role.PARTY, BANDUNG)
    assert (await api.client.get(f"{PATH}/{subscription_id}", headers=headers)).json() == expected
    assert (await api.client.get(PATH, headers=headers)).json() == {"items": [expected]}

    changed = await api.client.patch(
        f"{PATH}/{subscription_id}",
        json={
            "address": "hukum@bandungkab.go.id",
            "events": ["mufakat.case.reminder"],
            "digest": False,
            "active": False,
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert [after[k] for k in ("address", "name", "events", "digest", "active")] == [
        "hukum@bandungkab.go.id",
        "Dra. Siti Rahmawati",
        ["mufakat.case.reminder"],
        False,
        False,
    ]
    deleted = await api.client.delete(f"{PATH}/{subscription_id}", headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = await api.client.get(f"{PATH}/{subscription_id}", headers=headers)
    assert gone.status_code == 404, gone.text
    assert gone.json()["type"] == PROBLEM + "unknown_email_subscription"


@pytest.mark.parametrize(
    "address",
    [
        "sekretariat",
        "sekretariat@",
        "@bandungkab.go.id",
        "sekretariat@localhost",
        "sekretariat@bandungkab..go.id",
        "sekre tariat@bandungkab.go.id",
        "Sekretariat <sekretariat@bandungkab.go.id>",
        "a@b@bandungkab.go.id",
        "sekretariat@bandungkab.go.id\nBcc: x@y.id",
        "sekretariat@-bandung.go.id",
        "sekretariat@bandungkab.go.1d",
        ".sekretariat@bandungkab.go.id",
    ],
)
async def test_a_malformed_address_is_refused(api: Api, address: str) -> None:
    refused = await subscribe(api, address=address)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {
            "in": "body",
            "pointer": "/address",
            "code": "email_address",
            "message": "bukan alamat surel (nama@domain.tld)",
        }
    ]


@pytest.mark.parametrize("name", ["Siti\nBcc: x@y.id", "Siti\r\nRahmawati", "Siti\u2028"])
async def test_a_name_on_more_than_one_line_is_refused(api: Api, name: str) -> None:
    # The name goes into the e-mail's To header, where a line break would start another.
    refused = await subscribe(api, address="sekretariat@bandungkab.go.id", name=name)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {
            "in": "body",
            "pointer": "/name",
            "code": "line_break",
            "message": "harus satu baris, tanpa ganti baris",
        }
    ]
    listed = await api.get("/v1/email-subscriptions", Role.PARTY, BANDUNG)
    assert listed.json()["items"] == []


async def test_another_keys_subscription_does_not_exist_for_it_but_does_for_an_admin(
    api: Api,
) -> None:
    mine = await subscribed(api, Role.PARTY, BANDUNG)
    theirs = await subscribed(api, Role.PARTY, KOTA_BANDUNG)
    other = api.headers(Role.PARTY, KOTA_BANDUNG)
    for attempt in [
        api.client.get(f"{PATH}/{mine}", headers=other),
        api.client.patch(f"{PATH}/{mine}", json={"digest": True}, headers=other),
        api.client.delete(f"{PATH}/{mine}", headers=other),
        api.client.get(f"{PATH}/{mine}/deliveries", headers=other),
    ]:
        answer = await attempt
        assert answer.status_code == 404, answer.text
        assert answer.json()["detail"] == f"kunci ini tidak memiliki langganan surel {mine}"

    def ids(answer: httpx.Response) -> list[str]:
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert ids(await api.client.get(PATH, headers=other)) == [theirs]
    admin = api.headers(Role.ADMIN)
    assert sorted(ids(await api.client.get(PATH, headers=admin))) == sorted([mine, theirs])
    key_id = api.token(Role.PARTY, BANDUNG).split("_")[1]
    only = await api.client.get(PATH, params={"key_id": key_id}, headers=admin)
    assert ids(only) == [mine]
    assert (await api.client.delete(f"{PATH}/{mine}", headers=admin)).status_code == 204


async def test_a_key_holds_at_most_ten_addresses(api: Api) -> None:
    for _ in range(10):
        await subscribed(api)
    refused = await subscribe(api)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == PROBLEM + "email_subscription_limit"
    assert (await subscribe(api, Role.PARTY, KOTA_BANDUNG)).status_code == 201


async def test_the_delivery_log_shows_each_e_mail_and_its_attempts(api: Api) -> None:
    subscription_id = await subscribed(api)
    with Session(api.app.state.engine) as session:
        for n, status in enumerate(["delivered", "digest"]):
            session.add(
                Delivery.model_validate(
                    {
                        "delivery_id": f"msg_e{n}",
                        "notice_id": f"PKD-2026-000001.{n}",
                        "subscription_id": subscription_id,
                        "channel": "email",
                        "case_id": "PKD-2026-000001",
                        "type": "mufakat.case.reminder",
                        "status": status,
                        "attempts": 1 - n,
                        "next_attempt_at": T0 + timedelta(days=1),
                        "locked_until": None,
                        "created_at": T0 + timedelta(minutes=n),
                        "delivered_at": T0 if n == 0 else None,
                        "last_status_code": 250 if n == 0 else None,
                        "last_error": None,
                    }
                )
            )
        session.add(
            DeliveryAttempt.model_validate(
                {
                    "delivery_id": "msg_e0",
                    "attempt": 1,
                    "at": T0,
                    "status_code": 250,
                    "latency_ms": 40.0,
                    "error": None,
                    "response_excerpt": "250 2.0.0 Ok: queued",
                }
            )
        )
        session.commit()
    answer = await api.get(f"{PATH}/{subscription_id}/deliveries", Role.PARTY, BANDUNG)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert [(d["delivery_id"], d["status"]) for d in page["items"]] == [
        ("msg_e1", "digest"),
        ("msg_e0", "delivered"),
    ]
    assert page["items"][1]["attempt_log"] == [
        {
            "attempt": 1,
            "at": "2026-03-02T02:00:00Z",
            "status_code": 250,
            "latency_ms": 40.0,
            "error": None,
            "response_excerpt": "250 2.0.0 Ok: queued",
        }
    ]
    assert page["next_cursor"] is None
    digest = await api.get(
        f"{PATH}/{subscription_id}/deliveries", Role.PARTY, BANDUNG, status="digest"
    )
    assert [d["delivery_id"] for d in digest.json()["items"]] == ["msg_e1"]
