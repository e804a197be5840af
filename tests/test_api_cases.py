"""A case from filing to closing through the API alone, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import Session, select

from models.roles import Role
from models.tables import CaseNumber
from tests.api_harness import Api, ksdd_filing_json, ksdpk_filing_json
from tests.cases import replays_every_run
from tests.rev2_paper import formal_decision, with_berita_acara

BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


async def test_ksdd_case_from_filing_to_closing(api: Api) -> None:
    filed = await api.file(ksdd_filing_json())
    assert filed.status_code == 201, filed.text
    case = filed.json()
    case_id = case["case_id"]
    assert case["stage"] == "intake" and case["routing"]["rule"] == "R1"
    assert case["deadline"]["day_type"] == "HK" and case["deadline"]["calendar_version"]
    assert "accept_filing" in [item["action"] for item in case["allowed_actions"]]

    steps = [
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan tertulis"}),
        (Role.PARTY, BANDUNG, "declare_deadlock", with_berita_acara("Tidak mufakat")),
        (Role.GWPP, "32", "close_without_agreement", with_berita_acara("Fasilitasi gagal")),
        (Role.GWPP, "32", "issue_decision", formal_decision("keputusan_gubernur_wpp")),
        # A GWPP decision does not bind at once under 2026.2 (§9 D13): Kota Bandung objects
        # within its window, and the case goes on to the Minister, whose decision is final.
        (Role.PARTY, KOTA_BANDUNG, "object_to_decision", {"reason": "Pembagian tidak adil"}),
        (Role.MINISTER, None, "close_without_agreement", with_berita_acara("Tidak sepakat")),
        (Role.MINISTER, None, "issue_decision", formal_decision("keputusan_mendagri")),
        # The body that decided monitors the outcome (D2): the Minister, not the GWPP.
        (Role.MINISTER, None, "confirm_implemented", {"reference": "LAP-1"}),
    ]
    for role, scope, action, payload in steps:
        response = await api.act(case_id, role, scope, action, **payload)
        assert response.status_code == 200, response.text
        body = response.json()
        # The read model answers, and it already matches the workflow after every step.
        detail = (await api.get(f"/v1/cases/{case_id}")).json()
        assert detail["stage"] == body["case"]["stage"]
        assert detail["version"] == body["case"]["version"]
    closed = (await api.get(f"/v1/cases/{case_id}")).json()
    assert closed["status"] == "closed" and closed["closing_state"] == "minister_decision"
    timeline = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    assert [item["action"] for item in timeline if item["kind"] == "action"] == [
        step[2] for step in steps
    ]
    await replays_every_run(api.app.state.temporal, case_id)


async def test_ksdpk_case_through_arbitration(api: Api) -> None:
    case_id = (await api.file(ksdpk_filing_json("arbitration"))).json()["case_id"]
    company = "NIB-8120000000001"
    for role, scope, action, payload in [
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, company, "submit_response", {"summary": "Tanggapan PT"}),
        (Role.PARTY, KOTA_BANDUNG, "declare_deadlock", with_berita_acara("Buntu")),
        # Revision 2 (D9, D14): BANI, recorded for the case, forms the tribunal and awards.
        (Role.PARTY, company, "record_institution", {"institution": "BANI", "reference": "77"}),
        (Role.ADJUDICATOR, "BANI", "constitute_tribunal", {"reference": "Majelis 77/2026"}),
        (Role.ADJUDICATOR, "BANI", "close_hearings", {"reference": "BA-77/2026"}),
        (Role.ADJUDICATOR, "BANI", "issue_award", {"reference": "BANI-77/2026"}),
        (Role.ADJUDICATOR, "BANI", "register_award", {"reference": "12/PAI/2026/PN Bdg"}),
        # Neither party applies for annulment (Pasal 70-71): the award is carried out.
        (Role.PARTY, KOTA_BANDUNG, "accept_award", {}),
        (Role.PARTY, company, "accept_award", {}),
        (Role.OPERATOR, None, "confirm_implemented", {"reference": "MON-1"}),
    ]:
        response = await api.act(case_id, role, scope, action, **payload)
        assert response.status_code == 200, response.text
    closed = (await api.get(f"/v1/cases/{case_id}")).json()
    assert closed["closing_state"] == "arbitral_award" and closed["routing"]["rule"] == "R7"
    await replays_every_run(api.app.state.temporal, case_id)


async def test_a_number_temporal_already_runs_is_never_reused(api: Api) -> None:
    first = (await api.file(ksdd_filing_json())).json()
    _hand_out_the_last_number_again(api)
    second = await api.file(ksdd_filing_json("32.01", "32.71"))
    assert second.status_code == 201, second.text
    assert second.json()["case_id"] != first["case_id"]
    assert second.json()["parties"][0]["region_code"] == "32.01"
    unchanged = (await api.get(f"/v1/cases/{first['case_id']}")).json()
    assert unchanged["parties"][0]["region_code"] == "32.04"


async def test_a_number_of_a_closed_case_is_never_reused(api: Api) -> None:
    first = (await api.file(ksdd_filing_json())).json()
    withdrawn = await api.act(first["case_id"], Role.PARTY, BANDUNG, "withdraw", reason="Dicabut")
    assert withdrawn.status_code == 200, withdrawn.text
    # Temporal keeps the closed case, and its completed filing, under that id: a restored read
    # model's filing must not be answered with that old filing.
    _hand_out_the_last_number_again(api)
    second = await api.file(ksdd_filing_json("32.01", "32.71"))
    assert second.status_code == 201, second.text
    assert second.json()["case_id"] != first["case_id"]
    assert second.json()["status"] == "open"


def _hand_out_the_last_number_again(api: Api) -> None:
    """As a read model restored from an older backup does."""
    with Session(api.app.state.engine) as session:
        counter = session.exec(select(CaseNumber)).one()
        counter.last -= 1
        session.add(counter)
        session.commit()
