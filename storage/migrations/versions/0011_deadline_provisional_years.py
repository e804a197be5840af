"""Each running clock's provisional years (pedoman.md §9 D19): the years in its window whose days
off may still move, so a case's deadlines can say which decree they wait for.

A clock projected before has none recorded (null, read as no year); its next projection or a
reindex writes them.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add case_deadlines.provisional_years."""
    op.add_column("case_deadlines", sa.Column("provisional_years", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop case_deadlines.provisional_years (the `provisional` flag stays)."""
    op.drop_column("case_deadlines", "provisional_years")
