"""The archiver: every case that closes is archived in Mufakat's own store, in the worker process.

Why an archiver beside the worker, and not an activity at the end of the workflow or Temporal's
own archival:
- The history of a run is complete only once the run has closed, which the workflow itself never
  sees; an activity could archive everything but the closing events, and would change the
  workflow (and every recorded history) for it.
- Temporal's archival (`file://` or S3 archivers) is a cluster setting the embedded dev server
  does not offer, keeps histories in Temporal's own format and layout, and Temporal Cloud has it
  only as an export of its own; Mufakat's audits would still need Temporal to read them back.
- A sweep of visibility (`WorkflowType = 'Case'`, closed) every few seconds finds every closed
  case whoever closed it (completion, termination, a timeout, a reset), on every deployment
  (embedded, cluster, Cloud), and is idempotent: a case is archived when there is no archive of
  its last close yet, so a crash anywhere (before the archive is stored, or before it is
  recorded) only means that the next sweep archives the case again.

The first sweep after the worker starts looks at every closed case, so that cases closed while
no worker ran are archived too; later sweeps look only at cases closed since the previous
successful sweep (with an overlap for visibility's delay and clock skew), and a full sweep runs
every few hours anyway. Several workers may archive the same case at once: the archives are
identical but for their time, and the last one recorded wins; an unrecorded one is left over.
This holds as long as Temporal's retention outlasts a case (from its first run to its close);
a case that outlived it is archived with the runs Temporal still had, and its verification
says which are missing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.document_store import DocumentStore
from audit.archive import CaseArchives
from audit.export import exported_case, trail_and_documents
from audit.runs import CLOSED_EVENTS, WORKFLOW_TYPE
from audit.signing import instance_signer
from audit.verify import case_runs, history_document
from models.signing import Signer
from models.tables import CaseArchive
from workflows.concurrency import as_ready

log = logging.getLogger(__name__)

# Visibility lists a close a moment after it happens, and clocks differ: each incremental sweep
# looks this far back before the previous one began.
OVERLAP = timedelta(minutes=10)
FULL_SWEEP_EVERY = timedelta(hours=6)
# Cases archived at a time (each fetches every run's history and reads its documents).
CONCURRENCY = 4
CLOSED = "ExecutionStatus IN ('Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut')"


@dataclass(frozen=True)
class Closed:
    """A closed case as visibility lists it: its last close."""

    case_id: str
    closed_at: datetime


class CaseArchiver:
    """Archives every closed case that has no archive of its last close, sweep after sweep."""

    def __init__(
        self,
        client: Client,
        engine: Engine,
        archive_store: DocumentStore,
        document_store: DocumentStore,
        *,
        interval: timedelta = timedelta(seconds=5),
        signing_key_file: Path | None = None,
    ) -> None:
        self.client = client
        self.engine = engine
        self.archives = CaseArchives(engine, archive_store)
        self.documents = document_store
        self.interval = interval
        self.signing_key_file = signing_key_file
        self._signer: Signer | None = None
        self._since: datetime | None = None  # None: the next sweep looks at every closed case
        self._full_at = datetime.min.replace(tzinfo=UTC)

    async def run(self) -> None:
        """Sweep every `interval` until cancelled; a failed sweep is logged and done again."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("archiving closed cases failed; trying again in %s", self.interval)
            await asyncio.sleep(self.interval.total_seconds())

    async def sweep(self) -> list[CaseArchive]:
        """Archive the closed cases not archived yet; their records."""
        began = datetime.now(UTC)
        if began - self._full_at >= FULL_SWEEP_EVERY:
            self._since, self._full_at = None, began
        closed = await self._closed(self._since)
        recorded = await asyncio.to_thread(self.archives.records, list(closed))
        due = [
            case
            for case in closed.values()
            if case.case_id not in recorded or recorded[case.case_id].closed_at < case.closed_at
        ]
        archived: list[CaseArchive] = []
        failed = 0
        async for result in as_ready(due, self._archive_safely, CONCURRENCY):
            if isinstance(result, CaseArchive):
                archived.append(result)
            else:
                failed += result
        if not failed:  # else the same cases are looked at again
            self._since = began - OVERLAP
        return archived

    async def _closed(self, since: datetime | None) -> dict[str, Closed]:
        query = f"WorkflowType = '{WORKFLOW_TYPE}' AND {CLOSED}"
        if since is not None:
            query += f" AND CloseTime >= '{since.isoformat().replace('+00:00', 'Z')}'"
        closed: dict[str, Closed] = {}
        async for execution in self.client.list_workflows(query, page_size=1000):
            if execution.close_time is None:
                continue
            # A case reset after it closed lists each closed run: its last close counts.
            known = closed.get(execution.id)
            if known is None or known.closed_at < execution.close_time:
                closed[execution.id] = Closed(execution.id, execution.close_time)
        return closed

    async def _archive_safely(self, case: Closed) -> CaseArchive | int:
        """The case's archive; else 0 when it runs again, 1 when archiving it failed."""
        try:
            row = await self.archive(case.case_id, case.closed_at)
        except Exception:
            log.exception("could not archive case %s; the next sweep tries again", case.case_id)
            return 1
        return 0 if row is None else row

    async def archive(self, case_id: str, closed_at: datetime) -> CaseArchive | None:
        """Archive one closed case now; None when it is running again (reset)."""
        try:
            runs = await case_runs(self.client, case_id, whole=False)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                log.warning("case %s closed, but Temporal no longer holds it to archive", case_id)
                return None
            raise
        last = runs[-1].history.events
        if not last or last[-1].event_type not in CLOSED_EVENTS:
            return None
        started = runs[0].history.events[0].workflow_execution_started_event_attributes
        if started.continued_execution_run_id:
            log.warning(
                "case %s: run %s and those before it are past Temporal's retention; archived "
                "from run %s on",
                case_id,
                started.continued_execution_run_id,
                runs[0].run_id,
            )
        trail, documents, _ = await asyncio.to_thread(
            trail_and_documents, self.engine, self.documents, case_id
        )
        if self._signer is None:
            self._signer = await asyncio.to_thread(
                instance_signer, self.engine, self.signing_key_file
            )
        now = datetime.now(UTC)
        exported = exported_case(
            case_id,
            history_document(runs),
            trail,
            documents,
            [],
            exported_at=now,
            namespace=self.client.namespace,
            signer=self._signer,
        )
        row = await asyncio.to_thread(
            self.archives.save,
            exported,
            namespace=self.client.namespace,
            run_id=runs[-1].run_id,
            closed_at=closed_at,
            now=now,
            signer=self._signer,
        )
        log.info(
            "archived case %s: %d run(s), %d events, %s", case_id, row.runs, row.events, row.sha256
        )
        return row
