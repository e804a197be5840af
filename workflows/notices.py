"""The notices a case makes: who must act, by when, and why (models/notices.py).

Pure functions of the case's state: the workflow calls them where something happens and keeps
the result in its state until the outbox writer has written it, after the task commits.
"""

from __future__ import annotations

from datetime import datetime

from models.notices import Awaitee, EventType, Notice
from models.pedoman import Action, PayloadKind
from models.state import CaseState
from workflows.awaiting import awaited
from workflows.rules import CaseRules

# A decision (and the record of a judgment or award, which establishes an outcome) is told as
# one; other actions are told only through what they cause (a stage change, a closed case).
_DECISION_PAYLOADS = frozenset({PayloadKind.DECISION, PayloadKind.FORMAL_DECISION})

# What a legacy notification (a case whose history predates the outbox) was about.
LEGACY_KINDS: dict[str, EventType] = {
    "stage_changed": EventType.STAGE_CHANGED,
    "reminder": EventType.REMINDER,
    "overdue_reminder": EventType.REMINDER,
    "monitoring_reminder": EventType.REMINDER,
    "overdue": EventType.OVERDUE,
    "legal_opinion_requested": EventType.LEGAL_OPINION_REQUESTED,
    "legal_opinion_reminder": EventType.LEGAL_OPINION_REMINDER,
    "legal_opinion_overdue": EventType.LEGAL_OPINION_OVERDUE,
}


def is_decision(action: Action) -> bool:
    """Whether taking this action issues a decision people must be told of."""
    return action.payload in _DECISION_PAYLOADS or action.outcome is not None


def make_notice(
    rules: CaseRules,
    state: CaseState,
    *,
    title: str,
    case_type: str,
    event: EventType,
    message: str,
    at: datetime,
    due_at: datetime | None = None,
    thread: int | None = None,
    action: str | None = None,
    documents: list[str] | None = None,
    percent: int | None = None,
) -> Notice:
    """The next notice of the case, numbered after the last one it made."""
    stage = rules.stages[state.stage]
    clock = state.clock
    waiting = [
        Awaitee(
            role=a.role.value,
            scope=a.scope,
            actions=list(a.actions),
            clock=a.clock,
            due_at=a.due_at,
        )
        for a in awaited(rules, state)
    ]
    state.notices_made += 1
    return Notice(
        notice_id=f"{state.case_id}.{state.notices_made}",
        type=event,
        case_id=state.case_id,
        case_title=title,
        case_type=case_type,
        at=at,
        seq=len(state.timeline),
        stage=state.stage,
        stage_title=stage.title,
        message=message,
        awaiting=waiting,
        due_at=due_at or (clock.deadline.due_at if clock is not None else None),
        thread=thread,
        action=action,
        documents=documents or [],
        closing_state=state.closing_state.value if state.closing_state is not None else None,
        percent=percent,
    )
