"""Which actions a key may take now: exactly those the case's own validator would accept.

An action is available to an actor when `CaseRules.check` accepts it with a payload a legitimate
caller could send. Rather than restating the validator's conditions (a proposal to confirm, a
party that has not signed yet, an extension left, an open legal-opinion thread, ...), each
action is run through `check` itself with such a payload: what is listed is what is accepted, by
construction, and a rule added to `check` is reflected here without a second copy.

Pure: the caller supplies the case's state (from the workflow, or rebuilt from the read model
with `state_from_view`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.pedoman import Action, PayloadKind
from models.roles import Actor, Role
from models.state import ActionRequest, CaseState, CaseView, ThreadStatus
from workflows import paper
from workflows.legal_opinions import hidden
from workflows.refusals import Refusal
from workflows.rules import CaseRules

# A valid payload of each kind, as a caller would send it; the kinds whose validity depends on
# the case (extension consents, the legal-opinion thread) are completed in `candidate_payloads`.
REPRESENTATIVE_PAYLOADS: Mapping[PayloadKind, Mapping[str, Any]] = {
    PayloadKind.NONE: {},
    PayloadKind.NOTE: {"text": "Catatan"},
    PayloadKind.REASON: {"reason": "Alasan tindakan"},
    PayloadKind.COMPLETION_REQUEST: {"missing": ["Surat kuasa khusus"]},
    PayloadKind.RESPONSE: {"summary": "Tanggapan tertulis"},
    PayloadKind.AGREEMENT: {"terms": "Biaya dibagi dua"},
    PayloadKind.DECISION: {"number": "100.3.3/1/2026", "summary": "Keputusan"},
    PayloadKind.RECORD: {"reference": "BA-1/2026"},
    PayloadKind.DOCUMENT: {
        "name": "berita-acara.pdf",
        "doc_type": "berita_acara",
        "sha256": "0" * 64,
        "size": 1,
    },
    PayloadKind.EXTENSION: {"reason": "Perlu waktu tambahan"},
    PayloadKind.LEGAL_OPINION_REQUEST: {"question": "Apakah klausul ini sah?"},
    PayloadKind.LEGAL_OPINION: {"opinion": "Pendapat hukum"},
    PayloadKind.INSTITUTION: {"institution": "PN-BANDUNG", "reference": "1/Pdt.G/2026/PN Bdg"},
    # JAM Datun covers every case; the office a caller names is checked against the parties.
    PayloadKind.ADDRESSED_LEGAL_OPINION_REQUEST: {
        "question": "Apakah klausul ini sah?",
        "addressee": {"office": "jam_datun"},
    },
    PayloadKind.LEGAL_OPINION_DISCLOSURE: {"thread": 1},
    **paper.REPRESENTATIVE_PAYLOADS,  # §9 D10–D12, D2
}


@dataclass(frozen=True)
class Availability:
    """An action a key may take now: in its own name, for some parties (operators), or both."""

    action: Action
    on_own_behalf: bool
    on_behalf_of: tuple[str, ...] = ()
    threads: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.action.name


def state_from_view(view: CaseView, extensions_used: Mapping[str, int]) -> CaseState:
    """The part of a case's state its rules read, rebuilt from the view the read model keeps.

    The view does not carry the extensions used per stage; the caller counts them (from the
    case's timeline: one applied extending action each).
    """
    return CaseState(
        case_id=view.case_id,
        version=view.version,
        stage=view.stage,
        status=view.status,
        closing_state=view.closing_state,
        outcome=view.outcome,
        filed_at=view.filed_at,
        filed_by=view.filed_by,
        clock=view.clock,
        proposal=view.proposal,
        collected=view.collected,
        extensions_used=dict(extensions_used),
        recorded=view.recorded,
        legal_opinions=view.legal_opinions,
        documents=view.documents,
        meetings=view.meetings,
        responses=view.responses,
        withdrawals=view.withdrawals,
    )


def candidate_payloads(rules: CaseRules, state: CaseState, action: Action) -> list[dict[str, Any]]:
    """Valid payloads a legitimate caller could send for this action now (the most permissive
    ones: every party's consent to an extension, each open legal-opinion thread)."""
    payload = dict(REPRESENTATIVE_PAYLOADS[action.payload])
    if action.payload in paper.REPRESENTATIVE_PAYLOADS:
        return paper.candidate_payloads(state, action, rules.active_parties(state))
    if action.payload is PayloadKind.EXTENSION:
        return [{**payload, "consents": rules.active_parties(state)}]
    if action.payload is PayloadKind.LEGAL_OPINION:
        return [
            {**payload, "thread": thread.thread}
            for thread in state.legal_opinions
            if thread.status is ThreadStatus.OPEN
        ]
    if action.payload is PayloadKind.LEGAL_OPINION_DISCLOSURE:
        return [{"thread": thread.thread} for thread in state.legal_opinions if hidden(thread)]
    return [payload]


def accepted_payloads(
    rules: CaseRules, state: CaseState, actor: Actor, action: Action
) -> list[dict[str, Any]]:
    """The candidate payloads `check` accepts from this actor now (none: not available)."""
    accepted: list[dict[str, Any]] = []
    for payload in candidate_payloads(rules, state, action):
        try:
            rules.check(state, ActionRequest(action=action.name, actor=actor, payload=payload))
        except Refusal:
            continue
        accepted.append(payload)
    return accepted


def available_actions(rules: CaseRules, state: CaseState, actor: Actor) -> list[Availability]:
    """Every action this key may take now, in the guideline's order.

    `actor` is the key itself (no `on_behalf_of`); an operator's key is also asked, for each
    party, what it may record on that party's behalf.
    """
    if actor.on_behalf_of is not None:
        raise ValueError("ask for the key itself; the parties an operator acts for are added here")
    capacities: list[Actor] = [actor]
    if actor.role is Role.OPERATOR:
        capacities += [actor.model_copy(update={"on_behalf_of": p}) for p in rules.party_ids]
    elif actor.role is Role.PROSECUTOR:
        # D7: the office holding a party's SKK acts for it, as an operator records for it.
        for_party = [actor.model_copy(update={"on_behalf_of": p}) for p in rules.party_ids]
        capacities += [c for c in for_party if rules.represents(c)]
    found: list[Availability] = []
    for action in rules.actions_in(state.stage):
        own = False
        parties: list[str] = []
        threads: set[int] = set()
        for capacity in capacities:
            accepted = accepted_payloads(rules, state, capacity, action)
            if not accepted:
                continue
            if capacity.on_behalf_of is None:
                own = True
            else:
                parties.append(capacity.on_behalf_of)
            threads |= {p["thread"] for p in accepted if "thread" in p}
        if own or parties:
            found.append(
                Availability(
                    action=action,
                    on_own_behalf=own,
                    on_behalf_of=tuple(parties),
                    threads=tuple(sorted(threads)),
                )
            )
    return found


def available_names(rules: CaseRules, state: CaseState, actor: Actor) -> list[str]:
    """The actions this actor, in exactly this capacity (its own, or for one party), may take."""
    return [
        action.name
        for action in rules.actions_in(state.stage)
        if accepted_payloads(rules, state, actor, action)
    ]
