"""Revision 2, time (pedoman.md §9 D19–D22): provisional years and their decrees, calendar-day
limits that roll past a day off, and reminders on legal-opinion threads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio.testing import WorkflowEnvironment

from activities.calendar import WorkingDayCalendar
from activities.deadlines import extend_clock, start_clock
from models.case import DisputeRoute
from models.guidelines import shipped_guideline
from models.holiday_decrees import ProvisionalReason
from models.roles import Actor, Role
from models.state import CaseView, EntryKind
from models.time import DayType, Deadline, DeadlineRequest, ExtendRequest, parse_limit
from tests.api_harness import Api
from tests.cases import (
    ADJUDICATOR,
    OPERATOR,
    CaseDriver,
    ksdd_filing,
    ksdpk_filing,
    new_case_id,
    party,
    replays_every_run,
    running_worker,
)
from tests.rev2_paper import BERITA_ACARA
from workflows.starter import file_case

WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkingDayCalendar()
CITY, COMPANY = "32.73", "NIB-8120000000001"
MEDIATOR = Actor(key_id="pmn-mediator", role=Role.ADJUDICATOR, scope="PMN-BANDUNG")


def _start(day: date, limit: str, *, rolls_forward: bool = False) -> Deadline:
    started = datetime.combine(day, time(9), WIB)
    request = DeadlineRequest(start=started, limit=parse_limit(limit), rolls_forward=rolls_forward)
    return start_clock(CALENDAR, request)


# --- D19: provisional years and the decree each year follows -----------------------------------


def test_2026_follows_its_skb_and_is_settled() -> None:
    decree = CALENDAR.decree(2026)

    assert decree is not None and decree.confirmed
    assert decree.decree == "SKB Menag 1497/2025, Menaker 2/2025, MenPANRB 5/2025"
    assert (decree.national_holidays, decree.cuti_bersama) == (17, 8)
    assert len(CALENDAR.holidays_between(date(2026, 1, 1), date(2026, 12, 31))) == 17 + 8
    assert CALENDAR.provisional_reasons(2026) == []


def test_2027_is_provisional_until_its_reported_skb_is_confirmed() -> None:
    # The library's 2027 days off are the 18 + 8 of the reported SKB, but Idul Fitri and Idul
    # Adha are still its estimates and the decree's text has not been checked.
    decree = CALENDAR.decree(2027)

    assert decree is not None and not decree.confirmed
    assert (decree.national_holidays, decree.cuti_bersama) == (18, 8)
    assert CALENDAR.provisional_reasons(2027) == [
        ProvisionalReason.ESTIMATED_DATES,
        ProvisionalReason.DECREE_UNCONFIRMED,
    ]
    assert CALENDAR.provisional_reasons(2028) == [
        ProvisionalReason.ESTIMATED_DATES,
        ProvisionalReason.NO_CUTI_BERSAMA,
        ProvisionalReason.DECREE_NOT_RECORDED,
    ]


def test_every_deadline_touching_a_provisional_year_names_it() -> None:
    within_2026 = _start(date(2026, 3, 17), "14HK")
    into_2027 = _start(date(2026, 12, 22), "7HK")
    into_2028 = _start(date(2027, 12, 15), "20HK")

    assert (within_2026.provisional, within_2026.provisional_years) == (False, [])
    assert (into_2027.provisional, into_2027.provisional_years) == (True, [2027])
    assert (into_2028.provisional, into_2028.provisional_years) == (True, [2027, 2028])


async def test_the_api_shows_provisional_years_and_decrees(api: Api) -> None:
    quote = await api.get("/v1/calendar/deadline", start="2026-12-22", limit="7HK")
    decrees = await api.get("/v1/calendar/decrees")

    assert quote.status_code == 200, quote.text
    body = quote.json()
    assert body["deadline"]["provisional_years"] == [2027]
    assert [(y["year"], y["provisional"]) for y in body["years"]] == [(2026, False), (2027, True)]
    assert decrees.status_code == 200, decrees.text
    by_year = {y["year"]: y for y in decrees.json()}
    assert sorted(by_year) == [2026, 2027, 2028]
    assert by_year[2026]["decree"]["decree"].startswith("SKB Menag 1497/2025")
    assert by_year[2028]["decree"] is None
    assert by_year[2028]["reasons"] == ["estimated_dates", "no_cuti_bersama", "decree_not_recorded"]


async def test_a_case_deadline_shows_its_provisional_years(api: Api) -> None:
    case_id = await api.case()
    detail = await api.get(f"/v1/cases/{case_id}")

    assert detail.status_code == 200, detail.text
    [clock] = detail.json()["deadlines"]
    # Filed today: intake's 5 HK stays in 2026 or reaches 2027 by the calendar alone.
    started = datetime.now(WIB).date()
    expected = _start(started, "5HK").provisional_years
    assert clock["provisional_years"] == expected
    assert clock["provisional"] is bool(expected)


# --- D21: a calendar-day limit ending on a day off ends on the next working day ----------------


def test_a_calendar_day_limit_rolls_past_a_day_off_only_when_asked() -> None:
    # 30 HKal from Tuesday 3 March 2026 end on Thursday 2 April; from Sunday 22 February on
    # Tuesday 24 March, cuti bersama Idul Fitri, so the registry opens next on Wednesday 25.
    assert _start(date(2026, 3, 3), "30HKal", rolls_forward=True).due_date == "2026-04-02"
    kept = _start(date(2026, 2, 22), "30HKal")
    rolled = _start(date(2026, 2, 22), "30HKal", rolls_forward=True)

    assert (kept.due_date, kept.rolled_forward_from) == ("2026-03-24", None)
    assert (rolled.due_date, rolled.rolled_forward_from) == ("2026-03-25", "2026-03-24")
    assert rolled.rolls_forward


def test_an_extension_of_a_rolling_limit_rolls_too() -> None:
    # 30 HKal from 1 March end Tuesday 31 March; 30 more end Thursday 30 April, a working day;
    # 32 more from there would end Saturday 2 May, so Monday 4 May.
    rolled = _start(date(2026, 3, 1), "30HKal", rolls_forward=True)
    extended = extend_clock(
        CALENDAR, ExtendRequest(deadline=rolled, extension=parse_limit("32HKal"))
    )

    assert extended.due_date == "2026-05-04"
    assert extended.rolled_forward_from == "2026-05-02"


def test_2026_2_rolls_the_settlement_registration_limit_and_2026_1_does_not() -> None:
    rolling = {
        stage.name
        for version in ("2026.2",)
        for stage in shipped_guideline(version).stages_for(ksdpk_filing().case_type).values()
        if stage.limit_rolls_forward
    }
    assert "settlement_registration" in rolling
    assert all(
        not stage.limit_rolls_forward
        for stage in shipped_guideline("2026.1").stages_for(ksdpk_filing().case_type).values()
    )


def _starting_on_a_day_before_a_day_off(now: date) -> date:
    """The first day after `now` from which 30 HKal end on a day off."""
    day = now + timedelta(days=1)
    while CALENDAR.is_working_day(CALENDAR.add(day, 30, DayType.HKAL)):
        day += timedelta(days=1)
    return day


async def test_settlement_registration_due_on_a_day_off_moves_to_the_next_working_day(
    skipping_env: WorkflowEnvironment,
) -> None:
    client = skipping_env.client
    async with running_worker(client) as queue:
        cases = {
            version: CaseDriver(
                await file_case(
                    client,
                    case_id=new_case_id(),
                    filing=ksdpk_filing(DisputeRoute.MEDIATION),
                    filed_by=OPERATOR,
                    task_queue=queue,
                    guideline_version=version,
                )
            )
            for version in ("2026.1", "2026.2")
        }
        for version, case in cases.items():
            await case.act(OPERATOR, "accept_filing")
            await case.act(party(COMPANY), "submit_response", summary="Tanggapan PT")
            # 2026.2 asks for the berita acara (D11); 2026.1 takes the reason alone.
            if version == "2026.2":
                deadlock = await case.act(
                    party(CITY), "declare_deadlock", reason="Buntu", document=BERITA_ACARA
                )
            else:
                deadlock = await case.act(party(CITY), "declare_deadlock", reason="Buntu")
            assert deadlock.stage == "adr_mediation"
        # Within the mediation's 14 HKal, to a morning from which 30 HKal end on a day off.
        now = (await skipping_env.get_current_time()).astimezone(WIB)
        start = _starting_on_a_day_before_a_day_off(now.date())
        await skipping_env.sleep(datetime.combine(start, time(9), WIB) - now)
        due = {}
        # 2026.2 takes the mediator's actions from the institution recorded for it (D9).
        await cases["2026.2"].act(
            OPERATOR, "record_institution", institution=MEDIATOR.scope, reference="M-12/2026"
        )
        mediators = {"2026.1": ADJUDICATOR, "2026.2": MEDIATOR}
        for version, case in cases.items():
            agreed = await case.act(mediators[version], "record_agreement", terms="Tarif baru")
            assert agreed.stage == "settlement_registration" and agreed.deadline is not None
            due[version] = agreed.deadline
        last_day = CALENDAR.add(start, 30, DayType.HKAL)

        assert due["2026.1"].due_date == last_day.isoformat()
        assert due["2026.1"].rolled_forward_from is None
        assert due["2026.2"].due_date == CALENDAR.next_working_day(last_day).isoformat()
        assert due["2026.2"].rolled_forward_from == last_day.isoformat()
        for case in cases.values():
            await replays_every_run(client, case.handle.id)


# --- D22: legal-opinion threads are reminded at 50% and 80% ------------------------------------


# 2026.2 addresses each request to one Kejaksaan office (pedoman.md §9 D7).
_OPINION_REQUESTS: dict[str, dict[str, object]] = {
    "2026.1": {"question": "Sahkah PKS?"},
    "2026.2": {"question": "Sahkah PKS?", "addressee": {"office": "kejati", "region_code": "32"}},
}


def _thread_reminders(view: CaseView) -> list[str]:
    return [
        e.detail
        for e in view.timeline
        if e.kind is EntryKind.REMINDER and "legal-opinion thread" in e.detail
    ]


async def test_legal_opinion_threads_are_reminded_under_2026_2_only(
    skipping_env: WorkflowEnvironment,
) -> None:
    client = skipping_env.client
    async with running_worker(client) as queue:
        cases: dict[str, CaseDriver] = {}
        for version in ("2026.1", "2026.2"):
            handle = await file_case(
                client,
                case_id=new_case_id(),
                filing=ksdd_filing(),
                filed_by=OPERATOR,
                task_queue=queue,
                guideline_version=version,
            )
            cases[version] = case = CaseDriver(handle)
            await case.act(OPERATOR, "accept_filing")
            request = _OPINION_REQUESTS[version]
            await case.act(OPERATOR, "request_legal_opinion", None, **request)
        threads = {v: (await c.view()).legal_opinions[0] for v, c in cases.items()}
        assert threads["2026.1"].deadline.reminders == []
        assert [r.percent for r in threads["2026.2"].deadline.reminders] == [50, 80]
        eighty = threads["2026.2"].deadline.reminders[1].at

        await skipping_env.sleep(
            eighty - await skipping_env.get_current_time() + timedelta(hours=1)
        )

        old, new = (await cases["2026.1"].view()), (await cases["2026.2"].view())
        assert _thread_reminders(old) == []
        assert old.legal_opinions[0].reminders_sent == []
        assert _thread_reminders(new) == [
            "50% of legal-opinion thread 1's limit",
            "80% of legal-opinion thread 1's limit",
        ]
        assert new.legal_opinions[0].reminders_sent == [50, 80]
        assert not new.legal_opinions[0].overdue
        for case in cases.values():
            await replays_every_run(client, case.handle.id)
