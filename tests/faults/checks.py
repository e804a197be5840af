"""After a fault: does what clients were told agree with what the cases' histories hold?

Temporal's history is the authority. For each case, every run's history (through the API, as an
auditor reads it) gives the `take_action` updates that completed and applied an action; the
timeline (read model) and the audit trail must come to hold exactly those keys, in that order,
and `verify` must pass. Each acknowledged key must be applied exactly once, and a
`duplicate: true` must follow an earlier attempt of the same key that applied it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from temporalio.client import WorkflowHistory

from audit.runs import RunHistory, parse_run
from tests.faults.load import KeySent, LoadRun

# The read model and the trail may follow the history later: the trail's writer is an activity
# whose lost attempt (a worker or server killed under it) is retried after its 30 s timeout.
CONVERGE_SECONDS = 60.0
SHOWN = 5  # examples of each kind of problem in a report


@dataclass
class CaseEvidence:
    """One case as its history, its timeline, its audit trail and its verification show it."""

    case_id: str
    runs: int = 0
    applied: list[tuple[str, int]] = field(default_factory=list)  # (update id, seq), by seq
    unfinished: list[str] = field(default_factory=list)  # accepted, never completed
    timeline: list[tuple[str | None, int]] = field(default_factory=list)
    audit: list[tuple[str, int]] = field(default_factory=list)  # (update id, timeline seq)
    verify: dict[str, Any] = field(default_factory=dict)
    waited: float = 0.0  # for the timeline and the trail to agree with the history

    @property
    def applied_keys(self) -> list[str]:
        return [key for key, _ in self.applied]

    @property
    def converged(self) -> bool:
        return self.timeline == self.applied and self.audit == self.applied


class Auditor:
    """Reads cases over HTTP with an auditor's key."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _get(self, path: str) -> dict[str, Any]:
        response = await self.http.get(path, headers=self.headers, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body

    async def evidence(self, case_id: str) -> CaseEvidence:
        """The case's evidence once the timeline and trail agree with the history, or as it
        stands after `CONVERGE_SECONDS`; then its verification."""
        began = time.monotonic()
        while True:
            found = await self._read(case_id)
            found.waited = time.monotonic() - began
            if found.converged or found.waited >= CONVERGE_SECONDS:
                break
            await asyncio.sleep(0.5)
        response = await self.http.post(
            f"/v1/cases/{case_id}/verify", headers=self.headers, timeout=60
        )
        assert response.status_code == 200, f"verify {case_id}: {response.text}"
        found.verify = response.json()
        return found

    async def _read(self, case_id: str) -> CaseEvidence:
        found = CaseEvidence(case_id)
        history = await self._get(f"/v1/cases/{case_id}/history")
        for index, run in enumerate(history["runs"], start=1):
            events = WorkflowHistory.from_json(case_id, {"events": run["events"]})
            parsed = parse_run(RunHistory(run_id=run["run_id"], history=events), index)
            assert not parsed.unreadable, parsed.unreadable
            for update in parsed.updates:
                if not update.completed:
                    found.unfinished.append(update.update_id)
                elif update.result is not None and not update.result.duplicate:
                    found.applied.append((update.update_id, update.result.seq))
        found.runs = len(history["runs"])
        found.applied.sort(key=lambda applied: applied[1])
        timeline = await self._get(f"/v1/cases/{case_id}/timeline")
        found.timeline = [
            (item["idempotency_key"], item["seq"])
            for item in timeline["items"]
            if item["kind"] == "action"
        ]
        audit = await self._get(f"/v1/cases/{case_id}/audit")
        # The actions' entries (the filing's, first, is checked by verify).
        found.audit = [
            (entry["update_id"], entry["timeline_seq"])
            for entry in audit["entries"]
            if entry["update_id"] != "filing"
        ]
        return found

    async def cases(self, case_ids: list[str]) -> dict[str, CaseEvidence]:
        found = await asyncio.gather(*(self.evidence(case_id) for case_id in case_ids))
        return {evidence.case_id: evidence for evidence in found}


@dataclass
class Findings:
    """Every disagreement between the answers clients got and the record, by kind."""

    sent: int = 0
    acknowledged: int = 0
    applied: int = 0
    runs: int = 0
    lost: list[str] = field(default_factory=list)  # acknowledged, never applied
    doubled: list[str] = field(default_factory=list)  # applied more than once
    phantom: list[str] = field(default_factory=list)  # in the trail, not applied in history
    false_duplicates: list[str] = field(default_factory=list)
    wrong_seq: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # a 4xx for a valid action
    unanswered: list[str] = field(default_factory=list)  # no 2xx or 4xx within the budget
    unfinished: list[str] = field(default_factory=list)
    timeline: list[str] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)
    restarted: bool = False  # a process was killed and started again
    recovery: float | None = None  # from its restart to the first acknowledgement after it
    max_latency: float = 0.0
    converged_after: float = 0.0  # the longest wait for a case's timeline and trail

    def problems(self) -> list[str]:
        """One line per kind of problem, with a few examples."""
        kinds = {
            "acknowledged but never applied (lost)": self.lost,
            "applied more than once (doubled)": self.doubled,
            "in the audit trail but not applied in history (phantom)": self.phantom,
            "duplicate: true without an earlier applied attempt": self.false_duplicates,
            "acknowledged with a seq other than history's": self.wrong_seq,
            "a valid action refused with a 4xx": self.refused,
            "no 2xx or 4xx within the key's budget": self.unanswered,
            "accepted in history, never completed": self.unfinished,
            "timeline differs from history": self.timeline,
            "audit trail differs from history": self.trail,
            "verify failed": self.verify,
        }
        problems = [
            f"{len(found)} {kind}: {'; '.join(found[:SHOWN])}"
            for kind, found in kinds.items()
            if found
        ]
        if self.restarted and self.recovery is None:
            problems.append("no action acknowledged after the restart")
        return problems

    def summary(self, scenario: str) -> str:
        recovery = "never" if self.recovery is None else f"{self.recovery:.1f} s"
        after_restart = f"recovery {recovery}, " if self.restarted else ""
        return (
            f"{scenario}: sent {self.sent}, acknowledged {self.acknowledged}, "
            f"applied {self.applied}, lost {len(self.lost)}, doubled {len(self.doubled)}, "
            f"phantom {len(self.phantom)}, false duplicates {len(self.false_duplicates)}, "
            f"wrong seq {len(self.wrong_seq)}, refused {len(self.refused)}, "
            f"unanswered {len(self.unanswered)}, timeline off {len(self.timeline)}, "
            f"trail off {len(self.trail)}, verify failed {len(self.verify)}, "
            f"runs {self.runs}, {after_restart}max latency {self.max_latency:.1f} s, "
            f"records converged after {self.converged_after:.1f} s"
        )


def examine(
    sent: list[KeySent], cases: dict[str, CaseEvidence], *, load: LoadRun | None = None
) -> Findings:
    """Compare every key's answers with the histories, and each case's records with its history
    (and, after a `load` under a fault, how soon actions were acknowledged again)."""
    findings = Findings(sent=len(sent), restarted=load is not None)
    if load is not None and load.recovered_at is not None:
        findings.recovery = load.recovered_at - load.restarted_at
    applied: dict[str, list[int]] = {}
    for evidence in cases.values():
        findings.runs += evidence.runs
        findings.converged_after = max(findings.converged_after, evidence.waited)
        for key, seq in evidence.applied:
            applied.setdefault(key, []).append(seq)
        _case_records(evidence, findings)
    for action in sent:
        _answers(action, applied.get(action.recorded_key, []), findings)
    return findings


def _answers(key: KeySent, seqs: list[int], findings: Findings) -> None:
    name = f"{key.case_id} {key.recorded_key}"
    acknowledgements = key.acknowledgements
    findings.applied += bool(seqs)
    if acknowledgements:
        findings.acknowledged += 1
        if not seqs:
            findings.lost.append(f"{name} ({key.describe()})")
    if len(seqs) > 1:
        findings.doubled.append(f"{name} at seq {seqs}")
    for index, attempt in enumerate(key.attempts):
        if not attempt.acknowledged:
            continue
        if attempt.duplicate and not (seqs and index > 0):
            findings.false_duplicates.append(f"{name} attempt {index + 1} ({key.describe()})")
        if seqs and attempt.seq not in seqs:
            findings.wrong_seq.append(f"{name}: answered seq {attempt.seq}, history {seqs}")
    answer = key.answer
    if answer is None:
        findings.unanswered.append(f"{name} ({key.describe()})")
    elif not answer.acknowledged:
        findings.refused.append(f"{name} ({key.describe()})")
    if key.latency is not None:
        findings.max_latency = max(findings.max_latency, key.latency)


def _case_records(evidence: CaseEvidence, findings: Findings) -> None:
    case_id = evidence.case_id
    counts = Counter(evidence.applied_keys)
    findings.doubled += [f"{case_id} {k} {n} times in history" for k, n in counts.items() if n > 1]
    findings.unfinished += [f"{case_id} {key}" for key in evidence.unfinished]
    history = set(evidence.applied_keys)
    findings.phantom += [f"{case_id} {key}" for key, _ in evidence.audit if key not in history]
    if evidence.timeline != evidence.applied:
        findings.timeline.append(f"{case_id}: {_difference(evidence.applied, evidence.timeline)}")
    if evidence.audit != evidence.applied:
        findings.trail.append(f"{case_id}: {_difference(evidence.applied, evidence.audit)}")
    if not evidence.verify.get("ok"):
        failed = [
            f"{check['name']}: {check['problems'][:2]}"
            for check in evidence.verify.get("checks", [])
            if not check["ok"]
        ]
        findings.verify.append(f"{case_id}: {failed}")


def _difference(expected: list[Any], found: list[Any]) -> str:
    missing = [item for item in expected if item not in found]
    extra = [item for item in found if item not in expected]
    if not missing and not extra:
        return f"same entries in another order: {found[:SHOWN]} vs history {expected[:SHOWN]}"
    return f"missing {missing[:SHOWN]}, extra {extra[:SHOWN]}"
