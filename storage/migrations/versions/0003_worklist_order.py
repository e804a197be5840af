"""The worklist's sort key: due_order (the due instant, or after every due date).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


def upgrade() -> None:
    """Add due_order, fill it from due_at, and index the worklist's ways in by it."""
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("due_order", sa.DateTime(timezone=True), nullable=True))
    cases = sa.table(
        "cases",
        sa.column("due_at", sa.DateTime(timezone=True)),
        sa.column("due_order", sa.DateTime(timezone=True)),
    )
    # SQLite stores instants as UTC text without an offset (models.tables.UtcDateTime).
    sqlite = op.get_bind().dialect.name == "sqlite"
    fallback = sa.literal(
        NO_DUE_DATE.replace(tzinfo=None) if sqlite else NO_DUE_DATE, sa.DateTime(timezone=True)
    )
    op.execute(cases.update().values(due_order=sa.func.coalesce(cases.c.due_at, fallback)))
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("due_order", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.drop_index("ix_cases_status_due")
        batch.drop_index("ix_cases_stage_due")
        batch.create_index("ix_cases_due_order", ["due_order", "case_id"])
        batch.create_index("ix_cases_status_due_order", ["status", "due_order", "case_id"])
        batch.create_index("ix_cases_stage_due_order", ["stage", "due_order", "case_id"])


def downgrade() -> None:
    """Back to sorting by due_at."""
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_stage_due_order")
        batch.drop_index("ix_cases_status_due_order")
        batch.drop_index("ix_cases_due_order")
        batch.create_index("ix_cases_status_due", ["status", "due_at", "case_id"])
        batch.create_index("ix_cases_stage_due", ["stage", "due_at", "case_id"])
        batch.drop_column("due_order")
