"""Each case's dispute key (models/disputes.py), indexed, to find a filing's possible duplicates.

Reading the agreement numbers and subject out of every candidate's detail took a third of a
second at 100,000 cases when many open cases share their parties; the key is one index lookup.
The open cases already recorded get theirs here from their detail; a closed case never counts
as a duplicate, and its next reindex writes its key.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import context, op

from models.disputes import dispute_key

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Open cases read per round trip while filling the column.
BATCH = 500


def upgrade() -> None:
    """Add cases.dispute_key and its index, and fill it for the open cases."""
    op.add_column(
        "cases",
        sa.Column("dispute_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.create_index("ix_cases_dispute_key", "cases", ["dispute_key", "status"])
    _fill()


def downgrade() -> None:
    """Drop cases.dispute_key (possible duplicates are no longer found)."""
    op.drop_index("ix_cases_dispute_key", table_name="cases")
    # In place, on SQLite too (3.35 and later): recreating `cases` in batch mode would break
    # the foreign keys of its parties, sectors and deadlines once it has rows.
    op.drop_column("cases", "dispute_key")


def _fill() -> None:
    if context.is_offline_mode():
        return  # SQL only: the keys come from the next projection or a reindex
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String),
        sa.column("status", sa.String),
        sa.column("detail", sa.JSON),
        sa.column("dispute_key", sa.String),
    )
    keyed = (
        sa.update(cases)
        .where(cases.c.case_id == sa.bindparam("id"))
        .values(dispute_key=sa.bindparam("key"))
    )
    connection = op.get_bind()
    query = sa.select(cases.c.case_id, cases.c.detail).where(cases.c.status == "open")
    after = ""
    while True:
        rows = connection.execute(
            query.where(cases.c.case_id > after).order_by(cases.c.case_id).limit(BATCH)
        ).all()
        if not rows:
            break
        keys = [{"id": case_id, "key": _key(detail)} for case_id, detail in rows]
        known = [row for row in keys if row["key"] is not None]
        if known:
            connection.execute(keyed, known)
        after = rows[-1][0]


def _key(detail: dict[str, Any]) -> str | None:
    # A row this code cannot read must not stop the upgrade: its case's next projection, or a
    # reindex, writes its key.
    try:
        filing = detail["filing"]
        return dispute_key(
            party_ids=[p.get("region_code") or p["third_party_id"] for p in filing["parties"]],
            kb_number=filing["agreement"].get("kb_number"),
            pks_number=filing["agreement"].get("pks_number"),
            subject=filing["dispute"]["subject"],
        )
    except (KeyError, TypeError, AttributeError):
        return None
