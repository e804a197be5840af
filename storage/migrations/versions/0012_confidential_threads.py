"""Confidential legal-opinion threads (pedoman.md §9 D6–D7): who may count a thread's deadline
and a case's wait for a prosecutor.

A thread's deadline row names the party that asked and the office asked, and says whether it is
still confidential; a row of who a case awaits says whether only confidential threads are behind
it. Rows projected before hold no confidential thread (false, null), which is what they were.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FALSE = sa.false()


def upgrade() -> None:
    """Add case_deadlines.confidential, requester_party, office; case_awaiting.confidential."""
    with op.batch_alter_table("case_deadlines") as table:
        table.add_column(
            sa.Column("confidential", sa.Boolean(), nullable=False, server_default=_FALSE)
        )
        table.add_column(sa.Column("requester_party", sa.String(length=120), nullable=True))
        table.add_column(sa.Column("office", sa.String(length=5), nullable=True))
    with op.batch_alter_table("case_awaiting") as table:
        table.add_column(
            sa.Column("confidential", sa.Boolean(), nullable=False, server_default=_FALSE)
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("case_awaiting") as table:
        table.drop_column("confidential")
    with op.batch_alter_table("case_deadlines") as table:
        table.drop_column("office")
        table.drop_column("requester_party")
        table.drop_column("confidential")
