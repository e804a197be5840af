"""The audit export format (`mufakat-audit-export/2`), for `mufakat audit export` and archives.

An export holds, per case, every run's event history (in the JSON Temporal's tools read), the
hash-chained audit trail, the hashes of its documents (checked against the store) and their
contents, and a statement of all that signed by the instance; plus a manifest with the SHA-256
of every file, signed too, so the export itself can be checked years later, with no server
(`mufakat audit verify-archive`; the format: `audit/AUDIT-ARCHIVE.md`). A closed case's
archive (`audit.archive`) is the export of that one case, packed, without contents.
"""

from __future__ import annotations

import base64
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
from audit.runs import PATCH_DETAILS, PATCH_MARKER
from models.audit import AuditTrail, canonical_json
from models.signing import ALGORITHM, Signer
from models.state import CaseView
from models.tables import CaseRecord
from workflows.case_workflow import CODE_VERSION, PATCHES

# /2 added the signatures, the workflow code's version and the documents' contents.
EXPORT_FORMAT = "mufakat-audit-export/2"
CASE_FORMAT = "mufakat-audit-case/1"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public-key.pem"


def history_path(case_id: str) -> str:
    """Where a case's history is, inside an export."""
    return f"{case_id}/history.json"


def trail_path(case_id: str) -> str:
    """Where a case's audit trail is, inside an export (as the audit route serves it)."""
    return f"{case_id}/trail.json"


def documents_path(case_id: str) -> str:
    """Where the list of a case's documents, as checked against the store, is."""
    return f"{case_id}/documents.json"


def document_path(case_id: str, sha256: str) -> str:
    """Where a document's content is, inside an export: named by its SHA-256."""
    return f"{case_id}/documents/{sha256}"


def statement_path(case_id: str) -> str:
    """The case's signed statement (`case_statement`), as canonical JSON."""
    return f"{case_id}/case.json"


def statement_signature_path(case_id: str) -> str:
    """The Ed25519 signature (64 raw bytes) of exactly the bytes of the case's statement."""
    return f"{case_id}/case.sig"


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
    engine: Engine, store: DocumentStore, case_id: str, *, contents: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, bytes]]:
    """The case's trail as `GET /v1/cases/{id}/audit` serves it, its checked documents and
    (`contents`) the content of each document that matches its hash."""
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
    found: dict[str, bytes] = {}
    for document in documents:
        sha256 = document["sha256"]
        if sha256 not in checked:
            checked[sha256] = _fetch(store, sha256, found) if contents else store.check(sha256)
        problem = checked[sha256]
        document["stored"] = problem or "ok"
        document["matches"] = problem is None
    return trail.model_dump(mode="json"), documents, found


def _fetch(store: DocumentStore, sha256: str, found: dict[str, bytes]) -> str | None:
    """Read a document for the export: its problem, or None once its content is in `found`.

    Content that does not hash to its name is left out: the export records the finding, and
    `verify-archive` reports the document as not matching, as `verify` does.
    """
    data = store.get(sha256)
    if data is None:
        return "missing"
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        return f"hash mismatch: stored content hashes to {actual}"
    found[sha256] = data
    return None


def exported_case(
    case_id: str,
    history: dict[str, Any] | None,
    trail: dict[str, Any],
    documents: list[dict[str, Any]],
    missing: list[str],
    *,
    exported_at: datetime,
    namespace: str,
    signer: Signer | None,
    contents: dict[str, bytes] | None = None,
) -> ExportedCase:
    """A case's files (its history when there is one, its documents' contents when given), its
    signed statement, and its manifest entry."""
    files = {
        trail_path(case_id): json_bytes(trail),
        documents_path(case_id): json_bytes({"case_id": case_id, "documents": documents}),
    }
    if history is not None:
        # Keys sorted: Temporal sends a history's maps (search attributes, headers, memos) in any
        # order, and the same history must export to the same bytes (and SHA-256) every time.
        files[history_path(case_id)] = json_bytes(history, sort_keys=True)
    for sha256, data in sorted((contents or {}).items()):
        files[document_path(case_id, sha256)] = data
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}
    if signer is not None:
        statement = canonical_json(
            case_statement(
                case_id,
                hashes,
                exported_at=exported_at,
                namespace=namespace,
                key_id=signer.key_id,
                guideline_hash=history["guideline_hash"] if history else None,
            )
        )
        for path, data in (
            (statement_path(case_id), statement),
            (statement_signature_path(case_id), signer.sign(statement)),
        ):
            files[path] = data
            hashes[path] = hashlib.sha256(data).hexdigest()
    findings = [
        f"document {document['sha256']}: {document['stored']}"
        for document in documents
        if not document["matches"]
    ]
    entry = {
        "case_id": case_id,
        "guideline_version": history["guideline_version"] if history else None,
        "guideline_hash": history["guideline_hash"] if history else None,
        "patches": history_patches(history) if history else [],
        "runs": len(history["runs"]) if history else 0,
        "events": sum(len(run["events"]) for run in history["runs"]) if history else 0,
        "trail_entries": len(trail["entries"]),
        "documents": len(documents),
        "documents_not_matching": sum(not document["matches"] for document in documents),
        # Whether the export holds the documents' contents (each matching one, by its hash).
        "documents_included": contents is not None,
        "missing": missing,
        "files": dict(sorted(hashes.items())),
    }
    return ExportedCase(case_id, files, entry, missing, findings)


def case_statement(
    case_id: str,
    files: dict[str, str],
    *,
    exported_at: datetime,
    namespace: str,
    key_id: str,
    guideline_hash: str | None,
) -> dict[str, Any]:
    """What a case's signature vouches for: each of its files' SHA-256, and when, where from and
    by which key it was exported. Signed on its own so that one case can be handed on alone."""
    return {
        "format": CASE_FORMAT,
        "case_id": case_id,
        "exported_at": instant(exported_at),
        "namespace": namespace,
        "algorithm": ALGORITHM,
        "key_id": key_id,
        "code_version": CODE_VERSION,
        "guideline_hash": guideline_hash,
        "files": files,
    }


def history_patches(history: dict[str, Any]) -> list[str]:
    """The `workflow.patched` ids every run of an exported history recorded, sorted."""
    found: set[str] = set()
    for run in history["runs"]:
        for event in run["events"]:
            details = event.get("markerRecordedEventAttributes", {})
            if details.get("markerName") != PATCH_MARKER:
                continue
            for payload in details["details"][PATCH_DETAILS]["payloads"]:
                found.add(str(json.loads(base64.b64decode(payload["data"]))["id"]))
    return sorted(found)


def tool() -> dict[str, str]:
    """What wrote an export."""
    from importlib.metadata import PackageNotFoundError, version

    import temporalio

    try:
        mufakat = version("mufakat")
    except PackageNotFoundError:  # run from a checkout that was never installed
        mufakat = "unknown"
    return {"name": "mufakat", "version": mufakat, "temporalio": temporalio.__version__}


def instant(at: datetime) -> str:
    """An export's time: UTC, to the second."""
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def manifest(
    exported_at: datetime,
    namespace: str,
    selection: dict[str, Any],
    entries: list[dict[str, Any]],
    signer: Signer | None,
) -> dict[str, Any]:
    """The manifest: every file's SHA-256 (a case's under its entry), the workflow code the
    histories were made with, and the key that signs the export."""
    listed: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": instant(exported_at),
        "tool": tool(),
        "namespace": namespace,
        "selection": selection,
        # Which code replays these histories (workflows/VERSIONING.md): a build whose code
        # version is older, or that lacks one of a case's patches, cannot verify it.
        "code": {"version": CODE_VERSION, "patches": list(PATCHES)},
        "cases": entries,
    }
    if signer is not None:
        pem = signer.public.pem.encode()
        listed["signing"] = {
            "algorithm": ALGORITHM,
            "key_id": signer.key_id,
            "public_key": signer.public.encoded,
        }
        listed["files"] = {PUBLIC_KEY: hashlib.sha256(pem).hexdigest()}
    return listed


def write_manifest(sink: Sink, listed: dict[str, Any], signer: Signer | None) -> None:
    """The public key, then the manifest, then its signature, written last: an export without
    its manifest (or its signature) is visibly incomplete."""
    data = json_bytes(listed)
    if signer is not None:
        sink.write(PUBLIC_KEY, signer.public.pem.encode())
    sink.write(MANIFEST, data)
    if signer is not None:
        sink.write(MANIFEST_SIGNATURE, signer.sign(data))
