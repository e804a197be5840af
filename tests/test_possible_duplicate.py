"""A filing matching an open case (parties, agreement number, subject) is a possible duplicate."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import Session, col, select

from api.services.duplicates import possible_duplicates
from models.case import CaseFiling
from models.roles import Role
from models.tables import CaseRecord
from storage import migrate
from storage.database import create_database_engine
from tests.api_harness import Api, ksdd_filing_json

DUPLICATE = "urn:mufakat:problem:possible_duplicate"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


async def _ids(api: Api) -> list[str]:
    page = (await api.get("/v1/cases", limit=200)).json()
    return sorted(item["case_id"] for item in page["items"])


def _refused(response: httpx.Response, *duplicates: str) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["type"] == DUPLICATE
    assert body["duplicates"] == list(duplicates)
    assert all(case_id in body["detail"] for case_id in duplicates)
    assert "force=true" in body["detail"]


def _changed(filing: dict[str, Any], where: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(filing)
    part, field = where.split(".")
    changed[part][field] = value
    return changed


async def test_an_identical_filing_names_the_open_case_until_confirmed(api: Api) -> None:
    first = await api.file(ksdd_filing_json(), key="surat-1", force=False)
    assert first.status_code == 201, first.text
    first_id = first.json()["case_id"]

    # Another clerk, or a retry without the first request's key: refused, naming the case.
    _refused(await api.file(ksdd_filing_json(), key="surat-2", force=False), first_id)
    assert await _ids(api) == [first_id]

    # A retry of the first filing is that filing, never a duplicate of itself.
    again = await api.file(ksdd_filing_json(), key="surat-1", force=False)
    assert again.status_code == 201, again.text
    assert again.json()["case_id"] == first_id
    assert again.headers["idempotent-replayed"] == "true"

    confirmed = await api.file(ksdd_filing_json(), key="surat-2", force=True)
    assert confirmed.status_code == 201, confirmed.text
    second_id = confirmed.json()["case_id"]
    # The refusal took no case number and bound no key: the confirmed filing has the next.
    assert int(second_id[-6:]) == int(first_id[-6:]) + 1
    assert await _ids(api) == [first_id, second_id]

    _refused(await api.file(ksdd_filing_json(), key="surat-3", force=False), first_id, second_id)


async def test_only_the_same_dispute_is_a_duplicate(api: Api) -> None:
    base = ksdd_filing_json()
    assert (await api.file(base, force=False)).status_code == 201
    [first_id] = await _ids(api)

    # The same dispute as clerks write it: other case, spacing, width; the parties' sides
    # swapped (the responding region files the same dispute itself).
    fullwidth_pks = "\uff30\uff2b\uff33"
    retyped = _changed(base, "agreement.pks_number", f" {fullwidth_pks} / 12 / 2024 ")
    retyped["dispute"]["subject"] = "PEMBAGIAN  biaya\toperasional"
    swapped = copy.deepcopy(base)
    for party in swapped["parties"]:
        party["side"] = "responding" if party["side"] == "requesting" else "requesting"
    for same in (retyped, swapped):
        _refused(await api.file(same, force=False), first_id)

    # Another subject, another agreement, no agreement number, another pair of regions, a
    # third party to the same dispute: each a case of its own.
    others = [
        _changed(base, "dispute.subject", "Keterlambatan pembayaran retribusi"),
        _changed(base, "agreement.pks_number", "PKS/13/2024"),
        _changed(base, "agreement.pks_number", None),
        ksdd_filing_json(BANDUNG, "32.77"),
    ]
    third = copy.deepcopy(base)
    third["parties"].append({**base["parties"][1], "region_code": "32.77", "name": "Kota Cimahi"})
    others.append(third)
    filed = [await api.file(other, force=False) for other in others]
    assert [answer.status_code for answer in filed] == [201] * len(others)
    assert len(await _ids(api)) == 1 + len(others)

    # A filing without a number matches the open case filed without one.
    _refused(await api.file(others[2], force=False), filed[2].json()["case_id"])


async def test_a_closed_case_is_no_duplicate(api: Api) -> None:
    first = await api.file(ksdd_filing_json(), force=False)
    first_id = first.json()["case_id"]
    withdrawn = await api.act(first_id, Role.PARTY, BANDUNG, "withdraw", reason="Dicabut")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["case"]["status"] == "closed"

    again = await api.file(ksdd_filing_json(), force=False)

    assert again.status_code == 201, again.text
    assert again.json()["case_id"] != first_id
    with Session(api.app.state.engine) as session:
        filing = CaseFiling.model_validate(ksdd_filing_json())
        assert possible_duplicates(session, filing) == [again.json()["case_id"]]


async def test_identical_filings_at_once_open_one_case(api: Api) -> None:
    answers = await asyncio.gather(
        *(api.file(ksdd_filing_json(), key=f"serentak-{n}", force=False) for n in range(4))
    )

    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    [filed] = [answer.json()["case_id"] for answer in answers if answer.status_code == 201]
    for answer in answers:
        if answer.status_code == 409:
            _refused(answer, filed)
    assert await _ids(api) == [filed]


async def test_a_party_key_hears_of_its_own_open_case(api: Api) -> None:
    first = await api.file(ksdd_filing_json(), Role.PARTY, BANDUNG, force=False)
    assert first.status_code == 201, first.text

    _refused(
        await api.file(ksdd_filing_json(), Role.PARTY, BANDUNG, force=False),
        first.json()["case_id"],
    )


def test_upgrade_to_0009_keys_the_open_cases(database_url: str) -> None:
    migrate.upgrade(database_url, "0008")
    engine = create_database_engine(database_url)
    filing = ksdd_filing_json()
    insert = text(
        "INSERT INTO cases (case_id, version, case_type, title, title_search, stage, status, "
        "forum, routing_rule, due_order, overdue, paused, filed_at, updated_at, "
        "guideline_version, guideline_hash, detail) VALUES (:case_id, 1, 'KSDD', 't', 't', "
        "'intake', :status, 'gwpp', 'R1', :at, false, false, :at, :at, '2026.1', 'h', :detail)"
    )
    try:
        with engine.begin() as connection:
            for case_id, status, detail in [
                ("PKD-2026-000001", "open", {"filing": filing}),
                ("PKD-2026-000002", "closed", {"filing": filing}),
                ("PKD-2026-000003", "open", {"filing": filing}),
                ("PKD-2026-000004", "open", {"unreadable": True}),
            ]:
                connection.execute(
                    insert,
                    {
                        "case_id": case_id,
                        "status": status,
                        "at": "2026-12-01 00:00:00",
                        "detail": json.dumps(detail),
                    },
                )
        migrate.upgrade(database_url)
        with Session(engine) as session:
            found = possible_duplicates(session, CaseFiling.model_validate(filing))
            keys = session.exec(select(CaseRecord.dispute_key).order_by(col(CaseRecord.case_id)))
            assert [key is not None for key in keys] == [True, False, True, False]
        assert found == ["PKD-2026-000001", "PKD-2026-000003"]
    finally:
        engine.dispose()
