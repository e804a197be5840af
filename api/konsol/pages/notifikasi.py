"""Notifikasi: when it is this key's turn, who is told, at /konsol/notifikasi.

Any signed-in key sees its own e-mail subscriptions and webhooks (an administrator too: the
page is about the key in hand, not every key's). E-mail addresses are added, paused, resumed
and removed here; webhooks are registered through the API (`POST /v1/webhooks`), which shows
their signing secret once to the system that registers them, so the console shows no secret
and only lists webhooks, their last deliveries, and re-enables one the dispatcher disabled.

Every change goes through `api.services.delivery.subscriptions`, as the JSON routes do. The
forms are plain POSTs with the session's CSRF token, answered with a redirect to the page (303)
that a reload does not submit again; a refused form comes back as it was sent, each reason in
Indonesian beside its field, with the refusal's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Path, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.auth import Caller
from api.deps import BackendDep, SessionDep
from api.konsol.render import page
from api.konsol.routing import konsol_router
from api.konsol.session import KonsolCaller
from api.konsol.texts import _
from api.messages.catalogue import Message, render
from api.messages.fields import field_message
from api.problems import ApiProblem
from api.services.delivery.delivery_log import DeliveryPublic, DeliveryQuery, DeliveryStatus
from api.services.delivery.email_message import EVENT_TITLES
from api.services.delivery.subscription_models import (
    ID_PATTERN,
    EmailSubscriptionCreate,
    EmailSubscriptionPublic,
    EmailSubscriptionUpdate,
    WebhookPublic,
    WebhookUpdate,
)
from api.services.delivery.subscriptions import (
    create_email_subscription,
    delete_email_subscription,
    list_email_subscriptions,
    list_webhooks,
    update_email_subscription,
    update_webhook,
    webhook_deliveries,
)
from models.notices import CASE_EVENTS

router = konsol_router()

PAGE = "/konsol/notifikasi"
# Enough to see whether a receiver is keeping up; the whole log is the API's
# (`GET /v1/webhooks/{id}/deliveries`).
RECENT_DELIVERIES = 10
YES = "ya"

SubscriptionId = Annotated[str, Path(pattern=ID_PATTERN)]
# Each event type by its Indonesian title, as the e-mails name it; keyed by the stored string.
EVENT_NAMES: dict[str, str] = {event.value: title for event, title in EVENT_TITLES.items()}
STATUS_NAMES = {
    DeliveryStatus.DELIVERED: _("terkirim"),
    DeliveryStatus.PENDING: _("menunggu"),
    DeliveryStatus.FAILED: _("gagal"),
    DeliveryStatus.DIGEST: _("ringkasan"),
}
# What a redirect's `selesai` says was done: fixed words, so the query echoes nothing typed.
DONE = {
    "ditambah": _("Alamat surel ditambahkan."),
    "dijeda": _("Pemberitahuan ke alamat itu dijeda."),
    "dilanjutkan": _("Pemberitahuan ke alamat itu dilanjutkan."),
    "dihapus": _("Alamat surel dihapus."),
    "diaktifkan": _("Webhook diaktifkan kembali; pengiriman berikutnya dicoba lagi."),
}
# The form's field for each field of `EmailSubscriptionCreate`.
FORM_FIELDS = {"address": "alamat", "name": "nama", "events": "peristiwa", "digest": "ringkasan"}


@dataclass(frozen=True)
class EmailForm:
    """The form adding an e-mail address: as sent, with each field's refusal ("" for the form)."""

    address: str = ""
    name: str = ""
    events: tuple[str, ...] = tuple(event.value for event in CASE_EVENTS)
    digest: bool = False
    errors: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookView:
    """A webhook with its newest deliveries."""

    hook: WebhookPublic
    deliveries: list[DeliveryPublic]


@router.get("/notifikasi")
def notifications(
    request: Request,
    caller: KonsolCaller,
    session: SessionDep,
    backend: BackendDep,
    selesai: str | None = None,
) -> Response:
    """This key's e-mail subscriptions and webhooks."""
    notice = DONE.get(selesai or "", "")
    return _page(request, session, caller, backend.settings.email_digest_hour, EmailForm(), notice)


@router.post("/notifikasi/surel")
def subscribe(
    request: Request,
    caller: KonsolCaller,
    session: SessionDep,
    backend: BackendDep,
    alamat: Annotated[str, Form()] = "",
    nama: Annotated[str, Form()] = "",
    peristiwa: Annotated[list[str] | None, Form()] = None,
    ringkasan: Annotated[str, Form()] = "",
) -> Response:
    """Tell an address of this key's events."""
    form = EmailForm(
        address=alamat.strip(),
        name=nama.strip(),
        events=tuple(peristiwa or ()),
        digest=ringkasan == YES,
    )
    hour = backend.settings.email_digest_hour
    try:
        body = EmailSubscriptionCreate.model_validate(
            {
                "address": form.address,
                "name": form.name,
                "events": list(form.events),
                "digest": form.digest,
            }
        )
    except ValidationError as invalid:
        refused = replace(form, errors=_field_errors(invalid))
        return _page(request, session, caller, hour, refused, "", status_code=422)
    try:
        create_email_subscription(session, caller, body, now=datetime.now(UTC))
    except ApiProblem as problem:
        if problem.status >= 500:
            raise
        refused = replace(form, errors={"": [_sentence(problem.detail)]})
        return _page(request, session, caller, hour, refused, "", status_code=problem.status)
    return _done("ditambah")


@router.post("/notifikasi/surel/{subscription_id}/aktif")
def pause_or_resume(
    caller: KonsolCaller,
    session: SessionDep,
    subscription_id: SubscriptionId,
    aktif: Annotated[str, Form()] = "",
) -> Response:
    """Pause an address (`aktif` empty) or resume it (`aktif=ya`)."""
    active = aktif == YES
    change = EmailSubscriptionUpdate(active=active)
    update_email_subscription(session, caller, subscription_id, change, now=datetime.now(UTC))
    return _done("dilanjutkan" if active else "dijeda")


@router.post("/notifikasi/surel/{subscription_id}/hapus")
def unsubscribe(
    caller: KonsolCaller, session: SessionDep, subscription_id: SubscriptionId
) -> Response:
    """Remove an address; what was sent to it stays in the log."""
    delete_email_subscription(session, caller, subscription_id)
    return _done("dihapus")


@router.post("/notifikasi/webhook/{subscription_id}/aktifkan")
async def reenable_webhook(
    caller: KonsolCaller, backend: BackendDep, subscription_id: SubscriptionId
) -> Response:
    """Its owner says the receiver is back: the webhook is active again, as if it never failed."""
    await update_webhook(
        backend.engine,
        caller,
        subscription_id,
        WebhookUpdate(active=True),
        backend.settings,
        now=datetime.now(UTC),
    )
    return _done("diaktifkan")


def _page(
    request: Request,
    session: Session,
    caller: Caller,
    digest_hour: int,
    form: EmailForm,
    notice: str,
    *,
    status_code: int = 200,
) -> Response:
    # The key in hand's own, also for an administrator (whose list would hold every key's).
    subscriptions = list_email_subscriptions(session, caller, key_id=caller.key_id).items
    hooks = list_webhooks(session, caller, key_id=caller.key_id).items
    recent = DeliveryQuery(limit=RECENT_DELIVERIES)
    context: dict[str, Any] = {
        "section": "notifikasi",
        "notice": notice,
        "form": form,
        "subscriptions": subscriptions,
        "webhooks": [
            WebhookView(hook, webhook_deliveries(session, caller, hook.id, recent).items)
            for hook in hooks
        ],
        "events": [(event.value, EVENT_NAMES[event.value]) for event in CASE_EVENTS],
        "event_names": EVENT_NAMES,
        "status_names": STATUS_NAMES,
        "digest_hour": f"{digest_hour:02d}.00",
        "all_events": _every_event,
    }
    return page(request, "notifikasi.html", context, status_code=status_code)


def _every_event(subscription: EmailSubscriptionPublic | WebhookPublic) -> bool:
    """Whether a subscription receives every case event (said in two words, not twelve)."""
    return set(subscription.events) == {event.value for event in CASE_EVENTS}


def _field_errors(invalid: ValidationError) -> dict[str, list[str]]:
    """pydantic's refusals in Indonesian, each under the form field it concerns."""
    errors: dict[str, list[str]] = {}
    for item in invalid.errors():
        where = FORM_FIELDS.get(str(item["loc"][0]) if item["loc"] else "", "")
        if where == "peristiwa" and item["type"] == "too_short":
            # Said as the filing form says it of sectors, not as a list's length.
            errors.setdefault(where, []).append(_("Pilih sekurang-kurangnya satu peristiwa."))
            continue
        message = field_message(item["type"], item.get("ctx"), item["msg"])
        errors.setdefault(where, []).append(_sentence(message))
    return errors


def _sentence(message: Message) -> str:
    """A catalogue message as a sentence beside a field: "Bukan alamat surel …."."""
    text = render(message, "id")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _done(what: str) -> Response:
    return RedirectResponse(f"{PAGE}?selesai={what}", status_code=303)
