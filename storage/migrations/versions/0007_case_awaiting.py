"""Who each case waits for: case_awaiting (role, scope, due_order, case_id), for `awaiting=`.

The rows of the cases already recorded are computed here from each open case's stored view
and its pinned guideline, with the rules the projection uses from now on (a closed case
awaits nobody).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import context, op
from sqlmodel import Session, select

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Open cases read per round trip while filling the table.
BATCH = 500
# The table as this revision makes it: rows computed by today's rules are written through it, so
# columns later revisions add (0012's `confidential`) are left to their own defaults.
_COLUMNS = ("case_id", "role", "scope", "due_order")
_AWAITING = sa.table("case_awaiting", *(sa.column(name) for name in _COLUMNS))


def upgrade() -> None:
    """Create case_awaiting and fill it for the open cases already recorded."""
    op.create_table(
        "case_awaiting",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("due_order", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("case_id", "role", "scope"),
    )
    op.create_index(
        "ix_case_awaiting_worklist", "case_awaiting", ["role", "scope", "due_order", "case_id"]
    )
    _fill()


def downgrade() -> None:
    """Drop case_awaiting (the `awaiting` filter goes with it)."""
    op.drop_index("ix_case_awaiting_worklist", table_name="case_awaiting")
    op.drop_table("case_awaiting")


def _fill() -> None:
    if context.is_offline_mode():
        return  # SQL only: the rows come from the next projection or a reindex
    # Imported here: only a database with cases needs the rules.
    from pydantic import ValidationError

    from activities.projection import awaiting_rows
    from models.state import CaseView
    from models.tables import CaseRecord

    with Session(bind=op.get_bind()) as session:
        query = select(CaseRecord.case_id, CaseRecord.detail).where(CaseRecord.status == "open")
        after = ""
        while True:
            rows = session.exec(
                query.where(CaseRecord.case_id > after).order_by(CaseRecord.case_id).limit(BATCH)
            ).all()
            if not rows:
                break
            for _, detail in rows:
                try:
                    view = CaseView.model_validate(detail)
                    rows_of_case = [
                        {name: getattr(row, name) for name in _COLUMNS}
                        for row in awaiting_rows(session, view)
                    ]
                except ValidationError:
                    # A row this code cannot read must not stop the upgrade: its case's next
                    # projection, or a reindex, writes its rows.
                    continue
                if rows_of_case:
                    session.execute(sa.insert(_AWAITING), rows_of_case)
            session.flush()
            after = rows[-1][0]
        # Ends the session's part only: the migration's own transaction commits it all.
        session.commit()
