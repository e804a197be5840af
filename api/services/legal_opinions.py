"""Who sees a confidential legal-opinion thread (pedoman.md §9 D6–D8): the one read filter under
every front end (API, console, CLI).

Until its requester discloses it, a thread of a guideline with `legal_opinion.confidential` is
seen by the party that asked, the office asked, the forum, operators and auditors
(`workflows.legal_opinions.sees`). Every other key that may read the case sees no trace of it:
not the thread, not its entries in the timeline, not a document attached with it, not its
deadline, not the wait for a prosecutor, and no count of it in lists or statistics. A case of a
guideline without the flag has no confidential thread, so it reads as it always did.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Mapped
from sqlmodel import col

from api.auth import Caller
from models.case import CaseType
from models.roles import Role
from models.state import AttachedDocument, CaseView, LegalOpinionThread
from models.tables import CaseAwaiting, CaseDeadline, CaseParty, CaseRecord
from workflows.legal_opinions import SEES_EVERY_THREAD, sees

_THREAD_CLOCK = "legal_opinion:"


def unseen_threads(view: CaseView, caller: Caller) -> list[LegalOpinionThread]:
    """The case's threads this caller may not see."""
    return [
        t
        for t in view.legal_opinions
        if not sees(t, caller.role, caller.scope, view.filing, view.routing)
    ]


def unseen_entries(view: CaseView, caller: Caller) -> set[int]:
    """The timeline seqs of the threads this caller may not see (request, answer, reminders)."""
    return {seq for thread in unseen_threads(view, caller) for seq in thread.seqs}


def unseen_clocks(view: CaseView, caller: Caller) -> set[str]:
    """The clocks (`legal_opinion:N`) of the threads this caller may not see."""
    return {f"{_THREAD_CLOCK}{t.thread}" for t in unseen_threads(view, caller)}


def seen_threads(view: CaseView, caller: Caller) -> list[LegalOpinionThread]:
    """The case's threads this caller may see."""
    unseen = {t.thread for t in unseen_threads(view, caller)}
    return [t for t in view.legal_opinions if t.thread not in unseen]


def seen_documents(
    documents: list[AttachedDocument], view: CaseView, caller: Caller
) -> list[AttachedDocument]:
    """The documents this caller may see: none attached with a thread it may not see."""
    unseen = unseen_entries(view, caller)
    return [d for d in documents if d.seq is None or d.seq not in unseen]


def may_see_every_thread(caller: Caller) -> bool:
    """Whether the caller sees every thread of any case it reads (no read needs filtering)."""
    return caller.role in SEES_EVERY_THREAD or (
        caller.role is Role.PROSECUTOR and caller.scope is None
    )


# ---------------------------------------------------------------- the read model


def seen_deadlines(caller: Caller) -> ColumnElement[bool] | None:
    """A condition on `case_deadlines` keeping the rows this caller may see; None: all."""
    if may_see_every_thread(caller):
        return None
    shown = ~col(CaseDeadline.confidential)
    case_id = col(CaseDeadline.case_id)
    if caller.role is Role.PARTY:
        return or_(shown, col(CaseDeadline.requester_party) == caller.scope)
    if caller.role is Role.PROSECUTOR:
        return or_(shown, col(CaseDeadline.office) == caller.scope)
    if caller.role is Role.GWPP:
        as_party = col(CaseDeadline.requester_party) == caller.scope
        return or_(shown, as_party, _as_forum(case_id, caller))
    if caller.role is Role.ADJUDICATOR:
        return or_(shown, _ksdpk(case_id))
    return shown


def seen_awaiting(caller: Caller) -> ColumnElement[bool] | None:
    """A condition on `case_awaiting` keeping the rows this caller may count; None: all.

    A row stands for a role's wait, not for one thread, so a party is never shown a wait that
    only confidential threads are behind (even its own thread's: the case itself shows that).
    """
    if may_see_every_thread(caller):
        return None
    shown = ~col(CaseAwaiting.confidential)
    case_id = col(CaseAwaiting.case_id)
    if caller.role is Role.PROSECUTOR:
        return or_(shown, col(CaseAwaiting.scope) == caller.scope)
    if caller.role is Role.GWPP:
        return or_(shown, _as_forum(case_id, caller))
    if caller.role is Role.ADJUDICATOR:
        return or_(shown, _ksdpk(case_id))
    return shown


def _as_forum(case_id: Mapped[str], caller: Caller) -> ColumnElement[bool]:
    # The GWPP is the forum of its province's cases unless its province is a party (R3, D8).
    forum = select(col(CaseRecord.case_id)).where(col(CaseRecord.gwpp_province) == caller.scope)
    party = select(col(CaseParty.case_id)).where(col(CaseParty.party_id) == caller.scope)
    return and_(case_id.in_(forum), case_id.not_in(party))


def _ksdpk(case_id: Mapped[str]) -> ColumnElement[bool]:
    ksdpk = select(col(CaseRecord.case_id)).where(col(CaseRecord.case_type) == CaseType.KSDPK.value)
    return case_id.in_(ksdpk)
