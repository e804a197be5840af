"""What auditors read and prove: a case's trail, its history, its verification, the instance's
signing key, and exports (one case for a key that may see it; many for the instance's operator).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from temporalio.service import RPCError, RPCStatusCode

from activities.audit_trail import audit_trail
from activities.document_store import archive_store, document_store
from api.auth import Caller
from api.messages.catalogue import explained, msg
from api.problems import Forbidden, HistoryDamaged, NotFound, Unavailable
from api.schemas import HistoryDocument, RunEvents, SigningKey
from api.services.applying import ensure_visible
from api.services.backend import Backend
from api.services.case_view import check_case
from api.services.pacing import verify_concurrency, verifying_processes
from audit.archive import ArchiveDamaged
from audit.batch import verify_reports
from audit.export import ExportedCase, Sink
from audit.exporting import (
    ExportSource,
    FolderSink,
    Signing,
    archive_bytes,
    archive_file,
    export_cases,
)
from audit.replaying import case_replayer
from audit.selection import (
    known_in_read_model,
    known_to_temporal,
    read_model_case_ids,
    visibility_case_ids,
)
from audit.signing import instance_signer
from audit.verify import history_document, load_case_runs, verify_case
from models.audit import AuditTrail
from models.roles import Role
from models.verification import VerifyReport

__all__ = [
    "VERIFIERS",
    "ExportFile",
    "ExportedCase",
    "FolderSink",
    "Sink",
    "archive_file",
    "chosen_cases",
    "export_case",
    "export_many",
    "history",
    "public_key",
    "trail",
    "unknown_cases",
    "verify",
    "verify_many",
]

# Verifying replays every run of a case, and an export signs what it holds in the instance's
# name: only auditors and administrators ask for either.
VERIFIERS = frozenset({Role.AUDITOR, Role.ADMIN})


def trail(session: Session, caller: Caller, case_id: str) -> AuditTrail:
    """The case's audit trail: who, when, key, payload, stages, documents, and the hash chain."""
    check_case(session, caller, case_id)
    return AuditTrail.of(case_id, audit_trail(session, case_id))


async def history(backend: Backend, caller: Caller, case_id: str) -> HistoryDocument:
    """The event history of every run of the case (across continue-as-new), with its guideline;
    from the case's archive once Temporal's retention has dropped it."""
    await ensure_visible(backend.engine, caller, case_id)
    try:
        runs = await load_case_runs(backend.temporal, case_id, backend.archives)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise NotFound("no_history", msg("no_history", case_id=case_id)) from None
        raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None
    except ArchiveDamaged as damaged:
        raise HistoryDamaged("archive_damaged", explained(damaged)) from None
    document = history_document(runs)
    # Not validated again: every event as Temporal wrote it, however many there are.
    return HistoryDocument.model_construct(
        **{**document, "runs": [RunEvents.model_construct(**run) for run in document["runs"]]}
    )


async def verify(backend: Backend, caller: Caller, case_id: str) -> VerifyReport:
    """Replay the history and check it against the read model, the audit chain and the
    documents (auditors and administrators only)."""
    _may_verify(caller)
    await ensure_visible(backend.engine, caller, case_id)
    try:
        return await verify_case(
            backend.temporal,
            backend.engine,
            case_id,
            replayer=case_replayer(),
            documents=backend.documents,
            archives=backend.archives,
        )
    except RPCError:
        raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None


async def public_key(backend: Backend, caller: Caller) -> SigningKey:
    """The Ed25519 public key that signs this instance's exports; any key may read it."""
    key = await run_in_threadpool(backend.signing_key)
    return SigningKey.model_validate(key.description())


@dataclass(frozen=True)
class ExportFile:
    """An export packed as a `.tar.gz`, and the name to save it under."""

    name: str
    content: bytes
    case: ExportedCase

    media_type = "application/gzip"


async def export_case(
    backend: Backend, caller: Caller, case_id: str, *, with_documents: bool = True
) -> ExportFile:
    """One case's signed export, as `mufakat audit export CASE --archive` writes it
    (auditors and administrators only); `audit verify-archive` verifies it offline."""
    if caller.role not in VERIFIERS:
        raise Forbidden("wrong_role", msg("wrong_role.export", role=caller.role.value))
    await ensure_visible(backend.engine, caller, case_id)
    now = datetime.now(UTC)
    name = f"mufakat-audit-{case_id}-{now.strftime('%Y%m%dT%H%M%SZ')}"
    try:
        with archive_bytes(name, now) as (sink, buffer):
            exported = await export_many(
                backend, [case_id], sink, now=now, with_documents=with_documents
            )
    except RPCError:
        raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None
    return ExportFile(name=f"{name}.tar.gz", content=buffer.getvalue(), case=exported[0])


async def export_many(
    backend: Backend,
    case_ids: Sequence[str],
    sink: Sink,
    *,
    now: datetime,
    with_documents: bool,
    selection: dict[str, Any] | None = None,
    concurrency: int = 8,
    done: Callable[[ExportedCase], None] | None = None,
) -> list[ExportedCase]:
    """Export cases into `sink`, signed with the instance's key, for the instance's operator
    (`mufakat audit export`: no key's scope applies). Each case's problems are in its
    `missing` (what the export lacks) and `findings` (documents that do not match)."""
    key_file = backend.settings.audit_signing_key_file
    signer = await asyncio.to_thread(instance_signer, backend.engine, key_file)
    source = ExportSource(backend.temporal, backend.engine, backend.documents, backend.archives)
    return await export_cases(
        source,
        case_ids,
        sink,
        signing=Signing(now, signer, with_documents),
        selection=selection or {"cases": list(case_ids)},
        concurrency=concurrency,
        done=done,
    )


async def chosen_cases(backend: Backend, query: str | None = None) -> list[str]:
    """Every case of the read model, in case-id order, or (`query`) every case a Temporal
    visibility query finds; a query Temporal refuses raises its INVALID_ARGUMENT RPCError."""
    if query is None:
        return await asyncio.to_thread(read_model_case_ids, backend.engine)
    return await visibility_case_ids(backend.temporal, query)


async def unknown_cases(backend: Backend, case_ids: Sequence[str]) -> list[str]:
    """Those of `case_ids` neither the read model nor Temporal knows (a case the read model
    lost is still auditable while Temporal holds its history)."""
    recorded = await asyncio.to_thread(known_in_read_model, backend.engine, case_ids)
    others = [case_id for case_id in case_ids if case_id not in recorded]
    known = await asyncio.gather(*(known_to_temporal(backend.temporal, c) for c in others))
    return [case_id for case_id, found in zip(others, known, strict=True) if not found]


def verify_many(
    backend: Backend,
    case_ids: Sequence[str],
    *,
    concurrency: int | None = None,
    processes: int | None = None,
    sandboxed: bool = False,
) -> AsyncIterator[VerifyReport]:
    """Every case's report as it is ready, for the instance's operator (`mufakat audit
    verify`): in this process, or from many cases on in verifying processes (one per CPU unless
    told; api/services/pacing.py)."""
    settings = backend.settings
    processes = verifying_processes(len(case_ids), processes)
    return verify_reports(
        backend.temporal,
        backend.engine,
        case_ids,
        concurrency=concurrency or verify_concurrency(processes),
        processes=processes,
        sandboxed=sandboxed,
        # Made again in each verifying process: a store's client does not cross processes.
        documents=partial(document_store, settings),
        archive_store=partial(archive_store, settings),
    )


def _may_verify(caller: Caller) -> None:
    if caller.role not in VERIFIERS:
        raise Forbidden("wrong_role", msg("wrong_role.audit", role=caller.role.value))
