"""The operators' worklist over a varied set of cases: filters, order, pages, statistics, and a
read model that matches each case's own workflow after every step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.roles import Role
from models.state import CaseView
from models.tables import CaseProvince, CaseRecord
from tests.api_harness import (
    REQUEST_LETTER_JSON,
    Api,
    Step,
    ksdd_filing_json,
    ksdpk_filing_json,
)
from tests.rev2_paper import with_berita_acara

PROBLEM = "urn:mufakat:problem:"
COMPANY, BUILDER, MINISTRY = "NIB-8120000000001", "NIB-9120000000002", "KL-PUPR"


def _filing(base: dict[str, Any], title: str, sectors: list[str], **changes: Any) -> dict[str, Any]:
    return {**base, "title": title, "sectors": sectors, **changes}


def _sinergi() -> dict[str, Any]:
    return {
        "case_type": "SINERGI",
        "title": "Sinergi pembangunan jalan nasional di Kota Malang",
        "sectors": ["infrastruktur"],
        "parties": [
            {"kind": "kota", "side": "requesting", "region_code": "35.73", "name": "Kota Malang"},
            {
                "kind": "kementerian_lembaga",
                "side": "responding",
                "third_party_id": MINISTRY,
                "name": "Kementerian Pekerjaan Umum",
            },
        ],
        "agreement": {"object": "Pembangunan jalan nasional"},
        "dispute": {"subject": "Pembagian kewenangan", "categories": ["kewenangan"]},
        "request_letter": REQUEST_LETTER_JSON,
    }


def _court_case() -> dict[str, Any]:
    filing = ksdpk_filing_json("court")
    filing["parties"] = [
        {"kind": "kota", "side": "requesting", "region_code": "36.71", "name": "Kota Tangerang"},
        {
            "kind": "badan_usaha",
            "side": "responding",
            "third_party_id": BUILDER,
            "name": "PT Bangun Karya",
        },
    ]
    return _filing(filing, "Pengadaan armada bus Kota Tangerang", ["pengadaan_barang_jasa"])


ACCEPT: Step = (Role.OPERATOR, None, "accept_filing", {})


def _respond(party: str) -> Step:
    return (Role.PARTY, party, "submit_response", {"summary": "Tanggapan tertulis"})


def _deadlock(party: str) -> Step:
    return (Role.PARTY, party, "declare_deadlock", with_berita_acara("Tidak mufakat"))


# name: (filing, the steps that bring it where the worklist should find it)
CASES: dict[str, tuple[dict[str, Any], list[Step]]] = {
    # R1 in Jawa Barat, in musyawarah.
    "tpa": (
        _filing(
            ksdd_filing_json("32.04", "32.73"),
            "Perselisihan TPA regional Legok Nangka",
            ["pelayanan_publik", "infrastruktur"],
        ),
        [ACCEPT, _respond("32.73")],
    ),
    # R1 in Jawa Tengah, still at intake.
    "air": (
        _filing(ksdd_filing_json("33.02", "33.74"), "Air baku Banyumas dan Semarang", ["aset"]),
        [],
    ),
    # R2: two provinces, the Minister's forum; waiting for the response.
    "jalan": (
        _filing(ksdd_filing_json("32", "33"), "Pemeliharaan jalan perbatasan provinsi", ["aset"]),
        [ACCEPT],
    ),
    # R5: kota of two provinces, with the Minister.
    "bus": (
        _filing(
            ksdd_filing_json("35.78", "33.74"),
            "Trayek bus Surabaya dan Semarang",
            ["pelayanan_publik"],
        ),
        [ACCEPT, _respond("33.74"), _deadlock("35.78")],
    ),
    # R7: a company, into arbitration before BANI (revision 2: the tribunal formed first).
    "konsesi": (
        _filing(ksdpk_filing_json("arbitration"), "Konsesi air minum Kota Bandung", ["investasi"]),
        [
            ACCEPT,
            _respond(COMPANY),
            _deadlock("32.73"),
            (Role.PARTY, COMPANY, "record_institution", {"institution": "BANI", "reference": "2"}),
            (Role.ADJUDICATOR, "BANI", "constitute_tribunal", {"reference": "Majelis 2/2026"}),
        ],
    ),
    # R7 in Banten with a court clause, at intake.
    "armada": (_court_case(), []),
    # R8: a kota and a ministry, in consultation.
    "sinergi": (_sinergi(), [ACCEPT, _respond(MINISTRY)]),
    # R1 in Jawa Barat, withdrawn: closed.
    "cabut": (
        _filing(ksdd_filing_json("32.01", "32.04"), "Retribusi pasar Bogor dan Bandung", ["aset"]),
        [(Role.PARTY, "32.01", "withdraw", {"reason": "Sudah diselesaikan"})],
    ),
}


@dataclass
class Worklist:
    """The filed cases by name, and their ids."""

    api: Api
    ids: dict[str, str]

    def names(self, page: dict[str, Any]) -> set[str]:
        by_id = {case_id: name for name, case_id in self.ids.items()}
        return {by_id[item["case_id"]] for item in page["items"]}


async def assert_read_model_matches_workflow(api: Api, case_id: str) -> None:
    """The read model's detail, summary and timeline say what the workflow itself says."""
    view: CaseView = await api.app.state.temporal.get_workflow_handle(case_id).query(
        "view", result_type=CaseView
    )
    detail = (await api.get(f"/v1/cases/{case_id}")).json()
    timeline = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    assert detail["stage"] == view.stage and detail["status"] == view.status.value
    assert detail["version"] == view.version
    assert detail["closing_state"] == (view.closing_state.value if view.closing_state else None)
    assert detail["overdue"] == view.overdue and detail["paused"] == view.paused
    if view.clock is None:
        assert detail["deadline"] is None
    else:
        assert datetime.fromisoformat(detail["deadline"]["due_at"]) == view.clock.deadline.due_at
        assert detail["deadline"]["calendar_version"] == view.clock.deadline.calendar_version
    assert [(i["seq"], i["kind"], i["action"]) for i in timeline] == [
        (e.seq, e.kind.value, e.action) for e in view.timeline
    ]
    assert [i["stage_after"] for i in timeline] == [e.stage_after for e in view.timeline]
    # The province index sorts the case where the worklist does, under each party's province.
    with Session(api.app.state.engine) as session:
        provinces = session.exec(select(CaseProvince).where(CaseProvince.case_id == case_id)).all()
        record = session.get(CaseRecord, case_id)
    assert record is not None
    assert {row.province_code for row in provinces} == {
        p.region_code[:2] for p in view.filing.parties if p.region_code
    }
    assert {row.due_order for row in provinces} <= {record.due_order}
    # The worklist row is the same record.
    (row,) = [
        item
        for item in (await api.get("/v1/cases", limit=200)).json()["items"]
        if item["case_id"] == case_id
    ]
    assert row["stage"] == view.stage and row["status"] == view.status.value
    due = view.clock.deadline.due_at if view.clock else None
    assert (datetime.fromisoformat(row["due_at"]) if row["due_at"] else None) == due


async def _file_all(api: Api, *, check_every_step: bool = False) -> Worklist:
    ids: dict[str, str] = {}
    for name, (filing, steps) in CASES.items():
        filed = await api.file(filing)
        assert filed.status_code == 201, (name, filed.text)
        ids[name] = filed.json()["case_id"]
        if check_every_step:
            await assert_read_model_matches_workflow(api, ids[name])
        for role, scope, action, payload in steps:
            response = await api.act(ids[name], role, scope, action, **payload)
            assert response.status_code == 200, (name, action, response.text)
            if check_every_step:
                await assert_read_model_matches_workflow(api, ids[name])
    return Worklist(api, ids)


EVERY = set(CASES)
FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    ({}, EVERY),
    ({"stage": "musyawarah"}, {"tpa"}),
    # A closed case keeps the stage it closed in.
    ({"stage": "intake"}, {"air", "armada", "cabut"}),
    ({"stage": "intake", "status": "open"}, {"air", "armada"}),
    ({"stage": "notice"}, {"jalan"}),
    ({"stage": "minister_facilitation"}, {"bus"}),
    ({"stage": "arbitration"}, {"konsesi"}),
    ({"stage": "consultation"}, {"sinergi"}),
    ({"stage": "gwpp_decision"}, set()),
    ({"forum": "gwpp"}, {"tpa", "air", "cabut"}),
    ({"forum": "minister"}, {"jalan", "bus", "sinergi"}),
    ({"forum": "dispute_clause"}, {"konsesi", "armada"}),
    ({"province": "32"}, {"tpa", "jalan", "konsesi", "cabut"}),
    ({"province": "33"}, {"air", "jalan", "bus"}),
    ({"province": "35"}, {"bus", "sinergi"}),
    ({"province": "36"}, {"armada"}),
    ({"province": "11"}, set()),
    ({"type": "KSDD"}, {"tpa", "air", "jalan", "bus", "cabut"}),
    ({"type": "KSDPK"}, {"konsesi", "armada"}),
    ({"type": "SINERGI"}, {"sinergi"}),
    ({"sector": "infrastruktur"}, {"tpa", "sinergi"}),
    ({"sector": "aset"}, {"air", "jalan", "cabut"}),
    ({"sector": "pelayanan_publik"}, {"tpa", "bus"}),
    ({"sector": "investasi"}, {"konsesi"}),
    ({"sector": "pengadaan_barang_jasa"}, {"armada"}),
    ({"party": "32.04"}, {"tpa", "cabut"}),
    ({"party": "33.74"}, {"air", "bus"}),
    ({"party": COMPANY}, {"konsesi"}),
    ({"party": MINISTRY}, {"sinergi"}),
    ({"party": "32"}, {"jalan"}),  # the province itself, not every region in it
    ({"overdue": "false"}, EVERY),
    ({"overdue": "true"}, set()),  # no limit has passed in a test's few seconds
    ({"status": "open"}, EVERY - {"cabut"}),
    ({"status": "closed"}, {"cabut"}),
    ({"q": "tpa"}, {"tpa"}),
    ({"q": "SEMARANG"}, {"air", "bus"}),
    ({"q": "%"}, set()),  # a LIKE wildcard is searched for literally
    ({"type": "KSDD", "province": "32", "status": "open"}, {"tpa", "jalan"}),
    ({"forum": "minister", "sector": "pelayanan_publik"}, {"bus"}),
]


async def test_worklist_filters_order_and_pages(api: Api) -> None:
    worklist = await _file_all(api)
    await _check_filters(worklist)
    await _check_id_search(worklist)
    await _check_order(worklist)
    await _check_province_order(worklist)
    await _check_pages(worklist)
    await _check_bad_cursors(worklist)


async def test_stats_and_read_model_match_the_workflows(api: Api) -> None:
    worklist = await _file_all(api, check_every_step=True)
    await _check_stats(worklist)
    # Checked after every step while filing; again at the end, once every projection is in.
    for case_id in worklist.ids.values():
        await assert_read_model_matches_workflow(api, case_id)


async def _check_filters(worklist: Worklist) -> None:
    for params, expected in FILTERS:
        response = await worklist.api.get("/v1/cases", limit=200, **params)
        assert response.status_code == 200, (params, response.text)
        assert worklist.names(response.json()) == expected, params


async def _check_id_search(worklist: Worklist) -> None:
    """`q` finds a case by its id, whole or its beginning, whatever the letter case."""
    ids = sorted(worklist.ids.values())
    first = ids[0]
    for q, expected in (
        (first, {first}),
        (first.lower(), {first}),
        (first[:-1], {case_id for case_id in ids if case_id.startswith(first[:-1])}),
        (first[:9], set(ids)),  # "PKD-2026-": every case of the year
        ("PKD-1999", set()),
        ("PKD", set()),  # too short to be an id: the title's words, which none has
    ):
        response = await worklist.api.get("/v1/cases", limit=200, q=q)
        assert response.status_code == 200, (q, response.text)
        assert {item["case_id"] for item in response.json()["items"]} == expected, q


def _due(item: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(item["due_at"]) if item["due_at"] else None


async def _check_order(worklist: Worklist) -> None:
    items = (await worklist.api.get("/v1/cases", limit=200)).json()["items"]
    dues = [_due(item) for item in items]
    timed = [(due, item["case_id"]) for due, item in zip(dues, items, strict=True) if due]
    assert timed == sorted(timed)  # soonest first, ties by case id
    assert dues[len(timed) :] == [None] * (len(items) - len(timed))  # no clock: last
    assert items[-1]["case_id"] == worklist.ids["cabut"]
    # Intake (5 HK) is due before musyawarah (30 HKal) and arbitration (180 HKal).
    order = [item["case_id"] for item in items]
    ids = worklist.ids
    assert order.index(ids["air"]) < order.index(ids["tpa"]) < order.index(ids["konsesi"])


async def _check_province_order(worklist: Worklist) -> None:
    # A province's list is the whole worklist's order, kept to the cases with a party there.
    everything = (await worklist.api.get("/v1/cases", limit=200)).json()["items"]
    for province in ("32", "33", "35", "36", "11"):
        details = [(await worklist.api.get(f"/v1/cases/{i['case_id']}")).json() for i in everything]
        there = [
            d["case_id"]
            for d in details
            if any((p.get("region_code") or "")[:2] == province for p in d["parties"])
        ]
        listed = (await worklist.api.get("/v1/cases", limit=200, province=province)).json()
        assert [item["case_id"] for item in listed["items"]] == there, province


async def _check_pages(worklist: Worklist) -> None:
    filters: list[dict[str, Any]] = [{}, {"status": "open"}, {"province": "33"}]
    for params in filters:
        everything = (await worklist.api.get("/v1/cases", limit=200, **params)).json()["items"]
        walked: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            extra: dict[str, Any] = {} if cursor is None else {"cursor": cursor}
            page = (await worklist.api.get("/v1/cases", limit=3, **params, **extra)).json()
            pages += 1
            assert len(page["items"]) <= 3
            walked += [item["case_id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(page["items"]) == 3 and pages < 10
        assert walked == [item["case_id"] for item in everything], params
        assert len(set(walked)) == len(walked)
        assert pages == max(1, -(-len(everything) // 3)), params


async def _check_bad_cursors(worklist: Worklist) -> None:
    good = (await worklist.api.get("/v1/cases", limit=3)).json()["next_cursor"]
    assert good
    for cursor in ["tidak-ada", good[:-6], "e30=", "W10=", "WzEsMiwzXQ=="]:
        response = await worklist.api.get("/v1/cases", limit=3, cursor=cursor)
        assert response.status_code == 422, (cursor, response.text)
        assert response.json()["type"] == PROBLEM + "invalid_cursor"


async def _check_stats(worklist: Worklist) -> None:
    stats = (await worklist.api.get("/v1/stats")).json()
    # Filed in the last minute: this month in WIB (or the next, if it turned meanwhile).
    (month,) = stats["filed_by_month"]
    assert month in {f"{at:%Y-%m}" for at in _wib_now_and_a_minute_ago()}
    # Counts are over open cases; a case counts once in each province it has a party in.
    assert stats == {
        "open_cases": 7,
        "closed_cases": 1,
        "by_stage": {
            "musyawarah": 1,
            "intake": 2,
            "notice": 1,
            "minister_facilitation": 1,
            "arbitration": 1,
            "consultation": 1,
        },
        "by_forum": {"gwpp": 2, "minister": 3, "dispute_clause": 2},
        "by_province": {"32": 3, "33": 3, "35": 2, "36": 1},
        "by_sector": {
            "pelayanan_publik": 2,
            "infrastruktur": 2,
            "aset": 2,
            "investasi": 1,
            "pengadaan_barang_jasa": 1,
        },
        "overdue_cases": 0,
        "overdue_legal_opinions": 0,
        # The trends: every case moved within seconds, so each finished stay took 0 working days.
        "overdue_by_forum": {},
        # konsesi's tribunal was formed before its arbitration (§9 D14): one stay finished there.
        "median_working_days_by_stage": {
            "intake": 0.0,
            "musyawarah": 0.0,
            "notice": 0.0,
            "tribunal_formation": 0.0,
        },
        "finished_stays_by_stage": {
            "intake": 6,
            "musyawarah": 2,
            "notice": 4,
            "tribunal_formation": 1,
        },
        "filed_by_month": {month: 8},
        "closed_by_month": {month: 1},
    }
    # A GWPP's statistics cover its province's cases only.
    jabar = (await worklist.api.get("/v1/stats", Role.GWPP, "32")).json()
    assert jabar["open_cases"] == 3 and jabar["closed_cases"] == 1
    assert jabar["by_forum"] == {"gwpp": 1, "minister": 1, "dispute_clause": 1}


def _wib_now_and_a_minute_ago() -> list[datetime]:
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    return [now, now - timedelta(minutes=1)]
