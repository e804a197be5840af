"""Closed cases' archives, in Mufakat's own store: what audits read once Temporal has not the case.

Temporal keeps a closed workflow's history only for its namespace's retention, and then deletes
it. So every case is archived when it closes (`audit.archiver`, in the worker process): the
export of that one case (`mufakat-audit-export/2`: every run's history, the audit trail and the
documents' hashes, with a manifest, signed by the instance), packed as a `.tar.gz`, kept in the
archive store (a local directory or the documents' S3 bucket, addressed by SHA-256 like
documents) and recorded in the `case_archives` table with its SHA-256. An archive is written
whole and renamed into place, then recorded: a crash in between leaves an unrecorded object, and
the next sweep archives the case again.

Reading goes through `audit.verify.load_case_runs`: Temporal while it holds the case (the
authoritative record), else the archive, checked against the SHA-256 it was recorded with.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from activities.document_store import DocumentStore
from audit.export import MANIFEST, ExportedCase, TarSink, history_path, write_manifest
from audit.export import manifest as export_manifest
from audit.runs import RunHistory, document_runs
from models.explained import Explained
from models.signing import Signer
from models.tables import CaseArchive

# Case ids looked up per statement (SQLite takes a bounded number of parameters).
_BATCH = 500


class ArchiveDamaged(Explained):
    """A case's recorded archive is missing from the store, or is not what was recorded: which
    of these, as an `archive_damaged.*` message."""


@dataclass(frozen=True)
class CaseArchives:
    """The `case_archives` table and the archive store, read and written together."""

    engine: Engine
    store: DocumentStore

    def record(self, case_id: str) -> CaseArchive | None:
        with Session(self.engine) as session:
            return session.get(CaseArchive, case_id)

    def records(self, case_ids: Sequence[str]) -> dict[str, CaseArchive]:
        """The archives recorded for these cases, by case id."""
        found: dict[str, CaseArchive] = {}
        with Session(self.engine) as session:
            for start in range(0, len(case_ids), _BATCH):
                batch = case_ids[start : start + _BATCH]
                rows = session.exec(select(CaseArchive).where(col(CaseArchive.case_id).in_(batch)))
                found.update((row.case_id, row) for row in rows)
        return found

    def runs(self, case_id: str) -> list[RunHistory] | None:
        """Every run of the case as archived; None when the case has no archive.

        Raises `ArchiveDamaged` when the stored archive is not the one recorded.
        """
        row = self.record(case_id)
        if row is None:
            return None
        data = self.store.get(row.object_key)
        if data is None:
            raise ArchiveDamaged(
                "archive_damaged.missing",
                f"the archive of case {case_id} ({row.object_key}) is missing from the store",
                case_id=case_id,
                object_key=row.object_key,
            )
        actual = hashlib.sha256(data).hexdigest()
        if actual != row.sha256:
            raise ArchiveDamaged(
                "archive_damaged.altered",
                f"the archive of case {case_id} hashes to {actual}, not the {row.sha256} it "
                "was recorded with (altered)",
                case_id=case_id,
                actual=actual,
                recorded=row.sha256,
            )
        return archived_runs(case_id, data)

    def save(
        self,
        exported: ExportedCase,
        *,
        namespace: str,
        run_id: str,
        closed_at: datetime,
        now: datetime | None = None,
        signer: Signer | None = None,
    ) -> CaseArchive:
        """Pack and store one case's export, then record it (replacing an older archive).

        `now` is the time the export was made (its statement's), `signer` signs its manifest.
        """
        now = now or datetime.now(UTC)
        data = pack(exported, namespace=namespace, now=now, signer=signer)
        sha256 = self.store.put(data)  # whole and durable before it is recorded
        row = CaseArchive(
            case_id=exported.case_id,
            object_key=sha256,
            sha256=sha256,
            run_id=run_id,
            runs=exported.entry["runs"],
            events=exported.entry["events"],
            closed_at=closed_at,
            archived_at=now,
        )
        try:
            self._record(row)
        except IntegrityError:  # another worker recorded the case first: replace its record
            self._record(row)
        return row

    def _record(self, row: CaseArchive) -> None:
        with Session(self.engine) as session, session.begin():
            # A case reset and closed again replaces its archive.
            session.merge(row)


def pack(
    exported: ExportedCase, *, namespace: str, now: datetime, signer: Signer | None = None
) -> bytes:
    """One case's export as `mufakat audit export CASE --archive CASE.tar.gz` writes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as packed:
        sink = TarSink(packed, exported.case_id, now.timestamp())
        for path, data in exported.files.items():
            sink.write(path, data)
        selection = {"cases": [exported.case_id]}
        listed = export_manifest(now, namespace, selection, [exported.entry], signer)
        write_manifest(sink, listed, signer)
    return buffer.getvalue()


def archived_runs(case_id: str, data: bytes) -> list[RunHistory]:
    """The runs of a packed export of `case_id`, its history checked against its manifest."""
    files = _unpack(case_id, data)
    path = history_path(case_id)
    try:
        listed: dict[str, Any] = json.loads(files[MANIFEST])
        [entry] = [entry for entry in listed["cases"] if entry["case_id"] == case_id]
        history = files[path]
    except (KeyError, ValueError) as error:
        raise ArchiveDamaged(
            "archive_damaged.incomplete",
            f"the archive of case {case_id} is incomplete: {error}",
            case_id=case_id,
            error=str(error),
        ) from None
    if entry["files"].get(path) != hashlib.sha256(history).hexdigest():
        raise ArchiveDamaged(
            "archive_damaged.manifest",
            f"the archive of case {case_id}: {path} does not match its manifest",
            case_id=case_id,
            path=path,
        )
    return document_runs(case_id, json.loads(history))


def _unpack(case_id: str, data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as packed:
            for member in packed.getmembers():
                content = packed.extractfile(member) if member.isfile() else None
                if content is not None:
                    files[member.name.removeprefix(f"{case_id}/")] = content.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveDamaged(
            "archive_damaged.unreadable",
            f"the archive of case {case_id} cannot be read: {error}",
            case_id=case_id,
            error=str(error),
        ) from None
    return files
