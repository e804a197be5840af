"""What the API answers with: cases as callers see them, pages, timelines, statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models.case import Agreement, Dispute, Party
from models.forum import Routing
from models.pedoman import ClosingState
from models.state import AttachedDocument, CaseStatus, LegalOpinionThread


class DeadlinePublic(BaseModel):
    """A running clock: when it is due, counted how, from which calendar."""

    clock: str = Field(description="`stage`, or `legal_opinion:N` for a legal-opinion thread.")
    stage: str
    due_at: datetime
    limit: str = Field(examples=["14HK"])
    day_type: str = Field(examples=["HK"])
    calendar_version: str = Field(examples=["holidays-0.109"])
    provisional: bool = Field(description="A year in the window has no cuti bersama yet.")
    overdue: bool
    paused: bool


class CasePublic(BaseModel):
    """A case as the caller may see it, with the actions this caller may take now."""

    case_id: str = Field(examples=["PKD-2026-000123"])
    case_type: str
    title: str
    sectors: list[str]
    urusan: str | None
    stage: str
    stage_title: str
    status: CaseStatus
    closing_state: ClosingState | None
    outcome: ClosingState | None
    routing: Routing
    deadline: DeadlinePublic | None = Field(description="The stage's clock, when it runs.")
    deadlines: list[DeadlinePublic] = Field(description="Every running clock.")
    overdue: bool
    paused: bool
    parties: list[Party]
    agreement: Agreement
    dispute: Dispute
    legal_opinions: list[LegalOpinionThread]
    documents: list[AttachedDocument]
    recorded: dict[str, str]
    allowed_actions: list[str] = Field(description="What this caller may do in this stage.")
    version: int
    filed_at: datetime
    updated_at: datetime
    guideline_version: str
    guideline_hash: str


class CaseSummary(BaseModel):
    """One row of the operators' worklist."""

    case_id: str
    case_type: str
    title: str
    stage: str
    status: str
    closing_state: str | None
    forum: str
    routing_rule: str
    gwpp_province: str | None
    due_at: datetime | None
    overdue: bool
    paused: bool
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class ActionIn(BaseModel):
    """An action from pedoman.md with its payload fields beside it."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"action": "declare_deadlock", "reason": "Musyawarah tidak mencapai mufakat"},
                {"action": "sign_agreement", "on_behalf_of": "32.73", "reference": "BA-1"},
            ]
        },
    )

    action: str = Field(min_length=1, max_length=64, examples=["declare_deadlock"])
    on_behalf_of: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        # No NUL: it would be recorded in the read model, which PostgreSQL then refuses forever.
        pattern=r"^[^\x00]+$",
        description="Operators only: the party this is recorded for.",
    )

    def payload(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ActionOut(BaseModel):
    """The accepted action and the case after it."""

    seq: int = Field(description="The action's place in the case's timeline.")
    action: str
    stage_before: str
    duplicate: bool = Field(description="True when this key was applied before: nothing changed.")
    case: CasePublic


class TimelineItem(BaseModel):
    seq: int
    at: AwareDatetime | datetime
    kind: str
    action: str | None
    stage_before: str
    stage_after: str
    actor_key: str | None
    actor_role: str | None
    actor_scope: str | None
    on_behalf_of: str | None
    idempotency_key: str | None
    detail: str
    payload: dict[str, Any]
    documents: list[str]


class Timeline(BaseModel):
    case_id: str
    items: list[TimelineItem]


class Stats(BaseModel):
    """Open cases by stage, forum, province and sector, and what is overdue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "open_cases": 3,
                    "closed_cases": 1,
                    "by_stage": {"musyawarah": 2, "gwpp_facilitation": 1},
                    "by_forum": {"gwpp": 2, "dispute_clause": 1},
                    "by_province": {"32": 3},
                    "by_sector": {"infrastruktur": 2, "investasi": 1},
                    "overdue_cases": 1,
                    "overdue_legal_opinions": 0,
                }
            ]
        }
    )

    open_cases: int
    closed_cases: int
    by_stage: dict[str, int]
    by_forum: dict[str, int]
    by_province: dict[str, int]
    by_sector: dict[str, int]
    overdue_cases: int
    overdue_legal_opinions: int
