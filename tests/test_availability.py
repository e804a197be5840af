"""`allowed_actions` is exact: over random cases and keys, what is listed is what the validator
accepts, and what is not listed it refuses with every valid payload tried.

The states are drawn directly (any stage of the case's graph, open or closed, a clock running,
paused or absent, a reported agreement with some confirmations, every-party actions partly
taken, extensions used, legal-opinion threads in every status): a superset of the states a case
reaches, so the property holds whatever sequence of actions led there. The real workflow's
side (a listed action is applied, an unlisted one refused) is in tests/test_api_awaiting.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.case import CaseFiling, DisputeRoute
from models.guidelines import default_guideline
from models.payloads import DocumentType, PayloadError, parse_payload
from models.pedoman import Action, Effect, LegalForm, PayloadKind
from models.regions import load_regions
from models.roles import Actor, Role
from models.state import (
    ActionRequest,
    CaseState,
    CaseStatus,
    Clock,
    LegalOpinionThread,
    Proposal,
    ThreadStatus,
)
from models.time import Deadline, Limit
from tests.cases import ksdd_filing, ksdpk_filing, sinergi_filing
from workflows import paper
from workflows.availability import (
    REPRESENTATIVE_PAYLOADS,
    available_actions,
    available_names,
)
from workflows.awaiting import awaited, progress
from workflows.refusals import Refusal
from workflows.rules import CaseRules
from workflows.starter import route_filing

GUIDELINE = default_guideline()
FILINGS: dict[str, CaseFiling] = {
    "KSDD R1 (GWPP 32)": ksdd_filing(),
    "KSDD R2, mandatory (Minister)": ksdd_filing("32", "33", mandatory=True),
    "KSDD R3 (the province is a party)": ksdd_filing("32", "32.04"),
    "KSDPK mediation, no arbitration": ksdpk_filing(DisputeRoute.MEDIATION, arbitration=False),
    "KSDPK arbitration": ksdpk_filing(DisputeRoute.ARBITRATION),
    "KSDPK court, own musyawarah period": ksdpk_filing(DisputeRoute.COURT, musyawarah_days=20),
    "SINERGI R8 (through GWPP 32)": sinergi_filing(),
}
RULES = {
    name: CaseRules(GUIDELINE, filing, route_filing(filing, GUIDELINE, load_regions()))
    for name, filing in FILINGS.items()
}
NAMES = sorted(
    {a.name for stage in GUIDELINE.opening + GUIDELINE.tail for a in stage.actions}
    | {a.name for track in GUIDELINE.tracks.values() for s in track.stages for a in s.actions}
    | {a.name for a in GUIDELINE.common_actions}
    | {"approve_everything"}
)
KIND_OF = {
    a.name: a.payload
    for stage in [*GUIDELINE.opening, *GUIDELINE.tail]
    + [s for track in GUIDELINE.tracks.values() for s in track.stages]
    for a in stage.actions
} | {a.name: a.payload for a in GUIDELINE.common_actions}
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# Texts do not change a verdict once valid; drawn from a few, since drawing text is slow.
WORDS = st.sampled_from(["Catatan rapat", "abc", "Biaya dibagi dua, sesuai PKS/12/2024"])


def _deadline() -> Deadline:
    return Deadline(
        started_at=NOW,
        limit=Limit(amount=14, day_type="HK"),
        due_at=NOW + timedelta(days=20),
        due_date="2026-12-19",
        timezone="Asia/Jakarta",
        calendar_version="holidays-0.109",
    )


def _keys(rules: CaseRules) -> list[Actor]:
    """Every kind of key: each party, strangers, operators for each party, forums right and
    wrong, prosecutors covering the case or not, adjudicators, read-only keys."""
    parties = rules.party_ids
    province = rules.routing.gwpp_province or "32"
    scoped = [(Role.PARTY, p, None) for p in [*parties, "35.78", "NIB-9990000000009"]] + [
        (Role.OPERATOR, None, None),
        *((Role.OPERATOR, None, p) for p in [*parties, "35.78"]),
        (Role.PARTY, parties[0], parties[-1]),  # only operators record for someone else
        (Role.GWPP, province, None),
        (Role.GWPP, "33" if province != "33" else "35", None),
        (Role.MINISTER, None, None),
        (Role.PROSECUTOR, None, None),
        (Role.PROSECUTOR, "32", None),
        (Role.PROSECUTOR, "35.78", None),
        (Role.ADJUDICATOR, None, None),
        (Role.AUDITOR, None, None),
        (Role.ADMIN, None, None),
    ]
    return [
        Actor(key_id=f"k{i}", role=role, scope=scope, on_behalf_of=behalf)
        for i, (role, scope, behalf) in enumerate(scoped)
    ]


@st.composite
def states(draw: st.DrawFn, rules: CaseRules) -> CaseState:
    stage_name = draw(st.sampled_from(sorted(rules.stages)))
    stage = rules.stages[stage_name]
    parties = rules.party_ids
    running = draw(st.sampled_from(["running", "running", "paused", None]))
    clock = None
    if running is not None:
        paused = NOW if running == "paused" else None
        clock = Clock(stage=stage_name, deadline=_deadline(), paused_at=paused)
    proposal = None
    proposing = [a for a in stage.actions if a.effect is Effect.PROPOSE]
    reported: bool = draw(st.booleans())
    if proposing and reported:
        proposer = draw(st.sampled_from(parties))
        others = draw(st.lists(st.sampled_from(parties), unique=True))
        proposal = Proposal(
            action=draw(st.sampled_from([a.name for a in proposing])),
            proposed_by=proposer,
            payload={"terms": "Biaya dibagi dua"},
            confirmed_by=list(dict.fromkeys([proposer, *others])),
        )
    collected = {
        a.name: draw(st.lists(st.sampled_from(parties), unique=True))
        for a in stage.actions
        if a.every_party
    }
    threads = [
        _thread(number, status)
        for number, status in enumerate(
            draw(st.lists(st.sampled_from(list(ThreadStatus)), max_size=3)), start=1
        )
    ]
    return CaseState(
        case_id="PKD-2026-000001",
        stage=stage_name,
        status=CaseStatus.CLOSED if draw(st.integers(0, 9)) == 0 else CaseStatus.OPEN,
        filed_at=NOW,
        filed_by=Actor(key_id="op", role=Role.OPERATOR),
        clock=clock,
        proposal=proposal,
        collected=collected,
        extensions_used={stage_name: draw(st.sampled_from([0, 0, 1, 2]))},
        legal_opinions=threads,
    )


def payloads(kind: PayloadKind | None, parties: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid payloads of a kind, as varied as their fields allow (any payload for an action
    the guideline does not know)."""
    document = st.fixed_dictionaries(
        {
            "name": WORDS,
            "doc_type": st.sampled_from([t.value for t in DocumentType]),
            "sha256": st.sampled_from(["0" * 64, "ab" * 32]),
            "size": st.integers(0, 10_000),
        }
    )
    # Every party's consent half the time: what an extension needing all of them takes.
    consents = st.just(parties) | st.lists(st.sampled_from([*parties, "35.78"]), unique=True)
    strategies: dict[PayloadKind, st.SearchStrategy[dict[str, Any]]] = {
        PayloadKind.NONE: st.just({}),
        PayloadKind.NOTE: st.fixed_dictionaries({"text": WORDS}),
        PayloadKind.REASON: st.fixed_dictionaries({"reason": WORDS}),
        PayloadKind.COMPLETION_REQUEST: st.fixed_dictionaries(
            {"missing": st.lists(WORDS, min_size=1, max_size=3)}, optional={"reason": WORDS}
        ),
        PayloadKind.RESPONSE: st.fixed_dictionaries({"summary": WORDS}),
        PayloadKind.AGREEMENT: st.fixed_dictionaries({"terms": WORDS}),
        PayloadKind.DECISION: st.fixed_dictionaries({"number": WORDS, "summary": WORDS}),
        PayloadKind.RECORD: st.fixed_dictionaries({"reference": WORDS}),
        PayloadKind.DOCUMENT: document,
        PayloadKind.EXTENSION: st.fixed_dictionaries({"reason": WORDS, "consents": consents}),
        PayloadKind.LEGAL_OPINION_REQUEST: st.fixed_dictionaries({"question": WORDS}),
        PayloadKind.LEGAL_OPINION: st.fixed_dictionaries(
            {"thread": st.integers(1, 4), "opinion": WORDS}
        ),
        PayloadKind.INSTITUTION: st.fixed_dictionaries(
            {"institution": st.sampled_from(["PN-BANDUNG", "BANI"]), "reference": WORDS}
        ),
        # §9 D6–D7: an office covering the case or not; a thread to disclose, or none.
        PayloadKind.ADDRESSED_LEGAL_OPINION_REQUEST: st.fixed_dictionaries(
            {
                "question": WORDS,
                "addressee": st.sampled_from(
                    [
                        {"office": "jam_datun"},
                        {"office": "kejati", "region_code": "32"},
                        {"office": "kejari", "region_code": "35.78"},
                    ]
                ),
            }
        ),
        PayloadKind.LEGAL_OPINION_DISCLOSURE: st.fixed_dictionaries({"thread": st.integers(1, 4)}),
    }
    # §9 D10–D12, D2: the paper of 2026.2, around the representative payloads.
    paper_payloads = paper.REPRESENTATIVE_PAYLOADS
    berita_acara = st.fixed_dictionaries(
        {"reason": WORDS},
        optional={"document": st.just(paper_payloads[PayloadKind.BERITA_ACARA]["document"])},
    ).map(lambda p: p if "document" in p else {**p, "berita_acara_sha256": "ab" * 32})
    strategies |= {
        PayloadKind.MEETING_SCHEDULE: st.just(paper_payloads[PayloadKind.MEETING_SCHEDULE]),
        PayloadKind.MEETING_RECORD: st.fixed_dictionaries(
            {
                "meeting": st.integers(1, 3),
                "attendance": st.just([{"party": p, "status": "tidak_hadir"} for p in parties]),
                "document": document,
            }
        ),
        PayloadKind.BERITA_ACARA: berita_acara,
        PayloadKind.DEADLOCK: berita_acara.flatmap(
            lambda p: st.sampled_from([p, *({**p, "absent_party": q} for q in parties)])
        ),
        PayloadKind.FORMAL_DECISION: st.sampled_from([f.value for f in LegalForm]).map(
            lambda form: {**paper_payloads[PayloadKind.FORMAL_DECISION], "legal_form": form}
        ),
        PayloadKind.EXECUTION_REFERRAL: st.just(paper_payloads[PayloadKind.EXECUTION_REFERRAL]),
    }
    return strategies[kind] if kind is not None else st.just({})


KEYS = {case: _keys(rules) for case, rules in RULES.items()}
# Per case (its parties are the consents): two payloads of each kind, or of none for an unknown
# action. Built once: a strategy built per example is costlier than drawing from it.
TRIED = {
    case: st.fixed_dictionaries(
        {
            kind: st.lists(payloads(kind, rules.party_ids), min_size=2, max_size=2)
            for kind in [*PayloadKind, None]
        }
    )
    for case, rules in RULES.items()
}


def accepts(rules: CaseRules, state: CaseState, actor: Actor, name: str, payload: Any) -> bool:
    try:
        rules.check(state, ActionRequest(action=name, actor=actor, payload=payload))
    except Refusal:
        return False
    return True


def test_each_representative_payload_is_valid() -> None:
    # A payload model that gains a required field must change its representative too.
    assert set(REPRESENTATIVE_PAYLOADS) == set(PayloadKind)
    for kind, payload in REPRESENTATIVE_PAYLOADS.items():
        extra: dict[str, Any] = {"thread": 1} if kind is PayloadKind.LEGAL_OPINION else {}
        if kind is PayloadKind.MEETING_RECORD:  # the workflow names every party's attendance
            extra = {"attendance": [{"party": "32.04", "status": "hadir"}]}
        try:
            parse_payload(kind, {**payload, **extra})
        except PayloadError as error:
            pytest.fail(f"{kind}: {error}")


@settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_listed_is_accepted_and_unlisted_is_refused(data: st.DataObject) -> None:
    case = data.draw(st.sampled_from(sorted(RULES)), label="case")
    rules = RULES[case]
    state = data.draw(states(rules), label="state")
    # Two valid payloads of each kind, drawn once for every action and key.
    tried = data.draw(TRIED[case], label="payloads")
    # The stage's actions and §6's, and two others (refused in this stage whoever asks).
    elsewhere = [n for n in NAMES if rules.find(state.stage, n) is None]
    names = [a.name for a in rules.actions_in(state.stage)]
    names += data.draw(st.lists(st.sampled_from(elsewhere), min_size=2, max_size=2, unique=True))
    for actor in KEYS[case]:
        listed = available_names(rules, state, actor)
        for name in names:
            accepted = [
                p for p in tried[KIND_OF.get(name)] if accepts(rules, state, actor, name, p)
            ]
            if name in listed:
                # Listed: accepted with the payload a caller would send (every party's consent,
                # an open thread's number).
                assert accepts(rules, state, actor, name, _representative(rules, state, name))
            else:
                assert accepted == [], (actor, name, accepted)


def test_every_extension_and_opinion_a_caller_could_send_is_listed() -> None:
    """The payloads whose content the validator weighs (an extension's consents, the thread
    an opinion answers), every one of them, in every stage of every case, for every key."""
    for case, rules in RULES.items():
        parties = [*rules.party_ids, "35.78"]
        subsets = [[p for i, p in enumerate(parties) if mask >> i & 1] for mask in range(8)]
        for stage in rules.stages:
            state = CaseState(
                case_id="PKD-2026-000001",
                stage=stage,
                filed_at=NOW,
                filed_by=Actor(key_id="op", role=Role.OPERATOR),
                clock=Clock(stage=stage, deadline=_deadline()),
                extensions_used={stage: 0},
                legal_opinions=[
                    _thread(1, ThreadStatus.OPEN),
                    _thread(2, ThreadStatus.SUBMITTED),
                    _thread(3, ThreadStatus.OPEN),
                ],
            )
            sent: list[tuple[str, dict[str, Any]]] = [
                ("extend_deadline", {"reason": "Perlu waktu", "consents": c}) for c in subsets
            ]
            sent += [("submit_legal_opinion", {"thread": n, "opinion": "Sah"}) for n in range(5)]
            for actor in KEYS[case]:
                listed = available_names(rules, state, actor)
                for name, payload in sent:
                    if accepts(rules, state, actor, name, payload):
                        assert name in listed, (case, stage, actor, payload)


def _thread(number: int, status: ThreadStatus) -> LegalOpinionThread:
    return LegalOpinionThread(
        thread=number,
        requested_by=Actor(key_id="op", role=Role.OPERATOR),
        requested_at=NOW,
        stage="intake",
        question="Apakah sah?",
        deadline=_deadline(),
        status=status,
    )


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_an_operator_lists_what_it_may_record_for_each_party(data: st.DataObject) -> None:
    rules = RULES[data.draw(st.sampled_from(sorted(RULES)), label="case")]
    state = data.draw(states(rules), label="state")
    operator = Actor(key_id="op", role=Role.OPERATOR)
    found = {a.name: a for a in available_actions(rules, state, operator)}
    own = set(available_names(rules, state, operator))
    assert {name for name, a in found.items() if a.on_own_behalf} == own
    for party in rules.party_ids:
        behalf = operator.model_copy(update={"on_behalf_of": party})
        assert {n for n, a in found.items() if party in a.on_behalf_of} == set(
            available_names(rules, state, behalf)
        )
    assert all(a.on_own_behalf or a.on_behalf_of for a in found.values())
    assert "submit_legal_opinion" not in found  # an operator never answers for the prosecutor


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_whoever_is_awaited_may_take_what_it_is_awaited_for(data: st.DataObject) -> None:
    rules = RULES[data.draw(st.sampled_from(sorted(RULES)), label="case")]
    state = data.draw(states(rules), label="state")
    found = awaited(rules, state)
    if state.status is CaseStatus.CLOSED:
        assert found == [] and progress(rules, state) == []
        return
    stage = rules.stages[state.stage]
    own = {a.name for a in stage.actions}
    open_threads = [t.thread for t in state.legal_opinions if t.status is ThreadStatus.OPEN]
    assert [a.clock for a in found if a.clock != "stage"] == [
        f"legal_opinion:{n}" for n in open_threads
    ]
    for entry in found:
        actor = Actor(key_id="k", role=entry.role, scope=entry.scope)
        assert set(entry.actions) <= set(available_names(rules, state, actor)), entry
        if entry.clock == "stage":
            assert set(entry.actions) <= own  # never a §6 common action
            assert entry.due_at == (state.clock.deadline.due_at if state.clock else None)
        else:
            assert entry.role is Role.PROSECUTOR and entry.actions == ("submit_legal_opinion",)
        if state.proposal is not None and entry.clock == "stage":
            # Only the confirmations, from the parties that have not confirmed.
            assert entry.role is Role.PARTY and entry.scope not in state.proposal.confirmed_by
            assert all(_action(rules, n).effect is Effect.CONFIRM for n in entry.actions)
    # Every party that has not taken an every-party action is awaited for it, and no other.
    for action in stage.actions:
        if action.every_party and state.proposal is None and state.clock is not None:
            waiting = {e.scope for e in found if action.name in e.actions}
            taken = state.collected.get(action.name, [])
            assert waiting == {p for p in rules.party_ids if p not in taken}


def _action(rules: CaseRules, name: str) -> Action:
    action = next(a for stage in rules.stages.values() for a in stage.actions if a.name == name)
    return action


def _representative(rules: CaseRules, state: CaseState, name: str) -> dict[str, Any]:
    kind = KIND_OF[name]
    payload = dict(REPRESENTATIVE_PAYLOADS[kind])
    if kind is PayloadKind.EXTENSION:
        payload["consents"] = rules.party_ids
    if kind is PayloadKind.LEGAL_OPINION:
        payload["thread"] = next(
            t.thread for t in state.legal_opinions if t.status is ThreadStatus.OPEN
        )
    action = rules.find(state.stage, name)
    if kind is PayloadKind.FORMAL_DECISION and action is not None and action.decision_form:
        # D12: the legal form of the stage's decision (a Governor's, or the Minister's).
        payload["legal_form"] = action.decision_form.value
    return payload
