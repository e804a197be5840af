"""The pedoman as data: a typed, versioned, content-hashed stage graph per case type."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from models.case import CaseType
from models.time import Limit


class _Schema(BaseModel):
    # A misspelt key in a guideline file must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


# A field added to the schema after a guideline was published carries this marker: left at its
# default it is not part of the content hash, so every published guideline keeps the hash its
# cases are pinned to (an audit recomputes it from the history's first event).
ADDED_LATER: dict[str, JsonValue] = {"added_later": True}


def later(default: Any, description: str, **kwargs: Any) -> Any:
    """A field added after 2026.1: its default must reproduce 2026.1's behaviour exactly."""
    return Field(default=default, description=description, json_schema_extra=ADDED_LATER, **kwargs)


def later_factory(factory: Callable[[], Any], description: str, **kwargs: Any) -> Any:
    """As `later`, for a mutable default."""
    return Field(
        default_factory=factory, description=description, json_schema_extra=ADDED_LATER, **kwargs
    )


def canonical(value: Any) -> Any:
    """The JSON form hashed for a guideline: later fields left at their default are omitted."""
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            item = getattr(value, name)
            if info.json_schema_extra == ADDED_LATER and item == info.get_default(
                call_default_factory=True
            ):
                continue
            out[name] = canonical(item)
        return out
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


class ActorKind(StrEnum):
    """Who a stage or action expects, resolved against a case's parties and forum."""

    OPERATOR = "operator"
    FORUM = "forum"
    GWPP = "gwpp"
    MINISTER = "minister"
    PARTY = "party"
    REQUESTING_PARTY = "requesting_party"
    RESPONDING_PARTY = "responding_party"
    GOVERNMENT_PARTY = "government_party"
    PROSECUTOR = "prosecutor"
    ADJUDICATOR = "adjudicator"


class ClosingState(StrEnum):
    AGREEMENT = "agreement"
    GWPP_DECISION = "gwpp_decision"
    MINISTER_DECISION = "minister_decision"
    ADR_SETTLEMENT = "adr_settlement"
    ARBITRAL_AWARD = "arbitral_award"
    COURT_SETTLEMENT = "court_settlement"
    COURT_JUDGMENT = "court_judgment"
    SETTLED_IN_ARBITRATION = "settled_in_arbitration"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    INCOMPLETE = "incomplete"
    OUT_OF_SCOPE = "out_of_scope"
    COOPERATION_TERMINATED = "cooperation_terminated"
    TAKEOVER = "takeover"
    EXECUTION_REFERRED = "execution_referred"
    REFERRED_TO_PRESIDENT = "referred_to_president"


class Fact(StrEnum):
    """Facts of a case a transition can branch on."""

    CASE_TYPE = "case_type"
    FORUM = "forum"
    CLAUSE_ROUTE = "clause_route"
    CLAUSE_ALLOWS_ARBITRATION = "clause_allows_arbitration"
    MANDATORY_COOPERATION = "mandatory_cooperation"


class Switch(_Schema):
    """A target chosen by a fact of the case, e.g. the forum or the dispute clause."""

    on: Fact
    cases: dict[str, str] = Field(min_length=1, description="Fact value → stage name.")


Target = str | Switch


class Effect(StrEnum):
    """What an action does besides (or instead of) moving the case."""

    TRANSITION = "transition"
    PROPOSE = "propose"
    CONFIRM = "confirm"
    OPEN_LEGAL_OPINION = "open_legal_opinion"
    SUBMIT_LEGAL_OPINION = "submit_legal_opinion"
    ATTACH_DOCUMENT = "attach_document"
    ADD_NOTE = "add_note"
    EXTEND_DEADLINE = "extend_deadline"
    PAUSE_CLOCK = "pause_clock"
    RESUME_CLOCK = "resume_clock"


class PayloadKind(StrEnum):
    """The payload schema an action takes (defined in models/payloads.py)."""

    NONE = "none"
    NOTE = "note"
    REASON = "reason"
    COMPLETION_REQUEST = "completion_request"
    RESPONSE = "response"
    AGREEMENT = "agreement"
    DECISION = "decision"
    RECORD = "record"
    DOCUMENT = "document"
    EXTENSION = "extension"
    LEGAL_OPINION_REQUEST = "legal_opinion_request"
    LEGAL_OPINION = "legal_opinion"


class Action(_Schema):
    """One action of pedoman.md §5–§6: who takes it, what it carries, where it leads."""

    name: str = Field(pattern=r"^[a-z][a-z_]*$")
    description: str = ""
    actors: list[ActorKind] = Field(min_length=1)
    payload: PayloadKind = PayloadKind.NONE
    effect: Effect = Effect.TRANSITION
    to: Target | None = None
    close: ClosingState | None = Field(default=None, description="Close the case in this state.")
    close_with_outcome: bool = Field(
        default=False, description="Close the case in the outcome recorded on the way here."
    )
    outcome: ClosingState | None = Field(
        default=None, description="The outcome this action establishes (closing state later)."
    )
    when: dict[Fact, list[str]] = Field(
        default_factory=dict, description="Only for cases whose facts match."
    )
    every_party: bool = Field(
        default=False, description="Takes effect once every party has taken it."
    )
    confirms: str | None = Field(default=None, description="The proposal this action confirms.")
    records: str | None = Field(default=None, description="A fact this action records.")


class TimeoutKind(StrEnum):
    GOTO = "goto"
    OVERDUE = "overdue"
    CLOSE = "close"
    AS_ACTION = "as_action"


class TimeoutRule(_Schema):
    """What happens when a stage's limit expires: never silently nothing."""

    kind: TimeoutKind
    to: Target | None = None
    close: ClosingState | None = None
    action: str | None = Field(default=None, description="For as_action: the action to apply.")
    records: str | None = Field(default=None, description="A fact recorded on timeout.")
    repeat_every: Limit | None = Field(
        default=None, description="For overdue: keep reminding at this interval."
    )


class Extension(_Schema):
    limit: Limit
    max_count: int = Field(ge=1, le=10)
    requires_all_parties: bool = Field(
        default=False, description="Every party must consent to the extension."
    )


class Stage(_Schema):
    """A stage of the pedoman: its actors, limit, actions and timeout rule."""

    name: str = Field(pattern=r"^[a-z][a-z_]*$")
    title: str = Field(description="The stage's name in Bahasa Indonesia.")
    actors: list[ActorKind] = Field(min_length=1)
    limit: Limit | None = None
    agreement_limit: bool = Field(
        default=False, description="The agreement's own musyawarah period replaces the limit."
    )
    extension: Extension | None = None
    actions: list[Action] = Field(default_factory=list)
    timeout: TimeoutRule | None = None
    legal_basis: str = Field(min_length=1)
    proposed_default: bool = Field(
        description="True when no regulation sets this limit and the number is proposed."
    )


class Track(_Schema):
    """The stages of one case type, between the common opening and the common tail."""

    title: str
    legal_basis: str
    stages: list[Stage] = Field(min_length=1)


class LegalOpinionPolicy(_Schema):
    """The parallel thread in which Kejaksaan gives a legal opinion (pedoman.md §6)."""

    limit: Limit
    legal_basis: str
    proposed_default: bool = True


class OpenQuestions(_Schema):
    """pedoman.md §8: answers the ministry can change, not hard-coded."""

    gwpp_decision_binding: bool = False
    r5_forum: Literal["minister", "gwpp"] = "minister"
    non_attendance_is_consent: bool = False


class Guideline(_Schema):
    """A complete, versioned pedoman."""

    version: str = Field(pattern=r"^\d{4}\.\d+(\.\d+)?$")
    title: str
    timezone: str = "Asia/Jakarta"
    reminder_percents: list[int] = Field(default_factory=lambda: [50, 80])
    entry_stage: str = "intake"
    opening: list[Stage] = Field(min_length=1)
    tracks: dict[CaseType, Track]
    tail: list[Stage] = Field(min_length=1)
    common_actions: list[Action]
    legal_opinion: LegalOpinionPolicy
    open_questions: OpenQuestions = Field(default_factory=OpenQuestions)

    def content_hash(self) -> str:
        """SHA-256 of the guideline's canonical JSON: what a case is pinned to."""
        text = json.dumps(
            canonical(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def stages_for(self, case_type: CaseType) -> dict[str, Stage]:
        """The stage graph a case of this type runs through, by stage name."""
        stages = [*self.opening, *self.tracks[case_type].stages, *self.tail]
        return {stage.name: stage for stage in stages}

    def every_action(self) -> Iterator[Action]:
        """Every action it defines: in each stage of every track, then those of every stage."""
        stages = [*self.opening, *self.tail]
        stages += [stage for track in self.tracks.values() for stage in track.stages]
        for stage in stages:
            yield from stage.actions
        yield from self.common_actions

    def extending_actions(self) -> set[str]:
        """The names of the actions that extend a stage's deadline (and count against it)."""
        return {
            action.name for action in self.every_action() if action.effect is Effect.EXTEND_DEADLINE
        }


class PinnedGuideline(_Schema):
    """The guideline a case runs under, with the hash it was pinned to."""

    guideline: Guideline
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
