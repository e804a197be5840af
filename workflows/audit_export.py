"""The audit export format (`mufakat-audit-export/1`), for `mufakat audit export` and archives.

An export holds, per case, every run's event history (in the JSON Temporal's tools read), the
hash-chained audit trail and the hashes of its documents (checked against the store), plus a
manifest with the SHA-256 of every file, so the export itself can be checked years later. A
closed case's archive (`workflows.audit_archive`) is the export of that one case, packed.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.audit_trail import audit_trail
from activities.document_store import DocumentStore
from models.audit import AuditTrail
from models.state import CaseView
from models.tables import CaseRecord

EXPORT_FORMAT = "mufakat-audit-export/1"
MANIFEST = "manifest.json"


def history_path(case_id: str) -> str:
    """Where a case's history is, inside an export."""
    return f"{case_id}/history.json"


def json_bytes(document: Any, *, sort_keys: bool = False) -> bytes:
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    return (text + "\n").encode()


class Sink(Protocol):
    """Where an export's files go: a folder, or an archive."""

    def write(self, path: str, data: bytes) -> None: ...


class TarSink:
    """Files under one top folder of a gzipped tar, so it unpacks like a `--out` folder."""

    def __init__(self, archive: tarfile.TarFile, top: str, mtime: float) -> None:
        self.archive = archive
        self.top = top
        self.mtime = mtime

    def write(self, path: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"{self.top}/{path}")
        info.size = len(data)
        info.mtime = int(self.mtime)
        info.mode = 0o644
        self.archive.addfile(info, io.BytesIO(data))


@dataclass
class ExportedCase:
    """One case's files and what the manifest says of it."""

    case_id: str
    files: dict[str, bytes]
    entry: dict[str, Any]
    # What the export lacks (exit 1), apart from what it found (a document that does not match
    # is recorded faithfully, and the export is whole).
    missing: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def trail_and_documents(
    engine: Engine, store: DocumentStore, case_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case's trail as `GET /v1/cases/{id}/audit` serves it, and its checked documents."""
    with Session(engine) as session:
        rows = audit_trail(session, case_id)
        record = session.get(CaseRecord, case_id)
    trail = AuditTrail.of(case_id, rows)
    documents: list[dict[str, Any]] = []
    if record is not None:
        # The case's own list: every document any action attached, with its name and type.
        view = CaseView.model_validate(record.detail)
        for attached in view.documents:
            documents.append(
                {
                    **attached.document.model_dump(mode="json"),
                    "attached_at": attached.attached_at.isoformat(),
                    "attached_by": attached.attached_by.model_dump(mode="json"),
                    "stage": attached.stage,
                    "action": attached.action,
                }
            )
    listed = {document["sha256"] for document in documents}
    for row in rows:
        for sha256 in row.documents:
            if sha256 not in listed:  # only the trail knows it: its hash is all there is
                listed.add(sha256)
                documents.append({"sha256": sha256, "trail_entry": row.seq})
    checked: dict[str, str | None] = {}
    for document in documents:
        sha256 = document["sha256"]
        if sha256 not in checked:
            checked[sha256] = store.check(sha256)
        problem = checked[sha256]
        document["stored"] = problem or "ok"
        document["matches"] = problem is None
    return trail.model_dump(mode="json"), documents


def exported_case(
    case_id: str,
    history: dict[str, Any] | None,
    trail: dict[str, Any],
    documents: list[dict[str, Any]],
    missing: list[str],
) -> ExportedCase:
    """A case's files (its history when there is one) and its manifest entry."""
    files = {
        f"{case_id}/trail.json": json_bytes(trail),
        f"{case_id}/documents.json": json_bytes({"case_id": case_id, "documents": documents}),
    }
    if history is not None:
        # Keys sorted: Temporal sends a history's maps (search attributes, headers, memos) in any
        # order, and the same history must export to the same bytes (and SHA-256) every time.
        files[history_path(case_id)] = json_bytes(history, sort_keys=True)
    findings = [
        f"document {document['sha256']}: {document['stored']}"
        for document in documents
        if not document["matches"]
    ]
    entry = {
        "case_id": case_id,
        "guideline_version": history["guideline_version"] if history else None,
        "guideline_hash": history["guideline_hash"] if history else None,
        "runs": len(history["runs"]) if history else 0,
        "events": sum(len(run["events"]) for run in history["runs"]) if history else 0,
        "trail_entries": len(trail["entries"]),
        "documents": len(documents),
        "documents_not_matching": sum(not document["matches"] for document in documents),
        "missing": missing,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    return ExportedCase(case_id, files, entry, missing, findings)


def tool() -> dict[str, str]:
    """What wrote an export."""
    from importlib.metadata import PackageNotFoundError, version

    import temporalio

    try:
        mufakat = version("mufakat")
    except PackageNotFoundError:  # run from a checkout that was never installed
        mufakat = "unknown"
    return {"name": "mufakat", "version": mufakat, "temporalio": temporalio.__version__}


def manifest(
    exported_at: datetime,
    namespace: str,
    selection: dict[str, Any],
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    """The manifest, written last: an export without its manifest is visibly incomplete."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": exported_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": tool(),
        "namespace": namespace,
        "selection": selection,
        "cases": entries,
    }
