"""What one run of a case's history says: its input, its actions and their outcomes, its end.

Read from the events alone, without replaying: the checks of `audit.checks` compare
it with the read model and the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from models.state import ActionRequest, ActionResult, CaseInput, CaseView
from workflows.starter import TAKE_ACTION

# The case workflow's type name, as every run of a case records it.
WORKFLOW_TYPE = "Case"

_T = TypeVar("_T")
# The marker sdk-core records for `workflow.patched`, and the key of its details.
PATCH_MARKER, PATCH_DETAILS = "core_patch", "patch-data"
# How a run ends when the case goes on in a new run, and how it ends for good.
CONTINUED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
CLOSED_EVENTS = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    }
)


@dataclass(frozen=True)
class RunHistory:
    """One workflow run of a case and its event history."""

    run_id: str
    history: WorkflowHistory


def document_runs(case_id: str, document: dict[str, Any]) -> list[RunHistory]:
    """The runs of an exported history document (`audit.verify.history_document`).

    Raises KeyError, TypeError or ValueError when the document is not one.
    """
    return [
        RunHistory(
            run_id=run["run_id"],
            history=WorkflowHistory.from_json(case_id, {"events": run["events"]}),
        )
        for run in document["runs"]
    ]


@dataclass
class ParsedUpdate:
    """A `take_action` update in a run: its request and, once completed, its outcome."""

    update_id: str
    request: ActionRequest | None
    completed: bool = False
    result: ActionResult | None = None


@dataclass
class ParsedRun:
    """What the checks need from one run's events."""

    index: int
    run_id: str
    events: Sequence[HistoryEvent]
    workflow_type: str = ""
    continues: str = ""
    input: Payloads | None = None
    case: CaseInput | None = None
    continued_as: str | None = None
    continued_with: Payloads | None = None
    result: CaseView | None = None
    updates: list[ParsedUpdate] = field(default_factory=list)
    # The `workflow.patched` ids the run recorded: which branches of the code it took.
    patches: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"run {self.index} ({self.run_id})"

    @property
    def ended(self) -> EventType.ValueType | None:
        return self.events[-1].event_type if self.events else None


def parse_run(run: RunHistory, index: int) -> ParsedRun:
    parsed = ParsedRun(index=index, run_id=run.run_id, events=run.history.events)
    updates: dict[str, ParsedUpdate] = {}
    for event in parsed.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = event.workflow_execution_started_event_attributes
            parsed.workflow_type = started.workflow_type.name
            parsed.continues = started.continued_execution_run_id
            parsed.input = started.input
            parsed.case = _read(parsed, started.input, CaseInput, "its input")
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            if request.input.name != TAKE_ACTION:  # `filed` confirms the filing; not an action
                continue
            update_id = request.meta.update_id
            action = _read(parsed, request.input.args, ActionRequest, f"update {update_id}")
            updates[update_id] = ParsedUpdate(update_id=update_id, request=action)
            parsed.updates.append(updates[update_id])
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            completed = event.workflow_execution_update_completed_event_attributes
            update = updates.get(completed.meta.update_id)
            if update is None:
                continue
            update.completed = True
            if completed.outcome.HasField("success"):
                what = f"the outcome of update {update.update_id}"
                update.result = _read(parsed, completed.outcome.success, ActionResult, what)
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            patch = _patch_id(parsed, event)
            if patch is not None and patch not in parsed.patches:
                parsed.patches.append(patch)
        elif kind == CONTINUED:
            continued = event.workflow_execution_continued_as_new_event_attributes
            parsed.continued_as = continued.new_execution_run_id
            parsed.continued_with = continued.input
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            outcome = event.workflow_execution_completed_event_attributes.result
            parsed.result = _read(parsed, outcome, CaseView, "its result")
    return parsed


def _patch_id(run: ParsedRun, event: HistoryEvent) -> str | None:
    marker = event.marker_recorded_event_attributes
    if marker.marker_name != PATCH_MARKER:
        return None
    try:
        [data] = pydantic_data_converter.payload_converter.from_payloads(
            list(marker.details[PATCH_DETAILS].payloads)
        )
        return str(data["id"])
    except Exception as error:  # an altered marker must be reported, not crash the audit
        run.unreadable.append(
            f"{run.name}: event {event.event_id} is not a readable patch: {error}"
        )
        return None


def decode_payloads(payloads: Payloads, kind: type[_T]) -> _T:
    value = pydantic_data_converter.payload_converter.from_payloads(
        list(payloads.payloads), [kind]
    )[0]
    if not isinstance(value, kind):
        raise TypeError(f"decoded a {type(value).__name__}, not a {kind.__name__}")
    return value


def _read(run: ParsedRun, payloads: Payloads, kind: type[_T], what: str) -> _T | None:
    try:
        return decode_payloads(payloads, kind)
    except Exception as error:  # any payload an altered history holds must be reported
        run.unreadable.append(f"{run.name}: {what} is not a readable {kind.__name__}: {error}")
        return None


def event_name(kind: EventType.ValueType | None) -> str:
    return EventType.Name(kind).removeprefix("EVENT_TYPE_") if kind is not None else "nothing"
