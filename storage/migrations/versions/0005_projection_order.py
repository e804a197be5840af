"""Projections ordered by the workflow task that wrote them, not by the case's version.

A projection written by a workflow task that then failed (and was retried) carries the same
or a higher version than the retried task's; ordering by (run, history length) lets the retried,
committed task's write replace it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the projection's order key; rows written before it sort first (0, 0)."""
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("projected_run", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("projected_event", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop the projection's order key."""
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("projected_event")
        batch.drop_column("projected_run")
