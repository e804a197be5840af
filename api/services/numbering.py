"""Filing bookkeeping: case numbers, and the idempotency key that makes a retry safe."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import Conflict, Unavailable, invalid_request
from models.case import case_id
from models.tables import CaseNumber, FilingRequest
from storage.database import insert_unless_present


def filing_hash(body: dict[str, Any]) -> str:
    """A fingerprint of the filing (as JSON), to tell a retry from another filing under one key."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def filing_key(key_id: str, idempotency_key: str | None) -> str | None:
    """What names one filing across its retries: the API key and its Idempotency-Key.

    None without an Idempotency-Key: such a filing cannot be retried, so it is one of its own.
    """
    if idempotency_key is None:
        return None
    return hashlib.sha256(f"{key_id}\x00{idempotency_key}".encode()).hexdigest()[:32]


def refuse_nul(body: dict[str, Any]) -> None:
    """Refuse a filing (as JSON) holding a NUL character anywhere: PostgreSQL cannot store one
    in text, so its projection would fail on every retry and the case would never answer again."""
    where = _nul_at(body, [])
    if where is not None:
        nul = msg("field.nul_character")
        raise invalid_request([field_problem("body", where, "nul_character", nul)])


def _nul_at(value: object, path: list[str | int]) -> list[str | int] | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    items: list[tuple[str | int, object]]
    if isinstance(value, dict):
        items = [(str(key), item) for key, item in value.items()]
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        found = _nul_at(key, path) or _nul_at(item, [*path, key])
        if found is not None:
            return found
    return None


# How many numbers already bound to other filings one claim skips before giving up.
MAX_TAKEN_NUMBERS = 20


def claim_case_id(
    engine: Engine,
    *,
    key_id: str,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
    check_new: Callable[[], None] | None = None,
) -> tuple[str, bool]:
    """The case id for this filing, and whether it was claimed before under the same key.

    `check_new` runs only for a filing not claimed before, before it takes a number: what it
    refuses takes no number and binds no key, so a retry is checked again.
    """
    if idempotency_key is not None:
        earlier = _earlier(engine, key_id, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier, True
    if check_new is not None:
        check_new()
    for _ in range(MAX_TAKEN_NUMBERS):
        new_id = _claim(engine, key_id, idempotency_key, fingerprint, now)
        if new_id is not None:
            return new_id, False
        if idempotency_key is not None:
            earlier = _earlier(engine, key_id, idempotency_key, fingerprint)
            if earlier is not None:
                # A concurrent retry with the same key won the race: answer with its case.
                return earlier, True
        # Otherwise the number is bound to another filing already (the counter was behind):
        # the next attempt takes the next number.
    raise Unavailable("numbering", msg("numbering"))


def _claim(
    engine: Engine, key_id: str, idempotency_key: str | None, fingerprint: str, now: datetime
) -> str | None:
    """Take the next number and bind it to this filing's key, or None if that collides."""
    # The number is taken in its own transaction, so a collision still moves the counter on
    # (numbers may skip; they never repeat).
    with Session(engine) as session, session.begin():
        new_id = case_id(now.year, _next_number(session, now.year))
    if idempotency_key is None:
        return new_id
    try:
        with Session(engine) as session, session.begin():
            session.add(
                FilingRequest(
                    key_id=key_id,
                    idempotency_key=idempotency_key,
                    request_hash=fingerprint,
                    case_id=new_id,
                    created_at=now,
                )
            )
    except IntegrityError:
        return None
    return new_id


def _earlier(engine: Engine, key_id: str, key: str, fingerprint: str) -> str | None:
    with Session(engine) as session:
        request = session.get(FilingRequest, (key_id, key))
    if request is None:
        return None
    if request.request_hash != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            msg("idempotency_key_reused.filing", key=key, case_id=request.case_id),
        )
    return request.case_id


def _next_number(session: Session, year: int) -> int:
    # The UPDATE takes the write lock first, so concurrent filings never read the same number.
    statement = (
        update(CaseNumber)
        .where(col(CaseNumber.year) == year)
        .values(last=col(CaseNumber.last) + 1)
        .returning(col(CaseNumber.last))
    )
    number = session.execute(statement).scalar_one_or_none()
    if number is None:
        # The year's first filing: create its counter (once, even when two race), then count.
        insert_unless_present(session, CaseNumber, year=year, last=0)
        number = session.execute(statement).scalar_one()
    return int(number)


def renumber(
    engine: Engine, *, key_id: str, idempotency_key: str | None, old_id: str, now: datetime
) -> str:
    """A fresh case id for a filing whose id Temporal already knows (a restored read model)."""
    with Session(engine) as session, session.begin():
        new_id = case_id(now.year, _next_number(session, now.year))
        if idempotency_key is not None:
            request = session.get(FilingRequest, (key_id, idempotency_key))
            if request is not None and request.case_id == old_id:
                request.case_id = new_id
    return new_id
