"""Reading one case from the read model, as a given caller may see it."""

from __future__ import annotations

from dataclasses import asdict
from typing import NoReturn, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.auth import Caller
from api.local_time import deadline_public
from api.messages.catalogue import msg
from api.problems import Forbidden, NotFound
from api.schemas import (
    AllowedActionPublic,
    AwaitedPublic,
    CasePublic,
    DeadlinePublic,
    ProgressPublic,
)
from api.services.legal_opinions import seen_documents, seen_threads, unseen_clocks
from api.services.visibility import visible_cases
from models.pedoman import Guideline
from models.regions import load_regions
from models.roles import Actor, Role
from models.state import CaseState, CaseStatus, CaseView
from models.tables import CaseDeadline, CaseRecord
from storage.pinned_rules import extensions_used, recorded_guideline
from workflows.availability import (
    Availability,
    available_actions,
    available_names,
    state_from_view,
)
from workflows.awaiting import Awaited, awaited, progress
from workflows.rules import CaseRules

# Auditors and administrators read; they never take actions (pedoman.md §2).
READ_ONLY_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})

_T = TypeVar("_T")


def load_case(session: Session, caller: Caller, case_id: str) -> CaseRecord:
    """The case's row, or 404 when there is none, or 403 when it is outside the key's scope."""
    record = session.exec(_visible(select(CaseRecord), caller, case_id)).first()
    if record is None:
        _refuse_unseen(session, caller, case_id)
    return record


def check_case(session: Session, caller: Caller, case_id: str) -> None:
    """`load_case`'s 404 and 403 without reading the row (its detail is the bulk of it)."""
    if session.exec(_visible(select(CaseRecord.case_id), caller, case_id)).first() is None:
        _refuse_unseen(session, caller, case_id)


def _visible(query: SelectOfScalar[_T], caller: Caller, case_id: str) -> SelectOfScalar[_T]:
    # The case and the key's scope in one query: a case the key may see costs one read.
    query = query.where(CaseRecord.case_id == case_id)
    condition = visible_cases(caller)
    return query if condition is None else query.where(condition)


def _refuse_unseen(session: Session, caller: Caller, case_id: str) -> NoReturn:
    """Why a case the key may not see was not found: there is none (404), or it is outside the
    key's scope (403)."""
    if (
        session.exec(select(CaseRecord.case_id).where(CaseRecord.case_id == case_id)).first()
        is None
    ):
        raise NotFound("unknown_case", msg("unknown_case", case_id=case_id))
    key = f"{caller.role.value} {caller.scope or ''}".rstrip()
    raise Forbidden("wrong_scope", msg("wrong_scope.case", case_id=case_id, key=key))


def read_case(engine: Engine, caller: Caller, case_id: str) -> CasePublic:
    """The case as this caller sees it, in a session of its own (for routes off the event loop)."""
    with Session(engine) as session:
        return case_public(session, caller, load_case(session, caller, case_id))


def case_public(session: Session, caller: Caller, record: CaseRecord) -> CasePublic:
    """The case's detail with its deadlines, the actions this caller may take now (exactly
    those its workflow would accept), and who the case waits for."""
    view = CaseView.model_validate(record.detail)
    guideline = pinned_guideline(session, record.guideline_hash)
    deadlines = [
        deadline_public(
            row,
            guideline,
            case_type=view.case_type,
            forum=view.routing.forum.value,
            gwpp_province=view.routing.gwpp_province,
        )
        for row in session.exec(
            select(CaseDeadline)
            .where(CaseDeadline.case_id == record.case_id)
            .order_by(col(CaseDeadline.due_at))
        )
    ]
    rules, state = _rules_and_state(session, view, guideline)
    allowed: list[AllowedActionPublic] = []
    if caller.role not in READ_ONLY_ROLES:
        # An operator's list also holds what it may record on each party's behalf.
        allowed = [_allowed(a) for a in available_actions(rules, state, caller.actor())]
    # Threads this caller may not see leave no trace here (pedoman.md §9 D6).
    unseen = unseen_clocks(view, caller)
    deadlines = [d for d in deadlines if d.clock not in unseen]
    by_clock = {d.clock: d for d in deadlines}
    waits = [a for a in awaited(rules, state) if a.clock not in unseen]
    filing = view.filing
    return CasePublic(
        case_id=view.case_id,
        case_type=view.case_type,
        title=view.title,
        sectors=[s.value for s in filing.sectors],
        urusan=filing.urusan,
        stage=view.stage,
        stage_title=view.stage_title,
        status=view.status,
        closing_state=view.closing_state,
        outcome=view.outcome,
        routing=view.routing,
        deadline=next((d for d in deadlines if d.clock == "stage"), None),
        deadlines=deadlines,
        overdue=record.overdue,
        paused=view.paused,
        parties=filing.parties,
        agreement=filing.agreement,
        dispute=filing.dispute,
        request_letter=filing.request_letter,
        legal_opinions=seen_threads(view, caller),
        documents=seen_documents(view.documents, view, caller),
        responses=view.responses,
        withdrawals=view.withdrawals,
        meetings=view.meetings,
        finality=view.finality,
        monitor_at=view.monitor_at,
        recorded=view.recorded,
        allowed_actions=allowed,
        awaiting=[_awaited(a, view, by_clock.get(a.clock)) for a in waits],
        progress=[ProgressPublic.model_validate(asdict(p)) for p in progress(rules, state)],
        version=view.version,
        filed_at=view.filed_at,
        updated_at=view.updated_at,
        guideline_version=view.guideline_version,
        guideline_hash=view.guideline_hash,
    )


def available_to(engine: Engine, actor: Actor, case_id: str) -> list[str]:
    """The actions `actor` (a key, or an operator for one party) may take in the case now,
    from the read model: what a refusal tells the caller it may do instead."""
    with Session(engine) as session:
        record = session.get(CaseRecord, case_id)
        if record is None:
            return []
        view = CaseView.model_validate(record.detail)
        rules, state = _rules_and_state(
            session, view, pinned_guideline(session, record.guideline_hash)
        )
        return available_names(rules, state, actor)


def _rules_and_state(
    session: Session, view: CaseView, guideline: Guideline
) -> tuple[CaseRules, CaseState]:
    """The case's rules, and the state they read rebuilt from the read model."""
    rules = CaseRules(guideline, view.filing, view.routing)
    used: dict[str, int] = {}
    if view.status is CaseStatus.OPEN and rules.stages[view.stage].extension is not None:
        # Only a stage that can be extended needs the count (a query on the timeline).
        used = extensions_used(session, view.case_id, guideline)
    return rules, state_from_view(view, used)


def _allowed(available: Availability) -> AllowedActionPublic:
    action = available.action
    return AllowedActionPublic(
        action=action.name,
        payload_kind=action.payload,
        description=action.description,
        on_own_behalf=available.on_own_behalf,
        on_behalf_of=list(available.on_behalf_of),
        threads=list(available.threads),
    )


# How the offices that are not parties are named (pedoman.md §2).
OFFICE_NAMES = {
    Role.OPERATOR: "Sekretariat Bina Adwil Kemendagri",
    Role.MINISTER: "Menteri Dalam Negeri",
    Role.PROSECUTOR: "Kejaksaan (Jaksa Pengacara Negara)",
    Role.ADJUDICATOR: "Pengadilan, lembaga arbitrase atau mediator",
}


def _awaited(awaited: Awaited, view: CaseView, deadline: DeadlinePublic | None) -> AwaitedPublic:
    if awaited.role is Role.PARTY and awaited.scope is not None:
        party = view.filing.party(awaited.scope)
        name = party.name if party is not None else awaited.scope
    elif awaited.role is Role.GWPP and awaited.scope is not None:
        province = load_regions().get(awaited.scope).name
        name = f"Gubernur {province} sebagai Wakil Pemerintah Pusat"
    else:
        name = OFFICE_NAMES.get(awaited.role, awaited.role.value)
    return AwaitedPublic(
        role=awaited.role,
        scope=awaited.scope,
        name=name,
        actions=list(awaited.actions),
        clock=awaited.clock,
        deadline=deadline,
    )


def pinned_guideline(session: Session, content_hash: str) -> Guideline:
    """The guideline a case is pinned to, by its content hash."""
    guideline = recorded_guideline(session, content_hash)
    if guideline is None:
        raise NotFound("unknown_guideline", msg("unknown_guideline", content_hash=content_hash))
    return guideline
