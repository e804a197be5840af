"""Several parties on one side (pedoman.md §9 D3–D5), run by the real workflow.

D3: every responding party answers for itself, and the notice limit names those that did not.
D4: a requesting party's withdrawal withdraws that party; the case closes only when none is left.
D5: confirmations and signatures count only the parties still in the case.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case import CaseFiling, Party, PartyKind, Side
from models.state import CaseStatus, EntryKind
from tests.cases import (
    OPERATOR,
    CaseDriver,
    ksdd_filing,
    new_case_id,
    party,
    replays_every_run,
    running_worker,
)
from workflows.starter import file_case

# Kabupaten Bandung and Kabupaten Bogor v Kota Bandung and Kota Cimahi: all of Jawa Barat (R6,
# the GWPP), two on each side.
BANDUNG, BOGOR, KOTA_BANDUNG, CIMAHI = "32.04", "32.01", "32.73", "32.77"
RESPONSE = {"summary": "Tanggapan tertulis"}


def four_parties() -> CaseFiling:
    """`ksdd_filing` (whatever else it carries) with two parties on each side."""
    base = ksdd_filing(BANDUNG, KOTA_BANDUNG)
    kinds = {BANDUNG: PartyKind.KABUPATEN, BOGOR: PartyKind.KABUPATEN}
    sides = {BANDUNG: Side.REQUESTING, BOGOR: Side.REQUESTING}
    parties = [
        Party(
            kind=kinds.get(code, PartyKind.KOTA),
            side=sides.get(code, Side.RESPONDING),
            region_code=code,
            name=f"Daerah {code}",
        )
        for code in (BANDUNG, BOGOR, KOTA_BANDUNG, CIMAHI)
    ]
    return base.model_copy(update={"parties": parties})


async def file(client: Client, queue: str, version: str | None = None) -> CaseDriver:
    handle = await file_case(
        client,
        case_id=new_case_id(),
        filing=four_parties(),
        filed_by=OPERATOR,
        task_queue=queue,
        guideline_version=version,
    )
    return CaseDriver(handle)


async def refused(case: CaseDriver, actor_code: str, action: str, **payload: Any) -> str:
    """The message id of the refusal of this party's action."""
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await case.act(party(actor_code), action, **payload)
    details = failure.value.cause.details  # type: ignore[attr-defined]
    return str(details[0]["message_id"])


async def test_every_responding_party_answers_before_the_case_moves_on(
    dev_env: WorkflowEnvironment,
) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await file(dev_env.client, queue)
        await case.act(OPERATOR, "accept_filing")
        first = await case.act(party(KOTA_BANDUNG), "submit_response", **RESPONSE)
        assert first.stage == "notice"  # Kota Cimahi has not answered yet
        assert await refused(case, KOTA_BANDUNG, "submit_response", **RESPONSE) == (
            "already_done.taken"
        )
        # A requesting party does not answer the filing.
        assert await refused(case, BANDUNG, "submit_response", **RESPONSE) == "wrong_scope"
        last = await case.act(party(CIMAHI), "submit_response", **RESPONSE)
        assert last.stage_before == "notice" and last.stage == "musyawarah"
        view = await case.view()
        assert [(r.party, r.action, r.stage) for r in view.responses] == [
            (KOTA_BANDUNG, "submit_response", "notice"),
            (CIMAHI, "submit_response", "notice"),
        ]
        assert [r.seq for r in view.responses] == [first.seq, last.seq]
        await replays_every_run(dev_env.client, case.handle.id)


async def test_the_notice_limit_names_the_parties_that_did_not_answer(
    skipping_env: WorkflowEnvironment,
) -> None:
    async with running_worker(skipping_env.client) as queue:
        case = await file(skipping_env.client, queue)
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(CIMAHI), "submit_response", **RESPONSE)
        view = await case.view()
        assert view.clock is not None
        remaining = view.clock.deadline.due_at - await skipping_env.get_current_time()
        await skipping_env.sleep(remaining + timedelta(hours=1))
        view = await case.view()
        assert view.stage == "musyawarah"
        assert view.recorded["no_response"] == KOTA_BANDUNG
        timeouts = [e.detail for e in view.timeline if e.kind is EntryKind.TIMEOUT]
        assert timeouts == [f"limit of notice expired; not taken by {KOTA_BANDUNG}"]
        await replays_every_run(skipping_env.client, case.handle.id)


async def test_a_withdrawal_withdraws_one_party_and_the_last_closes_the_case(
    dev_env: WorkflowEnvironment,
) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await file(dev_env.client, queue)
        gone = await case.act(party(BANDUNG), "withdraw", reason="Dicabut oleh Bupati")
        assert gone.status is CaseStatus.OPEN and gone.stage == "intake"
        view = await case.view()
        assert [w.party for w in view.withdrawals] == [BANDUNG]
        entry = view.timeline[gone.seq - 1]
        assert entry.action == "withdraw"
        assert entry.detail == f"{BANDUNG} withdrew; the case goes on for {BOGOR}"
        # A party that withdrew no longer acts, nor does anyone on its behalf.
        assert await refused(case, BANDUNG, "add_note", text="Catatan") == "wrong_scope.withdrawn"
        with pytest.raises(WorkflowUpdateFailedError):
            await case.act(
                OPERATOR.model_copy(update={"on_behalf_of": BANDUNG}), "add_note", text="Catatan"
            )
        last = await case.act(party(BOGOR), "withdraw", reason="Dicabut oleh Bupati")
        assert last.status is CaseStatus.CLOSED and last.closing_state == "withdrawn"
        await replays_every_run(dev_env.client, case.handle.id)


async def test_under_2026_1_a_withdrawal_closes_the_case_at_once(
    dev_env: WorkflowEnvironment,
) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await file(dev_env.client, queue, version="2026.1")
        gone = await case.act(party(BANDUNG), "withdraw", reason="Dicabut oleh Bupati")
        assert gone.status is CaseStatus.CLOSED and gone.closing_state == "withdrawn"
        assert (await case.view()).withdrawals == []
        await replays_every_run(dev_env.client, case.handle.id)


async def test_confirmations_and_signatures_count_only_parties_still_in_the_case(
    dev_env: WorkflowEnvironment,
) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await file(dev_env.client, queue)
        await case.act(OPERATOR, "accept_filing")
        for code in (KOTA_BANDUNG, CIMAHI):
            await case.act(party(code), "submit_response", **RESPONSE)
        terms = {"terms": "Biaya dibagi rata"}
        await case.act(party(BOGOR), "report_agreement", **terms)
        for code in (KOTA_BANDUNG, CIMAHI):
            confirmed = await case.act(party(code), "confirm_agreement")
            assert confirmed.stage == "musyawarah"  # Kabupaten Bandung has not confirmed
        # Its withdrawal leaves every party still in the case agreed: the agreement stands.
        gone = await case.act(party(BANDUNG), "withdraw", reason="Keluar dari kerja sama")
        assert gone.status is CaseStatus.OPEN and gone.stage == "agreement_recorded"
        record = {"reference": f"BA-{uuid.uuid4().hex[:6]}"}
        for code in (BOGOR, KOTA_BANDUNG):
            assert (await case.act(party(code), "sign_agreement", **record)).stage == (
                "agreement_recorded"
            )
        signed = await case.act(party(CIMAHI), "sign_agreement", **record)
        assert signed.stage == "implementation"
        await replays_every_run(dev_env.client, case.handle.id)
