"""Everything the case page shows, read through the services and put in the words of the
pedoman: the header, the diagram, the clocks, who must act, the forms, the timeline, the
legal-opinion threads and the documents.

Read in one go off the event loop (`case_page`), so the page, the answer to an action and the
answer to an upload show the same thing the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from api.auth import Caller
from api.konsol import case_paper, names
from api.konsol.action_forms import ActionForm, CaseChoices, Choice, action_form
from api.konsol.case_graph import case_facts, path_taken
from api.konsol.case_record import (
    DocumentLine,
    Event,
    Thread,
    document_line,
    event,
    size_text,
    thread_line,
)
from api.konsol.clocks import Clock, StageClock, clock, provisional, stage_clock
from api.konsol.diagram import Diagram, stage_diagram
from api.konsol.forum_text import explanation
from api.konsol.render import pesan
from api.konsol.texts import _
from api.messages.catalogue import Message
from api.schemas import AllowedActionPublic, CasePublic
from api.services.backend import Backend
from api.services.case_view import pinned_guideline
from api.services.cases import read_case, timeline
from models.case import CaseType, Party
from models.pedoman import Guideline, PayloadKind
from models.regions import Region, load_regions
from models.state import LegalOpinionThread
from models.zones import TimeZone

# Uploading is its own form (a file, its type), never the generic form of `attach_document`.
ATTACH = "attach_document"


@dataclass(frozen=True)
class PartyLine:
    name: str
    side: str
    kind: str
    party_id: str
    region: str | None
    withdrawn: bool = False


@dataclass(frozen=True)
class Awaiting:
    who: str
    actions: str
    clock: Clock | None


@dataclass(frozen=True)
class Progress:
    action: str
    done: str
    missing: str


@dataclass(frozen=True)
class Upload:
    """The upload form: who it may be recorded for, and its key."""

    on_own_behalf: bool
    on_behalf_of: tuple[Choice, ...]
    idempotency_key: str
    doc_types: tuple[Choice, ...]
    max_bytes: int
    error: str = ""

    @property
    def limit(self) -> str:
        """The largest file, as "20,0 MB"."""
        return size_text(self.max_bytes)


@dataclass(frozen=True)
class CasePage:
    case: CasePublic
    guideline: Guideline
    case_type: str
    status: str
    closing: str
    parties: tuple[PartyLine, ...]
    forum: str
    rule_text: str
    diagram: Diagram
    stage_clock: StageClock
    awaiting: tuple[Awaiting, ...]
    progress: tuple[Progress, ...]
    stage_forms: tuple[ActionForm, ...]
    other_forms: tuple[ActionForm, ...]
    upload: Upload | None
    events: tuple[Event, ...]
    documents: tuple[DocumentLine, ...]
    threads: tuple[Thread, ...]
    choices: CaseChoices
    # Guideline 2026.2 (pedoman.md §9): empty for a case under a guideline without them.
    meetings: tuple[case_paper.StageMeetings, ...] = ()
    keeps_meetings: bool = False  # the guideline schedules meetings (D10)
    responses: tuple[case_paper.Responses, ...] = ()
    withdrawals: tuple[case_paper.Withdrawal, ...] = ()
    outcome: str = ""  # the result being carried out, named
    request_letter: str = ""
    finality: str = ""
    monitoring: str = ""
    provisional: str = ""

    def form_for(self, action: str) -> ActionForm | None:
        return next((f for f in self.forms if f.action == action), None)

    @property
    def forms(self) -> tuple[ActionForm, ...]:
        return (*self.stage_forms, *self.other_forms)

    def explain(self, detail: Message | str) -> str:
        """A refusal's detail in Indonesian, naming actions and stages as the page does
        ("Nyatakan musyawarah buntu", "Fasilitasi Gubernur …"), never by their ids."""
        if isinstance(detail, Message):
            detail = replace(detail, params={k: self._named(v) for k, v in detail.params.items()})
        text = pesan(detail).strip()
        return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")

    def _named(self, value: object) -> object:
        if isinstance(value, Message):
            return replace(value, params={k: self._named(v) for k, v in value.params.items()})
        if isinstance(value, list | tuple):
            return [self._named(each) for each in value]
        if isinstance(value, str):
            stage = self.guideline.stages_for(CaseType(self.case.case_type)).get(value)
            if stage is not None:
                return stage.title
            if value in names.ACTIONS:
                return names.ACTIONS[value]
        return value

    def with_form(self, refused: ActionForm) -> CasePage:
        """The page with `refused` in place of its action's form (first, when it is no longer
        offered: the user must see why it was refused)."""
        if any(f.action == refused.action for f in self.stage_forms):
            forms = tuple(refused if f.action == refused.action else f for f in self.stage_forms)
            return replace(self, stage_forms=forms)
        if any(f.action == refused.action for f in self.other_forms):
            forms = tuple(refused if f.action == refused.action else f for f in self.other_forms)
            return replace(self, other_forms=forms)
        return replace(self, stage_forms=(refused, *self.stage_forms))


def case_page(backend: Backend, caller: Caller, case_id: str, now: datetime) -> CasePage:
    """The case as this caller may see it, ready to show (404/403 as the API answers)."""
    case = read_case(backend.engine, caller, case_id)
    with Session(backend.engine) as session:
        items = timeline(session, caller, case_id).items
        guideline = pinned_guideline(session, case.guideline_hash)
    stages = guideline.stages_for(CaseType(case.case_type))
    parties = {p.party_id: p for p in case.parties}
    calendar = backend.calendar
    stage = stages[case.stage]
    choices = _choices(case, case_paper.office_zone(stage, case, guideline))
    withdrawn = case_paper.withdrawn_parties(case)
    # Each action's payload kind in this guideline, for the timeline's labels.
    kinds = {a.name: a.payload for a in reversed(list(guideline.every_action()))}
    stage_actions = {a.name for a in stage.actions}
    forms = [
        _form(allowed, case, choices, guideline)
        for allowed in case.allowed_actions
        if allowed.action != ATTACH
    ]
    clause = case.agreement.dispute_clause
    facts = case_facts(
        case.case_type,
        case.routing.forum.value,
        clause.route.value if clause else None,
        bool(clause and clause.arbitration_allowed),
        case.agreement.mandatory_cooperation,
    )
    open_case = case.status.value == "open"
    return CasePage(
        case=case,
        guideline=guideline,
        case_type=names.named(names.CASE_TYPES, case.case_type),
        status=_("Berjalan") if open_case else _("Selesai"),
        closing=names.named(names.CLOSING_STATES, _value(case.closing_state)),
        parties=tuple(_party(p, p.party_id in withdrawn) for p in case.parties),
        forum=names.forum_name(
            case.routing.forum.value,
            case.routing.gwpp_province,
            _value(case.routing.clause_route),
        ),
        rule_text=explanation(case.routing, _regions(case.parties)),
        diagram=stage_diagram(
            guideline,
            facts,
            path=path_taken(
                guideline.entry_stage, ((i.stage_before, i.stage_after) for i in items)
            ),
            current=case.stage if open_case else None,
            closing_state=_value(case.closing_state),
        ),
        stage_clock=stage_clock(
            stage=stage,
            deadline=case.deadline,
            timeline=items,
            guideline=guideline,
            calendar=calendar,
            now=now,
        ),
        awaiting=tuple(
            Awaiting(
                who=a.name,
                actions=", ".join(names.action_name(n) for n in a.actions),
                clock=clock(a.deadline, calendar, now) if a.deadline else None,
            )
            for a in case.awaiting
        ),
        progress=tuple(
            Progress(
                action=names.action_name(p.action),
                done=_party_names(p.done_by, parties),
                missing=_party_names(p.missing, parties),
            )
            for p in case.progress
        ),
        stage_forms=tuple(f for f in forms if f.action in stage_actions),
        other_forms=tuple(f for f in forms if f.action not in stage_actions),
        upload=_upload(case, backend.settings.documents_max_bytes),
        # Newest first: the page is where a case is worked, and what happened last is what its
        # reader needs first; the audit view keeps the trail in order.
        events=tuple(event(i, stages, parties, kinds) for i in reversed(items)),
        documents=tuple(document_line(d, stages, parties) for d in reversed(case.documents)),
        threads=tuple(
            thread_line(t, case, stages, parties, calendar, now) for t in case.legal_opinions
        ),
        choices=choices,
        meetings=case_paper.meetings_by_stage(case, guideline, parties),
        keeps_meetings=any(
            a.payload is PayloadKind.MEETING_SCHEDULE for a in guideline.every_action()
        ),
        responses=case_paper.responses(case, guideline, parties, (i.stage_before for i in items)),
        withdrawals=case_paper.withdrawals(case, guideline, parties),
        outcome=names.named(names.CLOSING_STATES, _value(case.outcome)),
        finality=case_paper.finality(case),
        request_letter=case_paper.request_letter(case),
        monitoring=case_paper.monitoring(stage, case) if open_case else "",
        provisional=provisional(case.deadline),
    )


def _value(enum: Any) -> str | None:
    return None if enum is None else str(getattr(enum, "value", enum))


def _party(party: Party, withdrawn: bool) -> PartyLine:
    return PartyLine(
        name=party.name,
        side=names.named(names.SIDES, party.side.value),
        kind=names.named(names.PARTY_KINDS, party.kind.value),
        party_id=party.party_id,
        region=names.region_name(party.region_code),
        withdrawn=withdrawn,
    )


def _regions(parties: Sequence[Party]) -> list[Region]:
    """The parties' regions in the filing's order, as the routing rules read them."""
    directory = load_regions()
    return [directory.get(p.region_code) for p in parties if p.region_code is not None]


def _party_names(ids: Sequence[str], parties: Mapping[str, Party]) -> str:
    if not ids:
        return "—"
    return ", ".join(parties[i].name if i in parties else i for i in ids)


def _choices(case: CasePublic, zone: TimeZone) -> CaseChoices:
    documents = tuple(
        Choice(d.document.sha256, f"{d.document.name} ({d.document.sha256[:12]}…)")
        for d in case.documents
    )
    return CaseChoices(
        parties=tuple(Choice(p.party_id, p.name) for p in case.parties),
        documents=documents,
        threads=tuple(_thread_choice(t) for t in case.legal_opinions if t.status.value == "open"),
        references={d.document.sha256: d.document.model_dump(mode="json") for d in case.documents},
        # A meeting is recorded once (D10): those scheduled and not yet recorded.
        meetings=tuple(
            Choice(
                str(m.number),
                _("Rapat %(n)s: %(when)s — %(agenda)s")
                % {
                    "n": m.number,
                    "when": case_paper.local_time(m.at, zone),
                    "agenda": m.agenda[:60],
                },
            )
            for m in case.meetings
            if not m.held
        ),
        timezone=zone.iana,
        zone=zone.name or zone.iana,
    )


def _thread_choice(thread: LegalOpinionThread) -> Choice:
    return Choice(
        str(thread.thread),
        _("Utas %(n)s: %(q)s") % {"n": thread.thread, "q": thread.question[:80]},
    )


def _on_behalf(allowed: AllowedActionPublic, case: CasePublic) -> tuple[Choice, ...]:
    parties = {p.party_id: p.name for p in case.parties}
    return tuple(Choice(i, parties.get(i, i)) for i in allowed.on_behalf_of)


def _form(
    allowed: AllowedActionPublic, case: CasePublic, choices: CaseChoices, guideline: Guideline
) -> ActionForm:
    threads = choices.threads
    if allowed.threads:
        # The threads this action may name: open ones to answer, or (D6) a submitted one its
        # requester may disclose.
        wanted = {str(n) for n in allowed.threads}
        threads = tuple(_thread_choice(t) for t in case.legal_opinions if str(t.thread) in wanted)
    return action_form(
        action=allowed.action,
        label=names.action_name(allowed.action, allowed.description),
        description=allowed.description,
        payload_kind=allowed.payload_kind,
        on_own_behalf=allowed.on_own_behalf,
        on_behalf_of=_on_behalf(allowed, case),
        case=replace(choices, threads=threads),
    )


def refused_form(page: CasePage, action: str, on_behalf_of: str | None, key: str) -> ActionForm:
    """The form of an action that was just refused, with the key it was sent with: the one on
    the page when the action is still offered, else one made from the guideline."""
    offered = page.form_for(action)
    if offered is not None:
        return replace(offered, idempotency_key=key)
    kind = next(
        (a.payload for a in page.guideline.every_action() if a.name == action), PayloadKind.NONE
    )
    chosen = tuple(p for p in page.choices.parties if p.value == on_behalf_of)
    return action_form(
        action=action,
        label=names.action_name(action),
        description="",
        payload_kind=kind,
        on_own_behalf=on_behalf_of is None,
        on_behalf_of=chosen,
        case=page.choices,
        idempotency_key=key,
    )


def _upload(case: CasePublic, max_bytes: int) -> Upload | None:
    allowed = next((a for a in case.allowed_actions if a.action == ATTACH), None)
    if allowed is None:
        return None
    return Upload(
        on_own_behalf=allowed.on_own_behalf,
        on_behalf_of=_on_behalf(allowed, case),
        idempotency_key=uuid.uuid4().hex,
        doc_types=tuple(Choice(k, v) for k, v in names.DOCUMENT_TYPES.items()),
        max_bytes=max_bytes,
    )
