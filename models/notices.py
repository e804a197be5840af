"""Notices: what a case tells the people it needs, recorded by its workflow, delivered later.

A workflow never delivers anything itself. It records a `Notice` in its state; a regular
activity writes it to the outbox (`notices`) once the workflow task that made it has committed,
and the dispatcher (`api/services/delivery/`) fans it out to the webhook and e-mail
subscriptions that may see the case, with retries of its own. An action's answer therefore never
waits for a receiver, and a task that fails after recording a notice leaves nothing to deliver.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field


class EventType(StrEnum):
    """The CloudEvents `type` of each notice (`mufakat.<subject>.<what happened>`)."""

    CASE_FILED = "mufakat.case.filed"
    STAGE_CHANGED = "mufakat.case.stage_changed"
    ACTION_REQUIRED = "mufakat.case.action_required"
    REMINDER = "mufakat.case.reminder"
    OVERDUE = "mufakat.case.overdue"
    LEGAL_OPINION_REQUESTED = "mufakat.legal_opinion.requested"
    LEGAL_OPINION_SUBMITTED = "mufakat.legal_opinion.submitted"
    LEGAL_OPINION_REMINDER = "mufakat.legal_opinion.reminder"
    LEGAL_OPINION_OVERDUE = "mufakat.legal_opinion.overdue"
    DOCUMENT_ATTACHED = "mufakat.case.document_attached"
    DECISION_ISSUED = "mufakat.case.decision_issued"
    CASE_CLOSED = "mufakat.case.closed"
    # Not a case's: told to a subscription's owner when its receiver has failed for too long.
    WEBHOOK_DISABLED = "mufakat.webhook.disabled"


CASE_EVENTS = tuple(t for t in EventType if t is not EventType.WEBHOOK_DISABLED)
# Reminders can wait for an e-mail subscription's daily digest; everything else goes at once.
DIGESTIBLE = frozenset({EventType.REMINDER, EventType.LEGAL_OPINION_REMINDER})


class Awaitee(BaseModel):
    """One role (and scope) the case waits for when the notice is made, and by when."""

    role: str = Field(description="operator, gwpp, minister, party, prosecutor, adjudicator.")
    scope: str | None = Field(
        default=None, description="A province, party, office or institution; none is national."
    )
    actions: list[str] = Field(description="The actions it may take now.")
    clock: str = Field(description="`stage`, or `legal_opinion:N` for a thread's own clock.")
    due_at: AwareDatetime | None = None


class Notice(BaseModel):
    """Something a case tells the people it needs: one CloudEvent per subscription that sees it."""

    notice_id: str = Field(
        description="Stable: the case id and the notice's number in the case (`PKD-2026-000001.3`)."
    )
    type: EventType
    case_id: str
    case_title: str
    case_type: str
    at: AwareDatetime = Field(description="When it happened (the workflow's time).")
    seq: int = Field(description="The timeline entry that caused it: who sees it sees this.")
    stage: str
    stage_title: str
    message: str = Field(description="One line in English; messages to people are rendered anew.")
    awaiting: list[Awaitee] = Field(default_factory=list, description="Who must act, by when.")
    due_at: AwareDatetime | None = Field(default=None, description="The stage's (or thread's) due.")
    thread: int | None = Field(default=None, description="The legal-opinion thread it concerns.")
    action: str | None = Field(default=None, description="The action that caused it, if any.")
    documents: list[str] = Field(default_factory=list, description="SHA-256 of each document.")
    closing_state: str | None = None
    percent: int | None = Field(default=None, description="A reminder's share of the limit.")


class NoticeBatch(BaseModel):
    """Notices a workflow task made, for the outbox writer once that task has committed."""

    case_id: str
    notices: list[Notice]
