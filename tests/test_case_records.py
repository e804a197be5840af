"""What a case records: documents by hash, notes, withdrawal, and its pinned guideline."""

from __future__ import annotations

import hashlib

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from models.state import EntryKind
from tests.cases import (
    OPERATOR,
    CaseDriver,
    ksdd_filing,
    new_case_id,
    party,
    replays_every_run,
    running_worker,
)
from workflows.starter import case_input, start_case

BANDUNG = "32.04"


async def test_documents_notes_and_withdrawal(dev_env: WorkflowEnvironment) -> None:
    content = b"Berita acara rapat musyawarah"
    digest = hashlib.sha256(content).hexdigest()
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        await case.act(
            party(BANDUNG),
            "attach_document",
            name="ba-rapat.pdf",
            doc_type="berita_acara",
            sha256=digest,
            size=len(content),
        )
        await case.act(OPERATOR, "add_note", text="Rapat dijadwalkan ulang")
        withdrawn = await case.act(party(BANDUNG), "withdraw", reason="Sudah berdamai")
        assert withdrawn.closing_state == "withdrawn"
        view = await case.handle.result()
        assert [d.document.sha256 for d in view.documents] == [digest]
        attach = next(e for e in view.timeline if e.action == "attach_document")
        assert attach.documents == [digest] and attach.stage_before == attach.stage_after
        assert view.timeline[-1].kind is EntryKind.CLOSED
        assert [e.seq for e in view.timeline] == list(range(1, len(view.timeline) + 1))
        assert view.guideline_version == "2026.2" and len(view.guideline_hash) == 64
        await replays_every_run(dev_env.client, case.handle.id)


async def test_a_guideline_that_does_not_match_its_hash_is_refused(
    dev_env: WorkflowEnvironment,
) -> None:
    case = case_input(case_id=new_case_id(), filing=ksdd_filing(), filed_by=OPERATOR)
    tampered = case.pinned.guideline.model_copy(update={"title": "Pedoman lain"})
    case = case.model_copy(
        update={"pinned": case.pinned.model_copy(update={"guideline": tampered})}
    )
    # Refused before it starts: the workflow itself never hashes (a replay could not skip it).
    with pytest.raises(ValueError, match="but its content hashes to") as refused:
        await start_case(dev_env.client, case, task_queue="nowhere")
    assert case.pinned.content_hash in str(refused.value)
    with pytest.raises(RPCError):
        await dev_env.client.get_workflow_handle(case.case_id).describe()
