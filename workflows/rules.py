"""The guideline's rules for one case: which actions fit the stage, the actor and the payload.

Pure functions of the case's input and state, so the workflow's validator and handler (and tests)
ask the same questions and get the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from models.case import CaseFiling, Party, Side
from models.forum import ForumKind, Routing
from models.payloads import PayloadError, _Payload, parse_payload
from models.pedoman import Action, ActorKind, Effect, Fact, Guideline, Stage, Switch, Target
from models.roles import Actor, Role
from models.state import ActionRequest, CaseState, CaseStatus, ThreadStatus
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
        self.facts: dict[Fact, str] = self._facts()

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
        if actor.role is Role.OPERATOR:
            return actor.on_behalf_of
        return None

    def party(self, party_id: str) -> Party | None:
        return self.filing.party(party_id)

    def _fit(self, kind: ActorKind, actor: Actor) -> _Fit:
        if kind in _PARTY_KINDS:
            return self._fit_party(kind, actor)
        if kind is ActorKind.FORUM:
            kind = ActorKind.GWPP if self.routing.forum is ForumKind.GWPP else ActorKind.MINISTER
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

    def may_take(self, action: Action, actor: Actor) -> bool:
        """Whether this actor's role and scope fit the action."""
        return any(self._fit(kind, actor) is _Fit.YES for kind in self._kinds_for(action, actor))

    def check_actor(self, action: Action, actor: Actor) -> None:
        """Refuse with wrong_role or wrong_scope unless the actor may take the action."""
        if actor.on_behalf_of is not None and actor.role is not Role.OPERATOR:
            raise Refusal(
                RefusalCode.WRONG_ROLE,
                f"only an operator records actions on a party's behalf, not a {actor.role.value}",
            )
        if actor.on_behalf_of is not None and self.party(actor.on_behalf_of) is None:
            raise Refusal(
                RefusalCode.WRONG_SCOPE,
                f"{actor.on_behalf_of} is not a party to this case; nothing is recorded for it",
            )
        kinds = self._kinds_for(action, actor)
        if not kinds:
            raise Refusal(
                RefusalCode.WRONG_ROLE,
                f"{action.name} is not a party's action; an operator takes it without on_behalf_of",
            )
        fits = [self._fit(kind, actor) for kind in kinds]
        if _Fit.YES in fits:
            return
        expected = ", ".join(kind.value for kind in action.actors)
        who = f"{actor.role.value}" + (f" {actor.scope}" if actor.scope else "")
        if actor.on_behalf_of:
            who += f" on behalf of {actor.on_behalf_of}"
        if _Fit.WRONG_SCOPE in fits:
            raise Refusal(
                RefusalCode.WRONG_SCOPE,
                f"{action.name} in case {self.filing.title!r} is for {expected}; {who} is not "
                "within this case's scope",
                expected=expected,
            )
        hint = (
            " (an operator may record it for a party with on_behalf_of)"
            if any(kind in _PARTY_KINDS for kind in action.actors)
            else ""
        )
        raise Refusal(
            RefusalCode.WRONG_ROLE,
            f"{action.name} is taken by {expected}, not by {who}{hint}",
            expected=expected,
        )

    # ---------------------------------------------------------------- whole check

    def allowed(self, state: CaseState, actor: Actor | None = None) -> list[Action]:
        """Actions the current stage allows (for this actor, when given)."""
        return self.allowed_in(state.stage, state.status, actor)

    def allowed_in(
        self, stage: str, status: CaseStatus, actor: Actor | None = None
    ) -> list[Action]:
        """Actions a stage allows while the case has this status (for this actor, when given)."""
        if status is CaseStatus.CLOSED:
            return []
        actions = [a for a in self.actions_in(stage) if self.applies(a)]
        if actor is not None:
            actions = [a for a in actions if self.may_take(a, actor)]
        return actions

    def check(self, state: CaseState, request: ActionRequest) -> CheckedAction:
        """Everything a validator checks, in order: stage, role, scope, payload, confirmations."""
        name = request.action
        if state.status is CaseStatus.CLOSED:
            raise Refusal(
                RefusalCode.CASE_CLOSED,
                f"case {state.case_id} is closed ({state.closing_state}); no action is possible",
            )
        action = self.find(state.stage, name)
        if action is None:
            allowed = _names(self.allowed(state))
            if not self.known_action(name):
                raise Refusal(
                    RefusalCode.UNKNOWN_ACTION,
                    f"unknown action {name!r}; in stage {state.stage} the actions are {allowed}",
                    stage=state.stage,
                    allowed=allowed,
                )
            raise Refusal(
                RefusalCode.WRONG_STAGE,
                f"{name} is not allowed in stage {state.stage}; allowed here: {allowed}",
                stage=state.stage,
                allowed=allowed,
            )
        if not self.applies(action):
            conditions = "; ".join(f"{k.value} in {v}" for k, v in action.when.items())
            raise Refusal(
                RefusalCode.NOT_APPLICABLE,
                f"{name} applies only when {conditions}",
                stage=state.stage,
            )
        self.check_actor(action, request.actor)
        try:
            payload = parse_payload(action.payload, request.payload)
        except PayloadError as error:
            raise Refusal(RefusalCode.BAD_PAYLOAD, str(error), field=error.field) from None
        party = self.acting_party(request.actor)
        self._check_effect(state, action, payload, party)
        return CheckedAction(action=action, payload=payload, party=party)

    def _check_effect(
        self, state: CaseState, action: Action, payload: _Payload, party: str | None
    ) -> None:
        effect = action.effect
        if effect is Effect.PROPOSE and state.proposal is not None:
            raise Refusal(
                RefusalCode.ALREADY_DONE,
                f"an agreement reported by {state.proposal.proposed_by} already awaits "
                f"confirmation by {_missing(self.party_ids, state.proposal.confirmed_by)}",
            )
        if effect is Effect.CONFIRM:
            if state.proposal is None or state.proposal.action != action.confirms:
                raise Refusal(
                    RefusalCode.MISSING_CONFIRMATION,
                    f"there is no {action.confirms} to confirm in stage {state.stage}",
                )
            if party in state.proposal.confirmed_by:
                raise Refusal(RefusalCode.ALREADY_DONE, f"{party} has already confirmed")
        if action.every_party and party in state.collected.get(action.name, []):
            raise Refusal(RefusalCode.ALREADY_DONE, f"{party} has already taken {action.name}")
        if effect in (Effect.EXTEND_DEADLINE, Effect.PAUSE_CLOCK, Effect.RESUME_CLOCK):
            self._check_clock(state, action, payload)
        if effect is Effect.SUBMIT_LEGAL_OPINION:
            thread_no = getattr(payload, "thread", 0)
            thread = next((t for t in state.legal_opinions if t.thread == thread_no), None)
            if thread is None:
                raise Refusal(
                    RefusalCode.BAD_PAYLOAD,
                    f"payload.thread: case {state.case_id} has no legal-opinion thread {thread_no}",
                    field="thread",
                )
            if thread.status is not ThreadStatus.OPEN:
                raise Refusal(
                    RefusalCode.ALREADY_DONE, f"legal-opinion thread {thread_no} is {thread.status}"
                )

    def _check_clock(self, state: CaseState, action: Action, payload: _Payload) -> None:
        clock = state.clock
        if clock is None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, f"stage {state.stage} has no running clock")
        if action.effect is Effect.PAUSE_CLOCK and clock.paused_at is not None:
            raise Refusal(RefusalCode.ALREADY_DONE, f"the clock of {state.stage} is already paused")
        if action.effect is Effect.RESUME_CLOCK and clock.paused_at is None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, f"the clock of {state.stage} is not paused")
        if action.effect is not Effect.EXTEND_DEADLINE:
            return
        extension = self.stages[state.stage].extension
        if extension is None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, f"stage {state.stage} allows no extension")
        used = state.extensions_used.get(state.stage, 0)
        if used >= extension.max_count:
            raise Refusal(
                RefusalCode.NOT_APPLICABLE,
                f"stage {state.stage} allows {extension.max_count} extension(s); "
                f"{used} already used",
            )
        if clock.paused_at is not None:
            raise Refusal(RefusalCode.NOT_APPLICABLE, "resume the paused clock before extending it")
        consents: list[str] = list(getattr(payload, "consents", []))
        strangers = [c for c in consents if c not in self.party_ids]
        if strangers:
            raise Refusal(
                RefusalCode.BAD_PAYLOAD,
                f"payload.consents: not a party to this case: {', '.join(strangers)}",
                field="consents",
            )
        if extension.requires_all_parties:
            missing = _missing(self.party_ids, consents)
            if missing:
                raise Refusal(
                    RefusalCode.MISSING_CONFIRMATION,
                    f"extending {state.stage} needs the agreement of every party; "
                    f"missing consent of {missing}",
                    missing=missing,
                )


def _names(actions: Iterable[Action]) -> list[str]:
    return [action.name for action in actions]


def _missing(everyone: list[str], present: Iterable[str]) -> str:
    done = set(present)
    return ", ".join(p for p in everyone if p not in done)
