"""A case's state as its workflow keeps it, carried whole across continue-as-new."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from models.audit import entry_hash
from models.case import CaseFiling, CaseId
from models.forum import Routing
from models.meetings import Meeting
from models.notices import Notice
from models.payloads import Addressee, DocumentRef
from models.pedoman import ClosingState, PinnedGuideline
from models.roles import Actor
from models.time import Deadline


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EntryKind(StrEnum):
    """What a timeline entry records."""

    FILED = "filed"
    ACTION = "action"
    TRANSITION = "transition"
    TIMEOUT = "timeout"
    REMINDER = "reminder"
    OVERDUE = "overdue"
    CLOSED = "closed"


class TimelineEntry(BaseModel):
    """One thing that happened to a case, in order."""

    seq: int
    at: AwareDatetime
    kind: EntryKind
    stage_before: str
    stage_after: str
    action: str | None = None
    actor: Actor | None = None
    idempotency_key: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    documents: list[str] = Field(default_factory=list, description="SHA-256 of each document.")
    detail: str = ""


class Clock(BaseModel):
    """The running stage's clock: its deadline, pause, reminders and overdue state."""

    stage: str
    deadline: Deadline
    paused_at: AwareDatetime | None = None
    reminders_sent: list[int] = Field(default_factory=list)
    overdue: bool = False
    next_overdue_reminder: AwareDatetime | None = None


class ThreadStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    CLOSED_WITH_CASE = "closed_with_case"


class LegalOpinionThread(BaseModel):
    """A parallel request for Kejaksaan's legal opinion; advisory, never moves the stage."""

    thread: int
    requested_by: Actor
    requested_at: AwareDatetime
    stage: str
    question: str
    deadline: Deadline
    status: ThreadStatus = ThreadStatus.OPEN
    overdue: bool = False
    reminders_sent: list[int] = Field(
        default_factory=list, description="The reminder percents already sent (pedoman.md §9 D22)."
    )
    opinion: str | None = None
    submitted_by: Actor | None = None
    submitted_at: AwareDatetime | None = None
    document: DocumentRef | None = None
    # D6–D7 (guidelines with confidential threads): whom it was asked of, for whom, and who may
    # see it until the requester discloses it.
    addressee: Addressee | None = Field(default=None, description="The office asked (D7).")
    requester_party: str | None = Field(
        default=None, description="The party that asked (itself or through its representative)."
    )
    confidential: bool = Field(
        default=False, description="Seen only by those the guideline names until disclosed (D6)."
    )
    disclosed_at: AwareDatetime | None = None
    disclosed_by: Actor | None = None
    seqs: list[int] = Field(
        default_factory=list,
        description="The timeline entries of this thread (its request, answer, reminders): "
        "hidden with it while it is confidential.",
    )


class Proposal(BaseModel):
    """An agreement a party reported, waiting for every party's confirmation."""

    action: str
    proposed_by: str
    payload: dict[str, Any]
    confirmed_by: list[str]


class AttachedDocument(BaseModel):
    document: DocumentRef
    attached_at: AwareDatetime
    attached_by: Actor
    stage: str
    action: str
    seq: int | None = Field(default=None, description="The timeline entry that attached it.")


class PartyStep(BaseModel):
    """A party's own share of a per-party action (its response), or its withdrawal (D3, D4)."""

    party: str
    action: str
    stage: str
    seq: int = Field(description="The timeline entry recording it.")
    at: AwareDatetime


class ProcessedAction(BaseModel):
    """An applied action remembered by its idempotency key, so a retry changes nothing."""

    key: str
    seq: int
    action: str
    stage_after: str
    fingerprint: str | None = Field(default=None, description="Of the request that applied it.")
    request_id: str | None = Field(default=None, description="Of the request that applied it.")


class CaseState(BaseModel):
    """Everything the workflow knows about a case."""

    case_id: str
    version: int = Field(default=0, description="Increases with every change; orders projections.")
    stage: str
    status: CaseStatus = CaseStatus.OPEN
    closing_state: ClosingState | None = None
    outcome: ClosingState | None = Field(
        default=None, description="The result the implementation stage carries out."
    )
    filed_at: AwareDatetime
    filed_by: Actor
    clock: Clock | None = None
    proposal: Proposal | None = None
    collected: dict[str, list[str]] = Field(
        default_factory=dict, description="Action → parties that took it, for every-party actions."
    )
    extensions_used: dict[str, int] = Field(default_factory=dict)
    recorded: dict[str, str] = Field(default_factory=dict, description="Facts recorded on the way.")
    legal_opinions: list[LegalOpinionThread] = Field(default_factory=list)
    documents: list[AttachedDocument] = Field(default_factory=list)
    meetings: list[Meeting] = Field(
        default_factory=list, description="Meetings scheduled and recorded (pedoman.md §9 D10)."
    )
    responses: list[PartyStep] = Field(
        default_factory=list, description="Each party's response to a per-party action (D3)."
    )
    withdrawals: list[PartyStep] = Field(
        default_factory=list, description="Requesting parties that withdrew, the case going on."
    )
    monitor_at: AwareDatetime | None = Field(
        default=None,
        description="The next monitoring reminder of a stage with no limit (pedoman.md §9 D15).",
    )
    timeline: list[TimelineEntry] = Field(default_factory=list)
    processed: list[ProcessedAction] = Field(default_factory=list)
    runs: int = Field(default=1, description="Workflow runs so far (continue-as-new adds one).")
    projected_seq: int = Field(default=0, description="The last timeline entry in the read model.")
    unrecorded: list[int] = Field(
        default_factory=list,
        description="Timeline seqs of applied actions not yet in the audit trail: they are "
        "written there only after the workflow task that applied them has committed.",
    )
    notices: list[Notice] = Field(
        default_factory=list,
        description="Notices not yet in the outbox: written there only after the workflow task "
        "that made them has committed (models/notices.py).",
    )
    notices_made: int = Field(default=0, description="Notices made so far: numbers the next one.")


class CaseInput(BaseModel):
    """The workflow's input: the filing, its routing and the pinned guideline."""

    case_id: CaseId
    filing: CaseFiling
    routing: Routing
    pinned: PinnedGuideline
    filed_by: Actor
    state: CaseState | None = Field(default=None, description="Set when continuing as new.")
    max_remembered_keys: int = Field(default=2000, ge=10)


class ActionRequest(BaseModel):
    """An action taken on a case (its idempotency key is the Temporal update id)."""

    action: str = Field(min_length=1, max_length=64)
    actor: Actor
    payload: dict[str, Any] = Field(default_factory=dict)
    fingerprint: str | None = Field(
        default=None,
        description="A hash of what was asked (action, payload, on whose behalf): a retry under "
        "the same key must ask the same, or it is another request reusing the key.",
    )
    request_id: str | None = Field(
        default=None,
        description="Names the one delivery of this request (an HTTP request): the result names "
        "the delivery that applied the action, so every other one is told it was a duplicate.",
    )


def request_fingerprint(action: str, payload: dict[str, Any], on_behalf_of: str | None) -> str:
    """What a retry under the same idempotency key must repeat exactly (hashed in the audit
    chain's canonical JSON)."""
    return entry_hash({"action": action, "payload": payload, "on_behalf_of": on_behalf_of})


class ActionResult(BaseModel):
    """What an accepted action did."""

    case_id: str
    seq: int
    action: str
    stage_before: str
    stage: str
    status: CaseStatus
    closing_state: ClosingState | None
    deadline: Deadline | None
    duplicate: bool = False
    version: int
    fingerprint: str | None = Field(default=None, description="Of the request that applied it.")
    request_id: str | None = Field(default=None, description="Of the delivery that applied it.")


class AllowedAction(BaseModel):
    action: str
    actors: list[str]
    description: str = ""


class CaseView(BaseModel):
    """The case's live state as the workflow's query returns it."""

    case_id: str
    case_type: str
    title: str
    version: int
    stage: str
    stage_title: str
    status: CaseStatus
    closing_state: ClosingState | None
    outcome: ClosingState | None
    routing: Routing
    filing: CaseFiling
    filed_at: AwareDatetime
    filed_by: Actor
    updated_at: AwareDatetime
    guideline_version: str
    guideline_hash: str
    clock: Clock | None
    overdue: bool
    paused: bool
    legal_opinions: list[LegalOpinionThread]
    documents: list[AttachedDocument]
    meetings: list[Meeting] = Field(
        default_factory=list, description="Every stage's meetings, each naming its stage (D10)."
    )
    finality: str | None = Field(
        default=None,
        description="What binds the decision being carried out (pedoman.md §9 D13): "
        "`final_by_law`, `final_by_guideline_proposed`, `binding_by_guideline_proposed` or "
        "`open_to_objection`.",
    )
    responses: list[PartyStep] = Field(default_factory=list)
    withdrawals: list[PartyStep] = Field(default_factory=list)
    monitor_at: AwareDatetime | None = Field(
        default=None,
        description="The next monitoring reminder of a stage with no limit (pedoman.md §9 D15).",
    )
    proposal: Proposal | None
    collected: dict[str, list[str]]
    recorded: dict[str, str]
    allowed_actions: list[AllowedAction]
    timeline: list[TimelineEntry] = Field(default_factory=list)
    runs: int
    trail_pending: list[int] = Field(
        default_factory=list,
        description="Timeline seqs of applied actions whose audit-trail entry is being written.",
    )


class Notification(BaseModel):
    """A message for the people who must act: a reminder, an overdue stage or thread."""

    case_id: str
    kind: str
    stage: str
    message: str
    due_at: AwareDatetime | None = None
    to: list[str] = Field(default_factory=list, description="Actor kinds to notify.")


class CaseProjection(BaseModel):
    """What a projection writes to the read model: the case now, and its new timeline entries."""

    case: CaseView = Field(description="The case's state, with an empty timeline.")
    entries: list[TimelineEntry] = Field(description="Timeline entries not projected before.")
    guideline: PinnedGuideline | None = Field(
        default=None, description="Sent with a case's first projection, so its rules are kept."
    )
    run: int = Field(default=0, description="The workflow run that wrote it (from 1).")
    event: int = Field(
        default=0,
        description="The history length of the workflow task that wrote it. With `run`, it "
        "orders projections: a retried task comes after the failed attempt it replaces.",
    )
    timeline_length: int | None = Field(
        default=None, description="The case's timeline entries; rows beyond it are removed."
    )
    trail: list[TimelineEntry] = Field(
        default_factory=list,
        description="Actions for the audit trail: applied by earlier, committed workflow tasks "
        "(in a run begun before that rule: this task's own).",
    )


class TrailEntries(BaseModel):
    """Applied actions whose workflow task has committed, for the audit trail."""

    case_id: str
    entries: list[TimelineEntry]
