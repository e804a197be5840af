"""The cases the corpus records under guideline 2026.1: every track's paths, threads, clocks,
timeouts, duplicates, CAN. Those under 2026.2 are in `scenarios_2026_2`.

Each scenario is registered with the guideline version its case is pinned to, and files its case
under that version (never the default, which moves on with each release): a history must show the
guideline its scenario says it does."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case import DisputeRoute
from models.roles import Actor
from models.state import CaseStatus
from tests.cases import (
    ADJUDICATOR,
    AUDITOR,
    MINISTER,
    OPERATOR,
    PROSECUTOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    ksdpk_filing,
    new_case_id,
    party,
    settled,
    sinergi_filing,
)
from workflows.case_workflow import CaseWorkflow
from workflows.starter import case_input, start_and_await_filing

BANDUNG, KOTA_BANDUNG, COMPANY = "32.04", "32.73", "NIB-8120000000001"
BOGOR, MINISTRY = "32.01", "KL-PUPR"
# Runs the continue-as-new case must reach (the recording server suggests CAN after 60 events).
CAN_RUNS = 3

# A scenario drives one case on a worker's task queue, filed under the given guideline version.
Drive = Callable[[WorkflowEnvironment, str, str], Awaitable[CaseDriver]]
Register = Callable[..., Callable[[Drive], Drive]]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    server: Literal["dev", "skipping"]
    guideline_version: str
    drive: Drive


def registrar(into: list[Scenario], guideline_version: str) -> Register:
    """A decorator registering scenarios into `into`, each pinned to `guideline_version`."""

    def scenario(
        name: str, description: str, server: Literal["dev", "skipping"] = "dev"
    ) -> Callable[[Drive], Drive]:
        def register(drive: Drive) -> Drive:
            into.append(Scenario(name, description, server, guideline_version, drive))
            return drive

        return register

    return scenario


SCENARIOS: list[Scenario] = []
scenario = registrar(SCENARIOS, "2026.1")


def expect(condition: bool, what: str) -> None:
    # A recording that silently took another path would put a mislabelled history in the corpus.
    if not condition:
        raise RuntimeError(f"scenario went astray: {what}")


async def closed_as(case: CaseDriver, closing_state: str) -> CaseDriver:
    view = await case.handle.result()
    expect(view.closing_state == closing_state, f"closed {view.closing_state}, not {closing_state}")
    return case


async def stage_is(case: CaseDriver, stage: str, *, overdue: bool | None = None) -> None:
    view = await case.view()
    expect(view.stage == stage, f"in {view.stage}, not {stage}")
    expect(overdue is None or view.overdue == overdue, f"{stage} overdue is {view.overdue}")


async def sleep_past_due(env: WorkflowEnvironment, case: CaseDriver) -> None:
    view = await case.view()
    if view.clock is None:
        raise RuntimeError(f"scenario went astray: {view.stage} has no clock")
    await env.sleep(view.clock.deadline.due_at - await env.get_current_time() + timedelta(hours=1))


async def _ksdd_to_musyawarah(case: CaseDriver) -> None:
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan tertulis")


async def _ksdpk_deadlock(case: CaseDriver) -> None:
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(COMPANY), "submit_response", summary="Tanggapan PT")
    await case.act(party(KOTA_BANDUNG), "declare_deadlock", reason="Buntu")


async def _sinergi_to_consultation(case: CaseDriver) -> None:
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(MINISTRY), "submit_response", summary="Tanggapan K/L")


# ---------------------------------------------------------------- tracks end to end (dev server)


@scenario(
    "ksdd-agreement",
    "KSDD (R1, GWPP Jawa Barat): agreement reported and confirmed by both parties in musyawarah,"
    " a document attached, signed (once by the operator on a party's behalf), implemented.",
)
async def ksdd_agreement(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_to_musyawarah(case)
    minutes = b"Berita acara rapat musyawarah"
    await case.act(
        party(BANDUNG),
        "attach_document",
        name="ba-rapat.pdf",
        doc_type="berita_acara",
        sha256=hashlib.sha256(minutes).hexdigest(),
        size=len(minutes),
    )
    await case.act(party(BANDUNG), "report_agreement", terms="Biaya dibagi dua")
    await case.act(party(KOTA_BANDUNG), "confirm_agreement")
    await case.act(party(BANDUNG), "sign_agreement", reference="BA-1")
    for_party = OPERATOR.model_copy(update={"on_behalf_of": KOTA_BANDUNG})
    await case.act(for_party, "sign_agreement", reference="BA-1")
    await case.act(gwpp("32"), "confirm_implemented", reference="LAP-1")
    return await closed_as(case, "agreement")


@scenario(
    "ksdd-gwpp-decision",
    "KSDD: deadlock in musyawarah, GWPP facilitation without agreement, GWPP decision,"
    " implemented.",
)
async def ksdd_gwpp_decision(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_to_musyawarah(case)
    await case.act(party(BANDUNG), "declare_deadlock", reason="Tidak mufakat")
    await case.act(gwpp("32"), "close_without_agreement", reason="Fasilitasi gagal")
    await case.act(gwpp("32"), "issue_decision", number="100/2026", summary="Putus")
    await case.act(gwpp("32"), "confirm_implemented", reference="LAP-2")
    return await closed_as(case, "gwpp_decision")


@scenario(
    "ksdd-minister",
    "KSDD: the GWPP declares itself unable, the Minister decides (final), the decision is not"
    " complied with and the cooperation is terminated.",
)
async def ksdd_minister(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_to_musyawarah(case)
    await case.act(party(KOTA_BANDUNG), "declare_deadlock", reason="Buntu")
    await case.act(gwpp("32"), "declare_unable", reason="Tidak dapat menyelesaikan")
    await case.act(MINISTER, "close_without_agreement", reason="Tidak sepakat")
    await case.act(MINISTER, "issue_decision", number="KEP-1", summary="Final")
    await case.act(party(BANDUNG), "report_non_compliance", reason="Tidak dilaksanakan")
    await case.act(gwpp("32"), "terminate_cooperation", number="K-2", summary="Akhir")
    return await closed_as(case, "cooperation_terminated")


@scenario(
    "ksdpk-mediation",
    "KSDPK (R7, mediation clause): deadlock, mediated agreement, settlement registered,"
    " implemented under the Minister's monitoring.",
)
async def ksdpk_mediation(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.MEDIATION), guideline)
    await _ksdpk_deadlock(case)
    await case.act(ADJUDICATOR, "record_agreement", terms="Tarif disesuaikan")
    await case.act(party(COMPANY), "register_settlement", reference="PN-1/2026")
    await case.act(MINISTER, "confirm_implemented", reference="MON-1")
    return await closed_as(case, "adr_settlement")


@scenario(
    "ksdpk-arbitration",
    "KSDPK: mediation fails, arbitration award registered, not complied with, referred to"
    " execution.",
)
async def ksdpk_arbitration(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.MEDIATION), guideline)
    await _ksdpk_deadlock(case)
    await case.act(party(COMPANY), "declare_failed", reason="Mediasi gagal")
    await case.act(ADJUDICATOR, "register_award", reference="BANI-77")
    await case.act(party(KOTA_BANDUNG), "report_non_compliance", reason="Tidak dijalankan")
    await case.act(MINISTER, "refer_to_execution", reference="PN-EKS-1")
    return await closed_as(case, "execution_referred")


@scenario(
    "ksdpk-court",
    "KSDPK without an arbitration clause: mediation fails, court judgment registered, implemented.",
)
async def ksdpk_court(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(
        env.client, queue, ksdpk_filing(DisputeRoute.MEDIATION, arbitration=False), guideline
    )
    await _ksdpk_deadlock(case)
    await case.act(ADJUDICATOR, "declare_failed", reason="Gagal")
    await case.act(ADJUDICATOR, "register_judgment", reference="PN-BDG-12")
    await case.act(MINISTER, "confirm_implemented", reference="MON-2")
    return await closed_as(case, "court_judgment")


@scenario(
    "sinergi-president",
    "SINERGI (R8): consultation and coordination fail, the Minister refers it to the President.",
)
async def sinergi_president(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, sinergi_filing(), guideline)
    await _sinergi_to_consultation(case)
    await case.act(MINISTER, "close_without_agreement", reason="Belum sepakat")
    await case.act(MINISTER, "refer_to_president", reason="Kebuntuan kebijakan")
    return await closed_as(case, "referred_to_president")


@scenario(
    "sinergi-agreement",
    "SINERGI: agreement recorded in consultation through the GWPP, signed by both, implemented.",
)
async def sinergi_agreement(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, sinergi_filing(), guideline)
    await _sinergi_to_consultation(case)
    await case.act(gwpp("32"), "record_agreement", terms="Dokumen sinergi direvisi")
    await case.act(party(BOGOR), "sign_agreement", reference="BA-S1")
    await case.act(party(MINISTRY), "sign_agreement", reference="BA-S1")
    await case.act(MINISTER, "confirm_implemented", reference="MON-S1")
    return await closed_as(case, "agreement")


# ---------------------------------------------------------------- refusals, duplicates, CAN


@scenario(
    "refusals-leave-no-trace",
    "KSDD: refused actions (wrong stage, wrong role, another party's case, unknown action, bad"
    " payload) between accepted ones leave nothing in history; then withdrawn.",
)
async def refusals(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_to_musyawarah(case)
    refused: list[tuple[Actor, str, dict[str, str]]] = [
        (gwpp("32"), "issue_decision", {"number": "1", "summary": "x"}),
        (AUDITOR, "add_note", {"text": "Auditor tidak boleh mengubah"}),
        (party("33.74"), "declare_deadlock", {"reason": "Bukan pihak"}),
        (OPERATOR, "approve_everything", {}),
        (party(BANDUNG), "declare_deadlock", {"reason": "x"}),
    ]
    for actor, action, payload in refused:
        await settled(case.handle)  # the last action's trail write is in history
        before = await case.history_length()
        try:
            await case.act(actor, action, **payload)
        except WorkflowUpdateFailedError:
            pass
        else:
            expect(False, f"{action} by {actor.key_id} was accepted")
        expect(await case.history_length() == before, f"refused {action} changed the history")
    await case.act(OPERATOR, "add_note", text="Rapat dijadwalkan ulang")
    await case.act(party(BANDUNG), "withdraw", reason="Sudah berdamai")
    return await closed_as(case, "withdrawn")


@scenario(
    "duplicates",
    "KSDD filed through the API's update-with-start twice (a retried filing) and an action sent"
    " twice with one idempotency key: each applied once; then withdrawn.",
)
async def duplicates(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = case_input(
        case_id=new_case_id(),
        filing=ksdd_filing(),
        filed_by=OPERATOR,
        guideline_version=guideline,
    )
    # One filing (one filing key) sent twice, as the API's retry of it does.
    key = "berkas-001"
    first = await start_and_await_filing(env.client, case, task_queue=queue, filing_key=key)
    again = await start_and_await_filing(
        env.client, case, task_queue=queue, retry=True, filing_key=key
    )
    expect(first == again, "the retried filing changed the case")
    driver = CaseDriver(env.client.get_workflow_handle_for(CaseWorkflow.run, case.case_id))
    accepted = await driver.act(OPERATOR, "accept_filing", key="surat-001")
    repeated = await driver.act(OPERATOR, "accept_filing", key="surat-001")
    expect(repeated.seq == accepted.seq, "the repeated key applied the action twice")
    await driver.act(party(BANDUNG), "withdraw", reason="Sudah berdamai")
    history = await driver.handle.fetch_history()
    accepted_updates = [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    expect(len(accepted_updates) == 3, f"{len(accepted_updates)} updates accepted, not 3")
    return await closed_as(driver, "withdrawn")


@scenario(
    "continued-as-new",
    "KSDD with enough notes to continue as new twice; the filing is accepted in a later run, a key"
    " from the first run is resent (a duplicate across runs), then the case is withdrawn.",
)
async def continued_as_new(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await case.act(OPERATOR, "add_note", key="catatan-1", text="Catatan pertama")
    for n in range(200):
        if (await case.view()).runs >= CAN_RUNS:
            break
        await case.act(OPERATOR, "add_note", text=f"Catatan {n}")
    expect((await case.view()).runs >= CAN_RUNS, "the case did not continue as new")
    await case.act(OPERATOR, "accept_filing")
    retried = await case.act(OPERATOR, "add_note", key="catatan-1", text="Catatan pertama")
    expect(retried.duplicate, "the key from the first run applied its note again")
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
    await case.act(party(BANDUNG), "withdraw", reason="Diselesaikan di luar forum")
    return await closed_as(case, "withdrawn")


# ---------------------------------------------------------------- timers (time-skipping server)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@scenario(
    "legal-opinion-threads",
    "KSDD: two legal-opinion threads opened beside the stage; one answered, the other goes"
    " overdue while the case moves to musyawarah (reminders fire); then withdrawn.",
    "skipping",
)
async def legal_opinion_threads(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(BANDUNG), "request_legal_opinion", question="Sahkah PKS?")
    await case.act(OPERATOR, "request_legal_opinion", question="Kewenangan siapa?")
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
    await case.act(PROSECUTOR, "submit_legal_opinion", thread=1, opinion="Sah")
    await env.sleep(days(25))
    view = await case.view()
    overdue = [t.thread for t in view.legal_opinions if t.overdue]
    expect(view.stage == "musyawarah" and overdue == [2], f"overdue threads {overdue}")
    await case.act(party(BANDUNG), "withdraw", reason="Diselesaikan di luar forum")
    return await closed_as(case, "withdrawn")


@scenario(
    "pause-resume-extension",
    "KSDD: the notice clock paused for 30 days and resumed (deadline moved), then GWPP"
    " facilitation extended once and left to expire into the GWPP decision, implemented.",
    "skipping",
)
async def pause_resume_extension(
    env: WorkflowEnvironment, queue: str, guideline: str
) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(OPERATOR, "pause_clock", reason="Menunggu dokumen PKS dari pemohon")
    await env.sleep(days(30))
    await stage_is(case, "notice", overdue=False)
    await case.act(OPERATOR, "resume_clock", reason="Dokumen diterima")
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
    await case.act(party(BANDUNG), "declare_deadlock", reason="Buntu")
    extended = await case.act(gwpp("32"), "extend_deadline", reason="Rapat lanjutan")
    expect(extended.deadline is not None and extended.deadline.extensions == 1, "not extended")
    await sleep_past_due(env, case)
    await stage_is(case, "gwpp_decision")
    await case.act(gwpp("32"), "issue_decision", number="200/2026", summary="Putus")
    await case.act(gwpp("32"), "confirm_implemented", reference="LAP-3")
    return await closed_as(case, "gwpp_decision")


@scenario(
    "ksdd-timeouts",
    "KSDD left to its limits: no response to the notice (recorded, goes on to musyawarah), then"
    " every limit expires in turn up to the Minister's decision stage, which goes overdue; the"
    " Minister decides late. Left open in implementation.",
    "skipping",
)
async def ksdd_timeouts(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await case.act(OPERATOR, "accept_filing")
    await env.sleep(days(30))
    view = await case.view()
    expect(view.recorded.get("no_response") == "notice", "no response was not recorded")
    for stage in ("gwpp_facilitation", "gwpp_decision", "minister_facilitation"):
        await sleep_past_due(env, case)
        await stage_is(case, stage)
    await sleep_past_due(env, case)
    await stage_is(case, "minister_decision")
    await sleep_past_due(env, case)
    await stage_is(case, "minister_decision", overdue=True)
    await case.act(MINISTER, "issue_decision", number="KEP-9", summary="Final")
    await stage_is(case, "implementation")
    return case


@scenario(
    "adr-mediation-timeout",
    "KSDPK (mediation clause): musyawarah expires into mediation, whose limit acts as"
    " declare_failed and moves the case to arbitration; the award is implemented.",
    "skipping",
)
async def adr_mediation_timeout(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.MEDIATION), guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(COMPANY), "submit_response", summary="Tanggapan")
    await sleep_past_due(env, case)
    await stage_is(case, "adr_mediation")
    await sleep_past_due(env, case)
    await stage_is(case, "arbitration")
    await case.act(ADJUDICATOR, "register_award", reference="BANI-78")
    await case.act(MINISTER, "confirm_implemented", reference="MON-4")
    view = await case.handle.result()
    expect(view.status is CaseStatus.CLOSED, "the award was not implemented")
    return case


@scenario(
    "implementation-overdue",
    "KSDPK (court clause): judgment registered, implementation reminders at 50% and 80%, then"
    " overdue and reminded every 90 HKal (twice). Left open, as such cases run for months.",
    "skipping",
)
async def implementation_overdue(
    env: WorkflowEnvironment, queue: str, guideline: str
) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.COURT), guideline)
    await _ksdpk_deadlock(case)
    await case.act(ADJUDICATOR, "register_judgment", reference="PN-1")
    await env.sleep(days(40 + 200))
    view = await case.view()
    reminders = [e for e in view.timeline if "still overdue" in e.detail]
    expect(view.overdue and len(reminders) == 2, f"{len(reminders)} overdue reminders, not 2")
    return case
