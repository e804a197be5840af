"""`/v1/webhooks`: a key's webhooks, their delivery log and redelivery; and `events`, the
OpenAPI 3.1 `webhooks` section documenting what each one receives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Response
from pydantic import AwareDatetime

from api.deps import CallerDep, EngineDep, SessionDep, SettingsDep
from api.problems import PROBLEM_RESPONSES, Responses, problem_response
from api.services.delivery import subscriptions as service
from api.services.delivery.cloudevents import CloudEvent
from api.services.delivery.delivery_log import (
    DEFAULT_DELIVERIES_PAGE,
    MAX_DELIVERIES_PAGE,
    DeliveryPage,
    DeliveryPublic,
    DeliveryQuery,
    DeliveryStatus,
)
from api.services.delivery.subscription_models import (
    ID_PATTERN,
    KEY_ID_PATTERN,
    Redelivered,
    RedeliverSince,
    SecretRotation,
    WebhookCreate,
    WebhookList,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)
from api.services.delivery.subscriptions import MAX_WEBHOOKS
from models.notices import CASE_EVENTS, EventType

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

UNKNOWN: Responses = {
    404: problem_response(
        "Kunci ini tidak memiliki webhook itu (`unknown_webhook`) / This key has no such "
        "webhook (`unknown_webhook`)."
    )
}
LIMIT: Responses = {
    409: problem_response(
        f"Kunci ini sudah memiliki {MAX_WEBHOOKS} webhook (`webhook_limit`) / This key "
        f"already has {MAX_WEBHOOKS} webhooks (`webhook_limit`)."
    )
}

SubscriptionId = Annotated[
    str,
    Path(pattern=ID_PATTERN, description="Id webhook / Webhook id", examples=["wh_5f2c9a0e4b7d"]),
]
DeliveryId = Annotated[
    str,
    Path(pattern=ID_PATTERN, description="Id pengiriman / Delivery id", examples=["msg_2a7c4e9f"]),
]
KeyIdQuery = Annotated[
    str | None,
    Query(
        pattern=KEY_ID_PATTERN,
        description="Admin: webhook satu kunci / Admin: one key's webhooks only",
        examples=["3f9a1c2b7d4e"],
    ),
]
StatusQuery = Annotated[
    DeliveryStatus | None, Query(description="Status pengiriman / Delivery status")
]
SinceQuery = Annotated[
    AwareDatetime | None,
    Query(description="Dibuat sejak / Made at or after", examples=["2026-03-02T00:00:00+07:00"]),
]
BeforeQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Halaman berikut: `next_cursor`, atau waktu ISO 8601 / The next page: "
        "`next_cursor`, or an ISO 8601 time (deliveries made before it)",
    ),
]
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_DELIVERIES_PAGE, description="Paling banyak / At most", examples=[50])
]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "",
    status_code=201,
    response_model=WebhookWithSecret,
    summary="Daftarkan webhook / Register a webhook",
    response_description="Webhook beserta rahasianya, sekali ini saja / The webhook with its "
    "secret, shown this once only",
    responses=PROBLEM_RESPONSES | LIMIT,
)
async def create_webhook(
    body: WebhookCreate,
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookWithSecret:
    """Daftarkan URL yang menerima peristiwa perkara yang boleh dilihat kunci ini, ditandatangani
    dengan rahasia yang hanya ditampilkan di sini.

    Register a URL that receives the events of the cases this key may see, as CloudEvents
    signed per Standard Webhooks with the secret shown in this answer only. Every role may.
    A URL the server may not reach is 422 `webhook_url_refused`, its `errors` naming why at
    `/url`: not HTTPS (`webhook_url_refused.scheme`), a user name or password in it
    (`.credentials`), no host (`.host`), a name that does not resolve (`.unresolvable`), or an
    address that is not public (`.address`: loopback, private, link-local) unless an
    administrator allows its network.
    """
    created = await service.create_webhook(engine, caller, body, settings, now=_now())
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.get(
    "",
    response_model=WebhookList,
    summary="Daftar webhook / List webhooks",
    response_description="Webhook kunci ini / This key's webhooks",
    responses=PROBLEM_RESPONSES,
)
def list_webhooks(caller: CallerDep, session: SessionDep, key_id: KeyIdQuery = None) -> WebhookList:
    """Webhook milik kunci ini; admin melihat semuanya (atau milik `key_id`).

    This key's webhooks, oldest first; an admin key sees every key's (or `key_id`'s).
    """
    return service.list_webhooks(session, caller, key_id=key_id)


@router.get(
    "/{subscription_id}",
    response_model=WebhookPublic,
    summary="Baca webhook / Read a webhook",
    response_description="Webhook itu, tanpa rahasia / The webhook, without its secret",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def read_webhook(
    subscription_id: SubscriptionId, caller: CallerDep, session: SessionDep
) -> WebhookPublic:
    """Satu webhook kunci ini, tanpa rahasianya.

    One of this key's webhooks (any, for an admin), never with its secret.
    """
    return service.read_webhook(session, caller, subscription_id)


@router.patch(
    "/{subscription_id}",
    response_model=WebhookPublic,
    summary="Ubah webhook / Change a webhook",
    response_description="Webhook setelah diubah / The webhook as changed",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
async def update_webhook(
    subscription_id: SubscriptionId,
    body: WebhookUpdate,
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> WebhookPublic:
    """Ubah URL, peristiwa, keterangan, atau hentikan (`active: false`) dan nyalakan lagi
    (`active: true`, juga webhook yang dimatikan karena terus gagal).

    Change the URL, events or description, pause it (`active: false`) or resume it
    (`active: true`, also one the server disabled for failing, which starts afresh). A new URL
    is judged as at registration (422 `webhook_url_refused`).
    """
    return await service.update_webhook(engine, caller, subscription_id, body, settings, now=_now())


@router.delete(
    "/{subscription_id}",
    status_code=204,
    response_class=Response,
    summary="Hapus webhook / Delete a webhook",
    response_description="Dihapus / Deleted",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def delete_webhook(subscription_id: SubscriptionId, caller: CallerDep, session: SessionDep) -> None:
    """Hapus webhook; tidak ada lagi yang dikirim kepadanya.

    Delete a webhook: nothing more is sent to it, not even what was still being retried.
    """
    service.delete_webhook(session, caller, subscription_id)


@router.post(
    "/{subscription_id}/rotate-secret",
    response_model=WebhookWithSecret,
    summary="Ganti rahasia / Rotate the signing secret",
    response_description="Rahasia baru, sekali ini saja / The new secret, shown this once only",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def rotate_secret(
    subscription_id: SubscriptionId,
    caller: CallerDep,
    session: SessionDep,
    rotation: SecretRotation | None = None,
) -> WebhookWithSecret:
    """Buat rahasia baru; rahasia lama tetap ikut menandatangani sampai
    `previous_secret_expires_at` (`overlap_hours`, bawaan 24 jam).

    Make a new secret. Until `previous_secret_expires_at` (`overlap_hours` from now, 24 by
    default, 0 to stop at once) every delivery carries a signature by each secret in
    `webhook-signature`, so the receiver can switch whenever it is ready.
    """
    rotation = rotation or SecretRotation()
    return service.rotate_secret(session, caller, subscription_id, rotation, now=_now())


@router.get(
    "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    summary="Log pengiriman / Delivery log",
    response_description="Pengiriman terbaru lebih dulu / Deliveries, newest first",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def list_deliveries(
    subscription_id: SubscriptionId,
    caller: CallerDep,
    session: SessionDep,
    status: StatusQuery = None,
    since: SinceQuery = None,
    before: BeforeQuery = None,
    limit: LimitQuery = DEFAULT_DELIVERIES_PAGE,
) -> DeliveryPage:
    """Setiap peristiwa yang dikirim ke webhook ini dengan setiap percobaannya: kode status,
    latensi, dan cuplikan jawaban penerima.

    Each event sent to this webhook, newest first, with every attempt: the receiver's status
    code, the latency and an excerpt of its answer. `before` takes `next_cursor` (or a time).
    """
    query = DeliveryQuery(status=status, since=since, before=before, limit=limit)
    return service.webhook_deliveries(session, caller, subscription_id, query)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryPublic,
    summary="Kirim ulang satu peristiwa / Redeliver one event",
    response_description="Dijadwalkan sekarang / Queued to be sent now",
    responses=PROBLEM_RESPONSES
    | {
        404: problem_response(
            "Tidak ada webhook atau pengiriman itu (`unknown_webhook`, `unknown_delivery`) / "
            "No such webhook, or no such delivery of it."
        )
    },
)
def redeliver(
    subscription_id: SubscriptionId, delivery_id: DeliveryId, caller: CallerDep, session: SessionDep
) -> DeliveryPublic:
    """Kirim ulang satu pengiriman dengan id yang sama.

    Send one delivery again, now, under the same id (`webhook-id` and the CloudEvents `id`),
    while the webhook is active.
    """
    return service.redeliver(session, caller, subscription_id, delivery_id, now=_now())


@router.post(
    "/{subscription_id}/redeliver",
    status_code=202,
    response_model=Redelivered,
    summary="Kirim ulang sejak suatu waktu / Redeliver everything since a time",
    response_description="Jumlah yang dijadwalkan / How many are queued",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def redeliver_since(
    subscription_id: SubscriptionId, body: RedeliverSince, caller: CallerDep, session: SessionDep
) -> Redelivered:
    """Kirim ulang setiap pengiriman yang dibuat sejak `since`, masing-masing dengan id-nya.

    Send again every delivery of this webhook made at or after `since`, each under its own id.
    """
    return service.redeliver_since(session, caller, subscription_id, body.since, now=_now())


# --- what a webhook receives (OpenAPI 3.1 `webhooks`) ---------------------------------------

events = APIRouter(tags=["webhooks"])

SIGNATURE_HEADERS = (
    "Each request carries the Standard Webhooks headers: `webhook-id` (the delivery's id, "
    "equal to the event's `id`), `webhook-timestamp` (Unix seconds) and `webhook-signature` "
    "(`v1,<base64 HMAC-SHA256>`, one per secret during a rotation). Verify them with any "
    "Standard Webhooks library and the subscription's secret; answer 2xx within the timeout, "
    "or the delivery is retried (with backoff, for a day) under the same id."
)


def _document_event(event_type: EventType) -> None:
    """One entry of `webhooks`: the request a receiver gets for this event type."""

    async def receive(
        event: Annotated[CloudEvent, Body(media_type="application/cloudevents+json")],
        webhook_id: Annotated[
            str, Header(alias="webhook-id", description="= `id`", examples=["msg_2a7c4e9f"])
        ],
        webhook_timestamp: Annotated[
            str, Header(alias="webhook-timestamp", examples=["1772416800"])
        ],
        webhook_signature: Annotated[
            str,
            Header(
                alias="webhook-signature", examples=["v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN"]
            ),
        ],
    ) -> None:
        """Documentation only: a receiver implements this request."""

    events.add_api_route(
        event_type.value,
        receive,
        methods=["POST"],
        status_code=204,
        response_class=Response,
        summary=event_type.value,
        description=f"A `{event_type.value}` event, as a CloudEvents 1.0 JSON body. "
        + SIGNATURE_HEADERS,
        response_description="Diterima (2xx apa pun) / Acknowledged (any 2xx)",
        operation_id=f"event_{event_type.name.lower()}",
        responses={
            "default": {
                "description": "Jawaban lain, atau tidak ada jawaban pada waktunya: dikirim ulang "
                "nanti dengan id yang sama / Any other answer, or none in time: sent again later "
                "under the same id"
            }
        },
    )


for _event_type in CASE_EVENTS:
    _document_event(_event_type)
