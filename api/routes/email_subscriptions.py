"""`/v1/email-subscriptions`: addresses a key's events are told to, in Bahasa Indonesia."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime

from api.deps import CallerDep, SessionDep
from api.problems import PROBLEM_RESPONSES, Responses, problem_response
from api.services.delivery import subscriptions as service
from api.services.delivery.delivery_log import (
    DEFAULT_DELIVERIES_PAGE,
    MAX_DELIVERIES_PAGE,
    DeliveryPage,
    DeliveryQuery,
    DeliveryStatus,
)
from api.services.delivery.subscription_models import (
    ID_PATTERN,
    KEY_ID_PATTERN,
    EmailSubscriptionCreate,
    EmailSubscriptionList,
    EmailSubscriptionPublic,
    EmailSubscriptionUpdate,
)
from api.services.delivery.subscriptions import MAX_EMAIL_SUBSCRIPTIONS

router = APIRouter(prefix="/v1/email-subscriptions", tags=["notifications"])

UNKNOWN: Responses = {
    404: problem_response(
        "Kunci ini tidak memiliki langganan itu (`unknown_email_subscription`) / This key has "
        "no such subscription (`unknown_email_subscription`)."
    )
}
LIMIT: Responses = {
    409: problem_response(
        f"Kunci ini sudah memiliki {MAX_EMAIL_SUBSCRIPTIONS} langganan surel "
        f"(`email_subscription_limit`) / This key already has {MAX_EMAIL_SUBSCRIPTIONS} "
        "e-mail subscriptions (`email_subscription_limit`)."
    )
}

SubscriptionId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        description="Id langganan / Subscription id",
        examples=["em_0c8e2f4a6b1d"],
    ),
]
KeyIdQuery = Annotated[
    str | None,
    Query(
        pattern=KEY_ID_PATTERN,
        description="Admin: langganan satu kunci / Admin: one key's subscriptions only",
        examples=["3f9a1c2b7d4e"],
    ),
]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "",
    status_code=201,
    response_model=EmailSubscriptionPublic,
    summary="Langganan surel / Subscribe an e-mail address",
    response_description="Langganan yang dibuat / The subscription",
    responses=PROBLEM_RESPONSES | LIMIT,
)
def create_email_subscription(
    body: EmailSubscriptionCreate, caller: CallerDep, session: SessionDep, response: Response
) -> EmailSubscriptionPublic:
    """Kirim peristiwa perkara yang boleh dilihat kunci ini ke sebuah alamat surel, dalam Bahasa
    Indonesia, dengan tautan ke perkaranya; pengingat dapat digabung sekali sehari (`digest`).

    Tell an address of the events of the cases this key may see, in Bahasa Indonesia (plain
    text and simple HTML) with a link to the case; reminders can come in one daily e-mail
    (`digest`). A malformed address is 422 (`email_address` at `/address`).
    """
    created = service.create_email_subscription(session, caller, body, now=_now())
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.get(
    "",
    response_model=EmailSubscriptionList,
    summary="Daftar langganan surel / List e-mail subscriptions",
    response_description="Langganan kunci ini / This key's subscriptions",
    responses=PROBLEM_RESPONSES,
)
def list_email_subscriptions(
    caller: CallerDep, session: SessionDep, key_id: KeyIdQuery = None
) -> EmailSubscriptionList:
    """Langganan surel milik kunci ini; admin melihat semuanya (atau milik `key_id`).

    This key's e-mail subscriptions, oldest first; an admin key sees every key's (or
    `key_id`'s).
    """
    return service.list_email_subscriptions(session, caller, key_id=key_id)


@router.get(
    "/{subscription_id}",
    response_model=EmailSubscriptionPublic,
    summary="Baca langganan surel / Read an e-mail subscription",
    response_description="Langganan itu / The subscription",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def read_email_subscription(
    subscription_id: SubscriptionId, caller: CallerDep, session: SessionDep
) -> EmailSubscriptionPublic:
    """Satu langganan surel kunci ini.

    One of this key's e-mail subscriptions (any, for an admin).
    """
    return service.read_email_subscription(session, caller, subscription_id)


@router.patch(
    "/{subscription_id}",
    response_model=EmailSubscriptionPublic,
    summary="Ubah langganan surel / Change an e-mail subscription",
    response_description="Langganan setelah diubah / The subscription as changed",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def update_email_subscription(
    subscription_id: SubscriptionId,
    body: EmailSubscriptionUpdate,
    caller: CallerDep,
    session: SessionDep,
) -> EmailSubscriptionPublic:
    """Ubah alamat, nama, peristiwa, `digest`, atau hentikan sementara (`active`).

    Change the address, name, events or `digest`, or pause and resume it (`active`).
    """
    return service.update_email_subscription(session, caller, subscription_id, body, now=_now())


@router.delete(
    "/{subscription_id}",
    status_code=204,
    response_class=Response,
    summary="Hapus langganan surel / Delete an e-mail subscription",
    response_description="Dihapus / Deleted",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def delete_email_subscription(
    subscription_id: SubscriptionId, caller: CallerDep, session: SessionDep
) -> None:
    """Hapus langganan surel; tidak ada lagi yang dikirim ke alamatnya.

    Delete an e-mail subscription: nothing more is sent to its address.
    """
    service.delete_email_subscription(session, caller, subscription_id)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    summary="Log pengiriman surel / E-mail delivery log",
    response_description="Pengiriman terbaru lebih dulu / Deliveries, newest first",
    responses=PROBLEM_RESPONSES | UNKNOWN,
)
def list_deliveries(
    subscription_id: SubscriptionId,
    caller: CallerDep,
    session: SessionDep,
    status: Annotated[
        DeliveryStatus | None,
        Query(description="Status pengiriman (`digest`: menunggu surel harian) / Delivery status"),
    ] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(description="Dibuat sejak / Made at or after", examples=["2026-03-02T00:00:00Z"]),
    ] = None,
    before: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Halaman berikut: `next_cursor`, atau waktu ISO 8601 / The next page: "
            "`next_cursor`, or an ISO 8601 time (deliveries made before it)",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_DELIVERIES_PAGE, description="Paling banyak / At most")
    ] = DEFAULT_DELIVERIES_PAGE,
) -> DeliveryPage:
    """Setiap surel yang dikirim ke alamat ini dengan setiap percobaannya.

    Each e-mail sent to this address, newest first, with every attempt (the SMTP server's
    answer in `error` and `response_excerpt`). `before` takes `next_cursor` (or a time).
    """
    query = DeliveryQuery(status=status, since=since, before=before, limit=limit)
    return service.email_deliveries(session, caller, subscription_id, query)
