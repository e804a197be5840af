"""Possible duplicate filings: an open case with the same parties, agreement numbers and subject.

Two offices (or one office twice, without an Idempotency-Key) may file the same dispute; two
cases would then run in parallel, perhaps before two forums. A filing that matches an open case
(models/disputes.py says when it does) is refused with 409 `possible_duplicate` naming it,
unless the caller confirms (`force=true`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.messages.catalogue import msg
from api.problems import Conflict
from models.case import CaseFiling
from models.disputes import filing_dispute_key
from models.state import CaseStatus
from models.tables import CaseRecord


def possible_duplicates(session: Session, filing: CaseFiling) -> list[str]:
    """The open cases of this filing's dispute, oldest first (one index lookup)."""
    query = (
        select(CaseRecord.case_id)
        .where(
            col(CaseRecord.dispute_key) == filing_dispute_key(filing),
            col(CaseRecord.status) == CaseStatus.OPEN.value,
        )
        .order_by(col(CaseRecord.case_id))
    )
    return list(session.exec(query))


def refuse_possible_duplicate(engine: Engine, filing: CaseFiling) -> None:
    """409 `possible_duplicate` naming the open cases this filing matches, if there are any.

    A party key files only as a party (api/routes/cases.py), so every case named here has the
    caller among its parties and is visible to it: the answer reveals no one else's case.
    """
    with Session(engine) as session:
        duplicates = possible_duplicates(session, filing)
    if duplicates:
        raise Conflict(
            "possible_duplicate",
            msg("possible_duplicate", cases=duplicates),
            duplicates=duplicates,
        )


class DisputeGate:
    """One filing of a dispute at a time in this process, from its check to its case's row.

    Two identical filings racing through one API process would both pass the check before
    either case reaches the read model; here the second waits and then finds the first.
    Filings through different API processes can still race in that window (about as long as
    a filing takes to answer): both cases then open, and the next filing names both.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, filing: CaseFiling) -> AsyncIterator[None]:
        key = filing_dispute_key(filing)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            # The last one out drops the lock, so the map holds only disputes being filed.
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]
