"""Exporting cases for auditors: each case's files as they are read, then the signed manifest.

What `mufakat audit export` writes to a folder or a `.tar.gz`, and what the console hands an
auditor for one case: the same function fills both (`export_cases`); the format is
audit/export.py's (`mufakat-audit-export/2`, described in audit/AUDIT-ARCHIVE.md).
"""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.document_store import DocumentStore
from audit.archive import ArchiveDamaged, CaseArchives
from audit.export import (
    ExportedCase,
    Sink,
    TarSink,
    exported_case,
    manifest,
    trail_and_documents,
    write_manifest,
)
from audit.verify import history_document, load_case_runs
from models.signing import Signer
from workflows.concurrency import as_ready


@dataclass(frozen=True)
class ExportSource:
    """Where an export reads: Temporal, the read model, the documents and the archives."""

    client: Client
    engine: Engine
    documents: DocumentStore
    archives: CaseArchives


@dataclass(frozen=True)
class Signing:
    """What every case of one export shares: its time, the instance's key, what it holds."""

    now: datetime
    signer: Signer
    with_documents: bool


async def export_case(source: ExportSource, case_id: str, signing: Signing) -> ExportedCase:
    """One case's files, statement and manifest entry; what it lacks is in `missing`."""
    # The trail before the history: every entry is then of an action the history holds (an
    # entry is written once its action's task has committed), even while the case runs on.
    trail, documents, contents = await asyncio.to_thread(
        trail_and_documents,
        source.engine,
        source.documents,
        case_id,
        contents=signing.with_documents,
    )
    missing: list[str] = []
    history: dict[str, Any] | None = None
    try:
        # From Temporal, or from the case's archive once Temporal no longer holds it.
        runs = await load_case_runs(source.client, case_id, source.archives)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        missing.append(f"Temporal holds no history of case {case_id}, and it has no archive")
    except ArchiveDamaged as damaged:
        missing.append(str(damaged))
    else:
        history = history_document(runs)
    return exported_case(
        case_id,
        history,
        trail,
        documents,
        missing,
        exported_at=signing.now,
        namespace=source.client.namespace,
        signer=signing.signer,
        contents=contents,
    )


async def export_cases(
    source: ExportSource,
    case_ids: Sequence[str],
    sink: Sink,
    *,
    signing: Signing,
    selection: dict[str, Any],
    concurrency: int = 8,
    done: Callable[[ExportedCase], None] | None = None,
) -> list[ExportedCase]:
    """Export the cases into `sink`, `concurrency` at a time, then the signed manifest.

    `selection` says in the manifest how the cases were chosen; `done` hears of each case as
    its files are written. Each case's files leave memory once written; what the manifest needs
    stays, and is returned, in case-id order.
    """
    exported: list[ExportedCase] = []
    async for case in as_ready(
        case_ids, lambda case_id: export_case(source, case_id, signing), concurrency
    ):
        for path, data in case.files.items():
            sink.write(path, data)
        case.files = {}
        exported.append(case)
        if done is not None:
            done(case)
    exported.sort(key=lambda case: case.case_id)
    entries = [case.entry for case in exported]
    # Written last: an export without its manifest is visibly incomplete.
    listed = manifest(signing.now, source.client.namespace, selection, entries, signing.signer)
    write_manifest(sink, listed, signing.signer)
    return exported


class FolderSink:
    """Files under a folder, as `mufakat audit export --out` writes them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def archive_top(archive: Path) -> str:
    """The folder an archive unpacks to: its name without `.tar.gz` or `.tgz`."""
    name = archive.name
    for suffix in (".tar.gz", ".tgz"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@contextmanager
def archive_file(destination: Path, now: datetime) -> Iterator[Sink]:
    """A `.tar.gz` at `destination`, there only once whole."""
    # Built beside its final name and renamed once whole, so no half archive is ever taken for
    # an export.
    partial = destination.with_name(destination.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as packed:
            yield TarSink(packed, archive_top(destination), now.timestamp())
        partial.rename(destination)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def archive_bytes(top: str, now: datetime) -> Iterator[tuple[Sink, io.BytesIO]]:
    """A `.tar.gz` in memory, its files under `top`; the buffer holds it once the block ends."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as packed:
        yield TarSink(packed, top, now.timestamp()), buffer
