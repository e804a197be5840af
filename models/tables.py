"""The read model: SQL tables written only by projections, read by lists, details and stats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and read back time-zone aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the read model stores instants only")
        # SQLite keeps no offset, so every instant is written in UTC to compare correctly.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Where a case with no running clock sorts in the worklist: after every due date.
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


def _at(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UtcDateTime(), **kwargs))


class CaseRecord(SQLModel, table=True):
    """One row per case: what operators filter and sort by, plus the case's detail."""

    __tablename__ = "cases"
    # The worklist sorts by (due_order, case_id): one index per common way in, so a page is an
    # index range scan, never a sort of the whole table.
    __table_args__ = (
        # With the lower-cased title, so a title search reads this index, never the rows with
        # their large detail (SQLite, 100,000 cases, no match: 250 ms → 25 ms).
        Index("ix_cases_due_order", "due_order", "case_id", "title_search"),
        Index("ix_cases_status_due_order", "status", "due_order", "case_id"),
        Index("ix_cases_stage_due_order", "stage", "due_order", "case_id"),
        Index("ix_cases_forum_due_order", "forum", "due_order", "case_id"),
        Index("ix_cases_case_type_due_order", "case_type", "due_order", "case_id"),
        # A filing's possible duplicates: the open cases of its dispute (api/services/duplicates.py)
        Index("ix_cases_dispute_key", "dispute_key", "status"),
    )

    case_id: str = Field(primary_key=True, max_length=20)
    version: int
    # The workflow task that wrote this row: (run, history length). A later task's projection
    # replaces the row even at the same or a lower version, so the write of a task that failed
    # after it (and was retried without some action) never outlives the retry.
    projected_run: int = 0
    projected_event: int = 0
    case_type: str = Field(max_length=10)
    title: str = Field(max_length=300)
    title_search: str = Field(max_length=300, description="Lower-cased title for text search.")
    stage: str = Field(max_length=64)
    status: str = Field(max_length=10)
    closing_state: str | None = Field(default=None, max_length=40)
    forum: str = Field(max_length=20)
    routing_rule: str = Field(max_length=4)
    gwpp_province: str | None = Field(default=None, max_length=2, index=True)
    due_at: datetime | None = _at(nullable=True)
    due_order: datetime = _at(nullable=False)
    overdue: bool = Field(default=False, index=True)
    paused: bool = False
    filed_at: datetime = _at(nullable=False)
    updated_at: datetime = _at(nullable=False)
    guideline_version: str = Field(max_length=20)
    guideline_hash: str = Field(max_length=64)
    dispute_key: str | None = Field(
        default=None,
        max_length=64,
        description="models/disputes.py; None for a case closed before revision 0009.",
    )
    detail: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class CaseParty(SQLModel, table=True):
    """A case's parties, for the party filter and for scoping keys to their own cases."""

    __tablename__ = "case_parties"

    case_id: str = Field(primary_key=True, max_length=20, foreign_key="cases.case_id")
    party_id: str = Field(primary_key=True, max_length=120, index=True)
    kind: str = Field(max_length=30)
    side: str = Field(max_length=12)
    name: str = Field(max_length=200)
    province_code: str | None = Field(default=None, max_length=2, index=True)


class CaseProvince(SQLModel, table=True):
    """The provinces a case's parties are in, each with the case's place in the worklist.

    The province filter pages through one province's cases soonest due first: an index range
    scan here, where reaching them through `case_parties` walks the whole worklist for a
    province with few cases. The projection keeps `due_order` equal to the case's.
    """

    __tablename__ = "case_provinces"
    __table_args__ = (Index("ix_case_provinces_worklist", "province_code", "due_order", "case_id"),)

    case_id: str = Field(primary_key=True, max_length=20, foreign_key="cases.case_id")
    province_code: str = Field(primary_key=True, max_length=2)
    due_order: datetime = _at(nullable=False)


class CaseAwaiting(SQLModel, table=True):
    """Who a case waits for now (`workflows.awaiting`), each with the case's place in the
    worklist: the `awaiting` filter pages through one role's (and scope's) cases soonest due
    first, straight from an index, as the province filter does. Rewritten with every projection.
    """

    __tablename__ = "case_awaiting"
    __table_args__ = (Index("ix_case_awaiting_worklist", "role", "scope", "due_order", "case_id"),)

    case_id: str = Field(primary_key=True, max_length=20, foreign_key="cases.case_id")
    role: str = Field(primary_key=True, max_length=20)
    scope: str = Field(
        primary_key=True,
        max_length=120,
        description="Party id or province code; empty for a national role, and for the "
        "prosecutor of a legal-opinion thread (any office covering the case).",
    )
    due_order: datetime = _at(nullable=False)
    confidential: bool = Field(
        default=False,
        description="Only confidential legal-opinion threads are behind it (D6): not counted "
        "for keys that may not see them.",
    )


class CaseSector(SQLModel, table=True):
    __tablename__ = "case_sectors"

    case_id: str = Field(primary_key=True, max_length=20, foreign_key="cases.case_id")
    sector: str = Field(primary_key=True, max_length=40, index=True)


class CaseDeadline(SQLModel, table=True):
    """Every running clock of a case: the stage's and each open legal-opinion thread's."""

    __tablename__ = "case_deadlines"

    case_id: str = Field(primary_key=True, max_length=20, foreign_key="cases.case_id")
    clock: str = Field(primary_key=True, max_length=80, description="`stage` or `legal_opinion:N`.")
    stage: str = Field(max_length=64)
    due_at: datetime = _at(nullable=False, index=True)
    limit: str = Field(max_length=12)
    day_type: str = Field(max_length=5)
    calendar_version: str = Field(max_length=40)
    provisional: bool = False
    # The years behind `provisional` (pedoman.md §9 D19); null on a row projected before 0011.
    provisional_years: list[int] | None = Field(default=None, sa_column=Column(JSON))
    overdue: bool = False
    paused: bool = False
    # A confidential legal-opinion thread's (pedoman.md §9 D6–D7): counted only for those who
    # may see it (api/services/legal_opinions.py). `office` is the addressed office's region
    # code, null for JAM Datun or an unaddressed thread.
    confidential: bool = False
    requester_party: str | None = Field(default=None, max_length=120)
    office: str | None = Field(default=None, max_length=5)


class TimelineRecord(SQLModel, table=True):
    """Every action and transition of a case, in order."""

    __tablename__ = "case_timeline"

    case_id: str = Field(primary_key=True, max_length=20, foreign_key="cases.case_id")
    seq: int = Field(primary_key=True)
    at: datetime = _at(nullable=False)
    kind: str = Field(max_length=20)
    action: str | None = Field(default=None, max_length=64)
    stage_before: str = Field(max_length=64)
    stage_after: str = Field(max_length=64)
    actor_key: str | None = Field(default=None, max_length=120)
    actor_role: str | None = Field(default=None, max_length=20)
    actor_scope: str | None = Field(default=None, max_length=120)
    on_behalf_of: str | None = Field(default=None, max_length=120)
    idempotency_key: str | None = Field(default=None, max_length=200)
    detail: str = Field(default="", max_length=2000)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    documents: list[str] = Field(sa_column=Column(JSON, nullable=False))


class GuidelineRecord(SQLModel, table=True):
    """Every guideline a case was pinned to, by content hash, so its rules can be re-read."""

    __tablename__ = "guidelines"

    content_hash: str = Field(primary_key=True, max_length=64)
    version: str = Field(max_length=20, index=True)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = _at(nullable=False)


class ApiKey(SQLModel, table=True):
    """An API key: only its hash is stored; the secret is shown once when created."""

    __tablename__ = "api_keys"

    key_id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    scope: str | None = Field(default=None, max_length=120)
    secret_hash: str = Field(max_length=128)
    created_at: datetime = _at(nullable=False)
    revoked_at: datetime | None = _at(nullable=True)


class FilingRequest(SQLModel, table=True):
    """A filing's idempotency key, so a retried filing returns the same case."""

    __tablename__ = "filing_requests"
    __table_args__ = (UniqueConstraint("case_id"),)

    key_id: str = Field(primary_key=True, max_length=40)
    idempotency_key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    case_id: str = Field(max_length=20)
    created_at: datetime = _at(nullable=False)


class CaseNumber(SQLModel, table=True):
    """The last case number given out in a year (PKD-2026-000123)."""

    __tablename__ = "case_numbers"

    year: int = Field(primary_key=True)
    last: int = 0


class AuditEntry(SQLModel, table=True):
    """The append-only audit trail: one entry per accepted action, hash-chained per case."""

    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("case_id", "update_id"),)

    case_id: str = Field(primary_key=True, max_length=20)
    seq: int = Field(primary_key=True, description="Position in the case's chain, from 1.")
    timeline_seq: int
    update_id: str = Field(max_length=200, description="The action's idempotency key.")
    action: str = Field(max_length=64)
    at: datetime = _at(nullable=False)
    actor_key: str = Field(max_length=120)
    actor_role: str = Field(max_length=20)
    actor_scope: str | None = Field(default=None, max_length=120)
    on_behalf_of: str | None = Field(default=None, max_length=120)
    stage_before: str = Field(max_length=64)
    stage_after: str = Field(max_length=64)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    documents: list[str] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)


class AuditSigningKey(SQLModel, table=True):
    """The instance's Ed25519 key that signs audit exports (`audit.signing`): made on
    first use, one row shared by every process of the instance."""

    __tablename__ = "audit_signing_keys"

    name: str = Field(primary_key=True, max_length=20, description="Always `instance`.")
    key_id: str = Field(max_length=64, description="SHA-256 (hex) of the raw public key.")
    algorithm: str = Field(max_length=20)
    public_key: str = Field(max_length=64, description="The raw public key, base64url.")
    private_key: str = Field(max_length=400, description="PKCS#8 PEM, unencrypted.")
    created_at: datetime = _at(nullable=False)


class CaseArchive(SQLModel, table=True):
    """A closed case's archive in the archive store: what audits read once Temporal's retention
    has dropped the case (`audit.archive`)."""

    __tablename__ = "case_archives"

    case_id: str = Field(primary_key=True, max_length=20)
    object_key: str = Field(
        max_length=200, description="Its key in the archive store (content-addressed: its SHA-256)."
    )
    sha256: str = Field(max_length=64)
    run_id: str = Field(max_length=64, description="The case's last run, as archived.")
    runs: int
    events: int
    closed_at: datetime = _at(nullable=False)
    archived_at: datetime = _at(nullable=False)


# ------------------------------------------------------------------ notices and their delivery


class NoticeRecord(SQLModel, table=True):
    """The outbox: each notice a case made, written once its workflow task had committed."""

    __tablename__ = "notices"

    notice_id: str = Field(primary_key=True, max_length=60)
    case_id: str = Field(max_length=20, index=True)
    type: str = Field(max_length=60)
    at: datetime = _at(nullable=False)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False), description="The Notice.")
    recorded_at: datetime = _at(nullable=False)
    # Set once a delivery row exists for every subscription that was to receive it; the
    # dispatcher's fan-out reads the notices still without it (few: an index on it alone).
    fanned_out_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True, index=True)
    )


class WebhookSubscription(SQLModel, table=True):
    """A key's webhook: where its events go, signed with a secret shown once."""

    __tablename__ = "webhook_subscriptions"

    subscription_id: str = Field(primary_key=True, max_length=40)
    key_id: str = Field(max_length=40, index=True, description="The key that owns it.")
    url: str = Field(max_length=2000)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=200)
    secret: str = Field(max_length=100, description="`whsec_…`: signs every delivery.")
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_expires_at: datetime | None = _at(nullable=True)
    active: bool = True
    disabled_at: datetime | None = _at(nullable=True)
    disabled_reason: str | None = Field(default=None, max_length=500)
    failing_since: datetime | None = _at(nullable=True)
    created_at: datetime = _at(nullable=False)
    updated_at: datetime = _at(nullable=False)


class EmailSubscription(SQLModel, table=True):
    """A key's (or a person's behind it) e-mail address and the events it is told of."""

    __tablename__ = "email_subscriptions"

    subscription_id: str = Field(primary_key=True, max_length=40)
    key_id: str = Field(max_length=40, index=True, description="The key that owns it.")
    address: str = Field(max_length=320)
    name: str = Field(default="", max_length=200, description="The person, if one is named.")
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    digest: bool = Field(default=False, description="Reminders go in one e-mail a day.")
    active: bool = True
    created_at: datetime = _at(nullable=False)
    updated_at: datetime = _at(nullable=False)
    last_digest_at: datetime | None = _at(nullable=True)


class Delivery(SQLModel, table=True):
    """One notice to one subscription: sent until acknowledged, under one stable id."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "subscription_id"),
        # The dispatcher's claim: due pending deliveries, oldest first.
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_subscription", "subscription_id", "created_at"),
    )

    delivery_id: str = Field(
        primary_key=True,
        max_length=40,
        description="`msg_…`: the CloudEvents id and `webhook-id`, the same on every attempt.",
    )
    notice_id: str = Field(max_length=60, index=True)
    subscription_id: str = Field(max_length=40)
    channel: str = Field(max_length=10, description="`webhook` or `email`.")
    case_id: str = Field(max_length=20)
    type: str = Field(max_length=60)
    status: str = Field(
        max_length=10,
        description="`pending`, `delivered`, `digest` (waits for the daily e-mail) or `failed` "
        "(its subscription was disabled before it went through).",
    )
    attempts: int = 0
    next_attempt_at: datetime = _at(nullable=False)
    locked_until: datetime | None = _at(nullable=True)
    claim: str | None = Field(
        default=None, max_length=32, description="The claim (one dispatcher's batch) leasing it."
    )
    created_at: datetime = _at(nullable=False)
    delivered_at: datetime | None = _at(nullable=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)


class DeliveryAttempt(SQLModel, table=True):
    """One try at a delivery: what the receiver answered, and how fast."""

    __tablename__ = "delivery_attempts"

    delivery_id: str = Field(primary_key=True, max_length=40)
    attempt: int = Field(primary_key=True)
    at: datetime = _at(nullable=False)
    status_code: int | None = None
    latency_ms: float
    error: str | None = Field(default=None, max_length=500)
    response_excerpt: str | None = Field(default=None, max_length=500)
