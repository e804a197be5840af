"""pedoman.md §9 D20: a new holiday calendar moves a running deadline only when an operator
recounts it, and the recount is logged on the case (timeline and audit trail)."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from activities.calendar import HolidaysLibrary, WorkingDayCalendar
from activities.deadlines import extend_clock, recount_clock, resume_clock, start_clock
from api.app import create_app
from api.deps import get_calendar
from models.guidelines import shipped_guideline
from models.regions import load_regions
from models.roles import Role
from models.settings import get_settings
from models.state import ActionRequest, CaseState, Clock
from models.tables import CaseNumber
from models.time import (
    DeadlineRequest,
    ExtendRequest,
    RecountRequest,
    ResumeRequest,
    parse_limit,
)
from tests.api_harness import _BLOCKS, Api
from tests.cases import OPERATOR, CaseDriver, ksdd_filing, replays_every_run, settled
from tests.conftest import MUFAKAT, clean_env
from workflows.recount import recount_detail
from workflows.refusals import Refusal, RefusalCode
from workflows.rules import CaseRules
from workflows.starter import route_filing
from workflows.worker import build_worker

OLD = WorkingDayCalendar()
NEW_VERSION = f"{OLD.version}+skb-perubahan"
HK = parse_limit("1HK").day_type
START = datetime(2026, 3, 2, 2, tzinfo=UTC)  # Monday 2 March 2026, 09:00 WIB


class _AmendedDecree(HolidaysLibrary):
    """The holiday data with days off an SKB cuti bersama added, under a version of its own."""

    def __init__(self, added: Mapping[date, str], version: str) -> None:
        self._added = dict(added)
        self._version = version

    @property
    def version(self) -> str:
        return self._version

    def cuti_bersama(self, year: int) -> Mapping[date, str]:
        days = dict(super().cuti_bersama(year))
        days.update({day: name for day, name in self._added.items() if day.year == year})
        return days


def _amended(*days: date, version: str = NEW_VERSION) -> WorkingDayCalendar:
    added = dict.fromkeys(days, "Cuti bersama (SKB perubahan)")
    return WorkingDayCalendar(_AmendedDecree(added, version))


# ---------------------------------------------------------------- counting again


def test_recounting_with_the_same_calendar_gives_the_deadline_it_had() -> None:
    started = start_clock(OLD, DeadlineRequest(start=START, limit=parse_limit("30HK")))
    extended = extend_clock(OLD, ExtendRequest(deadline=started, extension=parse_limit("30HK")))
    resumed = resume_clock(
        OLD,
        ResumeRequest(deadline=extended, paused_at=START, resumed_at=START + timedelta(days=14)),
    )

    recounted = recount_clock(OLD, RecountRequest(deadline=resumed, extension=parse_limit("30HK")))

    assert (resumed.extensions, resumed.paused_days) == (1, 10)
    assert recounted == resumed


def test_a_day_off_added_in_the_window_moves_the_deadline_one_working_day() -> None:
    started = start_clock(OLD, DeadlineRequest(start=START, limit=parse_limit("14HK")))
    assert started.due_date == "2026-03-27"  # Nyepi, Idul Fitri and their cuti bersama skipped
    new = _amended(date(2026, 3, 10))

    recounted = recount_clock(new, RecountRequest(deadline=started))

    assert recounted.due_date == "2026-03-30"  # the Friday's count ends on Monday
    assert recounted.calendar_version == NEW_VERSION
    assert recounted.started_at == started.started_at
    assert [r.percent for r in recounted.reminders] == [50, 80]
    assert recount_detail(started, recounted) == (
        f"deadline recounted with calendar {OLD.version} → {NEW_VERSION}: "
        "due 2026-03-27 → 2026-03-30"
    )


def test_a_day_off_after_the_deadline_moves_nothing() -> None:
    started = start_clock(OLD, DeadlineRequest(start=START, limit=parse_limit("5HK")))

    recounted = recount_clock(_amended(date(2026, 3, 10)), RecountRequest(deadline=started))

    assert (started.due_date, recounted.due_date) == ("2026-03-09", "2026-03-09")
    assert recount_detail(started, recounted).endswith("due 2026-03-09, unchanged")


def test_extensions_are_counted_again_with_the_stage_extension() -> None:
    started = start_clock(OLD, DeadlineRequest(start=START, limit=parse_limit("14HK")))
    extended = extend_clock(OLD, ExtendRequest(deadline=started, extension=parse_limit("10HK")))

    with pytest.raises(ValueError, match="no extension limit given"):
        recount_clock(OLD, RecountRequest(deadline=extended))
    recounted = recount_clock(
        _amended(date(2026, 4, 6)), RecountRequest(deadline=extended, extension=parse_limit("10HK"))
    )

    assert extended.due_date == "2026-04-13"
    assert recounted.due_date == "2026-04-14"
    assert recounted.extensions == 1


# ---------------------------------------------------------------- the rules


def _rules(version: str) -> CaseRules:
    filing = ksdd_filing()
    guideline = shipped_guideline(version)
    return CaseRules(guideline, filing, route_filing(filing, guideline, load_regions()))


def _state(clock: Clock | None) -> CaseState:
    return CaseState(
        case_id="PKD-2026-000001",
        stage="notice",
        filed_at=START,
        filed_by=OPERATOR,
        clock=clock,
    )


RECOUNT = ActionRequest(action="recompute_deadline", actor=OPERATOR, payload={"reason": "SKB"})


def test_only_2026_2_lets_an_operator_recount_a_running_clock() -> None:
    deadline = start_clock(OLD, DeadlineRequest(start=START, limit=parse_limit("14HK")))
    running = _state(Clock(stage="notice", deadline=deadline))

    assert _rules("2026.2").check(running, RECOUNT).action.name == "recompute_deadline"
    with pytest.raises(Refusal) as unknown:
        _rules("2026.1").check(running, RECOUNT)  # its cases keep the dates they were given
    assert unknown.value.code is RefusalCode.UNKNOWN_ACTION
    with pytest.raises(Refusal) as no_clock:
        _rules("2026.2").check(_state(None), RECOUNT)
    assert (no_clock.value.code, no_clock.value.message_id) == (
        RefusalCode.NOT_APPLICABLE,
        "not_applicable.no_clock",
    )
    party = RECOUNT.model_copy(update={"actor": OPERATOR.model_copy(update={"role": Role.PARTY})})
    with pytest.raises(Refusal) as not_operator:
        _rules("2026.2").check(running, party)
    assert not_operator.value.code is RefusalCode.WRONG_ROLE


# ---------------------------------------------------------------- through the API


@asynccontextmanager
async def _instance(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Api, str]]:
    """The production app without a worker: the test runs one per calendar release."""
    settings = get_settings(
        data_dir=tmp_path / "data", database_url=database_url, task_queue=f"d20-{uuid.uuid4()}"
    )
    app = create_app(settings)
    with Session(app.state.engine) as session:
        # A block of case numbers no other test of the session uses (as the harness does).
        session.add(CaseNumber(year=datetime.now(UTC).year, last=next(_BLOCKS) * 1000))
        session.commit()
    app.state.temporal = dev_env.client
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        yield Api(app=app, client=http), settings.task_queue
    app.state.engine.dispose()


def _released(api: Api, queue: str, calendar: WorkingDayCalendar) -> Any:
    """A worker release whose holiday calendar is `calendar`; the API counts with it too."""
    api.app.dependency_overrides[get_calendar] = lambda: calendar
    return build_worker(
        api.app.state.temporal, read_model=api.app.state.engine, task_queue=queue, calendar=calendar
    )


async def _case(api: Api, case_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/cases/{case_id}")
    assert response.status_code == 200, response.text
    case: dict[str, Any] = response.json()
    return case


async def _timeline(api: Api, case_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/cases/{case_id}/timeline")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _recompute(api: Api, body: dict[str, Any], role: Role = Role.OPERATOR) -> httpx.Response:
    return await api.client.post("/v1/deadlines/recompute", json=body, headers=api.headers(role))


async def test_a_new_calendar_moves_only_the_deadlines_an_operator_recounts(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    async with _instance(dev_env, database_url, tmp_path) as (api, queue):
        async with _released(api, queue, OLD):
            at_intake = await api.case()  # 5 HK
            at_notice = await api.case((Role.OPERATOR, None, "accept_filing", {}))  # 14 HK
            await api.settled(at_intake)
        intake_before = await _case(api, at_intake)
        notice_before = await _case(api, at_notice)
        intake_due = date.fromisoformat(intake_before["deadline"]["due_date_local"])
        notice_due = date.fromisoformat(notice_before["deadline"]["due_date_local"])
        # An amended SKB adds a day off after the intake deadline, inside the notice window.
        added = OLD.next_working_day(intake_due + timedelta(days=1))
        assert added <= notice_due
        new = _amended(added)
        moved_to = new.add(notice_due, 1, HK)
        intake_timeline = await _timeline(api, at_intake)

        async with _released(api, queue, new):
            listed = await api.get("/v1/deadlines/moved")
            assert listed.status_code == 200, listed.text
            assert listed.json() == {
                "calendar_version": NEW_VERSION,
                "deadlines": [
                    {
                        "case_id": at_notice,
                        "title": notice_before["title"],
                        "stage": "notice",
                        "guideline_version": "2026.2",
                        "limit": "14HK",
                        "calendar_version": OLD.version,
                        "due_date": notice_due.isoformat(),
                        "due_at": notice_before["deadline"]["due_at"],
                        "new_due_date": moved_to.isoformat(),
                        "new_due_at": _end_of_day_utc(moved_to),
                        "working_days": 1,
                        "recomputable": True,
                    }
                ],
            }
            # Only operators recount; admins may look. An unknown case stops the whole request.
            for role, scope in ((Role.PARTY, "32.04"), (Role.GWPP, "32"), (Role.AUDITOR, None)):
                looked = await api.get("/v1/deadlines/moved", role, scope)
                assert (looked.status_code, looked.json()["type"]) == (
                    403,
                    "urn:mufakat:problem:wrong_role",
                )
            assert (await api.get("/v1/deadlines/moved", Role.ADMIN)).status_code == 200
            as_admin = await _recompute(api, {"case_ids": [at_notice]}, Role.ADMIN)
            assert (as_admin.status_code, as_admin.json()["type"]) == (
                403,
                "urn:mufakat:problem:wrong_role",
            )
            unknown = await _recompute(api, {"case_ids": [at_notice, "PKD-2026-999999"]})
            assert unknown.status_code == 404
            assert unknown.json()["type"] == "urn:mufakat:problem:unknown_case"
            assert unknown.json()["detail"] == "tidak ada perkara PKD-2026-999999"
            neither = await _recompute(api, {})
            assert neither.status_code == 422
            assert neither.json()["errors"][0]["code"] == "recount_cases"
            assert (await _case(api, at_notice))["deadline"] == notice_before["deadline"]

            recounted = await _recompute(api, {"case_ids": [at_notice, at_intake]})
            assert recounted.status_code == 200, recounted.text
            seq = len(await _timeline(api, at_notice))
            assert recounted.json() == {
                "calendar_version": NEW_VERSION,
                "results": [
                    {
                        "case_id": at_notice,
                        "outcome": "recomputed",
                        "stage": "notice",
                        "due_date": notice_due.isoformat(),
                        "new_due_date": moved_to.isoformat(),
                        "seq": seq,
                        "duplicate": False,
                    },
                    {
                        "case_id": at_intake,
                        "outcome": "not_moved",
                        "stage": None,
                        "due_date": None,
                        "new_due_date": None,
                        "seq": None,
                        "duplicate": False,
                    },
                ],
            }
            await api.settled(at_notice)

            notice_after = await _case(api, at_notice)
            assert notice_after["stage"] == "notice"
            assert notice_after["deadline"]["due_date_local"] == moved_to.isoformat()
            assert notice_after["deadline"]["calendar_version"] == NEW_VERSION
            entry = (await _timeline(api, at_notice))[-1]
            reason = f"{NEW_VERSION}: notice {notice_due} → {moved_to}"
            assert {k: entry[k] for k in ("kind", "action", "actor_role", "detail", "payload")} == {
                "kind": "action",
                "action": "recompute_deadline",
                "actor_role": "operator",
                "detail": f"deadline recounted with calendar {OLD.version} → {NEW_VERSION}: "
                f"due {notice_due} → {moved_to}",
                "payload": {"reason": reason},
            }
            trail = (await api.get(f"/v1/cases/{at_notice}/audit", Role.AUDITOR)).json()
            last = trail["entries"][-1]
            assert (last["action"], last["actor_role"], last["timeline_seq"]) == (
                "recompute_deadline",
                "operator",
                seq,
            )
            assert last["payload"] == {"reason": reason}
            verified = await api.client.post(
                f"/v1/cases/{at_notice}/verify", headers=api.headers(Role.AUDITOR)
            )
            assert verified.json()["ok"] is True, verified.text
            # The case whose deadline the new calendar leaves alone was not touched.
            assert (await _case(api, at_intake))["deadline"] == intake_before["deadline"]
            assert await _timeline(api, at_intake) == intake_timeline

            # A second recount changes nothing: nothing is listed any more.
            assert (await api.get("/v1/deadlines/moved")).json()["deadlines"] == []
            again = await _recompute(api, {"all_listed": True})
            assert again.json() == {"calendar_version": NEW_VERSION, "results": []}
            named_again = await _recompute(api, {"case_ids": [at_notice]})
            assert [r["outcome"] for r in named_again.json()["results"]] == ["not_moved"]
            assert len(await _timeline(api, at_notice)) == seq

            await replays_every_run(dev_env.client, at_notice)
            await replays_every_run(dev_env.client, at_intake)


# ---------------------------------------------------------------- through the CLI

ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _mufakat(api: Api, address: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`mufakat deadline ...` against the test's read model and Temporal server, counting with
    the calendar the installed release ships (run in a thread: the test's worker answers)."""
    settings = api.app.state.settings
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    return await asyncio.to_thread(
        subprocess.run,
        [MUFAKAT, "deadline", *args, *where],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=clean_env(),
    )


@ON_SQLITE
async def test_the_cli_lists_and_recounts_through_the_same_service(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    address = dev_env.client.service_client.config.target_host
    port = ["--temporal-port", address.rsplit(":", 1)[1]]
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    # The release before had a cuti bersama day the current data (an amended SKB) dropped.
    dropped = OLD.next_working_day(today + timedelta(days=2))
    earlier = _amended(dropped, version="holidays-0.108+skb-awal")
    async with _instance(dev_env, database_url, tmp_path) as (api, queue):
        async with _released(api, queue, earlier):
            case_id = await api.case((Role.OPERATOR, None, "accept_filing", {}))
            # A case still running under 2026.1 keeps the dates it was given.
            pinned = await CaseDriver.file(api.app.state.temporal, queue, ksdd_filing(), "2026.1")
            await settled(pinned.handle)
            kept = (await pinned.view()).clock
            assert kept is not None
        due = (await _case(api, case_id))["deadline"]["due_date_local"]
        sooner = OLD.add(today, 14, HK).isoformat()
        assert sooner < due
        kept_sooner = OLD.add(today, 5, HK).isoformat()
        assert kept_sooner < kept.deadline.due_date
        kept_id = pinned.handle.id
        operator = api.token(Role.OPERATOR).split("_")[1]
        gwpp = api.token(Role.GWPP, "32").split("_")[1]

        listed = await _mufakat(api, address, "moved")
        assert listed.returncode == 0, listed.stderr
        kept_line = (
            f"{kept_id}  intake  5HK  {kept.deadline.due_date} → {kept_sooner}  (-1 HK)  "
            "counted with holidays-0.108+skb-awal  (kept: guideline 2026.1)"
        )
        assert listed.stdout.splitlines() == [
            f"calendar: {OLD.version}",
            kept_line,
            f"{case_id}  notice  14HK  {due} → {sooner}  (-1 HK)  counted with "
            "holidays-0.108+skb-awal",
            "2 running deadline(s) would move",
        ]
        async with _released(api, queue, OLD):
            refused = await _mufakat(api, address, "recompute", "--key", gwpp, "--all", *port)
            assert refused.returncode == 2
            assert refused.stderr.startswith("error: wrong_role: "), refused.stderr
            done = await _mufakat(api, address, "recompute", "--key", operator, "--all", *port)
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines() == [
                f"calendar: {OLD.version}",
                f"{case_id}  recomputed  {due} → {sooner}",
            ]
            named = await _mufakat(api, address, "recompute", "--key", operator, kept_id, *port)
            assert named.stdout.splitlines()[1:] == [
                f"{kept_id}  kept_by_guideline  {kept.deadline.due_date}"
            ]
            assert (await _case(api, case_id))["deadline"]["due_date_local"] == sooner
            assert (await pinned.view()).clock == kept
            await api.settled(case_id)
            await replays_every_run(dev_env.client, case_id)
            await replays_every_run(dev_env.client, kept_id)
        after = await _mufakat(api, address, "moved")
        assert after.stdout.splitlines()[1:] == [kept_line, "1 running deadline(s) would move"]


def _end_of_day_utc(day: date) -> str:
    """The instant a local (WIB) day ends, as the API writes it."""
    return f"{day.isoformat()}T17:00:00Z"
