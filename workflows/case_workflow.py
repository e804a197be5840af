"""The case workflow: one per dispute, an interpreter of the guideline pinned in its input."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.deadlines import DeadlineActivities
    from activities.names import NOTIFY, PROJECT_CASE, RECORD_NOTICES, RECORD_TRAIL
    from models import search_attributes as sa
    from models.audit import FILING_UPDATE_ID, filing_payload
    from models.limits import MAX_ACTION_BYTES, MAX_CASE_STATE_BYTES
    from models.notices import EventType, NoticeBatch
    from models.payloads import (
        InstitutionRecord,
        LegalOpinion,
        LegalOpinionDisclosure,
        MeetingRecord,
        MeetingSchedule,
        documents_in,
    )
    from models.pedoman import Action, ClosingState, Effect, Stage, TimeoutKind
    from models.roles import Actor
    from models.state import (
        ActionRequest,
        ActionResult,
        AllowedAction,
        AttachedDocument,
        CaseInput,
        CaseProjection,
        CaseState,
        CaseStatus,
        CaseView,
        Clock,
        EntryKind,
        Notification,
        PartyStep,
        ProcessedAction,
        Proposal,
        ThreadStatus,
        TimelineEntry,
        TrailEntries,
    )
    from models.time import (
        Deadline,
        DeadlineRequest,
        ExtendRequest,
        Limit,
        RecountRequest,
        ResumeRequest,
    )
    from workflows import legal_opinions, paper, parties
    from workflows.awaiting import awaited
    from workflows.forum import MONITORED_BY, OBJECT_TO_DECISION, finality, monitor_after
    from workflows.institutions import record_institution
    from workflows.notices import is_decision, make_notice
    from workflows.recount import recount_detail
    from workflows.refusals import Refusal, RefusalCode
    from workflows.rules import CaseRules, CheckedAction

# Calendar and notification activities are quick and idempotent; a failing one is retried until
# it works rather than failing the case, so the retry interval is capped, not the attempts.
_ACTIVITY_TIMEOUT = timedelta(seconds=30)
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))
# Deadline arithmetic takes microseconds and touches nothing outside the worker, so it runs as a
# local activity: its result is still recorded in history (replay never consults the calendar),
# without a round trip through the server for every stage change.
_DEADLINE_TIMEOUT = timedelta(seconds=10)
# Projections are single small transactions, local for the same reason; retried until the
# database answers, since a case must never move on with a read model that lost a change. The
# interval stays short so a case answers within seconds of the database coming back.
_PROJECTION_TIMEOUT = timedelta(seconds=30)
_PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=2)
)
# The audit trail is written by a regular activity, which the server dispatches only once the
# workflow task that applied the actions has committed: a task that fails after applying an
# action (server unavailable, a payload over a limit) leaves nothing in the trail.
_TRAIL_TIMEOUT = timedelta(seconds=10)  # one small transaction; a lost attempt retries soon
_TRAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)
)
# How long the trail writer waits for the next action's projection to write the trail instead.
_TRAIL_QUIET = timedelta(seconds=1)
# Patch id: the trail from committed history (runs begun before it append from the projection).
TRAIL_AFTER_COMMIT = "trail-after-commit"
# Patch id: the filing is the trail's first entry (cases filed before it start with an action).
FILING_IN_TRAIL = "filing-in-trail"
# This code's version (workflows/VERSIONING.md) and every patch id it knows: an audit export
# names them, so an auditor's `verify-archive` can tell a history this build cannot replay.
CODE_VERSION = "v6"
# Patch id: notices recorded in the state and written to the outbox after commit (runs begun
# before it await a `notify` activity inside the action, as they always did).
NOTICES_AFTER_COMMIT = "notices-after-commit"
PATCHES = ("notify-on-transition", TRAIL_AFTER_COMMIT, FILING_IN_TRAIL, NOTICES_AFTER_COMMIT)


def _refuse(refusal: Refusal) -> ApplicationError:
    return ApplicationError(
        refusal.message,
        {"code": refusal.code.value, "message_id": refusal.message_id, **refusal.details},
        type=refusal.code.value,
        non_retryable=True,
    )


@workflow.defn(name="Case")
class CaseWorkflow:
    """A regional-cooperation dispute, from intake to its closing state."""

    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        self._input = case
        guideline = case.pinned.guideline
        self._rules = CaseRules(guideline, case.filing, case.routing)
        self._state = case.state or CaseState(
            case_id=case.case_id,
            stage=guideline.entry_stage,
            filed_at=workflow.now(),
            filed_by=case.filed_by,
        )
        self._processed = {p.key: p for p in self._state.processed}
        self._lock = asyncio.Lock()
        self._changed = False
        self._continuing = False  # about to continue as new: no new trail writes
        self._filed = case.state is not None  # the filing is in the timeline
        self._trail_busy = False
        self._notices_busy = False
        # When each unrecorded action was applied (history length): a later workflow task knows
        # the task that applied it has committed. Carried ones come from a committed run.
        self._applied_at = dict.fromkeys(self._state.unrecorded, 0)

    # ---------------------------------------------------------------- run

    @workflow.run
    async def run(self, case: CaseInput) -> CaseView:
        """Run the case's stages until it closes, continuing as new when history grows long."""
        # The pinned guideline's hash is checked before the case starts (workflows/starter.py):
        # a check here could only run on a first execution, so a replay would take another path.
        trail_writer = None
        if self._trail_after_commit():
            trail_writer = asyncio.create_task(self._write_trail())
        # Schedules nothing until a notice is made (never in a run begun before notices were).
        notice_writer = asyncio.create_task(self._write_notices())
        if case.state is None:
            async with self._lock:
                filed = self._record(
                    EntryKind.FILED, actor=case.filed_by, detail=case.routing.explanation
                )
                self._filed = True
                # Who filed, when and what (its hash) opens the trail, written like an action's
                # entry once this task has committed; a case filed before keeps its old trail.
                if trail_writer is not None and self._filing_in_trail():
                    filed.idempotency_key = FILING_UPDATE_ID
                    filed.payload = filing_payload(case)
                    self._await_commit(filed.seq)
                await self._start_clock()
                await self._notice(EventType.CASE_FILED, "a case was filed")
                await self._notice_awaited()
                self._publish()
                await self._project()
        while self._state.status is CaseStatus.OPEN:
            await self._wait_for_change_or_timer()
            if workflow.info().is_continue_as_new_suggested():
                # No trail write in flight (its completion would race the new run's start);
                # actions not yet in the trail go on in the new run's state.
                self._continuing = True
                await workflow.wait_condition(
                    lambda: (
                        workflow.all_handlers_finished()
                        and not self._trail_busy
                        and not self._notices_busy
                    )
                )
                if self._state.status is CaseStatus.OPEN:
                    self._state.runs += 1
                    workflow.continue_as_new(case.model_copy(update={"state": self._state}))
                self._continuing = False  # an action closed the case meanwhile
        # A closed case runs no more activities: every action is in the trail before it ends.
        await workflow.wait_condition(
            lambda: (
                workflow.all_handlers_finished()
                and not self._state.unrecorded
                and not self._trail_busy
                and not self._state.notices
                and not self._notices_busy
            )
        )
        if trail_writer is not None:
            trail_writer.cancel()
        notice_writer.cancel()
        return self._view()

    def _filing_in_trail(self) -> bool:
        """Whether this run, the case's first, puts its filing at the head of the trail (a patch:
        cases filed before it have none there). The first call records the answer for the run.
        Only a new execution records it, and every new one writes the trail after commit too."""
        return workflow.patched(FILING_IN_TRAIL)

    def _trail_after_commit(self) -> bool:
        """Whether this run writes the trail from committed history (a patch: runs begun before
        it append from the projection). The first call records the answer for the run."""
        return workflow.patched(TRAIL_AFTER_COMMIT)

    async def _wait_for_change_or_timer(self) -> None:
        self._changed = False
        timer = self._next_timer()
        if timer is None:
            await workflow.wait_condition(lambda: self._changed)
            return
        at, what = timer
        delay = at - workflow.now()
        if delay > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._changed, timeout=delay, timeout_summary=f"{what[0]} {what[1]}"
                )
                return
            except TimeoutError:
                pass
        async with self._lock:
            # An action may have moved the case while the lock was awaited.
            if self._next_timer() == timer:
                await self._fire(what)

    def _next_timer(self) -> tuple[datetime, tuple[str, Any]] | None:
        timers: list[tuple[datetime, tuple[str, Any]]] = []
        clock = self._state.clock
        if clock is not None and clock.paused_at is None:
            if not clock.overdue:
                timers += [
                    (r.at, ("reminder", r.percent))
                    for r in clock.deadline.reminders
                    if r.percent not in clock.reminders_sent
                ]
                timers.append((clock.deadline.due_at, ("due", clock.stage)))
            elif clock.next_overdue_reminder is not None:
                timers.append((clock.next_overdue_reminder, ("overdue_reminder", clock.stage)))
        open_threads = [
            t for t in self._state.legal_opinions if t.status is ThreadStatus.OPEN and not t.overdue
        ]
        timers += [(t.deadline.due_at, ("legal_opinion_due", t.thread)) for t in open_threads]
        # Only a guideline with `legal_opinion.reminders` gives a thread's deadline reminders.
        timers += [
            (r.at, ("legal_opinion_reminder", (t.thread, r.percent)))
            for t in open_threads
            for r in t.deadline.reminders
            if r.percent not in t.reminders_sent
        ]
        if self._state.monitor_at is not None:  # D15: only stages with `monitor_every`
            timers.append((self._state.monitor_at, ("monitor", self._state.stage)))
        return min(timers, key=lambda timer: timer[0]) if timers else None

    # ---------------------------------------------------------------- timers

    async def _fire(self, what: tuple[str, Any]) -> None:
        kind, subject = what
        state = self._state
        if kind == "reminder":
            assert state.clock is not None
            state.clock.reminders_sent.append(subject)
            self._record(EntryKind.REMINDER, detail=f"{subject}% of the {state.stage} limit")
            await self._notice(
                EventType.REMINDER,
                f"{subject}% of the {state.stage} limit has passed",
                legacy="reminder",
                percent=subject,
            )
        elif kind == "due":
            await self._on_timeout(self._rules.stages[state.stage])
        elif kind == "overdue_reminder":
            assert state.clock is not None
            self._record(EntryKind.REMINDER, detail=f"{state.stage} is still overdue")
            await self._notice(
                EventType.REMINDER,
                f"stage {state.stage} is still overdue",
                legacy="overdue_reminder",
            )
            await self._schedule_overdue_reminder(workflow.now())
        elif kind == "legal_opinion_reminder":
            number, percent = subject
            thread = next(t for t in state.legal_opinions if t.thread == number)
            thread.reminders_sent.append(percent)
            reminder = self._record(
                EntryKind.REMINDER, detail=f"{percent}% of legal-opinion thread {number}'s limit"
            )
            thread.seqs.append(reminder.seq)  # hidden with a confidential thread (D6)
            await self._notice(
                EventType.LEGAL_OPINION_REMINDER,
                f"{percent}% of the limit of legal opinion {number} has passed",
                legacy="legal_opinion_reminder",
                to=["prosecutor"],
                due_at=thread.deadline.due_at,
                thread=number,
                percent=percent,
            )
        elif kind == "monitor":
            # A stage with no limit (a trial) is never overdue: the forum is reminded to check.
            self._record(EntryKind.REMINDER, detail=f"monitoring: {state.stage} has no limit")
            await self._notice(
                EventType.REMINDER,
                f"stage {state.stage} has no limit; check its progress",
                legacy="monitoring_reminder",
            )
            assert state.monitor_at is not None
            await self._start_monitoring(self._rules.stages[state.stage], state.monitor_at)
        elif kind == "legal_opinion_due":
            thread = next(t for t in state.legal_opinions if t.thread == subject)
            thread.overdue = True
            overdue = self._record(
                EntryKind.OVERDUE, detail=f"legal-opinion thread {subject} is overdue"
            )
            thread.seqs.append(overdue.seq)
            await self._notice(
                EventType.LEGAL_OPINION_OVERDUE,
                f"legal opinion {subject} was due {thread.deadline.due_date}",
                legacy="legal_opinion_overdue",
                to=["prosecutor"],
                due_at=thread.deadline.due_at,
                thread=subject,
            )
        self._publish()
        await self._project()

    async def _on_timeout(self, stage: Stage) -> None:
        rule = stage.timeout
        expired = self._record(EntryKind.TIMEOUT, detail=f"limit of {stage.name} expired")
        # D3: who did not answer is named (a guideline without `missing_of` records the stage).
        silent = self._missing_at_timeout(stage)
        if silent is not None:
            expired.detail += f"; not taken by {', '.join(silent)}"
        if rule is None or rule.kind is TimeoutKind.OVERDUE:
            assert self._state.clock is not None
            self._state.clock.overdue = True
            self._record(EntryKind.OVERDUE, detail=f"stage {stage.name} is overdue")
            await self._notice(
                EventType.OVERDUE,
                f"stage {stage.name} is overdue; the forum must act",
                legacy="overdue",
            )
            if rule is not None and rule.repeat_every is not None:
                await self._schedule_overdue_reminder(self._state.clock.deadline.due_at)
            return
        if rule.records is not None:
            self._state.recorded[rule.records] = stage.name if silent is None else ", ".join(silent)
        if rule.outcome is not None:  # e.g. an appeal window lapsed: the judgment is final
            self._state.outcome = rule.outcome
        if rule.kind is TimeoutKind.CLOSE:
            assert rule.close is not None
            await self._close(rule.close)
        elif rule.kind is TimeoutKind.GOTO:
            assert rule.to is not None
            await self._move(self._rules.resolve(rule.to))
        else:
            action = self._rules.find(stage.name, str(rule.action))
            assert action is not None
            await self._follow(action)

    def _missing_at_timeout(self, stage: Stage) -> list[str] | None:
        """The parties that had not taken the stage's per-party action its timeout names."""
        rule = stage.timeout
        action = self._rules.find(stage.name, rule.missing_of) if rule and rule.missing_of else None
        if action is None:
            return None
        taken_by = self._state.collected.get(action.name, [])
        return parties.missing(self._input.filing, self._state, action, taken_by)

    async def _schedule_overdue_reminder(self, after: datetime) -> None:
        clock = self._state.clock
        assert clock is not None
        rule = self._rules.stages[clock.stage].timeout
        if rule is None or rule.repeat_every is None:
            return
        repeat = await self._compute(DeadlineRequest(start=after, limit=rule.repeat_every))
        clock.next_overdue_reminder = repeat.due_at

    # ---------------------------------------------------------------- the action update

    @workflow.update(name="take_action")
    async def take_action(self, request: ActionRequest) -> ActionResult:
        """Take an action of the guideline; its idempotency key is the update id."""
        key = workflow.current_update_info().id  # type: ignore[union-attr]
        if not self._filed and self._filing_in_trail():
            # An action delivered with the case's start would otherwise take the lock before
            # the filing is recorded (a case filed before this did so), and precede it.
            await workflow.wait_condition(lambda: self._filed)
        async with self._lock:
            done = self._processed.get(key)
            if done is not None:
                # Applied in an earlier run (the server's own deduplication covers this run).
                return self._result(done, duplicate=True)
            try:
                # The state may have moved since the validator ran (another action held the lock).
                checked = self._rules.check(self._state, request)
            except Refusal as refusal:
                raise _refuse(refusal) from None
            done = await self._apply(request, checked, key)
            self._remember(done)
            self._publish()
            await self._project()
            if self._trail_after_commit():
                self._await_commit(done.seq)
            self._changed = True
            return self._result(done)

    @workflow.update(name="filed")
    async def filed(self) -> int:
        """Return once the filing is in the read model (the API's synchronous filing)."""
        await workflow.wait_condition(lambda: self._state.projected_seq > 0)
        return self._state.version

    @take_action.validator
    def _validate(self, request: ActionRequest) -> None:
        info = workflow.current_update_info()
        if info is not None and info.id in self._processed:
            return
        self._check_size(request)
        try:
            self._rules.check(self._state, request)
        except Refusal as refusal:
            raise _refuse(refusal) from None

    def _check_size(self, request: ActionRequest) -> None:
        """Refuse what would push this workflow over Temporal's payload limits.

        The API refuses larger bodies first; this guards the case itself from any other caller,
        and keeps the state it carries (and continues as new with) within bounds.
        """
        size = len(json.dumps(request.payload, ensure_ascii=False).encode())
        if size > MAX_ACTION_BYTES:
            raise _refuse(
                Refusal(
                    RefusalCode.BAD_PAYLOAD,
                    "bad_payload.too_large",
                    size=size,
                    limit=MAX_ACTION_BYTES,
                )
            )
        state_size = len(self._state.model_dump_json().encode())
        if state_size + size > MAX_CASE_STATE_BYTES:
            raise _refuse(
                Refusal(
                    RefusalCode.BAD_PAYLOAD,
                    "bad_payload.case_full",
                    size=state_size,
                    limit=MAX_CASE_STATE_BYTES,
                )
            )

    async def _apply(
        self, request: ActionRequest, checked: CheckedAction, key: str
    ) -> ProcessedAction:
        state = self._state
        action = checked.action
        stage_before = state.stage
        documents = documents_in(checked.payload)
        entry = self._record(
            EntryKind.ACTION,
            action=action.name,
            actor=request.actor,
            key=key,
            payload=checked.payload.model_dump(mode="json"),
            documents=[d.sha256 for d in documents],
        )
        for document in documents:
            state.documents.append(
                AttachedDocument(
                    document=document,
                    attached_at=workflow.now(),
                    attached_by=request.actor,
                    stage=stage_before,
                    action=action.name,
                    seq=entry.seq,
                )
            )
        if action.records == "routing":
            state.recorded["routing"] = self._input.routing.rule.value
        elif action.records is not None:
            state.recorded[action.records] = stage_before
        if documents:
            await self._notice(
                EventType.DOCUMENT_ATTACHED,
                f"{len(documents)} document(s) attached with {action.name}",
                action=action.name,
                documents=[d.sha256 for d in documents],
            )
        if is_decision(action):
            await self._notice(
                EventType.DECISION_ISSUED, f"{action.name} in {stage_before}", action=action.name
            )
        await self._effect(request, checked, entry)
        entry.stage_after = state.stage
        return ProcessedAction(
            key=key,
            seq=entry.seq,
            action=action.name,
            stage_after=state.stage,
            fingerprint=request.fingerprint,
            request_id=request.request_id,
        )

    async def _effect(
        self, request: ActionRequest, checked: CheckedAction, entry: TimelineEntry
    ) -> None:
        action, payload, party = checked.action, checked.payload, checked.party
        state = self._state
        effect = action.effect
        if effect is Effect.OPEN_LEGAL_OPINION:
            deadline = await self._compute(
                DeadlineRequest(
                    start=workflow.now(),
                    limit=self._rules.guideline.legal_opinion.limit,
                    timezone=self._rules.guideline.timezone,
                    reminder_percents=self._thread_reminder_percents(),
                )
            )
            state.legal_opinions.append(
                legal_opinions.new_thread(
                    len(state.legal_opinions) + 1,
                    requested_by=request.actor,
                    party=party,
                    at=workflow.now(),
                    stage=state.stage,
                    payload=payload,
                    deadline=deadline,
                    confidential=self._rules.guideline.legal_opinion.confidential,
                    seq=entry.seq,
                )
            )
            await self._notice(
                EventType.LEGAL_OPINION_REQUESTED,
                "a legal opinion is requested",
                legacy="legal_opinion_requested",
                to=["prosecutor"],
                due_at=deadline.due_at,
                thread=len(state.legal_opinions),
                action=action.name,
            )
        elif effect is Effect.SUBMIT_LEGAL_OPINION:
            assert isinstance(payload, LegalOpinion)
            thread = next(t for t in state.legal_opinions if t.thread == payload.thread)
            thread.status = ThreadStatus.SUBMITTED
            thread.opinion = payload.opinion
            thread.submitted_by = request.actor
            thread.submitted_at = workflow.now()
            thread.document = payload.document
            thread.seqs.append(entry.seq)
            await self._notice(
                EventType.LEGAL_OPINION_SUBMITTED,
                f"legal opinion {thread.thread} was submitted",
                thread=thread.thread,
                action=action.name,
            )
        elif effect is Effect.DISCLOSE_LEGAL_OPINION:
            assert isinstance(payload, LegalOpinionDisclosure)
            thread = next(t for t in state.legal_opinions if t.thread == payload.thread)
            thread.disclosed_at = workflow.now()
            thread.disclosed_by = request.actor
            thread.seqs.append(entry.seq)
        elif effect is Effect.WITHDRAW_PARTY:
            assert party is not None
            await self._withdraw(action, party, entry)
        elif effect is Effect.EXTEND_DEADLINE:
            await self._extend()
        elif effect is Effect.PAUSE_CLOCK:
            assert state.clock is not None
            state.clock.paused_at = workflow.now()
        elif effect is Effect.RESUME_CLOCK:
            await self._resume()
        elif effect is Effect.RECOMPUTE_DEADLINE:  # D20: only a guideline with such an action
            entry.detail = await self._recompute()
        elif effect is Effect.RECORD_INSTITUTION:
            assert isinstance(payload, InstitutionRecord)
            record_institution(state, payload)
            await self._follow(action)
        elif effect is Effect.SCHEDULE_MEETING:  # D10
            assert isinstance(payload, MeetingSchedule)
            entry.detail = paper.meeting_detail(paper.schedule(state, request.actor, payload))
        elif effect is Effect.RECORD_MEETING:
            assert isinstance(payload, MeetingRecord)
            questions = self._rules.guideline.open_questions
            meeting = paper.record(state, request.actor, payload, questions)
            entry.detail = paper.meeting_detail(meeting)
        elif effect is Effect.PROPOSE:
            assert party is not None
            state.proposal = Proposal(
                action=action.name,
                proposed_by=party,
                payload=payload.model_dump(mode="json"),
                confirmed_by=[party],
            )
            await self._follow_when_everyone(action, state.proposal.confirmed_by)
            if state.proposal is not None:  # the other parties' turn to confirm (rule 3)
                await self._notice_awaited()
        elif effect is Effect.CONFIRM:
            assert state.proposal is not None and party is not None
            state.proposal.confirmed_by.append(party)
            proposed = self._rules.find(state.stage, state.proposal.action)
            assert proposed is not None
            await self._follow_when_everyone(proposed, state.proposal.confirmed_by)
        elif effect is Effect.TRANSITION:
            if parties.is_per_party(action):
                assert party is not None
                takers = state.collected.setdefault(action.name, [])
                takers.append(party)
                if action.every_party_of is not None:  # D3: each party's response is kept
                    state.responses.append(self._party_step(party, action, entry))
                await self._follow_when_everyone(action, takers)
            else:
                await self._follow(action)

    def _thread_reminder_percents(self) -> list[int]:
        """A legal-opinion thread's reminders: the stage's percents where the guideline gives
        threads reminders (pedoman.md §9 D22), none before it (a thread then has no timers)."""
        guideline = self._rules.guideline
        return guideline.reminder_percents if guideline.legal_opinion.reminders else []

    async def _follow_when_everyone(self, action: Action, taken_by: list[str]) -> None:
        # Only the parties still in the case count (D5; before D4 none ever left an open case).
        if not parties.missing(self._input.filing, self._state, action, taken_by):
            await self._follow(action)

    def _party_step(self, party: str, action: Action, entry: TimelineEntry) -> PartyStep:
        return PartyStep(
            party=party, action=action.name, stage=entry.stage_before, seq=entry.seq, at=entry.at
        )

    async def _withdraw(self, action: Action, party: str, entry: TimelineEntry) -> None:
        """D4: the party leaves; the case closes only when no requesting party is left, and
        otherwise goes on, where what waited for the party alone now proceeds (D5)."""
        state = self._state
        state.withdrawals.append(self._party_step(party, action, entry))
        filing = self._input.filing
        left = parties.requesting_left(filing, state)
        if not left:
            await self._follow(action)
            return
        entry.detail = f"{party} withdrew; the case goes on for {', '.join(left)}"
        if state.proposal is not None:
            proposed = self._rules.find(state.stage, state.proposal.action)
            if proposed is not None:
                await self._follow_when_everyone(proposed, state.proposal.confirmed_by)
                return
        for name, taken_by in list(state.collected.items()):
            collected = self._rules.find(state.stage, name)
            if collected is not None and taken_by:
                await self._follow_when_everyone(collected, taken_by)
                return

    async def _follow(self, action: Action) -> None:
        """Carry out where an action leads: an outcome, a close, or the next stage."""
        if action.outcome is not None:
            self._state.outcome = action.outcome
        if action.close is not None:
            await self._close(action.close)
        elif action.close_with_outcome:
            assert self._state.outcome is not None
            await self._close(self._state.outcome)
        elif action.to is not None:
            await self._move(self._rules.resolve(action.to))

    # ---------------------------------------------------------------- stages and clocks

    async def _move(self, stage: str) -> None:
        before = self._state.stage
        # D2: the body that produced an outcome here monitors it in the tail (a guideline that
        # names no such body, 2026.1, records nothing).
        rules = self._rules
        monitor = monitor_after(rules.guideline, rules.filing, rules.routing, rules.stages[before])
        if monitor is not None:
            self._state.recorded[MONITORED_BY] = monitor
        self._state.stage = stage
        self._state.proposal = None
        self._state.collected = {}
        self._record(EntryKind.TRANSITION, stage_before=before, detail=f"{before} → {stage}")
        await self._start_clock()
        # Tell whoever must act in the new stage, with its new due date (hence after the clock).
        # An extra activity changes the command sequence, so cases that moved before this was
        # deployed keep the old sequence: the patch procedure in workflows/VERSIONING.md.
        if self._notices_after_commit():
            await self._notice(EventType.STAGE_CHANGED, f"the case moved from {before} to {stage}")
            await self._notice_awaited()
        elif workflow.patched("notify-on-transition"):
            await self._notify("stage_changed", f"the case moved from {before} to {stage}")

    async def _close(self, closing_state: ClosingState) -> None:
        state = self._state
        state.status = CaseStatus.CLOSED
        state.closing_state = closing_state
        state.clock = None
        state.monitor_at = None
        for thread in state.legal_opinions:
            if thread.status is ThreadStatus.OPEN:
                thread.status = ThreadStatus.CLOSED_WITH_CASE
        self._record(EntryKind.CLOSED, detail=f"closed: {closing_state.value}")
        await self._notice(EventType.CASE_CLOSED, f"the case closed: {closing_state.value}")

    async def _start_clock(self) -> None:
        stage = self._rules.stages[self._state.stage]
        await self._start_monitoring(stage, workflow.now())
        limit = self._stage_limit(stage)
        if limit is None:
            self._state.clock = None
            return
        deadline = await self._compute(
            DeadlineRequest(
                start=workflow.now(),
                limit=limit,
                timezone=self._rules.guideline.timezone,
                reminder_percents=self._rules.guideline.reminder_percents,
                rolls_forward=stage.limit_rolls_forward,
            )
        )
        self._state.clock = Clock(stage=stage.name, deadline=deadline)

    async def _start_monitoring(self, stage: Stage, after: datetime) -> None:
        """The next monitoring reminder of a stage with `monitor_every` (none elsewhere: no
        command for a guideline without it)."""
        self._state.monitor_at = None
        if stage.monitor_every is None:
            return
        due = await self._compute(
            DeadlineRequest(
                start=after,
                limit=stage.monitor_every,
                timezone=self._rules.guideline.timezone,
                reminder_percents=[],
            )
        )
        self._state.monitor_at = due.due_at

    def _stage_limit(self, stage: Stage) -> Limit | None:
        clause = self._input.filing.agreement.dispute_clause
        if stage.agreement_limit and clause is not None and clause.musyawarah_days is not None:
            # D17: in the agreement's own day type (HKal unless it says hari kerja).
            return Limit(amount=clause.musyawarah_days, day_type=clause.musyawarah_day_type)
        return stage.limit

    async def _extend(self) -> None:
        state = self._state
        assert state.clock is not None
        extension = self._rules.stages[state.stage].extension
        assert extension is not None
        state.clock.deadline = await workflow.execute_local_activity_method(
            DeadlineActivities.extend_deadline,
            ExtendRequest(
                deadline=state.clock.deadline,
                extension=extension.limit,
                reminder_percents=self._rules.guideline.reminder_percents,
            ),
            start_to_close_timeout=_DEADLINE_TIMEOUT,
            retry_policy=_RETRY,
        )
        state.extensions_used[state.stage] = state.extensions_used.get(state.stage, 0) + 1
        self._refresh_after_reschedule(state.clock)

    async def _resume(self) -> None:
        clock = self._state.clock
        assert clock is not None and clock.paused_at is not None
        clock.deadline = await workflow.execute_local_activity_method(
            DeadlineActivities.resume_deadline,
            ResumeRequest(
                deadline=clock.deadline,
                paused_at=clock.paused_at,
                resumed_at=workflow.now(),
                reminder_percents=self._rules.guideline.reminder_percents,
            ),
            start_to_close_timeout=_DEADLINE_TIMEOUT,
            retry_policy=_RETRY,
        )
        clock.paused_at = None
        self._refresh_after_reschedule(clock)

    async def _recompute(self) -> str:
        """Count the stage's clock again with the worker's calendar (pedoman.md §9 D20); what
        moved, for the action's timeline entry."""
        clock = self._state.clock
        assert clock is not None
        before = clock.deadline
        extension = self._rules.stages[clock.stage].extension
        clock.deadline = await workflow.execute_local_activity_method(
            DeadlineActivities.recompute_deadline,
            RecountRequest(
                deadline=before,
                extension=extension.limit if extension is not None else None,
                reminder_percents=self._rules.guideline.reminder_percents,
            ),
            start_to_close_timeout=_DEADLINE_TIMEOUT,
            retry_policy=_RETRY,
        )
        self._refresh_after_reschedule(clock)
        return recount_detail(before, clock.deadline)

    def _refresh_after_reschedule(self, clock: Clock) -> None:
        # A later due instant lifts an overdue flag, and reminders not yet due fire again.
        now = workflow.now()
        if clock.deadline.due_at > now:
            clock.overdue = False
            clock.next_overdue_reminder = None
        clock.reminders_sent = [r.percent for r in clock.deadline.reminders if r.at <= now]

    async def _project(self) -> None:
        """Bring the read model up to this change (awaited, so a reply never outruns it)."""
        state = self._state
        entries = [e for e in state.timeline if e.seq > state.projected_seq]
        committed = self._committed_unrecorded()
        if self._trail_after_commit():
            trail = [state.timeline[seq - 1] for seq in committed]
        else:  # a run begun before: its new actions, as it always did
            trail = [e for e in entries if e.kind is EntryKind.ACTION]
        projection = CaseProjection(
            case=self._view(with_timeline=False),
            entries=entries,
            guideline=self._input.pinned if state.projected_seq == 0 else None,
            run=state.runs,
            event=workflow.info().get_current_history_length(),
            timeline_length=len(state.timeline),
            trail=trail,
        )
        # By name (activities/names.py): the projection's module loads the database libraries.
        await workflow.execute_local_activity(
            PROJECT_CASE,
            projection,
            start_to_close_timeout=_PROJECTION_TIMEOUT,
            retry_policy=_PROJECTION_RETRY,
        )
        state.projected_seq = state.timeline[-1].seq if state.timeline else 0
        self._recorded(committed)

    def _await_commit(self, seq: int) -> None:
        """Timeline entry `seq` goes to the trail once the task that made it has committed."""
        self._state.unrecorded.append(seq)
        self._applied_at[seq] = workflow.info().get_current_history_length()

    def _committed_unrecorded(self) -> list[int]:
        """Unrecorded actions applied by an earlier workflow task: that task has committed
        (a failed one is never followed by its own in-memory state), so the projection of
        this task may write them to the trail, sparing the trail writer a round trip."""
        now = workflow.info().get_current_history_length()
        return [seq for seq in self._state.unrecorded if self._applied_at.get(seq, 0) < now]

    def _recorded(self, seqs: list[int]) -> None:
        """These actions are in the trail (the writer and a projection may both have written
        some of them: removed by value, never as a prefix that may have moved meanwhile)."""
        if seqs:
            written = set(seqs)
            self._state.unrecorded = [s for s in self._state.unrecorded if s not in written]
            for seq in written:
                self._applied_at.pop(seq, None)

    async def _write_trail(self) -> None:
        """Append applied actions to the audit trail, once their workflow task has committed.

        A regular activity, scheduled by the task that applied them: the server runs it only
        after that task's completion is in history. Runs beside the case, so a slow database
        delays the trail (the case waits for it only before it closes or continues as new),
        never an answer or a deadline.
        """
        state = self._state
        while True:
            await workflow.wait_condition(lambda: bool(state.unrecorded) and not self._continuing)
            # A moment's quiet first: the next action's projection usually writes them (no
            # round trip); a closing case, or one going quiet, has them written here.
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: (
                        not state.unrecorded
                        or self._continuing
                        or state.status is CaseStatus.CLOSED
                    ),
                    timeout=_TRAIL_QUIET,
                    timeout_summary="trail",
                )
            if not state.unrecorded or self._continuing:
                continue
            seqs = list(state.unrecorded)
            self._trail_busy = True
            await workflow.execute_activity(
                RECORD_TRAIL,
                TrailEntries(
                    case_id=state.case_id, entries=[state.timeline[seq - 1] for seq in seqs]
                ),
                start_to_close_timeout=_TRAIL_TIMEOUT,
                retry_policy=_TRAIL_RETRY,
            )
            self._recorded(seqs)
            self._trail_busy = False

    async def _compute(self, request: DeadlineRequest) -> Deadline:
        return await workflow.execute_local_activity_method(
            DeadlineActivities.compute_deadline,
            request,
            start_to_close_timeout=_DEADLINE_TIMEOUT,
            retry_policy=_RETRY,
        )

    def _notices_after_commit(self) -> bool:
        """Whether this run records notices for the outbox (a patch: a run begun before it
        awaits the `notify` activity where it always did). The first call decides for the run."""
        return workflow.patched(NOTICES_AFTER_COMMIT)

    async def _notice(
        self,
        event: EventType,
        message: str,
        *,
        legacy: str | None = None,
        to: list[str] | None = None,
        due_at: datetime | None = None,
        thread: int | None = None,
        action: str | None = None,
        documents: list[str] | None = None,
        percent: int | None = None,
    ) -> None:
        """Tell the people the case needs: recorded now, written to the outbox once this task
        has committed, delivered by the dispatcher; the action's answer waits for none of it.
        A run begun before notices calls the `notify` activity instead where it did (`legacy`),
        and nothing where it did not."""
        if self._notices_after_commit():
            self._state.notices.append(
                make_notice(
                    self._rules,
                    self._state,
                    title=self._input.filing.title,
                    case_type=self._input.filing.case_type.value,
                    event=event,
                    message=message,
                    at=workflow.now(),
                    due_at=due_at,
                    thread=thread,
                    action=action,
                    documents=documents,
                    percent=percent,
                )
            )
        elif legacy is not None:
            await self._notify(legacy, message, to=to, due_at=due_at)

    async def _notice_awaited(self) -> None:
        """Tell whoever the case now waits for that it is their turn (nobody: no notice)."""
        state = self._state
        if not self._notices_after_commit() or state.status is not CaseStatus.OPEN:
            return
        if awaited(self._rules, state):
            await self._notice(EventType.ACTION_REQUIRED, f"action required in {state.stage}")

    async def _write_notices(self) -> None:
        """Write the case's notices to the outbox, once the task that made them has committed.

        A regular activity, which the server dispatches only after the scheduling task's
        completion is in history, like the trail writer's: a task that fails after making a
        notice leaves nothing to deliver. It runs beside the case, so no answer waits for it.
        """
        state = self._state
        while True:
            await workflow.wait_condition(lambda: bool(state.notices) and not self._continuing)
            batch = list(state.notices)
            self._notices_busy = True
            await workflow.execute_activity(
                RECORD_NOTICES,
                NoticeBatch(case_id=state.case_id, notices=batch),
                start_to_close_timeout=_TRAIL_TIMEOUT,
                retry_policy=_TRAIL_RETRY,
            )
            written = {n.notice_id for n in batch}
            state.notices = [n for n in state.notices if n.notice_id not in written]
            self._notices_busy = False

    async def _notify(
        self,
        kind: str,
        message: str,
        *,
        to: list[str] | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """A run begun before notices: the `notify` activity, awaited where it always was."""
        clock = self._state.clock
        stage = self._rules.stages[self._state.stage]
        await workflow.execute_activity(
            NOTIFY,
            Notification(
                case_id=self._state.case_id,
                kind=kind,
                stage=self._state.stage,
                message=message,
                due_at=due_at or (clock.deadline.due_at if clock else None),
                to=to or [kind.value for kind in stage.actors],
            ),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY,
        )

    # ---------------------------------------------------------------- records

    def _record(
        self,
        kind: EntryKind,
        *,
        action: str | None = None,
        actor: Actor | None = None,
        key: str | None = None,
        payload: dict[str, Any] | None = None,
        documents: list[str] | None = None,
        stage_before: str | None = None,
        detail: str = "",
    ) -> TimelineEntry:
        state = self._state
        state.version += 1
        entry = TimelineEntry(
            seq=len(state.timeline) + 1,
            at=workflow.now(),
            kind=kind,
            stage_before=stage_before or state.stage,
            stage_after=state.stage,
            action=action,
            actor=actor,
            idempotency_key=key,
            payload=payload or {},
            documents=documents or [],
            detail=detail,
        )
        state.timeline.append(entry)
        return entry

    def _remember(self, processed: ProcessedAction) -> None:
        state = self._state
        state.processed.append(processed)
        self._processed[processed.key] = processed
        overflow = len(state.processed) - self._input.max_remembered_keys
        if overflow > 0:
            for old in state.processed[:overflow]:
                self._processed.pop(old.key, None)
            del state.processed[:overflow]

    def _publish(self) -> None:
        """Mirror stage, status, due date and overdue flag into search attributes."""
        state = self._state
        clock = state.clock
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(state.stage),
            sa.CASE_STATUS.value_set(state.status.value),
            sa.CASE_OVERDUE.value_set(clock.overdue if clock else False),
            sa.CASE_DUE_AT.value_set(clock.deadline.due_at)
            if clock
            else sa.CASE_DUE_AT.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)

    def _result(self, done: ProcessedAction, *, duplicate: bool = False) -> ActionResult:
        state = self._state
        seq = done.seq
        before = (
            state.timeline[seq - 1].stage_before if seq <= len(state.timeline) else done.stage_after
        )
        return ActionResult(
            case_id=state.case_id,
            seq=seq,
            action=done.action,
            stage_before=before,
            stage=state.stage,
            status=state.status,
            closing_state=state.closing_state,
            deadline=state.clock.deadline if state.clock else None,
            duplicate=duplicate,
            version=state.version,
            fingerprint=done.fingerprint,
            request_id=done.request_id,
        )

    # ---------------------------------------------------------------- queries

    @workflow.query(name="view")
    def view(self) -> CaseView:
        """The case's full live state: stage, deadlines, allowed actions, parties, timeline."""
        return self._view()

    @workflow.query(name="projection")
    def projection(self) -> CaseProjection:
        """Everything the read model holds of this case, to rebuild it (`mufakat reindex`)."""
        return CaseProjection(
            case=self._view(with_timeline=False),
            entries=self._state.timeline,
            guideline=self._input.pinned,
            run=self._state.runs,
            timeline_length=len(self._state.timeline),
        )

    @workflow.query(name="allowed_actions")
    def allowed_actions(self, actor: Actor) -> list[str]:
        """The actions this actor may take now."""
        return [action.name for action in self._rules.allowed(self._state, actor)]

    def _finality(self) -> str | None:
        """What binds the decision being carried out (D13), once it has been issued."""
        state, rules = self._state, self._rules
        stage = rules.stages[state.stage]
        window = any(a.name == OBJECT_TO_DECISION for a in stage.actions)
        carried_out = any(s.name == state.stage for s in rules.guideline.tail)
        if state.status is CaseStatus.CLOSED or not (window or carried_out):
            return None
        return finality(rules.guideline, rules.routing, state.outcome, objection_open=window)

    def _view(self, *, with_timeline: bool = True) -> CaseView:
        state = self._state
        stage = self._rules.stages[state.stage]
        clock = state.clock
        return CaseView(
            case_id=state.case_id,
            case_type=self._input.filing.case_type.value,
            title=self._input.filing.title,
            version=state.version,
            stage=state.stage,
            stage_title=stage.title,
            status=state.status,
            closing_state=state.closing_state,
            outcome=state.outcome,
            routing=self._input.routing,
            filing=self._input.filing,
            filed_at=state.filed_at,
            filed_by=state.filed_by,
            updated_at=state.timeline[-1].at if state.timeline else state.filed_at,
            guideline_version=self._rules.guideline.version,
            guideline_hash=self._input.pinned.content_hash,
            clock=clock,
            overdue=bool(clock and clock.overdue),
            paused=bool(clock and clock.paused_at is not None),
            legal_opinions=state.legal_opinions,
            documents=state.documents,
            meetings=state.meetings,
            finality=self._finality(),
            responses=state.responses,
            withdrawals=state.withdrawals,
            monitor_at=state.monitor_at,
            proposal=state.proposal,
            collected=state.collected,
            recorded=state.recorded,
            allowed_actions=[
                AllowedAction(
                    action=a.name,
                    actors=[kind.value for kind in a.actors],
                    description=a.description,
                )
                for a in self._rules.allowed(state)
            ],
            timeline=state.timeline if with_timeline else [],
            runs=state.runs,
            trail_pending=list(state.unrecorded),
        )
