"""The read model: cases with their parties, sectors, deadlines and timeline; guidelines; keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 00:25:33.680154
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the read model."""
    op.create_table(
        "api_keys",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "case_numbers",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("case_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("title_search", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("closing_state", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("forum", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("routing_rule", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("gwpp_province", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("guideline_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("guideline_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index(op.f("ix_cases_case_type"), "cases", ["case_type"], unique=False)
    op.create_index(op.f("ix_cases_forum"), "cases", ["forum"], unique=False)
    op.create_index(op.f("ix_cases_gwpp_province"), "cases", ["gwpp_province"], unique=False)
    op.create_index(op.f("ix_cases_overdue"), "cases", ["overdue"], unique=False)
    op.create_index("ix_cases_stage_due", "cases", ["stage", "due_at", "case_id"], unique=False)
    op.create_index("ix_cases_status_due", "cases", ["status", "due_at", "case_id"], unique=False)

    op.create_table(
        "filing_requests",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "idempotency_key"),
        sa.UniqueConstraint("case_id"),
    )
    op.create_table(
        "guidelines",
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    op.create_index(op.f("ix_guidelines_version"), "guidelines", ["version"], unique=False)

    op.create_table(
        "case_deadlines",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("clock", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("limit", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("day_type", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("calendar_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("case_id", "clock"),
    )
    op.create_index(op.f("ix_case_deadlines_due_at"), "case_deadlines", ["due_at"], unique=False)

    op.create_table(
        "case_parties",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("province_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("case_id", "party_id"),
    )
    op.create_index(op.f("ix_case_parties_party_id"), "case_parties", ["party_id"], unique=False)
    op.create_index(
        op.f("ix_case_parties_province_code"), "case_parties", ["province_code"], unique=False
    )

    op.create_table(
        "case_sectors",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("sector", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("case_id", "sector"),
    )
    op.create_index(op.f("ix_case_sectors_sector"), "case_sectors", ["sector"], unique=False)

    op.create_table(
        "case_timeline",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("stage_before", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage_after", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("actor_scope", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("on_behalf_of", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("case_id", "seq"),
    )


def downgrade() -> None:
    """Downgrade the read model."""
    # Dropping a table drops its indexes; children go before the cases they point at.
    for table in (
        "case_timeline",
        "case_sectors",
        "case_parties",
        "case_deadlines",
        "guidelines",
        "filing_requests",
        "cases",
        "case_numbers",
        "api_keys",
    ):
        op.drop_table(table)
