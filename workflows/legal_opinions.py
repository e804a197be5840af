"""Legal-opinion threads as revision 2 runs them (pedoman.md §9 D6–D8): whom a request is
addressed to, who may answer or disclose it, and who may see it before it is disclosed.

Pure: the workflow's rules ask who may act, and every reader of a case (API, console, CLI,
through api/services/legal_opinions.py) asks who may see, with the same answers.
"""

from __future__ import annotations

from datetime import datetime

from models.case import CaseFiling, CaseType
from models.forum import Routing
from models.payloads import Addressee, ProsecutorOffice, _Payload
from models.roles import Actor, Role
from models.state import LegalOpinionThread
from models.time import Deadline

# Who sees every thread of a case they may read: operators, the Minister (the national forum)
# and the read-only roles (pedoman.md §9 D6: "the forum, operators and auditors").
SEES_EVERY_THREAD = frozenset({Role.OPERATOR, Role.MINISTER, Role.AUDITOR, Role.ADMIN})


def office_covers(addressee: Addressee, filing: CaseFiling) -> bool:
    """Whether the office asked covers a party of the case: a Kejari its kabupaten/kota, a
    Kejati its province; JAM Datun every case. (An office that covers no party could not even
    read the case, so it could never answer.)"""
    if addressee.office is ProsecutorOffice.JAM_DATUN:
        return True
    codes = [p.region_code for p in filing.parties if p.region_code is not None]
    if addressee.office is ProsecutorOffice.KEJATI:
        return any(code[:2] == addressee.region_code for code in codes)
    return addressee.region_code in codes


def may_answer(thread: LegalOpinionThread, actor: Actor) -> bool:
    """Only a key of the office asked, or a national (JAM Datun) key, answers an addressed
    thread; a thread asked of no office in particular, any prosecutor covering the case."""
    if thread.addressee is None or actor.scope is None:
        return True
    return actor.scope == thread.addressee.scope


def may_disclose(thread: LegalOpinionThread, actor: Actor, party: str | None) -> bool:
    """Only the requester discloses: the party that asked (itself or through whoever records
    for it), or the office that asked (an operator, the forum's own key)."""
    if thread.requester_party is not None:
        return party == thread.requester_party
    asked = thread.requested_by
    if party is not None or actor.role is not asked.role:
        return False
    return actor.role is Role.OPERATOR or actor.scope == asked.scope


def hidden(thread: LegalOpinionThread) -> bool:
    """Whether the thread is still confidential: only some readers may see it."""
    return thread.confidential and thread.disclosed_at is None


def sees(
    thread: LegalOpinionThread,
    role: Role,
    scope: str | None,
    filing: CaseFiling,
    routing: Routing,
) -> bool:
    """Whether a key of this role and scope, which may read the case, sees the thread.

    A confidential thread, until disclosed, is seen by the party that asked, the prosecutor's
    office asked (and JAM Datun), the forum, operators and auditors (D6, D7). The GWPP sees
    it as the forum, except where its province is itself a party (R3): then as that party (D8).
    An adjudicator is the forum only in a KSDPK case.
    """
    if not hidden(thread) or role in SEES_EVERY_THREAD:
        return True
    if role is Role.PARTY:
        return scope is not None and scope == thread.requester_party
    if role is Role.GWPP:
        if filing.party(scope or "") is not None:
            return scope == thread.requester_party
        return scope is not None and scope == routing.gwpp_province
    if role is Role.PROSECUTOR:
        return scope is None or (thread.addressee is not None and scope == thread.addressee.scope)
    if role is Role.ADJUDICATOR:
        return filing.case_type is CaseType.KSDPK
    return False


def new_thread(
    number: int,
    *,
    requested_by: Actor,
    party: str | None,
    at: datetime,
    stage: str,
    payload: _Payload,
    deadline: Deadline,
    confidential: bool,
    seq: int,
) -> LegalOpinionThread:
    """The thread a request opens: addressed (D7) and confidential (D6) where the request and
    the guideline say so."""
    return LegalOpinionThread(
        thread=number,
        requested_by=requested_by,
        requested_at=at,
        stage=stage,
        question=getattr(payload, "question", ""),
        deadline=deadline,
        addressee=getattr(payload, "addressee", None),
        requester_party=party,
        confidential=confidential,
        seqs=[seq],
    )
