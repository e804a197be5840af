"""What a worklist page shows of its cases beyond their summaries: parties, who is awaited, and
the guideline each case is pinned to.

Read for the page's cases alone (three lookups by case id, whatever the size of the read
model), so a page stays fast at 100,000 cases; the console's worklist is its reader.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.auth import Caller
from api.schemas import CaseSummary
from api.services.case_view import pinned_guideline
from api.services.legal_opinions import seen_awaiting
from models.pedoman import Guideline
from models.tables import CaseAwaiting, CaseParty, CaseRecord


@dataclass(frozen=True)
class CaseDetails:
    """One listed case's parties (by side, then name), who it awaits, and its guideline."""

    parties: list[CaseParty]
    awaiting: list[CaseAwaiting]
    guideline: Guideline


def case_details(
    session: Session, cases: Sequence[CaseSummary], caller: Caller | None = None
) -> dict[str, CaseDetails]:
    """The details of cases a listing returned (so already checked as visible to its caller),
    without a wait for a legal-opinion thread the caller may not see (pedoman.md §9 D6)."""
    ids = [case.case_id for case in cases]
    if not ids:
        return {}
    parties: dict[str, list[CaseParty]] = defaultdict(list)
    for party in session.exec(
        select(CaseParty)
        .where(col(CaseParty.case_id).in_(ids))
        .order_by(col(CaseParty.case_id), col(CaseParty.side), col(CaseParty.name))
    ):
        parties[party.case_id].append(party)
    waiting: dict[str, list[CaseAwaiting]] = defaultdict(list)
    seen = seen_awaiting(caller) if caller is not None else None
    for row in session.exec(
        select(CaseAwaiting)
        .where(col(CaseAwaiting.case_id).in_(ids), *([] if seen is None else [seen]))
        .order_by(col(CaseAwaiting.case_id), col(CaseAwaiting.role), col(CaseAwaiting.scope))
    ):
        waiting[row.case_id].append(row)
    hashes = dict(
        session.exec(
            select(col(CaseRecord.case_id), col(CaseRecord.guideline_hash)).where(
                col(CaseRecord.case_id).in_(ids)
            )
        ).all()
    )
    return {
        case_id: CaseDetails(
            parties=parties[case_id],
            awaiting=waiting[case_id],
            guideline=pinned_guideline(session, hashes[case_id]),
        )
        for case_id in ids
    }
