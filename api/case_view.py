"""Reading one case from the read model, as a given caller may see it."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.auth import Caller
from api.errors import Forbidden, NotFound
from api.schemas import CasePublic, DeadlinePublic
from api.visibility import visible_cases
from models.pedoman import Guideline
from models.roles import Role
from models.state import CaseView
from models.tables import CaseDeadline, CaseRecord, GuidelineRecord
from workflows.rules import CaseRules

# Auditors and administrators read; they never take actions (pedoman.md §2).
READ_ONLY_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})


def load_case(session: Session, caller: Caller, case_id: str) -> CaseRecord:
    """The case's row, or 404 when there is none, or 403 when it is outside the key's scope."""
    record = session.get(CaseRecord, case_id)
    if record is None:
        raise NotFound("unknown_case", f"there is no case {case_id}")
    _check_scope(session, caller, case_id)
    return record


def check_case(session: Session, caller: Caller, case_id: str) -> None:
    """`load_case`'s 404 and 403 without reading the row (its detail is the bulk of it)."""
    if (
        session.exec(select(CaseRecord.case_id).where(CaseRecord.case_id == case_id)).first()
        is None
    ):
        raise NotFound("unknown_case", f"there is no case {case_id}")
    _check_scope(session, caller, case_id)


def _check_scope(session: Session, caller: Caller, case_id: str) -> None:
    condition = visible_cases(caller)
    if condition is not None:
        query = select(CaseRecord.case_id).where(CaseRecord.case_id == case_id, condition)
        if session.exec(query).first() is None:
            raise Forbidden(
                "wrong_scope",
                f"case {case_id} is outside the scope of this key "
                f"({caller.role.value} {caller.scope or ''})".rstrip(),
            )


def read_case(engine: Engine, caller: Caller, case_id: str) -> CasePublic:
    """The case as this caller sees it, in a session of its own (for routes off the event loop)."""
    with Session(engine) as session:
        return case_public(session, caller, load_case(session, caller, case_id))


def case_public(session: Session, caller: Caller, record: CaseRecord) -> CasePublic:
    """The case's detail with the deadlines and the actions this caller may take now."""
    view = CaseView.model_validate(record.detail)
    deadlines = [
        DeadlinePublic.model_validate(row, from_attributes=True)
        for row in session.exec(
            select(CaseDeadline)
            .where(CaseDeadline.case_id == record.case_id)
            .order_by(col(CaseDeadline.due_at))
        )
    ]
    allowed: list[str] = []
    if caller.role not in READ_ONLY_ROLES:
        rules = CaseRules(_guideline(session, record.guideline_hash), view.filing, view.routing)
        allowed = [a.name for a in rules.allowed_in(view.stage, view.status, caller.actor())]
        if caller.role is Role.OPERATOR:
            # An operator may also record any party's action on its behalf.
            for party in view.filing.parties:
                actor = caller.actor(on_behalf_of=party.party_id)
                allowed += [a.name for a in rules.allowed_in(view.stage, view.status, actor)]
            allowed = list(dict.fromkeys(allowed))
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
        legal_opinions=view.legal_opinions,
        documents=view.documents,
        recorded=view.recorded,
        allowed_actions=allowed,
        version=view.version,
        filed_at=view.filed_at,
        updated_at=view.updated_at,
        guideline_version=view.guideline_version,
        guideline_hash=view.guideline_hash,
    )


# Guidelines never change under a content hash, so each is parsed once per process; there are
# only as many as the ministry publishes.
_GUIDELINES: dict[str, Guideline] = {}


def _guideline(session: Session, content_hash: str) -> Guideline:
    guideline = _GUIDELINES.get(content_hash)
    if guideline is None:
        record = session.get(GuidelineRecord, content_hash)
        if record is None:
            raise NotFound("unknown_guideline", f"guideline {content_hash} is not recorded")
        guideline = _GUIDELINES.setdefault(content_hash, Guideline.model_validate(record.body))
    return guideline
