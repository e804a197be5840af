"""Who must act next in a case, and who has already confirmed, signed or responded.

"Must act" (pedoman.md §5, the "actor" column, kept as each stage's `actors`):

1. A closed case awaits nobody.
2. In the current stage, each of the stage's actors (the forum resolved to the case's GWPP or
   the Minister, a party kind to the case's parties of that kind) is awaited for the stage's
   *own* actions it may take now (`workflows.availability`: what the validator would accept).
   The actions every open stage allows (pedoman.md §6: notes, documents, clocks, legal-opinion
   requests, withdrawal) are never what a case waits for, and a key that may take a stage's
   action without being the stage's actor (e.g. an operator recording for a party) is not
   awaited.
3. While an agreement a party reported awaits confirmation, the stage awaits the confirmations:
   the parties that have not confirmed, for the confirming action alone.
4. An every-party action (signing the berita acara) awaits the parties that have not taken it
   (the validator refuses a second time, so rule 2 already leaves them out).
5. Each open legal-opinion thread (§6) awaits the prosecutor, by the thread's own due date.

The stage's entries are due when the stage's clock is (as it stands while paused: resuming
moves it), none for a stage without a clock; each thread's when the thread is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.pedoman import Action, ActorKind, Effect
from models.roles import Actor, Role
from models.state import CaseState, CaseStatus, ThreadStatus
from workflows.availability import accepted_payloads
from workflows.institutions import current_institution
from workflows.parties import is_per_party, owing
from workflows.rules import CaseRules


@dataclass(frozen=True)
class Awaited:
    """One role (and scope) the case waits for, on one clock."""

    role: Role
    scope: str | None
    actions: tuple[str, ...]
    clock: str  # `stage`, or `legal_opinion:N`
    due_at: datetime | None


@dataclass(frozen=True)
class Progress:
    """A step every party must take: who has taken it and who has not."""

    action: str
    done_by: tuple[str, ...]
    missing: tuple[str, ...]
    proposed_by: str | None = None
    confirmed_with: str | None = None


# A stand-in key for "anyone holding this role and scope" when asking the validator.
_AWAITED_KEY = "awaited"


def who_acts(
    rules: CaseRules,
    kind: ActorKind,
    institution: str | None = None,
    state: CaseState | None = None,
) -> list[tuple[Role, str | None]]:
    """The roles and scopes an actor kind of the guideline means in this case, as the rules
    resolve it (the forum to the GWPP or the Minister, a party kind to those parties)."""
    candidates: list[tuple[Role, str | None]] = [
        (Role.OPERATOR, None),
        *((Role.GWPP, p) for p in [rules.routing.gwpp_province] if p is not None),
        (Role.MINISTER, None),
        *((Role.PARTY, party_id) for party_id in rules.party_ids),
        (Role.PROSECUTOR, None),
        # D9: the institution recorded for the case, where its keys alone act.
        (Role.ADJUDICATOR, institution),
    ]
    # Asked of the rules themselves, through an action only this kind of actor takes.
    probe = Action(name="awaited", actors=[kind])
    # With the state, the forum is the body conducting its stage (§9 D1, D2).
    return [(r, s) for r, s in candidates if rules.may_take(probe, _actor(r, s), state)]


def awaited(rules: CaseRules, state: CaseState) -> list[Awaited]:
    """Who the case waits for now, stage first, then each open legal-opinion thread."""
    if state.status is CaseStatus.CLOSED:
        return []
    stage = rules.stages[state.stage]
    clock = state.clock
    due = clock.deadline.due_at if clock is not None else None
    own = [a for a in stage.actions if rules.applies(a)]
    if state.proposal is not None:
        # Rule 3: the reported agreement's confirmations are what the stage waits for.
        own = [a for a in own if a.effect is Effect.CONFIRM]
    found: list[Awaited] = []
    seen: set[tuple[Role, str | None]] = set()
    for kind in stage.actors:
        for role, scope in who_acts(rules, kind, current_institution(state), state):
            if (role, scope) in seen:
                continue
            seen.add((role, scope))
            actor = _actor(role, scope)
            actions = tuple(a.name for a in own if accepted_payloads(rules, state, actor, a))
            if actions:
                found.append(Awaited(role, scope, actions, "stage", due))
    prosecutor = _actor(Role.PROSECUTOR, None)  # a national key: any office covering the case
    open_threads = [t for t in state.legal_opinions if t.status is ThreadStatus.OPEN]
    # Each answering action is asked once which open threads it may answer now.
    answers = {
        a.name: {p.get("thread") for p in accepted_payloads(rules, state, prosecutor, a)}
        for a in (rules.actions_in(state.stage) if open_threads else [])
        if a.effect is Effect.SUBMIT_LEGAL_OPINION
    }
    for thread in open_threads:
        answering = tuple(name for name, threads in answers.items() if thread.thread in threads)
        if answering:
            # An addressed thread (D7) awaits the office asked; any other, any office covering it.
            office = thread.addressee.scope if thread.addressee is not None else None
            found.append(
                Awaited(
                    Role.PROSECUTOR,
                    office,
                    answering,
                    f"legal_opinion:{thread.thread}",
                    thread.deadline.due_at,
                )
            )
    return found


def progress(rules: CaseRules, state: CaseState) -> list[Progress]:
    """The reported agreement's confirmations and the stage's every-party actions so far."""
    if state.status is CaseStatus.CLOSED:
        return []
    found: list[Progress] = []
    proposal = state.proposal
    stage_actions = [a for a in rules.stages[state.stage].actions if rules.applies(a)]
    if proposal is not None:
        confirming = next(
            (a.name for a in stage_actions if a.confirms == proposal.action), proposal.action
        )
        # Only the parties still in the case count (pedoman.md §9 D5).
        counted = rules.active_parties(state)
        found.append(
            Progress(
                action=proposal.action,
                done_by=tuple(p for p in counted if p in proposal.confirmed_by),
                missing=tuple(p for p in counted if p not in proposal.confirmed_by),
                proposed_by=proposal.proposed_by,
                confirmed_with=confirming,
            )
        )
    for action in stage_actions:
        if is_per_party(action):
            taken = state.collected.get(action.name, [])
            owed = owing(rules.filing, state, action)
            found.append(
                Progress(
                    action=action.name,
                    done_by=tuple(p for p in owed if p in taken),
                    missing=tuple(p for p in owed if p not in taken),
                )
            )
    return found


def _actor(role: Role, scope: str | None) -> Actor:
    return Actor(key_id=_AWAITED_KEY, role=role, scope=scope)
