"""The institution conducting a KSDPK stage (pedoman.md §9 D9): a PN, BANI, a mediator.

An adjudicator key carries its institution's id as its scope (`PN-BANDUNG`, `BANI`). When a case
enters mediation, arbitration or the court track, the operator or a party records the institution
(`record_institution`, or the action that files there, e.g. `file_lawsuit`), and in a stage marked
`adjudicator_institution` only that institution's keys act as adjudicator. A guideline without
such stages (2026.1) never asks: its national adjudicator keys act as they always did.

Pure: the rules call it from the validator and the handler alike.
"""

from __future__ import annotations

from models.payloads import InstitutionRecord
from models.pedoman import Stage
from models.roles import Actor, Role
from models.state import CaseState
from workflows.refusals import Refusal, RefusalCode

# The keys of `CaseState.recorded` this module writes: the current institution, its register
# number, and one `institution:<id>` per institution that ever conducted a stage of the case
# (the stage where it was recorded), which keeps the case visible to its keys afterwards.
INSTITUTION = "institution"
INSTITUTION_REFERENCE = "institution_reference"
_EVER = "institution:"


def current_institution(state: CaseState) -> str | None:
    """The institution conducting the case now, if one was recorded."""
    return state.recorded.get(INSTITUTION)


def institutions_ever(recorded: dict[str, str]) -> list[str]:
    """Every institution recorded for the case, in the order recorded."""
    return [key.removeprefix(_EVER) for key in recorded if key.startswith(_EVER)]


def ever_key(institution: str) -> str:
    """The `recorded` key that says this institution conducted a stage of the case."""
    return f"{_EVER}{institution}"


def record_institution(state: CaseState, record: InstitutionRecord) -> None:
    """The institution (and the case's number there) from now on; the earlier ones stay listed."""
    state.recorded[INSTITUTION] = record.institution
    state.recorded[INSTITUTION_REFERENCE] = record.reference
    state.recorded.setdefault(ever_key(record.institution), state.stage)


def institution_fits(stage: Stage, state: CaseState, actor: Actor) -> bool:
    """Whether this actor may act as the stage's adjudicator (any non-adjudicator: yes)."""
    if actor.role is not Role.ADJUDICATOR or not stage.adjudicator_institution:
        return True
    institution = current_institution(state)
    return institution is not None and actor.scope == institution


def check_institution(stage: Stage, state: CaseState, action: str, actor: Actor) -> None:
    """Refuse (wrong_scope) an adjudicator key of another institution, or of none recorded."""
    if institution_fits(stage, state, actor):
        return
    institution = current_institution(state)
    who = actor.scope or "nasional"
    if institution is None:
        raise Refusal(
            RefusalCode.WRONG_SCOPE,
            "wrong_scope.no_institution",
            action=action,
            stage=state.stage,
            who=who,
        )
    raise Refusal(
        RefusalCode.WRONG_SCOPE,
        "wrong_scope.institution",
        action=action,
        stage=state.stage,
        institution=institution,
        who=who,
    )
