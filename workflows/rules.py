"""The guideline's rules for one case: which actions fit the stage, the actor and the payload.

Pure functions of the case's input and state, so the workflow's validator and handler (and tests)
ask the same questions and get the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from models.case import CaseFiling, DisputeRoute, Party, Side
from models.forum import ForumKind, Routing
from models.payloads import Addressee, PayloadError, _Payload, parse_payload
from models.pedoman import Action, ActorKind, Effect, Fact, Guideline, Stage, Switch, Target
from models.roles import Actor, Role
from models.state import ActionRequest, CaseState, CaseStatus, LegalOpinionThread, ThreadStatus
from workflows import legal_opinions, parties
from workflows.forum import forum_facts, forum_in, routed_forum
from workflows.institutions import check_institution, institution_fits
from workflows.paper import check_paper
from workflows.refusals import Refusal, RefusalCode


class _Fit(Enum):
    YES = 0
    WRONG_SCOPE = 1
    NO = 2


@dataclass(frozen=True)
class CheckedAction:
    """An action request that passed every check, with its parsed payload and party."""

    action: Action
    payload: _Payload
    party: str | None


_PARTY_KINDS = {
    ActorKind.PARTY,
    ActorKind.REQUESTING_PARTY,
    ActorKind.RESPONDING_PARTY,
    ActorKind.GOVERNMENT_PARTY,
}


class CaseRules:
    """The pinned guideline applied to one case's parties and routing."""

    def __init__(self, guideline: Guideline, filing: CaseFiling, routing: Routing) -> None:
        self.guideline = guideline
        self.filing = filing
        self.routing = routing
        self.stages: dict[str, Stage] = guideline.stages_for(filing.case_type)
        self.party_ids = [party.party_id for party in filing.parties]
        self.facts: dict[Fact, str] = {**self._facts(), **forum_facts(guideline, routing)}

    def _facts(self) -> dict[Fact, str]:
        clause = self.filing.agreement.dispute_clause
        forum = ForumKind.GWPP if self.routing.forum is ForumKind.GWPP else ForumKind.MINISTER
        return {
            Fact.CASE_TYPE: self.filing.case_type.value,
            Fact.FORUM: forum.value,
            Fact.CLAUSE_ROUTE: clause.route.value if clause else "",
            Fact.CLAUSE_ALLOWS_ARBITRATION: "yes"
            if clause and clause.arbitration_allowed
            else "no",
            Fact.MANDATORY_COOPERATION: "yes"
            if self.filing.agreement.mandatory_cooperation
            else "no",
            Fact.CLAUSE_IS_ADR: "yes"
            if clause and clause.route in (DisputeRoute.MEDIATION, DisputeRoute.ARBITRATION)
            else "no",
        }

    # ---------------------------------------------------------------- the graph

    def resolve(self, target: Target) -> str:
        """The stage a target leads to for this case."""
        if isinstance(target, Switch):
            value = self.facts[target.on]
            if value not in target.cases:
                raise ValueError(f"no stage for {target.on.value}={value!r} in the guideline")
            return target.cases[value]
        return target

    def actions_in(self, stage: str) -> list[Action]:
        """The stage's own actions, then those available in every open stage."""
        own = self.stages[stage].actions
        names = {action.name for action in own}
        return [*own, *(a for a in self.guideline.common_actions if a.name not in names)]

    def find(self, stage: str, name: str) -> Action | None:
        return next((a for a in self.actions_in(stage) if a.name == name), None)

    def applies(self, action: Action) -> bool:
        """Whether the action's conditions (`when`) hold for this case."""
        return all(self.facts[fact] in values for fact, values in action.when.items())

    def known_action(self, name: str) -> bool:
        stage_actions = (a.name for stage in self.stages.values() for a in stage.actions)
        common = (a.name for a in self.guideline.common_actions)
        return name in {*stage_actions, *common}

    # ---------------------------------------------------------------- actors

    def acting_party(self, actor: Actor) -> str | None:
        """The party an actor acts as: its own scope, or the party an operator records for."""
        if actor.role is Role.PARTY:
            return actor.scope
        if actor.role is Role.OPERATOR or self.represents(actor):
            return actor.on_behalf_of
        return None

    def represents(self, actor: Actor) -> bool:
        """Whether a prosecutor key acts for the party it names as the office holding that
        party's SKK (pedoman.md §9 D7), where the guideline lets counsel act."""
        if actor.role is not Role.PROSECUTOR or actor.on_behalf_of is None:
            return False
        if not self.guideline.legal_opinion.counsel_may_act:
            return False
        party = self.party(actor.on_behalf_of)
        counsel = party.counsel if party is not None else None
        return counsel is not None and counsel.holds_skk() and counsel.office == actor.scope

    def party(self, party_id: str) -> Party | None:
        return self.filing.party(party_id)

    def forum(self, state: CaseState | None) -> ActorKind:
        """Who "forum" means now: the body conducting the case's stage (§9 D1, D2); without a
        state, or where the guideline names no conductor, the routing's forum."""
        if state is None:
            return routed_forum(self.routing)
        return forum_in(self.stages[state.stage], self.filing, self.routing, state.recorded)

    def _fit(self, kind: ActorKind, actor: Actor, state: CaseState | None = None) -> _Fit:
        if kind in _PARTY_KINDS:
            return self._fit_party(kind, actor)
        if kind is ActorKind.FORUM:
            kind = self.forum(state)
        if kind is ActorKind.TAKEOVER_BODY:
            body = self.facts[Fact.TAKEOVER_BY]
            kind = ActorKind.GWPP if body == "gwpp" else ActorKind.MINISTER
        if kind is ActorKind.OPERATOR:
            return _Fit.YES if actor.role is Role.OPERATOR else _Fit.NO
        if kind is ActorKind.MINISTER:
            return _Fit.YES if actor.role is Role.MINISTER else _Fit.NO
        if kind is ActorKind.ADJUDICATOR:
            return _Fit.YES if actor.role is Role.ADJUDICATOR else _Fit.NO
        if kind is ActorKind.GWPP:
            if actor.role is not Role.GWPP:
                return _Fit.NO
            province = self.routing.gwpp_province
            return (
                _Fit.YES if province is not None and actor.scope == province else _Fit.WRONG_SCOPE
            )
        if kind is ActorKind.PROSECUTOR:
            if actor.role is not Role.PROSECUTOR:
                return _Fit.NO
            return _Fit.YES if self._prosecutor_covers(actor.scope) else _Fit.WRONG_SCOPE
        return _Fit.NO

    def _fit_party(self, kind: ActorKind, actor: Actor) -> _Fit:
        party_id = self.acting_party(actor)
        if party_id is None:
            return _Fit.NO
        party = self.party(party_id)
        if party is None:
            return _Fit.WRONG_SCOPE
        fits = {
            ActorKind.PARTY: True,
            ActorKind.REQUESTING_PARTY: party.side is Side.REQUESTING,
            ActorKind.RESPONDING_PARTY: party.side is Side.RESPONDING,
            ActorKind.GOVERNMENT_PARTY: party.is_government,
        }[kind]
        return _Fit.YES if fits else _Fit.WRONG_SCOPE

    def _prosecutor_covers(self, scope: str | None) -> bool:
        # A Kejari/Kejati key covers the cases of regions under its area-code prefix.
        if scope in (None, "", "*", "national"):
            return True
        codes = [p.region_code for p in self.filing.parties if p.region_code is not None]
        return any(code == scope or code.startswith(f"{scope}.") for code in codes)

    @staticmethod
    def _kinds_for(action: Action, actor: Actor) -> list[ActorKind]:
        # Recorded on a party's behalf, an action must be one that party could take itself.
        if actor.on_behalf_of is None:
            return action.actors
        return [kind for kind in action.actors if kind in _PARTY_KINDS]

    def may_take(self, action: Action, actor: Actor, state: CaseState | None = None) -> bool:
        """Whether this actor's role and scope fit the action (in the case's stage, if given)."""
        return any(
            self._fit(kind, actor, state) is _Fit.YES for kind in self._kinds_for(action, actor)
        )

    def check_actor(self, action: Action, actor: Actor, state: CaseState | None = None) -> None:
        """Refuse with wrong_role or wrong_scope unless the actor may take the action."""
        if (
            actor.on_behalf_of is not None
            and actor.role is not Role.OPERATOR
            and not self.represents(actor)
        ):
            if actor.role is Role.PROSECUTOR and self.guideline.legal_opinion.counsel_may_act:
                raise Refusal(
                    RefusalCode.WRONG_ROLE,
                    "wrong_role.no_skk",
                    party=actor.on_behalf_of,
                    who=f"{actor.role.value} {actor.scope or ''}".rstrip(),
                )
            raise Refusal(RefusalCode.WRONG_ROLE, "wrong_role.on_behalf_by", role=actor.role.value)
        if actor.on_behalf_of is not None and self.party(actor.on_behalf_of) is None:
            raise Refusal(
                RefusalCode.WRONG_SCOPE, "wrong_scope.not_a_party", party=actor.on_behalf_of
            )
        kinds = self._kinds_for(action, actor)
        if not kinds:
            raise Refusal(
                RefusalCode.WRONG_ROLE, "wrong_role.not_a_party_action", action=action.name
            )
        fits = [self._fit(kind, actor, state) for kind in kinds]
        if _Fit.YES in fits:
            return
        expected = [kind.value for kind in action.actors]
        who = f"{actor.role.value} {actor.scope or ''}".rstrip()
        if _Fit.WRONG_SCOPE in fits:
            on_behalf = {"party": actor.on_behalf_of} if actor.on_behalf_of else {}
            raise Refusal(
                RefusalCode.WRONG_SCOPE,
                "wrong_scope.on_behalf" if on_behalf else "wrong_scope",
                action=action.name,
                case_title=self.filing.title,
                expected=expected,
                who=who,
                **on_behalf,
            )
        # A party's action refused to an operator acting alone: it may record it for the party.
        for_party = any(kind in _PARTY_KINDS for kind in action.actors)
        raise Refusal(
            RefusalCode.WRONG_ROLE,
            "wrong_role.for_party" if for_party else "wrong_role",
            action=action.name,
            expected=expected,
            who=who,
        )

    # ---------------------------------------------------------------- whole check

    def allowed(self, state: CaseState, actor: Actor | None = None) -> list[Action]:
        """Actions the current stage allows (for this actor, when given)."""
        actions = self.allowed_in(state.stage, state.status, actor, state)
        if actor is not None and not institution_fits(self.stages[state.stage], state, actor):
            return []  # D9: an adjudicator of another institution takes nothing here
        return actions

    def allowed_in(
        self,
        stage: str,
        status: CaseStatus,
        actor: Actor | None = None,
        state: CaseState | None = None,
    ) -> list[Action]:
        """Actions a stage allows while the case has this status (for this actor, when given;
        with the case's state, "forum" is the body conducting its stage)."""
        if status is CaseStatus.CLOSED:
            return []
        actions = [a for a in self.actions_in(stage) if self.applies(a)]
        if actor is not None:
            actions = [a for a in actions if self.may_take(a, actor, state)]
        return actions

    def check(self, state: CaseState, request: ActionRequest) -> CheckedAction:
        """Everything a validator checks, in order: stage, role, scope, payload, confirmations."""
        name = request.action
        if state.status is CaseStatus.CLOSED:
            raise Refusal(
                RefusalCode.CASE_CLOSED,
                "case_closed",
                case_id=state.case_id,
                closing_state=state.closing_state,
            )
        action = self.find(state.stage, name)
        if action is None:
            allowed = _names(self.allowed(state))
            if not self.known_action(name):
                raise Refusal(
                    RefusalCode.UNKNOWN_ACTION,
                    "unknown_action",
                    action=name,
                    stage=state.stage,
                    allowed=allowed,
                    field="action",
                )
            raise Refusal(
                RefusalCode.WRONG_STAGE,
                "wrong_stage",
                action=name,
                stage=state.stage,
                allowed=allowed,
            )
        if not self.applies(action):
            conditions = "; ".join(f"{k.value} = {' / '.join(v)}" for k, v in action.when.items())
            raise Refusal(
                RefusalCode.NOT_APPLICABLE,
                "not_applicable",
                action=name,
                conditions=conditions,
                stage=state.stage,
            )
        self.check_actor(action, request.actor, state)
        self._check_still_in(state, request.actor)
        check_institution(self.stages[state.stage], state, name, request.actor)
        try:
            payload = parse_payload(action.payload, request.payload)
        except PayloadError as error:
            # Every problem is in `errors`; the message counts them and names the first.
            first = error.errors[0]["pointer"] if error.errors else f"/{error.field}"
            raise Refusal(
                RefusalCode.BAD_PAYLOAD,
                "bad_payload.fields",
                count=max(len(error.errors), 1),
                where=f"body {first}".rstrip(),
                field=error.field,
                errors=error.errors,
            ) from None
        party = self.acting_party(request.actor)
        self._check_effect(state, action, payload, party, request.actor)
        check_paper(
            state,
            action,
            payload,
            party_ids=self.active_parties(state),
            acting_party=party,
            open_questions=self.guideline.open_questions,
        )
        return CheckedAction(action=action, payload=payload, party=party)

    def active_parties(self, state: CaseState) -> list[str]:
        """The parties still in the case (D4, D5): only they count for every-party rules."""
        return parties.active_parties(self.filing, state)

    def _check_still_in(self, state: CaseState, actor: Actor) -> None:
        party = self.acting_party(actor)
        if party is not None and party in parties.withdrawn(state):
            raise Refusal(
                RefusalCode.WRONG_SCOPE, "wrong_scope.withdrawn", party=party, case_id=state.case_id
            )

    def _check_effect(
        self, state: CaseState, action: Action, payload: _Payload, party: str | None, actor: Actor
    ) -> None:
        effect = action.effect
        if effect is Effect.PROPOSE and state.proposal is not None:
            raise Refusal(
                RefusalCode.ALREADY_DONE,
                "already_done.proposal",
                proposed_by=state.proposal.proposed_by,
                missing=_missing(self.active_parties(state), state.proposal.confirmed_by),
            )
        if effect is Effect.CONFIRM:
            if state.proposal is None or state.proposal.action != action.confirms:
                raise Refusal(
                    RefusalCode.MISSING_CONFIRMATION,
                    "missing_confirmation.nothing",
                    confirms=action.confirms,
                    stage=state.stage,
                )
            if party in state.proposal.confirmed_by:
                raise Refusal(RefusalCode.ALREADY_DONE, "already_done.confirmed", party=party)
        if parties.is_per_party(action) and party in state.collected.get(action.name, []):
            raise Refusal(
                RefusalCode.ALREADY_DONE, "already_done.taken", party=party, action=action.name
            )
        if effect in (
            Effect.EXTEND_DEADLINE,
            Effect.PAUSE_CLOCK,
            Effect.RESUME_CLOCK,
            Effect.RECOMPUTE_DEADLINE,  # D20: a stage with no running clock has none to recount
        ):
            self._check_clock(state, action, payload)
        if effect is Effect.OPEN_LEGAL_OPINION:
            self._check_addressee(payload)
        if effect in (Effect.SUBMIT_LEGAL_OPINION, Effect.DISCLOSE_LEGAL_OPINION):
            thread_no = getattr(payload, "thread", 0)
            thread = next((t for t in state.legal_opinions if t.thread == thread_no), None)
            if thread is None:
                raise Refusal(
                    RefusalCode.BAD_PAYLOAD,
                    "bad_payload.no_thread",
                    case_id=state.case_id,
                    thread=thread_no,
                    field="thread",
                )
            if effect is Effect.DISCLOSE_LEGAL_OPINION:
                self._check_disclosure(thread, actor, party)
            elif thread.status is not ThreadStatus.OPEN:
                raise Refusal(
                    RefusalCode.ALREADY_DONE,
                    "already_done.thread",
                    thread=thread_no,
                    status=thread.status.value,
                )
            elif not legal_opinions.may_answer(thread, actor):
                assert thread.addressee is not None
                raise Refusal(
                    RefusalCode.WRONG_SCOPE,
                    "wrong_scope.legal_opinion_office",
                    thread=thread_no,
                    office=thread.addressee.office.value,
                    region_code=thread.addressee.region_code or "",
                    who=f"{actor.role.value} {actor.scope or ''}".rstrip(),
                )

    def _check_addressee(self, payload: _Payload) -> None:
        addressee = getattr(payload, "addressee", None)
        if isinstance(addressee, Addressee) and not legal_opinions.office_covers(
            addressee, self.filing
        ):
            raise Refusal(
                RefusalCode.BAD_PAYLOAD,
                "bad_payload.addressee",
                office=addressee.office.value,
                region_code=addressee.region_code or "",
                field="addressee",
            )

    @staticmethod
    def _check_disclosure(thread: LegalOpinionThread, actor: Actor, party: str | None) -> None:
        if not legal_opinions.hidden(thread):
            raise Refusal(RefusalCode.ALREADY_DONE, "already_done.disclosed", thread=thread.thread)
        if not legal_opinions.may_disclose(thread, actor, party):
            raise Refusal(
                RefusalCode.WRONG_SCOPE, "wrong_scope.not_requester", thread=thread.thread
            )

    def _check_clock(self, state: CaseState, action: Action, payload: _Payload) -> None:
        clock = state.clock
        stage = state.stage
        if clock is None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, "not_applicable.no_clock", stage=stage)
        if action.effect is Effect.PAUSE_CLOCK and clock.paused_at is not None:
            raise Refusal(RefusalCode.ALREADY_DONE, "already_done.paused", stage=stage)
        if action.effect is Effect.RESUME_CLOCK and clock.paused_at is None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, "not_applicable.not_paused", stage=stage)
        if action.effect is not Effect.EXTEND_DEADLINE:
            return
        extension = self.stages[state.stage].extension
        if extension is None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, "not_applicable.no_extension", stage=stage)
        used = state.extensions_used.get(stage, 0)
        if used >= extension.max_count:
            raise Refusal(
                RefusalCode.NOT_APPLICABLE,
                "not_applicable.extensions_used",
                stage=stage,
                max_count=extension.max_count,
                used=used,
            )
        if clock.paused_at is not None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, "not_applicable.clock_paused")
        consents: list[str] = list(getattr(payload, "consents", []))
        strangers = [c for c in consents if c not in self.party_ids]
        if strangers:
            raise Refusal(
                RefusalCode.BAD_PAYLOAD,
                "bad_payload.consents",
                strangers=strangers,
                field="consents",
            )
        if extension.requires_all_parties:
            missing = _missing(self.active_parties(state), consents)
            if missing:
                raise Refusal(
                    RefusalCode.MISSING_CONFIRMATION,
                    "missing_confirmation.consents",
                    stage=stage,
                    missing=missing,
                )


def _names(actions: Iterable[Action]) -> list[str]:
    return [action.name for action in actions]


def _missing(everyone: list[str], present: Iterable[str]) -> list[str]:
    done = set(present)
    return [p for p in everyone if p not in done]
