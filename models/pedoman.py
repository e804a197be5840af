"""The pedoman as data: a typed, versioned, content-hashed stage graph per case type."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from models.case import CaseType, Side
from models.forum import RoutingRule
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
    # D2: the body the guideline's `takeover_by` names for the case's route (GWPP or Minister).
    TAKEOVER_BODY = "takeover_body"


class Conductor(StrEnum):
    """The body conducting a stage: what "forum" means in it (pedoman.md §9 D1, D2)."""

    ROUTED_FORUM = "routed_forum"  # the routing's GWPP or Minister, as 2026.1 reads "forum"
    OPERATOR = "operator"
    GWPP = "gwpp"
    MINISTER = "minister"
    ADJUDICATOR = "adjudicator"
    # The tail: the body that produced the outcome being carried out (recorded on the way).
    OUTCOME_BODY = "outcome_body"
    # An outcome reached among the parties: the GWPP when every party is a kabupaten/kota of
    # its province (UU 23/2014 Pasal 368(1)), Bina Adwil (the operator) otherwise.
    REGIONAL_GWPP = "regional_gwpp"


class LegalForm(StrEnum):
    """The legal form of a forum's decision (pedoman.md §9 D12)."""

    KEPUTUSAN_GUBERNUR_WPP = "keputusan_gubernur_wpp"
    KEPUTUSAN_MENDAGRI = "keputusan_mendagri"


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
    # D14: the PN annulled the arbitral award (UU 30/1999 Pasal 70-72) and it stands.
    AWARD_ANNULLED = "award_annulled"


class Fact(StrEnum):
    """Facts of a case a transition can branch on."""

    CASE_TYPE = "case_type"
    FORUM = "forum"
    CLAUSE_ROUTE = "clause_route"
    CLAUSE_ALLOWS_ARBITRATION = "clause_allows_arbitration"
    MANDATORY_COOPERATION = "mandatory_cooperation"
    # D16: the dispute clause chooses ADR under UU 30/1999 (mediation or arbitration): "yes"/"no".
    CLAUSE_IS_ADR = "clause_is_adr"
    # D2: who takes over a mandatory cooperation on this route: "gwpp", "minister" or "".
    TAKEOVER_BY = "takeover_by"
    # D13: the guideline's `gwpp_decision_binding` setting: "yes"/"no".
    GWPP_DECISION_BINDING = "gwpp_decision_binding"


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
    # D10: a meeting of the forum is scheduled, then its attendance and minutes recorded.
    SCHEDULE_MEETING = "schedule_meeting"
    RECORD_MEETING = "record_meeting"
    # D4: the acting requesting party leaves the case; it closes only when none is left.
    WITHDRAW_PARTY = "withdraw_party"
    # D6: the requester of a confidential legal-opinion thread shows it to every party.
    DISCLOSE_LEGAL_OPINION = "disclose_legal_opinion"
    # D9: records the institution (PN, BANI, mediator) conducting the stage, then moves on
    # like a transition when the action leads somewhere.
    RECORD_INSTITUTION = "record_institution"
    # D20: the running stage clock counted again with the worker's current holiday calendar.
    RECOMPUTE_DEADLINE = "recompute_deadline"


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
    # §9 D10–D12, D2 (2026.2): the paper the offices produce.
    MEETING_SCHEDULE = "meeting_schedule"
    MEETING_RECORD = "meeting_record"
    BERITA_ACARA = "berita_acara"
    DEADLOCK = "deadlock"
    FORMAL_DECISION = "formal_decision"
    EXECUTION_REFERRAL = "execution_referral"
    # D7: a request naming the Kejaksaan office it is addressed to; D6: disclosing a thread.
    ADDRESSED_LEGAL_OPINION_REQUEST = "addressed_legal_opinion_request"
    LEGAL_OPINION_DISCLOSURE = "legal_opinion_disclosure"
    INSTITUTION = "institution"


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
    requires: list[str] = later_factory(
        list,
        "Facts that must have been recorded first (e.g. a takeover's guidance, evaluation and "
        "the Minister's approval; pedoman.md §9 D2).",
    )
    decision_form: LegalForm | None = later(
        None, "The legal form the decision this action issues must have (pedoman.md §9 D12)."
    )
    forum_on_absence: bool = later(
        False,
        "The forum may take it too, only on the ground that a party missed the guideline's "
        "`absences_before_deadlock` consecutive meetings (pedoman.md §9 D10).",
    )
    every_party_of: Side | None = later(
        None,
        "Collected per party of this side (e.g. every responding party's response) and taken "
        "once every such party still in the case has taken it (pedoman.md §9 D3).",
    )


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
    missing_of: str | None = later(
        None,
        "A per-party action of the stage: on timeout the parties still in the case that did not "
        "take it are named in the timeline and recorded under `records` (pedoman.md §9 D3).",
    )
    repeat_every: Limit | None = Field(
        default=None, description="For overdue: keep reminding at this interval."
    )
    outcome: ClosingState | None = later(
        None,
        "The outcome the expiry establishes, e.g. an appeal window that lapses makes the "
        "judgment final (pedoman.md §9 D15).",
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
    limit_rolls_forward: bool = later(
        False,
        "A calendar-day (HKal) limit whose last day is a day off ends on the next working day, "
        "because the act that ends it is done at an office (pedoman.md §9 D21; proposed).",
    )
    monitor_every: Limit | None = later(
        None,
        "For a stage with no limit (a trial, a lawsuit not yet filed): a monitoring reminder at "
        "this interval, never an overdue flag (pedoman.md §9 D15).",
    )
    adjudicator_institution: bool = later(
        False,
        "Adjudicator actions here are taken only by keys of the institution recorded for the "
        "case (a PN, BANI, a mediator; pedoman.md §9 D9).",
    )
    legal_basis_for: dict[CaseType, str] = later_factory(
        dict,
        "The legal basis per case type where it differs from `legal_basis` (intake cites the "
        "track's own law; pedoman.md §9 D18).",
    )

    conducted_by: Conductor | None = later(
        None,
        'The body conducting the stage: who "forum" means here, for the stage\'s own and the '
        "forum-wide actions (pedoman.md §9 D1). Unset: the routing's forum.",
    )
    outcome_monitor: Conductor | None = later(
        None,
        "Who monitors an outcome reached in this stage in the tail (pedoman.md §9 D2): "
        "`gwpp`, `minister`, `operator` or `regional_gwpp`. Unset: the track's `monitored_by`.",
    )

    def legal_basis_of(self, case_type: CaseType) -> str:
        """The legal basis shown for this stage in a case of this type."""
        return self.legal_basis_for.get(case_type, self.legal_basis)


class Track(_Schema):
    """The stages of one case type, between the common opening and the common tail."""

    title: str
    legal_basis: str
    stages: list[Stage] = Field(min_length=1)
    monitored_by: Conductor | None = later(
        None,
        "Who monitors an outcome reached in a stage of this track that names none itself "
        "(pedoman.md §9 D2; KSDPK: Bina Adwil).",
    )


class LegalOpinionPolicy(_Schema):
    """The parallel thread in which Kejaksaan gives a legal opinion (pedoman.md §6)."""

    limit: Limit
    legal_basis: str
    proposed_default: bool = True
    reminders: bool = later(
        False,
        "The thread's deadline gets the guideline's reminder percents, as a stage's does "
        "(pedoman.md §9 D22); without it a thread keeps no reminder timers.",
    )
    confidential: bool = later(
        False,
        "A thread is seen only by its requester, the office it is addressed to, the forum, "
        "operators and auditors until the requester discloses it (pedoman.md §9 D6).",
    )
    counsel_may_act: bool = later(
        False,
        "A prosecutor holding a party's SKK (recorded on the party) may act on that party's "
        "behalf, as an operator may (pedoman.md §9 D7).",
    )


class OpenQuestions(_Schema):
    """pedoman.md §8: answers the ministry can change, not hard-coded."""

    gwpp_decision_binding: bool = False
    r5_forum: Literal["minister", "gwpp"] = "minister"
    non_attendance_is_consent: bool = False
    absences_before_deadlock: int = later(
        2,
        "A party absent from this many consecutive meetings lets the forum declare a deadlock "
        "on that ground, unless non-attendance is consent (pedoman.md §9 D10; proposed).",
        ge=1,
        le=10,
    )


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
    takeover_by: dict[RoutingRule, Literal["gwpp", "minister"]] = later_factory(
        dict,
        "Per route, who takes over a mandatory cooperation a party failed to carry out (UU "
        "23/2014 Pasal 364(3)-(4); PP 28/2018 Pasal 10-11; pedoman.md §9 D2). `gwpp` on a "
        "route with no GWPP (R6 across provinces) is the Minister.",
    )
    minister_decision_final_by_law: list[RoutingRule] = later_factory(
        list,
        "The routes on which the Minister's decision is final by law (UU 23/2014 Pasal 370(4)); "
        "on the others it is final under this guideline, proposed (pedoman.md §9 D13).",
    )
    request_letter_required: bool = later(
        False,
        "A filing must carry the request letter's number, date and signatory (§9 D12).",
    )

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
