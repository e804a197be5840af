"""What a subscription request may say, and what an answer about a subscription shows.

Events are case events only (`CASE_EVENTS`), each once; text holds no NUL (PostgreSQL stores
none); an e-mail address is a plain mailbox. Answers never carry a webhook's secrets, except
`WebhookWithSecret`, the one answer that shows a secret just made.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from models.notices import CASE_EVENTS, EventType
from models.tables import EmailSubscription, WebhookSubscription

MAX_OVERLAP_HOURS = 168  # a week: long enough for any receiver's release cycle
# Subscription and delivery ids as this API makes them (`wh_…`, `em_…`, `msg_…`): a path
# parameter outside it names nothing, and cannot carry a NUL into a PostgreSQL query.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
KEY_ID_PATTERN = r"^[0-9a-f]{12}$"


# --- what a request may say -----------------------------------------------------------------
# Booleans and integers are strict: `0` or `"yes"` for `active` is a mistake to refuse, not a
# value to guess at.


def _no_nul(text: str) -> str:
    # PostgreSQL stores no NUL in text: refused here, never a 500 from the insert.
    if "\x00" in text:
        raise PydanticCustomError("nul_character", "must not contain a NUL character")
    return text


def _one_line(text: str) -> str:
    # A person's name goes into an e-mail's To header, where a line break would start another.
    if any(c in text for c in "\r\n\x0b\x0c\x85\u2028\u2029"):
        raise PydanticCustomError("line_break", "must be a single line")
    return _no_nul(text)


def _case_event(event: EventType) -> EventType:
    if event not in CASE_EVENTS:
        # Told to a subscription's owner whatever they subscribe to: never a case event.
        expected = ", ".join(f"'{e.value}'" for e in CASE_EVENTS)
        raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
    return event


def _distinct(events: list[EventType]) -> list[EventType]:
    seen: set[EventType] = set()
    for event in events:
        if event in seen:
            raise PydanticCustomError(
                "duplicate_event", "{event} is listed more than once", {"event": event.value}
            )
        seen.add(event)
    return events


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*", re.ASCII)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
_TOP_LABEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}", re.ASCII)


def _email_address(address: str) -> str:
    """`local@domain` as mail servers take it (RFC 5321 dot-atom, a host name with a top-level
    domain); the domain lower-cased. No display names, quoted local parts or address literals:
    an official's mailbox needs none, and each is a way to smuggle a second recipient."""
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    if not (
        at
        and len(address) <= 254
        and len(local) <= 64
        and _LOCAL_PART.fullmatch(local)
        and len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and _TOP_LABEL.fullmatch(labels[-1])
    ):
        raise PydanticCustomError("email_address", "not an e-mail address (name@domain.tld)")
    return f"{local}@{domain.lower()}"


CaseEvent = Annotated[
    EventType,
    AfterValidator(_case_event),
    WithJsonSchema({"type": "string", "enum": [event.value for event in CASE_EVENTS]}),
]
EventList = Annotated[
    list[CaseEvent],
    Field(
        min_length=1,
        max_length=len(CASE_EVENTS),
        json_schema_extra={"uniqueItems": True},
        description="Peristiwa yang dikirim; bawaan: semua peristiwa perkara / The events to "
        "send; by default every case event.",
        examples=[["mufakat.case.action_required", "mufakat.case.overdue"]],
    ),
    AfterValidator(_distinct),
]
WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        description="HTTPS ke alamat publik / HTTPS to a public address (HTTP and internal "
        "networks only where an administrator allows them).",
        examples=["https://sistem.bandungkab.go.id/mufakat/peristiwa"],
    ),
    AfterValidator(_no_nul),
]
Description = Annotated[
    str,
    Field(max_length=200, examples=["Sistem persuratan Pemkab Bandung"]),
    AfterValidator(_no_nul),
]
EmailAddress = Annotated[
    str,
    Field(max_length=254, examples=["sekretariat@bandungkab.go.id"]),
    AfterValidator(_email_address),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]
PersonName = Annotated[
    str, Field(max_length=200, examples=["Dra. Siti Rahmawati"]), AfterValidator(_one_line)
]


class WebhookCreate(BaseModel):
    """A webhook to register: where to send, and which events."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl
    events: EventList | None = None
    description: Description = ""


class WebhookUpdate(BaseModel):
    """What to change in a webhook; a field left out (or null) stays as it is."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl | None = None
    events: EventList | None = None
    description: Description | None = None
    active: StrictBool | None = Field(
        default=None,
        description="`true` menyalakan lagi (juga yang dimatikan karena gagal) / `true` "
        "resumes it (also one disabled for failing); `false` pauses it.",
    )


class SecretRotation(BaseModel):
    """How long the previous secret keeps signing beside the new one."""

    model_config = ConfigDict(extra="forbid")

    overlap_hours: StrictInt = Field(default=24, ge=0, le=MAX_OVERLAP_HOURS, examples=[24])


class RedeliverSince(BaseModel):
    """Send again every delivery made at or after this time."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime = Field(examples=["2026-03-02T00:00:00+07:00"])


class EmailSubscriptionCreate(BaseModel):
    """An address to tell of a key's events, in Bahasa Indonesia."""

    model_config = ConfigDict(extra="forbid")

    address: EmailAddress
    name: PersonName = ""
    events: EventList | None = None
    digest: StrictBool = Field(
        default=False,
        description="Pengingat dikirim sekali sehari dalam satu surel / Reminders come in one "
        "e-mail a day.",
    )


class EmailSubscriptionUpdate(BaseModel):
    """What to change in an e-mail subscription; a field left out (or null) stays as it is."""

    model_config = ConfigDict(extra="forbid")

    address: EmailAddress | None = None
    name: PersonName | None = None
    events: EventList | None = None
    digest: StrictBool | None = None
    active: StrictBool | None = None


# --- what an answer says --------------------------------------------------------------------


class WebhookPublic(BaseModel):
    """A webhook as its owner sees it: never its secrets."""

    id: str = Field(examples=["wh_5f2c9a0e4b7d1c3e8a6f0b2d"])
    key_id: str = Field(description="The key that owns it.", examples=["3f9a1c2b7d4e"])
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_at: AwareDatetime | None = Field(
        description="When the dispatcher disabled it for failing too long."
    )
    disabled_reason: str | None
    failing_since: AwareDatetime | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    previous_secret_expires_at: AwareDatetime | None = Field(
        description="Until then the previous secret signs beside the current one."
    )


class WebhookWithSecret(WebhookPublic):
    """A webhook just made or rotated, with its signing secret: shown this once only."""

    secret: str = Field(
        description="Standard Webhooks secret; keep it, it is never shown again.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookList(BaseModel):
    """Webhooks, oldest first."""

    items: list[WebhookPublic]


class EmailSubscriptionPublic(BaseModel):
    """An e-mail subscription as its owner sees it."""

    id: str = Field(examples=["em_0c8e2f4a6b1d3e5f7a9c0b2d"])
    key_id: str = Field(description="The key that owns it.", examples=["3f9a1c2b7d4e"])
    address: str
    name: str
    events: list[str]
    digest: bool
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime
    last_digest_at: AwareDatetime | None


class EmailSubscriptionList(BaseModel):
    """E-mail subscriptions, oldest first."""

    items: list[EmailSubscriptionPublic]


class Redelivered(BaseModel):
    """How many deliveries are queued to be sent again."""

    redelivered: int


def webhook_public(row: WebhookSubscription) -> WebhookPublic:
    """A webhook as an answer shows it (never its secrets)."""
    return WebhookPublic(**webhook_fields(row))


def webhook_fields(row: WebhookSubscription) -> dict[str, Any]:
    """What every answer about a webhook shows of its row."""
    return {
        "id": row.subscription_id,
        "key_id": row.key_id,
        "url": row.url,
        "events": row.events,
        "description": row.description,
        "active": row.active,
        "disabled_at": row.disabled_at,
        "disabled_reason": row.disabled_reason,
        "failing_since": row.failing_since,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "previous_secret_expires_at": row.previous_secret_expires_at,
    }


def email_subscription_public(row: EmailSubscription) -> EmailSubscriptionPublic:
    """An e-mail subscription as an answer shows it."""
    return EmailSubscriptionPublic(
        id=row.subscription_id,
        key_id=row.key_id,
        address=row.address,
        name=row.name,
        events=row.events,
        digest=row.digest,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_digest_at=row.last_digest_at,
    )
