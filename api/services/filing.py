"""Filing a case: who may, its number, the duplicate check, and starting its workflow.

A filing is routed (R1–R8), pinned to the current guideline and started; it answers once the
case is in the read model, so the next read finds it. The same `idempotency_key` again answers
the same case (`replayed`), whatever happened to the first answer.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.auth import Caller
from api.messages.catalogue import msg
from api.messages.fields import field_problem
from api.problems import Forbidden, Unavailable, invalid_request
from api.schemas import CasePublic
from api.services.backend import Backend
from api.services.case_view import read_case
from api.services.duplicates import DisputeGate, refuse_possible_duplicate
from api.services.numbering import claim_case_id, filing_hash, filing_key, refuse_nul, renumber
from api.services.routing import PartySketch, preview_routing, region_code_problem, unroutable
from models.case import CaseFiling, Side
from models.guidelines import default_guideline, default_pinned
from models.regions import RegionCodeError, RetiredRegion, load_regions
from models.roles import Role
from models.routing import RoutingError
from models.state import CaseInput
from models.tables import CaseRecord
from workflows.starter import route_filing, start_and_await_filing

__all__ = ["Filed", "PartySketch", "file_case", "preview_routing"]

# How many taken case numbers a filing skips before giving up (each costs one Temporal call).
MAX_RENUMBERING = 20
# This process's filings, one per dispute at a time (api/services/duplicates.py says why).
_DISPUTES = DisputeGate()


@dataclass(frozen=True)
class Filed:
    """The filed case, and whether an earlier request with the same key had filed it."""

    case: CasePublic
    replayed: bool


async def file_case(
    backend: Backend,
    caller: Caller,
    filing: CaseFiling,
    *,
    idempotency_key: str | None = None,
    force: bool = False,
) -> Filed:
    """File the case as this key; without `force`, a filing matching an open case (the same
    parties, agreement number and subject) is 409 `possible_duplicate` naming it."""
    _may_file(caller, filing)
    refuse_without_request_letter(filing)
    body = filing.model_dump(mode="json")  # once: checked, then fingerprinted
    refuse_nul(body)
    try:
        routing = route_filing(filing, default_guideline(), load_regions())
    except RetiredRegion as error:  # pedoman.md §9 D23: its own problem, naming the new code
        raise region_code_problem(error, _parties_at_fault(filing, error), "body") from None
    except (RegionCodeError, RoutingError) as error:
        raise unroutable(error, "body", _parties_at_fault(filing, error)) from None
    engine = backend.engine
    # Until its case is in the read model, where the next filing of the dispute will find it;
    # a confirmed filing (`force`) checks nothing, so it waits for no other.
    async with nullcontext() if force else _DISPUTES.hold(filing):
        case_id, replayed = await run_in_threadpool(
            claim_case_id,
            engine,
            key_id=caller.key_id,
            idempotency_key=idempotency_key,
            fingerprint=filing_hash(body),
            now=datetime.now(UTC),
            # A retry of a filing numbered before is that filing, never a duplicate of itself.
            check_new=None if force else partial(refuse_possible_duplicate, engine, filing),
        )
        case_id = await _start(
            backend,
            caller=caller,
            idempotency_key=idempotency_key,
            case=CaseInput(
                case_id=case_id,
                filing=filing,
                routing=routing,
                pinned=default_pinned(),
                filed_by=caller.actor(),
            ),
            replayed=replayed,
        )
    case = await run_in_threadpool(read_case, engine, caller, case_id)
    return Filed(case=case, replayed=replayed)


async def _start(
    backend: Backend,
    *,
    caller: Caller,
    idempotency_key: str | None,
    case: CaseInput,
    replayed: bool,
) -> str:
    """Start the case and await its filing in the read model; the id it ends up under."""
    engine, settings = backend.engine, backend.settings
    case_id = case.case_id
    for _ in range(MAX_RENUMBERING):
        if replayed and await run_in_threadpool(_exists, engine, case_id):
            break
        case = case.model_copy(update={"case_id": case_id})
        try:
            # Bounded like an action: with no worker the server would hold the filing as long
            # as the caller waits.
            async with asyncio.timeout(settings.action_timeout_seconds):
                await start_and_await_filing(
                    backend.temporal,
                    case,
                    task_queue=settings.task_queue,
                    retry=replayed,
                    filing_key=filing_key(caller.key_id, idempotency_key),
                )
            break
        except WorkflowAlreadyStartedError:
            if replayed:
                break  # our own earlier filing ran and closed; the read model has it
            # Temporal knows this id but the read model did not (e.g. restored from a backup):
            # never reuse it; take the next number.
            case_id = await run_in_threadpool(
                renumber,
                engine,
                key_id=caller.key_id,
                idempotency_key=idempotency_key,
                old_id=case_id,
                now=datetime.now(UTC),
            )
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            # The case may well be running: the same key finds it again rather than filing twice.
            raise Unavailable("filing_pending", msg("filing_pending", case_id=case_id)) from None
        except RPCError:
            raise Unavailable("temporal_unavailable", msg("temporal_unavailable")) from None
    else:
        raise Unavailable("numbering", msg("numbering"))
    return case_id


def _may_file(caller: Caller, filing: CaseFiling) -> None:
    if caller.role is Role.OPERATOR:
        return
    if caller.role is Role.PARTY:
        requesting = [p.party_id for p in filing.parties if p.side is Side.REQUESTING]
        if caller.scope in requesting:
            return
        raise Forbidden("wrong_scope", msg("wrong_scope.filing", scope=caller.scope))
    raise Forbidden("wrong_role", msg("wrong_role.filing", role=caller.role.value))


def refuse_without_request_letter(filing: CaseFiling) -> None:
    """A 422 before the case starts when the guideline new cases get requires the request
    letter (pedoman.md §9 D12) and the filing has none."""
    guideline = default_guideline()
    if guideline.request_letter_required and filing.request_letter is None:
        why = msg("request_letter_required", version=guideline.version)
        problem = field_problem("body", ["request_letter"], "request_letter_required", why)
        raise invalid_request([problem])


def _parties_at_fault(filing: CaseFiling, error: RegionCodeError | RoutingError) -> list[str | int]:
    """Where in the filing routing failed: the region code no region has, else the parties."""
    if isinstance(error, RegionCodeError):
        for index, party in enumerate(filing.parties):
            if party.region_code == error.code:
                return ["parties", index, "region_code"]
    return ["parties"]


def _exists(engine: Engine, case_id: str) -> bool:
    with Session(engine) as session:
        return session.get(CaseRecord, case_id) is not None
