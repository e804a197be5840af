"""Every kind of refusal: a specific reason, and nothing written to the case's history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from models.roles import Actor, Role
from tests.cases import (
    AUDITOR,
    MINISTER,
    OPERATOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    party,
    running_worker,
    settled,
)
from tests.rev2_paper import BERITA_ACARA, formal_decision, with_berita_acara

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


@pytest_asyncio.fixture(loop_scope="session")
async def musyawarah_case(dev_env: WorkflowEnvironment) -> AsyncIterator[CaseDriver]:
    """A KSDD case (R1, GWPP Jawa Barat) waiting in musyawarah."""
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
        await settled(case.handle)  # its trail written: the history no longer grows
        yield case


async def _refused(case: CaseDriver, actor: Actor, action: str, **payload: Any) -> ApplicationError:
    """Take a refused action; assert the history did not change; return the refusal."""
    await settled(case.handle)  # an earlier action's trail written: the history is at rest
    before = await case.history_length()
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await case.act(actor, action, **payload)
    assert await case.history_length() == before
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_wrong_stage_names_the_stage_and_the_allowed_actions(
    musyawarah_case: CaseDriver,
) -> None:
    decision = formal_decision("keputusan_gubernur_wpp")
    refusal = await _refused(musyawarah_case, gwpp("32"), "issue_decision", **decision)
    assert refusal.type == "wrong_stage"
    assert "musyawarah" in refusal.message and "declare_deadlock" in refusal.message


async def test_unknown_action(musyawarah_case: CaseDriver) -> None:
    refusal = await _refused(musyawarah_case, OPERATOR, "approve_everything")
    assert refusal.type == "unknown_action"
    assert "approve_everything" in refusal.message


async def test_wrong_role(musyawarah_case: CaseDriver) -> None:
    buntu = with_berita_acara("Buntu")  # as 2026.2 asks (§9 D11): refused for who, not what
    refusal = await _refused(musyawarah_case, MINISTER, "declare_deadlock", **buntu)
    assert refusal.type == "wrong_role"
    assert (await _refused(musyawarah_case, AUDITOR, "add_note", text="hi")).type == "wrong_role"
    operator_alone = await _refused(musyawarah_case, OPERATOR, "declare_deadlock", **buntu)
    # A party's action: the refusal tells the operator it may record it for a party.
    assert operator_alone.details[0]["message_id"] == "wrong_role.for_party"


async def test_wrong_scope(musyawarah_case: CaseDriver) -> None:
    buntu = with_berita_acara("Buntu")
    stranger = await _refused(musyawarah_case, party("35.78"), "declare_deadlock", **buntu)
    assert stranger.type == "wrong_scope"
    other_prosecutor = Actor(key_id="kejati-35", role=Role.PROSECUTOR, scope="35")
    # Addressed to the Kejati of West Java (§9 D7): the Kejati of East Java may not answer.
    kejati = {"office": "kejati", "region_code": "32"}
    await musyawarah_case.act(
        party(BANDUNG), "request_legal_opinion", question="Sahkah PKS?", addressee=kejati
    )
    refusal = await _refused(
        musyawarah_case, other_prosecutor, "submit_legal_opinion", thread=1, opinion="Sah"
    )
    assert refusal.type == "wrong_scope"
    for_stranger = OPERATOR.model_copy(update={"on_behalf_of": "35.78"})
    assert (
        await _refused(musyawarah_case, for_stranger, "declare_deadlock", **buntu)
    ).type == "wrong_scope"


async def test_wrong_gwpp_province(dev_env: WorkflowEnvironment) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "accept_filing")
        await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
        await case.act(party(BANDUNG), "declare_deadlock", reason="Buntu", document=BERITA_ACARA)
        closing = with_berita_acara("x y z")
        refusal = await _refused(case, gwpp("33"), "close_without_agreement", **closing)
        assert refusal.type == "wrong_scope"


async def test_missing_confirmation(musyawarah_case: CaseDriver) -> None:
    nothing_reported = await _refused(musyawarah_case, party(KOTA_BANDUNG), "confirm_agreement")
    assert nothing_reported.type == "missing_confirmation"
    # Extending musyawarah needs every party's agreement (pedoman.md §5, KSDD).
    one_consent = await _refused(
        musyawarah_case, OPERATOR, "extend_deadline", reason="Perlu waktu", consents=[BANDUNG]
    )
    assert one_consent.type == "missing_confirmation"
    assert KOTA_BANDUNG in one_consent.message


async def test_bad_payload_names_the_field(musyawarah_case: CaseDriver) -> None:
    missing = await _refused(musyawarah_case, party(BANDUNG), "declare_deadlock")
    assert missing.type == "bad_payload"
    assert missing.message == "bad_payload.fields (count=1, where='body /reason', field='reason')"
    [details] = missing.details
    assert (details["message_id"], details["errors"][0]["code"]) == (
        "bad_payload.fields",
        "missing",
    )
    extra = await _refused(
        musyawarah_case, party(BANDUNG), "declare_deadlock", reason="Buntu", colour="blue"
    )
    assert extra.type == "bad_payload" and "where='body /colour'" in extra.message
    bad_hash = await _refused(
        musyawarah_case,
        party(BANDUNG),
        "attach_document",
        name="BA.pdf",
        doc_type="berita_acara",
        sha256="not-a-hash",
        size=10,
    )
    assert bad_hash.type == "bad_payload" and "where='body /sha256'" in bad_hash.message


async def test_already_done_and_not_applicable(musyawarah_case: CaseDriver) -> None:
    await musyawarah_case.act(party(BANDUNG), "report_agreement", terms="Sepakat")
    again = await _refused(musyawarah_case, party(BANDUNG), "confirm_agreement")
    assert again.type == "already_done"
    assert (
        await _refused(musyawarah_case, OPERATOR, "resume_clock", reason="Tidak dijeda")
    ).type == "not_applicable"


async def test_closed_case_refuses_everything(dev_env: WorkflowEnvironment) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        closed = await case.act(OPERATOR, "reject_out_of_scope", reason="Kerja sama luar negeri")
        assert closed.closing_state == "out_of_scope"
        await case.handle.result()
        # A closed workflow cannot take updates at all; the server refuses before any history.
        before = await case.history_length()
        with pytest.raises(Exception, match=r"(?i)completed|closed"):
            await case.act(OPERATOR, "add_note", text="terlambat")
        assert await case.history_length() == before


async def test_only_an_operator_acts_on_behalf_of_a_party(musyawarah_case: CaseDriver) -> None:
    pretender = party(BANDUNG).model_copy(update={"on_behalf_of": KOTA_BANDUNG})
    refusal = await _refused(musyawarah_case, pretender, "confirm_agreement")
    assert refusal.type == "wrong_role"
    assert refusal.details[0]["message_id"] == "wrong_role.on_behalf_by"


async def test_nothing_is_recorded_for_a_stranger(musyawarah_case: CaseDriver) -> None:
    for_stranger = OPERATOR.model_copy(update={"on_behalf_of": "35.78"})
    refusal = await _refused(musyawarah_case, for_stranger, "add_note", text="atas nama")
    assert refusal.type == "wrong_scope" and "35.78" in refusal.message


async def test_an_operators_own_action_is_never_recorded_for_a_party(
    dev_env: WorkflowEnvironment,
) -> None:
    async with running_worker(dev_env.client) as queue:
        case = await CaseDriver.file(dev_env.client, queue, ksdd_filing())
        await case.act(OPERATOR, "add_note", text="Berkas diterima")  # the case has started
        for_party = OPERATOR.model_copy(update={"on_behalf_of": BANDUNG})
        refusal = await _refused(case, for_party, "accept_filing")
        assert refusal.type == "wrong_role"
        assert refusal.details[0]["message_id"] == "wrong_role.not_a_party_action"
