"""The province filter's own index: case_provinces (province, due_order, case_id).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create case_provinces and fill it from the parties and the cases already recorded."""
    op.create_table(
        "case_provinces",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("province_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("due_order", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("case_id", "province_code"),
    )
    op.create_index(
        "ix_case_provinces_worklist", "case_provinces", ["province_code", "due_order", "case_id"]
    )
    op.execute(
        "INSERT INTO case_provinces (case_id, province_code, due_order) "
        "SELECT DISTINCT case_parties.case_id, case_parties.province_code, cases.due_order "
        "FROM case_parties JOIN cases ON cases.case_id = case_parties.case_id "
        "WHERE case_parties.province_code IS NOT NULL"
    )


def downgrade() -> None:
    """Back to reaching a province's cases through case_parties."""
    op.drop_index("ix_case_provinces_worklist", table_name="case_provinces")
    op.drop_table("case_provinces")
