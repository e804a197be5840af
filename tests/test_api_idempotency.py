"""Retries and races over HTTP: an Idempotency-Key applies a filing or an action exactly once.

Integrators retry on timeouts and lost replies, sometimes in parallel; whatever the timing, a
case is filed once, an action lands once, and a conflicting pair is settled by the case's order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from models.roles import Role
from models.state import CaseView
from tests.api_harness import Api, ksdd_filing_json
from tests.rev2_paper import with_berita_acara

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


async def _case_ids(api: Api) -> list[str]:
    page = (await api.get("/v1/cases", limit=200)).json()
    return [item["case_id"] for item in page["items"]]


async def _timeline(api: Api, case_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    return items


async def _musyawarah(api: Api) -> str:
    filed = await api.file(ksdd_filing_json())
    case_id: str = filed.json()["case_id"]
    for role, scope, action, payload in [
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan"}),
    ]:
        response = await api.act(case_id, role, scope, action, **payload)
        assert response.status_code == 200, response.text
    return case_id


async def test_retried_filing_returns_the_same_case(api: Api) -> None:
    first = await api.file(ksdd_filing_json(), key="surat-2026-001")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await api.file(ksdd_filing_json(), key="surat-2026-001")
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["case_id"] == first.json()["case_id"]
    assert again.json()["version"] == first.json()["version"]
    assert await _case_ids(api) == [first.json()["case_id"]]

    # The same key for a different filing is a mistake the sender must hear about.
    changed = {**ksdd_filing_json(), "title": "Perselisihan lain sama sekali"}
    reused = await api.file(changed, key="surat-2026-001")
    assert reused.status_code == 409, reused.text
    body = reused.json()
    assert body["type"] == PROBLEM + "idempotency_key_reused"
    assert "surat-2026-001" in body["detail"] and first.json()["case_id"] in body["detail"]
    assert await _case_ids(api) == [first.json()["case_id"]]
    # Under another key, the same filing confirmed (`force`) is a new case.
    assert (await api.file(ksdd_filing_json(), key=None)).status_code == 201
    assert len(await _case_ids(api)) == 2


async def test_concurrent_identical_filings_make_one_case(api: Api) -> None:
    answers = await asyncio.gather(
        *(api.file(ksdd_filing_json(), key="surat-serentak") for _ in range(6))
    )
    assert [answer.status_code for answer in answers] == [201] * 6, [a.text for a in answers]
    assert len({answer.json()["case_id"] for answer in answers}) == 1
    assert await _case_ids(api) == [answers[0].json()["case_id"]]
    # Exactly one of them filed; the others were told theirs was a replay.
    replayed = [answer.headers.get("idempotent-replayed") for answer in answers]
    assert replayed.count(None) == 1 and replayed.count("true") == 5


async def test_same_key_text_from_two_api_keys_is_independent(api: Api) -> None:
    by_operator = await api.file(ksdd_filing_json(), key="kunci-bersama")
    by_party = await api.file(ksdd_filing_json(), Role.PARTY, BANDUNG, key="kunci-bersama")
    assert by_operator.status_code == by_party.status_code == 201
    assert by_party.json()["case_id"] != by_operator.json()["case_id"]
    assert "idempotent-replayed" not in by_party.headers

    case_id = by_operator.json()["case_id"]
    notes = [
        await api.act(case_id, Role.OPERATOR, None, "add_note", key="catatan-1", text="Operator"),
        await api.act(case_id, Role.PARTY, BANDUNG, "add_note", key="catatan-1", text="Pihak"),
    ]
    assert [note.status_code for note in notes] == [200, 200]
    assert [note.json()["duplicate"] for note in notes] == [False, False]
    assert notes[0].json()["seq"] != notes[1].json()["seq"]
    texts = [item["payload"].get("text") for item in await _timeline(api, case_id)]
    assert texts.count("Operator") == texts.count("Pihak") == 1


async def test_retried_action_applies_once(api: Api) -> None:
    case_id = (await api.file(ksdd_filing_json())).json()["case_id"]
    first = await api.act(case_id, Role.OPERATOR, None, "add_note", key="catatan-7", text="Satu")
    assert first.status_code == 200 and first.json()["duplicate"] is False
    version = first.json()["case"]["version"]
    for _ in range(2):
        again = await api.act(
            case_id, Role.OPERATOR, None, "add_note", key="catatan-7", text="Satu"
        )
        assert again.status_code == 200, again.text
        assert again.json()["seq"] == first.json()["seq"] and again.json()["duplicate"] is True
        assert again.json()["case"]["version"] == version
    timeline = await _timeline(api, case_id)
    keyed = [item for item in timeline if (item["idempotency_key"] or "").endswith("/catatan-7")]
    assert len(keyed) == 1 and keyed[0]["seq"] == first.json()["seq"]

    # A transition retried after it moved the case answers as it did, not "wrong stage".
    accepted = await api.act(case_id, Role.OPERATOR, None, "accept_filing", key="terima-1")
    retried = await api.act(case_id, Role.OPERATOR, None, "accept_filing", key="terima-1")
    assert accepted.status_code == retried.status_code == 200, retried.text
    assert retried.json()["duplicate"] is True
    assert retried.json()["seq"] == accepted.json()["seq"]
    assert retried.json()["stage_before"] == "intake"
    assert retried.json()["case"]["stage"] == "notice"

    # A different action under a used key is refused, as a different filing is.
    reused = await api.act(case_id, Role.OPERATOR, None, "add_note", key="terima-1", text="Dua")
    assert reused.status_code == 409, reused.text
    assert reused.json()["type"] == PROBLEM + "idempotency_key_reused"
    assert "accept_filing" in reused.json()["detail"]
    after = await _timeline(api, case_id)
    assert len(after) == len(timeline) + 2  # the action and its transition, once

    # The longest key the API takes is recorded whole (with the API key's id before it).
    longest = "k" * 187
    noted = await api.act(case_id, Role.OPERATOR, None, "add_note", key=longest, text="Panjang")
    assert noted.status_code == 200, noted.text
    again = await api.act(case_id, Role.OPERATOR, None, "add_note", key=longest, text="Panjang")
    assert again.json()["duplicate"] is True and again.json()["seq"] == noted.json()["seq"]
    assert (await _timeline(api, case_id))[-1]["idempotency_key"].endswith("/" + longest)
    too_long = await api.act(case_id, Role.OPERATOR, None, "add_note", key="k" * 188, text="x")
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.json()["detail"]


async def test_retry_of_the_closing_action(api: Api) -> None:
    case_id = (await api.file(ksdd_filing_json())).json()["case_id"]
    withdrawn = await api.act(case_id, Role.PARTY, BANDUNG, "withdraw", key="cabut", reason="Damai")
    again = await api.act(case_id, Role.PARTY, BANDUNG, "withdraw", key="cabut", reason="Damai")
    assert withdrawn.status_code == again.status_code == 200, again.text
    assert again.json()["seq"] == withdrawn.json()["seq"] and again.json()["duplicate"] is True
    assert again.json()["case"]["closing_state"] == "withdrawn"
    # A new key is a new request, which a closed case refuses.
    fresh = await api.act(case_id, Role.PARTY, BANDUNG, "withdraw", key="cabut-2", reason="Damai")
    assert fresh.status_code == 409 and fresh.json()["type"] == PROBLEM + "case_closed"


async def test_concurrent_retries_of_one_action_apply_it_once(api: Api) -> None:
    case_id = (await api.file(ksdd_filing_json())).json()["case_id"]
    before = len(await _timeline(api, case_id))
    answers = await asyncio.gather(
        *(
            api.act(case_id, Role.OPERATOR, None, "add_note", key="serentak", text="Sekali")
            for _ in range(5)
        )
    )
    assert [answer.status_code for answer in answers] == [200] * 5
    assert len({answer.json()["seq"] for answer in answers}) == 1
    timeline = await _timeline(api, case_id)
    assert len(timeline) == before + 1 and timeline[-1]["payload"] == {"text": "Sekali"}


async def test_concurrent_notes_each_land_once(api: Api) -> None:
    case_id = (await api.file(ksdd_filing_json())).json()["case_id"]
    start = (await api.get(f"/v1/cases/{case_id}")).json()["version"]
    texts = [f"Catatan serentak {n}" for n in range(10)]
    answers = await asyncio.gather(
        *(
            api.act(
                case_id,
                Role.PARTY if n % 2 else Role.OPERATOR,
                BANDUNG if n % 2 else None,
                "add_note",
                text=text,
            )
            for n, text in enumerate(texts)
        )
    )
    assert [answer.status_code for answer in answers] == [200] * 10, [a.text for a in answers]
    seqs = sorted(answer.json()["seq"] for answer in answers)
    # The case applied them one at a time: one version each, no gap, no repeat.
    assert seqs == list(range(start + 1, start + 11))
    for answer in answers:
        # A reply never runs ahead of the read model it carries.
        assert answer.json()["case"]["version"] >= answer.json()["seq"]
    timeline = await _timeline(api, case_id)
    assert [item["seq"] for item in timeline] == list(range(1, start + 11))
    landed = [item["payload"]["text"] for item in timeline if item["action"] == "add_note"]
    assert sorted(landed) == sorted(texts)
    detail = (await api.get(f"/v1/cases/{case_id}")).json()
    assert detail["version"] == start + 10


def _outcomes(answers: list[httpx.Response]) -> list[int]:
    return sorted(answer.status_code for answer in answers)


async def test_conflicting_transitions_one_wins(api: Api) -> None:
    # Both parties declare deadlock at once: the first moves the case, the second finds it
    # no longer in musyawarah.
    case_id = await _musyawarah(api)
    buntu = with_berita_acara  # each party with its own berita acara (§9 D11)
    answers = list(
        await asyncio.gather(
            api.act(case_id, Role.PARTY, BANDUNG, "declare_deadlock", **buntu("Buntu A")),
            api.act(case_id, Role.PARTY, KOTA_BANDUNG, "declare_deadlock", **buntu("Buntu B")),
        )
    )
    assert _outcomes(answers) == [200, 409], [a.text for a in answers]
    loser = next(answer for answer in answers if answer.status_code == 409).json()
    assert loser["type"] == PROBLEM + "wrong_stage" and loser["stage"] == "gwpp_facilitation"
    deadlocks = [i for i in await _timeline(api, case_id) if i["action"] == "declare_deadlock"]
    assert len(deadlocks) == 1

    # In the forum, agreement and closing without agreement exclude each other.
    answers = list(
        await asyncio.gather(
            api.act(case_id, Role.GWPP, "32", "record_agreement", terms="Biaya dibagi"),
            api.act(
                case_id, Role.GWPP, "32", "close_without_agreement", **with_berita_acara("Gagal")
            ),
        )
    )
    assert _outcomes(answers) == [200, 409], [a.text for a in answers]
    winner = next(answer for answer in answers if answer.status_code == 200).json()
    expected = {
        "record_agreement": "agreement_recorded",
        "close_without_agreement": "gwpp_decision",
    }
    assert winner["case"]["stage"] == expected[winner["action"]]
    detail = (await api.get(f"/v1/cases/{case_id}")).json()
    assert detail["stage"] == expected[winner["action"]]


async def test_deadlock_against_a_reported_agreement(api: Api) -> None:
    # The guideline lets any party declare deadlock while a reported agreement still awaits
    # confirmation, so both may succeed; only when deadlock comes first is the report too late.
    case_id = await _musyawarah(api)
    report, deadlock = await asyncio.gather(
        api.act(case_id, Role.PARTY, BANDUNG, "report_agreement", terms="Biaya dibagi dua"),
        api.act(
            case_id,
            Role.PARTY,
            KOTA_BANDUNG,
            "declare_deadlock",
            **with_berita_acara("Tidak setuju"),
        ),
    )
    assert deadlock.status_code == 200, deadlock.text
    actions = [i["action"] for i in await _timeline(api, case_id) if i["kind"] == "action"]
    if report.status_code == 200:
        assert actions[-2:] == ["report_agreement", "declare_deadlock"]
        assert report.json()["seq"] < deadlock.json()["seq"]
    else:
        assert report.status_code == 409 and report.json()["type"] == PROBLEM + "wrong_stage"
        assert actions[-1] == "declare_deadlock" and "report_agreement" not in actions
    detail = (await api.get(f"/v1/cases/{case_id}")).json()
    # Either way the case is with the forum and no agreement is left pending.
    assert detail["stage"] == "gwpp_facilitation"
    view = await api.app.state.temporal.get_workflow_handle(case_id).query(
        "view", result_type=CaseView
    )
    assert view.proposal is None and view.stage == "gwpp_facilitation"
