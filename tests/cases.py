"""Filings, actors and a worker helper shared by the workflow tests."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.api.enums.v1.workflow_pb2 import WORKFLOW_EXECUTION_STATUS_RUNNING
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from models.case import (
    Agreement,
    CaseFiling,
    CaseType,
    Dispute,
    DisputeCategory,
    DisputeClause,
    DisputeRoute,
    Party,
    PartyKind,
    RequestLetter,
    Sector,
    Side,
    Signatory,
)
from models.roles import Actor, Role
from models.state import ActionRequest, ActionResult, CaseView
from storage.database import create_database_engine
from storage.schema import ensure_schema
from workflows.case_workflow import CaseWorkflow
from workflows.starter import file_case, take_action
from workflows.worker import build_worker

OPERATOR = Actor(key_id="op-1", role=Role.OPERATOR)
MINISTER = Actor(key_id="mendagri", role=Role.MINISTER)
ADJUDICATOR = Actor(key_id="bani", role=Role.ADJUDICATOR)
AUDITOR = Actor(key_id="bpk", role=Role.AUDITOR)
PROSECUTOR = Actor(key_id="kejati-32", role=Role.PROSECUTOR, scope="32")


def party(code: str) -> Actor:
    return Actor(key_id=f"party-{code}", role=Role.PARTY, scope=code)


def gwpp(province: str) -> Actor:
    return Actor(key_id=f"gwpp-{province}", role=Role.GWPP, scope=province)


# The request letter a 2026.2 filing carries (pedoman.md §9 D12).
REQUEST_LETTER = RequestLetter(
    number="000.1.5/123/Pem",
    date=date(2026, 2, 2),
    signatory=Signatory(name="Ir. H. Dadang Supriatna", position="Bupati Bandung"),
)


def _dispute() -> Dispute:
    return Dispute(
        subject="Pembagian biaya operasional TPA regional", categories=[DisputeCategory.PENDANAAN]
    )


def ksdd_filing(
    requesting: str = "32.04", responding: str = "32.73", *, mandatory: bool = False
) -> CaseFiling:
    """Kabupaten Bandung v Kota Bandung (R1: GWPP Jawa Barat) unless told otherwise."""

    def region(code: str, side: Side) -> Party:
        kind = (
            PartyKind.PROVINSI
            if len(code) == 2
            else (PartyKind.KOTA if int(code[3:]) >= 71 else PartyKind.KABUPATEN)
        )
        return Party(kind=kind, side=side, region_code=code, name=f"Daerah {code}")

    return CaseFiling(
        case_type=CaseType.KSDD,
        title="Perselisihan pengelolaan TPA regional",
        sectors=[Sector.PELAYANAN_PUBLIK],
        parties=[region(requesting, Side.REQUESTING), region(responding, Side.RESPONDING)],
        agreement=Agreement(object="Pengelolaan TPA regional", mandatory_cooperation=mandatory),
        dispute=_dispute(),
        request_letter=REQUEST_LETTER,
    )


def ksdpk_filing(
    route: DisputeRoute = DisputeRoute.MEDIATION,
    *,
    arbitration: bool = True,
    musyawarah_days: int | None = None,
) -> CaseFiling:
    """Kota Bandung v PT Tirta (a water concession) with the given dispute clause."""
    return CaseFiling(
        case_type=CaseType.KSDPK,
        title="Perselisihan konsesi air minum",
        sectors=[Sector.INVESTASI, Sector.INFRASTRUKTUR],
        parties=[
            Party(
                kind=PartyKind.KOTA, side=Side.REQUESTING, region_code="32.73", name="Kota Bandung"
            ),
            Party(
                kind=PartyKind.BADAN_USAHA,
                side=Side.RESPONDING,
                third_party_id="NIB-8120000000001",
                name="PT Tirta Sejahtera",
            ),
        ],
        agreement=Agreement(
            object="Konsesi SPAM",
            dispute_clause=DisputeClause(
                route=route, arbitration_allowed=arbitration, musyawarah_days=musyawarah_days
            ),
        ),
        dispute=_dispute(),
        request_letter=REQUEST_LETTER,
    )


def sinergi_filing() -> CaseFiling:
    """Kabupaten Bogor v a ministry (R8: the Minister, through GWPP Jawa Barat)."""
    return CaseFiling(
        case_type=CaseType.SINERGI,
        title="Perselisihan sinergi jalan nasional",
        sectors=[Sector.INFRASTRUKTUR],
        parties=[
            Party(
                kind=PartyKind.KABUPATEN,
                side=Side.REQUESTING,
                region_code="32.01",
                name="Kabupaten Bogor",
            ),
            Party(
                kind=PartyKind.KEMENTERIAN_LEMBAGA,
                side=Side.RESPONDING,
                third_party_id="KL-PUPR",
                name="Kementerian Pekerjaan Umum",
            ),
        ],
        agreement=Agreement(object="Sinergi pemeliharaan jalan"),
        dispute=_dispute(),
        request_letter=REQUEST_LETTER,
    )


def new_case_id() -> str:
    return f"PKD-2026-{uuid.uuid4().int % 1_000_000:06d}"


@cache
def shared_read_model() -> Engine:
    """A SQLite read model for workflow tests that do not look at it themselves."""
    folder = Path(tempfile.mkdtemp(prefix="mufakat-read-model-"))
    engine = create_database_engine(f"sqlite:///{folder / 'read-model.db'}")
    ensure_schema(engine)
    return engine


@asynccontextmanager
async def running_worker(client: Client, read_model: Engine | None = None) -> AsyncIterator[str]:
    """A production worker on a fresh task queue; yields the queue name."""
    queue = f"cases-{uuid.uuid4()}"
    async with build_worker(client, read_model=read_model or shared_read_model(), task_queue=queue):
        yield queue


class CaseDriver:
    """Drives one case through the real client, the way an integrating agency would."""

    def __init__(self, handle: WorkflowHandle[CaseWorkflow, CaseView]) -> None:
        self.handle = handle

    @classmethod
    async def file(
        cls, client: Client, queue: str, filing: CaseFiling, guideline_version: str | None = None
    ) -> CaseDriver:
        handle = await file_case(
            client,
            case_id=new_case_id(),
            filing=filing,
            filed_by=OPERATOR,
            task_queue=queue,
            guideline_version=guideline_version,
        )
        return cls(handle)

    async def act(
        self, actor: Actor, action: str, key: str | None = None, **payload: object
    ) -> ActionResult:
        request = ActionRequest(action=action, actor=actor, payload=dict(payload))
        return await take_action(self.handle, request, key=key or str(uuid.uuid4()))

    async def view(self) -> CaseView:
        return await self.handle.query(CaseWorkflow.view)

    async def history_length(self) -> int:
        history = await self.handle.fetch_history()
        return len(history.events)


async def replay_all_runs(client: Client, workflow_id: str) -> int:
    """Replay every run of a case (following continue-as-new back); returns how many runs."""
    replayer = Replayer(workflows=[CaseWorkflow], data_converter=pydantic_data_converter)
    runs = 0
    run_id: str | None = None
    while True:
        history: WorkflowHistory = await client.get_workflow_handle(
            workflow_id, run_id=run_id
        ).fetch_history()
        await replayer.replay_workflow(history)
        runs += 1
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return runs


async def replays_every_run(client: Client, workflow_id: str) -> None:
    """Every run of the case replays, and there are as many as the case counts (`runs`)."""
    view = await client.get_workflow_handle(workflow_id).query(CaseWorkflow.view)
    assert await replay_all_runs(client, workflow_id) == view.runs


FOREVER = timedelta(days=3650)


async def settled(handle: WorkflowHandle[CaseWorkflow, CaseView], within: float = 15.0) -> None:
    """Wait until the case has nothing in flight: its audit trail, written by an activity once
    each action's workflow task has committed, has caught up, and its history stops growing."""
    in_flight = {
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    }
    async with asyncio.timeout(within):
        while True:
            raw = (await handle.describe()).raw_description
            if not raw.pending_activities and not raw.HasField("pending_workflow_task"):
                events = (await handle.fetch_history()).events
                if (
                    events[-1].event_type not in in_flight
                    and any(
                        e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED for e in events
                    )
                    and (
                        raw.workflow_execution_info.status != WORKFLOW_EXECUTION_STATUS_RUNNING
                        or not (await handle.query(CaseWorkflow.view)).trail_pending
                    )
                ):
                    return
            await asyncio.sleep(0.05)
