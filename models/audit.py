"""The audit chain: each entry's hash covers its content and the previous entry's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer

if TYPE_CHECKING:
    from models.state import CaseInput

GENESIS = "0" * 64
# The filing's entry, the first of a case's trail (cases filed since `filing-in-trail`): its
# update id (an action's is `<key id>/<key>`, so never this) and its action name.
FILING_UPDATE_ID = "filing"
FILING_ACTION = "file_case"


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, instants in UTC: the same content always has the same
    bytes (what an entry's hash covers, and what an export's case statement signs)."""
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_instant
    )
    return text.encode()


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of an entry's canonical JSON."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def filing_payload(case: CaseInput) -> dict[str, Any]:
    """What the filing's trail entry records of it: the filing's SHA-256 (its canonical JSON, as
    an entry's hash is made), the guideline it was pinned to and where it was routed."""
    return {
        "filing_sha256": entry_hash(case.filing.model_dump(mode="json")),
        "guideline_version": case.pinned.guideline.version,
        "guideline_hash": case.pinned.content_hash,
        "routing_rule": case.routing.rule.value,
        "forum": case.routing.forum.value,
    }


def hashed_instant(at: datetime) -> str:
    """An instant exactly as an entry's hash covers it: UTC, to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _instant(value: object) -> str:
    if isinstance(value, datetime):
        return hashed_instant(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


HASHED_FIELDS = (
    "case_id",
    "seq",
    "timeline_seq",
    "update_id",
    "action",
    "at",
    "actor_key",
    "actor_role",
    "actor_scope",
    "on_behalf_of",
    "stage_before",
    "stage_after",
    "payload",
    "documents",
    "prev_hash",
)


def hashed_content(row: Any) -> dict[str, Any]:
    """The fields of an entry (a row or a mapping) that its hash covers."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return {name: get(name) for name in HASHED_FIELDS}


@dataclass(frozen=True)
class ChainProblem:
    """Where a chain breaks, and how."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}"


def check_chain(rows: Iterable[Any]) -> list[ChainProblem]:
    """Every break in a case's chain: an edited, deleted, reordered or inserted entry."""
    problems: list[ChainProblem] = []
    previous = GENESIS
    expected_seq = 1
    for row in rows:
        seq = row.seq
        if seq != expected_seq:
            problems.append(
                ChainProblem(seq, f"expected entry {expected_seq} here (missing or moved)")
            )
        if row.prev_hash != previous:
            problems.append(ChainProblem(seq, "does not follow the previous entry's hash"))
        if entry_hash(hashed_content(row)) != row.entry_hash:
            problems.append(ChainProblem(seq, "its content no longer matches its hash (edited)"))
        previous = row.entry_hash
        expected_seq = seq + 1
    return problems


# The instant exactly as the entry's hash covers it, so the hash can be checked from this JSON.
HashedInstant = Annotated[datetime, PlainSerializer(hashed_instant, return_type=str)]


class AuditEntryPublic(BaseModel):
    """The filing (entry 1, `file_case`) or one accepted action; `entry_hash` is the SHA-256 of
    the other fields' canonical JSON."""

    case_id: str
    seq: int = Field(description="Position in the case's chain, from 1.")
    timeline_seq: int
    update_id: str = Field(
        description="The action's idempotency key (`<key id>/<key>`); `filing` for the filing."
    )
    action: str
    at: HashedInstant
    actor_key: str
    actor_role: str
    actor_scope: str | None
    on_behalf_of: str | None
    stage_before: str
    stage_after: str
    payload: dict[str, Any]
    documents: list[str] = Field(description="SHA-256 of each document attached.")
    prev_hash: str
    entry_hash: str


class AuditTrail(BaseModel):
    """A case's trail as `GET /v1/cases/{id}/audit` serves it and an audit export keeps it."""

    case_id: str
    entries: list[AuditEntryPublic]

    @classmethod
    def of(cls, case_id: str, rows: Sequence[Any]) -> AuditTrail:
        """The trail as served, from its rows (`models.tables.AuditEntry`)."""
        entries = [AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows]
        return cls(case_id=case_id, entries=entries)
