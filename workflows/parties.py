"""Several parties on one side (pedoman.md §9 D3–D5): who is still in the case, and whose share
of a per-party action is still missing.

Pure functions of the filing and the case's state. A party that withdrew stays in the filing
(it is still named, and still sees the case) but no longer counts, nor acts.
"""

from __future__ import annotations

from models.case import CaseFiling, Side
from models.pedoman import Action
from models.state import CaseState


def withdrawn(state: CaseState) -> set[str]:
    """The parties that have withdrawn while the case went on."""
    return {step.party for step in state.withdrawals}


def active_parties(filing: CaseFiling, state: CaseState, side: Side | None = None) -> list[str]:
    """The parties still in the case (of one side, when given), in the filing's order."""
    gone = withdrawn(state)
    return [
        party.party_id
        for party in filing.parties
        if party.party_id not in gone and (side is None or party.side is side)
    ]


def is_per_party(action: Action) -> bool:
    """Whether each party takes its own share of the action, which takes effect once all have."""
    return action.every_party or action.every_party_of is not None


def owing(filing: CaseFiling, state: CaseState, action: Action) -> list[str]:
    """The parties whose share of an every-party action counts: those still in the case, of
    the action's side where it names one (every responding party's response)."""
    return active_parties(filing, state, action.every_party_of)


def missing(filing: CaseFiling, state: CaseState, action: Action, taken_by: list[str]) -> list[str]:
    """The parties whose share is still missing."""
    done = set(taken_by)
    return [party for party in owing(filing, state, action) if party not in done]


def requesting_left(filing: CaseFiling, state: CaseState) -> list[str]:
    """The requesting parties still in the case: with none left, a withdrawal closes it."""
    return active_parties(filing, state, Side.REQUESTING)
