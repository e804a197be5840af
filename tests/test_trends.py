"""The dashboard's trends: overdue by forum, working days per stage, filed and closed per month.

Two views of the same function: a read model laid out over Nyepi and Idul Fitri 2026, where
every working-day count is known by hand, and cases filed and moved through the API on real
Temporal. Cases left to run past their limits (time skipping) are in tests/konsol/test_dasbor.py,
through the dashboard.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from activities.calendar import WorkingDayCalendar
from api.auth import Caller
from api.schemas import StatsTrends
from api.services.trends import stats_trends
from models.roles import Role
from models.tables import CaseParty, CaseRecord, TimelineRecord
from tests.api_harness import Api, ksdd_filing_json, ksdpk_filing_json

WIB = ZoneInfo("Asia/Jakarta")
OPERATOR = Caller(key_id="op", name="Bina Adwil", role=Role.OPERATOR, scope=None)
BANDUNG = Caller(key_id="kab-bandung", name="Kabupaten Bandung", role=Role.PARTY, scope="32.04")
CALENDAR = WorkingDayCalendar()


def wib(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=WIB)


class ReadModel:
    """Cases written straight into the read model, with the timeline a workflow would write."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def case(
        self,
        case_id: str,
        filed: datetime,
        *,
        parties: tuple[str, str] = ("33.02", "33.74"),
        forum: str = "gwpp",
        overdue: bool = False,
        moves: list[tuple[datetime, str | None, str]],
    ) -> None:
        """A case filed at `filed` that then made `moves` (when, the action or None for its
        limit's expiry, the stage after; the stage `closed` closes it where it stands)."""
        stage, status = "intake", "open"
        entries: list[tuple[datetime, str, str | None, str, str]] = [
            (filed, "filed", None, "intake", "intake")
        ]
        for at, action, after in moves:
            if action is None:
                entries.append((at, "timeout", None, stage, stage))
            else:
                entries.append((at, "action", action, stage, stage if after == "closed" else after))
            if after == "closed":
                entries.append((at, "closed", None, stage, stage))
                status = "closed"
            else:
                entries.append((at, "transition", None, stage, after))
                stage = after
        self.session.add(
            CaseRecord(
                case_id=case_id,
                version=len(entries),
                case_type="KSDD",
                title=f"Perkara {case_id}",
                title_search=f"perkara {case_id}".lower(),
                stage=stage,
                status=status,
                forum=forum,
                routing_rule="R1",
                due_order=datetime(9999, 12, 31, tzinfo=UTC),
                overdue=overdue,
                filed_at=filed,
                updated_at=entries[-1][0],
                guideline_version="2026.1",
                guideline_hash="0" * 64,
                detail={},
            )
        )
        self.session.flush()
        for side, party in zip(("requesting", "responding"), parties, strict=True):
            self.session.add(
                CaseParty(
                    case_id=case_id,
                    party_id=party,
                    kind="kabupaten",
                    side=side,
                    name=party,
                    province_code=party[:2],
                )
            )
        for seq, (at, kind, taken, before, after) in enumerate(entries, start=1):
            self.session.add(
                TimelineRecord(
                    case_id=case_id,
                    seq=seq,
                    at=at,
                    kind=kind,
                    action=taken,
                    stage_before=before,
                    stage_after=after,
                    payload={},
                    documents=[],
                )
            )
        self.session.flush()


def test_working_days_over_the_2026_holidays(engine: Engine) -> None:
    """Working days skip weekends, libur nasional and cuti bersama (Nyepi 18-19 March, Idul
    Fitri 20-24 March, Good Friday 3 April, 1 May); days and months are WIB's."""
    with Session(engine) as session:
        model = ReadModel(session)
        # Kabupaten Bandung's: intake 2 HK (17 and 25 March), notice 9 HK (26 March to 8 April
        # less Good Friday), musyawarah 16 HK (9 to 30 April); closed ten minutes into 1 May
        # WIB, still April in UTC: a May closing.
        model.case(
            "PKD-2026-000001",
            wib("2026-03-16"),
            parties=("32.04", "32.73"),
            overdue=True,  # closed: counts nowhere
            moves=[
                (wib("2026-03-25", 10), "accept_filing", "notice"),
                (wib("2026-04-08"), "submit_response", "musyawarah"),
                (wib("2026-05-01", 0, 10), "withdraw", "closed"),
            ],
        )
        # Filed half an hour into 1 April WIB (31 March in UTC): an April filing. Intake 3 HK
        # (2, 6 and 7 April); notice 14 HK, its limit, due on 27 April: the timer that moved the
        # case on fired at the first instant of 28 April, a day not spent in notice. Its
        # musyawarah is still running, so it is not counted.
        model.case(
            "PKD-2026-000002",
            wib("2026-04-01", 0, 30),
            moves=[
                (wib("2026-04-07"), "accept_filing", "notice"),
                (wib("2026-04-28", 0, 0) + timedelta(milliseconds=200), None, "musyawarah"),
            ],
        )
        # Filed on a holiday (1 May); intake twice: 1 HK (4 May), then 2 HK (8 and 11 May)
        # after 3 HK in completion (5 to 7 May).
        model.case(
            "PKD-2026-000003",
            wib("2026-05-01", 10),
            moves=[
                (wib("2026-05-04", 10), "request_completion", "completion"),
                (wib("2026-05-07", 10), "resubmit", "intake"),
                (wib("2026-05-11", 10), "reject_out_of_scope", "closed"),
            ],
        )
        # Kabupaten Bandung's too: intake 5 HK (14 to 20 April), overdue in notice.
        model.case(
            "PKD-2026-000004",
            wib("2026-04-13"),
            parties=("32.04", "32.01"),
            overdue=True,
            moves=[(wib("2026-04-20"), "accept_filing", "notice")],
        )
        # July's, overdue at intake before the Minister: June has nothing and still shows.
        model.case("PKD-2026-000005", wib("2026-07-06"), forum="minister", overdue=True, moves=[])
        session.commit()

        assert stats_trends(session, OPERATOR, calendar=CALENDAR) == StatsTrends(
            overdue_by_forum={"gwpp": 1, "minister": 1},
            median_working_days_by_stage={
                "intake": 2.0,  # of 2, 3, 1, 2 and 5
                "completion": 3.0,
                "notice": 11.5,  # of 9 and 14
                "musyawarah": 16.0,
            },
            finished_stays_by_stage={"intake": 5, "completion": 1, "notice": 2, "musyawarah": 1},
            filed_by_month={
                "2026-03": 1,
                "2026-04": 2,
                "2026-05": 1,
                "2026-06": 0,
                "2026-07": 1,
            },
            closed_by_month={
                "2026-03": 0,
                "2026-04": 0,
                "2026-05": 2,
                "2026-06": 0,
                "2026-07": 0,
            },
        )
        # A party counts its own cases only.
        assert stats_trends(session, BANDUNG, calendar=CALENDAR) == StatsTrends(
            overdue_by_forum={"gwpp": 1},
            median_working_days_by_stage={"intake": 3.5, "notice": 9.0, "musyawarah": 16.0},
            finished_stays_by_stage={"intake": 2, "notice": 1, "musyawarah": 1},
            filed_by_month={"2026-03": 1, "2026-04": 1, "2026-05": 0},
            closed_by_month={"2026-03": 0, "2026-04": 0, "2026-05": 1},
        )


def test_no_cases_no_figures(engine: Engine) -> None:
    with Session(engine) as session:
        assert stats_trends(session, OPERATOR, calendar=CALENDAR) == StatsTrends(
            overdue_by_forum={},
            median_working_days_by_stage={},
            finished_stays_by_stage={},
            filed_by_month={},
            closed_by_month={},
        )


def _trends(app_engine: Engine, caller: Caller) -> StatsTrends:
    with Session(app_engine) as session:
        return stats_trends(session, caller, calendar=CALENDAR)


def _caller(role: Role, scope: str | None) -> Caller:
    return Caller(key_id=f"{role.value}-{scope}", name="", role=role, scope=scope)


async def test_trends_of_cases_filed_through_the_api(api: Api) -> None:
    """Cases filed and moved within seconds: every finished stay took 0 working days."""
    respond = {"summary": "Tanggapan tertulis"}
    moved = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, "32.73", "submit_response", respond),
    )
    withdrawn = await api.case(
        (Role.PARTY, "32.01", "withdraw", {"reason": "Sudah diselesaikan"}),
        filing=ksdd_filing_json("32.01", "32.73"),
    )
    waiting = await api.case(filing=ksdpk_filing_json())
    filed = {
        case_id: datetime.fromisoformat((await api.get(f"/v1/cases/{case_id}")).json()["filed_at"])
        for case_id in (moved, withdrawn, waiting)
    }
    months = sorted({at.astimezone(WIB).strftime("%Y-%m") for at in filed.values()})
    # Filed within seconds of each other: one month, unless a month turned meanwhile in WIB.
    assert len(months) == 1, filed
    month = months[0]

    # Through `GET /v1/stats`, which serves the trends beside the counts.
    served = await api.get("/v1/stats")
    assert served.status_code == 200, served.text
    trends = StatsTrends.model_validate(served.json())
    assert trends == await asyncio.to_thread(_trends, api.app.state.engine, OPERATOR)
    assert trends == StatsTrends(
        overdue_by_forum={},
        median_working_days_by_stage={"intake": 0.0, "notice": 0.0},
        finished_stays_by_stage={"intake": 2, "notice": 1},
        filed_by_month={month: 3},
        closed_by_month={month: 1},
    )
    # Kota Bandung is a party to all three, Kabupaten Bogor to the withdrawn case alone.
    kota = await asyncio.to_thread(_trends, api.app.state.engine, _caller(Role.PARTY, "32.73"))
    assert kota == trends
    bogor = await asyncio.to_thread(_trends, api.app.state.engine, _caller(Role.PARTY, "32.01"))
    assert bogor == StatsTrends(
        overdue_by_forum={},
        median_working_days_by_stage={"intake": 0.0},
        finished_stays_by_stage={"intake": 1},
        filed_by_month={month: 1},
        closed_by_month={month: 1},
    )
