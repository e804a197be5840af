"""The worklist's filters by forum and by case type, and its title search, straight from indexes.

At 100,000 cases (tests/benchmarks/bench_konsol.py) a filter on forum or case type used the
column's own index and then sorted every match by deadline (`?forum=gwpp&overdue=true` 32–48 ms,
`?type=KSDPK&sector=investasi` 66–82 ms on SQLite); with the deadline order in the index a page is
a range scan (0.1 ms). A title search that matches little read every case row, detail JSON and
all (180–255 ms); with the lower-cased title in the worklist's index it reads the index alone
(20–25 ms).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Forum and case type in deadline order; the title beside the deadline order."""
    op.drop_index("ix_cases_forum", table_name="cases")
    op.drop_index("ix_cases_case_type", table_name="cases")
    op.create_index("ix_cases_forum_due_order", "cases", ["forum", "due_order", "case_id"])
    op.create_index("ix_cases_case_type_due_order", "cases", ["case_type", "due_order", "case_id"])
    op.drop_index("ix_cases_due_order", table_name="cases")
    op.create_index("ix_cases_due_order", "cases", ["due_order", "case_id", "title_search"])


def downgrade() -> None:
    """The single-column indexes of 0001 and the worklist order of 0003."""
    op.drop_index("ix_cases_due_order", table_name="cases")
    op.create_index("ix_cases_due_order", "cases", ["due_order", "case_id"])
    op.drop_index("ix_cases_case_type_due_order", table_name="cases")
    op.drop_index("ix_cases_forum_due_order", table_name="cases")
    op.create_index("ix_cases_case_type", "cases", ["case_type"])
    op.create_index("ix_cases_forum", "cases", ["forum"])
