"""The golden-history corpus: its manifest, and the histories it lists."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

CORPUS = Path(__file__).parent
MANIFEST = CORPUS / "manifest.json"
# The marker sdk-core records for workflow.patched / workflow.deprecate_patch, and its details key.
PATCH_MARKER, PATCH_DETAILS = "core_patch", "patch-data"


class CorpusEntry(BaseModel):
    """One recorded case: every run of it, as `<name>/<run-index>.json`."""

    name: str = Field(description="Folder name: `<code_version>-<scenario>`.")
    scenario: str
    description: str
    code_version: str = Field(description="The workflow code the case ran under (a tag).")
    patches: list[str] = Field(description="workflow.patched ids recorded in its history.")
    guideline_version: str
    workflow_id: str
    status: str = Field(description="The case's status when it was exported.")
    runs: int
    events: int = Field(description="Events over all runs.")
    recorded: str = Field(description="ISO date of the recording.")


class Manifest(BaseModel):
    """Every corpus entry; entries of older code versions stay until their branch is removed."""

    entries: list[CorpusEntry] = Field(default_factory=list)


def load_manifest(path: Path = MANIFEST) -> Manifest:
    if not path.exists():
        return Manifest()
    return Manifest.model_validate_json(path.read_text(encoding="utf-8"))


def save_manifest(manifest: Manifest, path: Path = MANIFEST) -> None:
    manifest.entries.sort(key=lambda entry: entry.name)
    path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")


def run_files(entry: CorpusEntry, corpus: Path = CORPUS) -> list[Path]:
    """The entry's run files in run order (1.json, 2.json, ...)."""
    return [corpus / entry.name / f"{index}.json" for index in range(1, entry.runs + 1)]


def history_json(history: WorkflowHistory) -> str:
    """`WorkflowHistory.to_json()`'s document, one event per line.

    Unindented to keep the corpus small (the pinned guideline alone is ~30 KB of every run's first
    event), one event a line so a diff or grep still points at an event.
    """
    events = history.to_json_dict()["events"]
    lines = ",\n".join(json.dumps(event, separators=(",", ":")) for event in events)
    return '{"events":[\n' + lines + "\n]}\n"


def load_runs(entry: CorpusEntry, corpus: Path = CORPUS) -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(entry.workflow_id, path.read_text(encoding="utf-8"))
        for path in run_files(entry, corpus)
    ]


def patch_ids(history: WorkflowHistory) -> list[str]:
    """The patch ids a run recorded, in the order it first recorded them."""
    found: list[str] = []
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_MARKER_RECORDED:
            continue
        marker = event.marker_recorded_event_attributes
        if marker.marker_name != PATCH_MARKER:
            continue
        (data,) = pydantic_data_converter.payload_converter.from_payloads(
            list(marker.details[PATCH_DETAILS].payloads)
        )
        patch = str(data["id"])
        if patch not in found:
            found.append(patch)
    return found
