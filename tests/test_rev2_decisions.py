"""pedoman.md §9 D12–D13 (2026.2): decisions in their legal form, the request letter a filing
carries, what binds a decision, and the objection window a GWPP decision opens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from models.guidelines import pin, shipped_guideline
from models.pedoman import ClosingState
from models.regions import load_regions
from tests.api_harness import Api, ksdd_filing_json
from tests.cases import (
    OPERATOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    new_case_id,
    party,
    replays_every_run,
    running_worker,
)
from tests.rev2_paper import BERITA_ACARA, formal_decision, refused
from workflows.forum import finality
from workflows.starter import case_input, route_filing, start_case

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"
GWPP = gwpp("32")
GUBERNUR = formal_decision("keputusan_gubernur_wpp")


async def _gwpp_deciding(client: Client, queue: str, *, binding: bool = False) -> CaseDriver:
    """An R1 case at the GWPP's decision, under 2026.2 (its `gwpp_decision_binding` set)."""
    case = case_input(case_id=new_case_id(), filing=ksdd_filing(), filed_by=OPERATOR)
    if binding:
        guideline = shipped_guideline("2026.2")
        questions = guideline.open_questions.model_copy(update={"gwpp_decision_binding": True})
        modified = guideline.model_copy(update={"open_questions": questions})
        case = case.model_copy(update={"pinned": pin(modified)})
    driver = CaseDriver(await start_case(client, case, task_queue=queue))
    await driver.act(OPERATOR, "accept_filing")
    await driver.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
    await driver.act(party(BANDUNG), "declare_deadlock", reason="Buntu", document=BERITA_ACARA)
    closing: dict[str, Any] = {"reason": "Tidak sepakat", "document": BERITA_ACARA}
    await driver.act(GWPP, "close_without_agreement", **closing)
    return driver


async def test_a_gwpp_decision_opens_an_objection_window_a_party_may_use(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await _gwpp_deciding(client, queue)
        wrong_form = formal_decision("keputusan_mendagri")
        assert await refused(case, GWPP, "issue_decision", **wrong_form) == (
            "bad_payload.decision_form"
        )
        unsigned: dict[str, Any] = {k: v for k, v in GUBERNUR.items() if k != "document"}
        assert await refused(case, GWPP, "issue_decision", **unsigned) == "bad_payload.fields"
        decided = await case.act(GWPP, "issue_decision", **GUBERNUR)
        assert decided.stage == "gwpp_decision_objection"
        view = await case.view()
        assert view.finality == "open_to_objection"
        assert view.outcome == ClosingState.GWPP_DECISION
        objected = await case.act(party(KOTA_BANDUNG), "object_to_decision", reason="Keberatan")
        assert objected.stage == "minister_facilitation"
        assert (await case.view()).finality is None
        await replays_every_run(client, case.handle.id)


async def test_with_no_objection_the_decision_is_carried_out_when_the_window_closes(
    skipping_env: WorkflowEnvironment,
) -> None:
    client = skipping_env.client
    async with running_worker(client) as queue:
        case = await _gwpp_deciding(client, queue)
        await case.act(GWPP, "issue_decision", **GUBERNUR)
        view = await case.view()
        assert view.clock is not None
        await skipping_env.sleep(
            view.clock.deadline.due_at - await skipping_env.get_current_time() + timedelta(hours=1)
        )
        view = await case.view()
        assert view.stage == "implementation"
        assert view.finality == "binding_by_guideline_proposed"
        assert view.recorded["monitored_by"] == "gwpp"
        await replays_every_run(client, case.handle.id)


async def test_a_binding_gwpp_decision_is_carried_out_at_once(
    dev_env: WorkflowEnvironment,
) -> None:
    client = dev_env.client
    async with running_worker(client) as queue:
        case = await _gwpp_deciding(client, queue, binding=True)
        decided = await case.act(GWPP, "issue_decision", **GUBERNUR)
        assert decided.stage == "implementation"
        assert (await case.view()).finality == "binding_by_guideline_proposed"
        closed = await case.act(GWPP, "confirm_implemented", reference="LAP-1")
        assert closed.closing_state == "gwpp_decision"
        await case.handle.result()
        await replays_every_run(client, case.handle.id)


def test_the_ministers_decision_is_final_by_law_only_on_the_routes_the_law_names() -> None:
    guideline = shipped_guideline("2026.2")
    decided = ClosingState.MINISTER_DECISION
    for pair, rule, expected in (
        (("32.04", "32.73"), "R1", "final_by_law"),
        (("32", "33"), "R2", "final_by_law"),
        (("32", "32.73"), "R3", "final_by_law"),
        (("32", "33.01"), "R4", "final_by_law"),
        (("32.04", "33.01"), "R5", "final_by_guideline_proposed"),
    ):
        routing = route_filing(ksdd_filing(*pair), guideline, load_regions())
        assert routing.rule == rule
        assert finality(guideline, routing, decided, objection_open=False) == expected
    old = shipped_guideline("2026.1")
    routing = route_filing(ksdd_filing(), old, load_regions())
    assert finality(old, routing, decided, objection_open=False) is None


async def test_a_filing_without_its_request_letter_is_refused_before_the_case_starts(
    api: Api,
) -> None:
    filing = {k: v for k, v in ksdd_filing_json().items() if k != "request_letter"}
    refused_filing = await api.file(filing)
    assert refused_filing.status_code == 422, refused_filing.text
    problem = refused_filing.json()
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [
        ("/request_letter", "request_letter_required")
    ]
    assert "surat permohonan" in problem["detail"]
    # The same filing with its letter is filed.
    filed = await api.file(ksdd_filing_json())
    assert filed.status_code == 201, filed.text
