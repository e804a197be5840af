"""Faults over real processes on loopback: a crash must never leave an action acknowledged but
not applied, applied twice, called a duplicate of nothing, or in the audit trail and not in
history (issue 7).

Each scenario runs Temporal's dev server, `mufakat worker` and `mufakat api` as separate
processes, files cases through the API, hurts one process while clients act, and then compares
every answer the clients got with every case's history, timeline, audit trail and verification.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from models.roles import Actor, Role
from models.state import ActionRequest
from tests.api_harness import ksdd_filing_json
from tests.databases import temporary_database
from tests.faults.checks import Auditor, examine
from tests.faults.load import REQUEST_TIMEOUT_SECONDS, Agency, note, under_fault
from tests.faults.processes import Deployment, Service, deployment
from tests.relay import PostgresRelay
from workflows.client import connect_client
from workflows.starter import take_action

CASES = 20
CLIENTS = 6
DOWN_SECONDS = 1.5
OUTAGE_SECONDS = 3.0
# Every wait inside is bounded; this only stops a scenario that hangs anyway.
SCENARIO_SECONDS = 180.0
BANDUNG = "32.04"  # Kabupaten Bandung, the requesting party of `ksdd_filing_json`


async def _file_cases(running: Deployment, http: httpx.AsyncClient, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {await running.token('operator')}"}

    async def file(number: int) -> str:
        response = await http.post(
            "/v1/cases",
            json=ksdd_filing_json(),
            params={"force": "true"},  # the same dispute, filed `count` times on purpose
            headers=headers | {"Idempotency-Key": f"filing-{number}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        case_id: str = response.json()["case_id"]
        return case_id

    return list(await asyncio.gather(*(file(number) for number in range(count))))


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    # Shown in every run, a passing one too: the figures are the point of these tests.
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")


async def _kill_under_load(
    running: Deployment, capsys: pytest.CaptureFixture[str], scenario: str, victim: Service
) -> None:
    async with httpx.AsyncClient(base_url=running.api_url) as http:
        case_ids = await _file_cases(running, http, CASES)
        agency = Agency(http, await running.token("party", BANDUNG))
        auditor = Auditor(http, await running.token("auditor"))

        async def crash() -> float:
            return await running.restart(victim, DOWN_SECONDS)

        load = await under_fault(agency, case_ids, crash, clients=CLIENTS)
        running.check_alive()
        findings = examine(load.sent, await auditor.cases(case_ids), load=load)
    _report(capsys, findings.summary(scenario))
    if findings.problems():
        raise AssertionError("\n".join([findings.summary(scenario), *findings.problems()]))


async def test_temporal_server_killed_under_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL the dev server while clients act, restart it on the same SQLite file."""
    async with deployment(tmp_path) as running, asyncio.timeout(SCENARIO_SECONDS):
        await _kill_under_load(running, capsys, "Temporal SIGKILL (SQLite)", running.temporal)


async def test_worker_killed_under_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGKILL the worker while clients act (read model on PostgreSQL), start a new one."""
    with temporary_database("postgresql", tmp_path) as url:
        async with deployment(tmp_path, database_url=url) as running:
            async with asyncio.timeout(SCENARIO_SECONDS):
                await _kill_under_load(
                    running, capsys, "worker SIGKILL (PostgreSQL)", running.worker
                )


async def test_read_model_refused_under_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL refuses connections for a while (a relay in front of it is cut) while clients
    act: answers are 503 then, nothing is lost or doubled, and the records converge."""
    with temporary_database("postgresql", tmp_path) as url:
        target = make_url(url)
        relay = PostgresRelay(target.host or "127.0.0.1", target.port or 5432)
        await relay.relay()
        relayed = target.set(port=relay.port).render_as_string(hide_password=False)
        async with (
            deployment(tmp_path, database_url=relayed) as running,
            asyncio.timeout(SCENARIO_SECONDS),
            httpx.AsyncClient(base_url=running.api_url) as http,
        ):
            case_ids = await _file_cases(running, http, CASES)
            agency = Agency(http, await running.token("party", BANDUNG))
            auditor = Auditor(http, await running.token("auditor"))

            async def outage() -> float:
                await relay.refuse()
                await asyncio.sleep(OUTAGE_SECONDS)
                await relay.relay()
                return time.monotonic()

            load = await under_fault(agency, case_ids, outage, clients=CLIENTS)
            running.check_alive()
            findings = examine(load.sent, await auditor.cases(case_ids), load=load)
        await relay.refuse()
    unavailable = Counter(
        attempt.problem or str(attempt.status)
        for key in load.sent
        for attempt in key.attempts
        if attempt.status == 503
    )
    answered = ", ".join(f"{count} x {kind}" for kind, count in sorted(unavailable.items()))
    scenario = f"read model refused {OUTAGE_SECONDS:g} s (PostgreSQL)"
    _report(capsys, f"{findings.summary(scenario)}; 503 answers: {answered or 'none'}")
    if findings.problems():
        raise AssertionError("\n".join([findings.summary(scenario), *findings.problems()]))


# Over Temporal's 2 MB payload limit. A workflow task that carries it fails, and with it any
# action racing it in the same task: that is how issue 7 was first seen.
JUNK = "x" * (3 * 1024 * 1024)
OVERSIZED_KEY = "oversized"

# Sends the oversized action; how it was answered, and whether that was a clean refusal.
OversizedSender = Callable[[Deployment, Agency, str], Coroutine[Any, Any, tuple[str, bool]]]


async def _through_the_api(running: Deployment, agency: Agency, case_id: str) -> tuple[str, bool]:
    answer = await agency.attempt(agency.key(case_id, OVERSIZED_KEY), note("x") | {"junk": JUNK})
    return answer.describe(), answer.status in (413, 422)


async def _straight_to_temporal(
    running: Deployment, agency: Agency, case_id: str
) -> tuple[str, bool]:
    # As any client of the cluster could (or a front end that forgot the API's limits).
    client = await connect_client(
        embedded_address=running.settings.embedded_temporal_address,
        namespace=running.settings.namespace,
    )
    actor = Actor(key_id=agency.key_id, role=Role.PARTY, scope=BANDUNG)
    request = ActionRequest(action="add_note", actor=actor, payload={"text": "x", "junk": JUNK})
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            result = await take_action(
                client.get_workflow_handle(case_id),
                request,
                key=f"{agency.key_id}/{OVERSIZED_KEY}",
            )
    except Exception as error:  # whichever way it fails, it must leave no trace
        return f"{type(error).__name__}: {str(error)[:120]}", True
    return f"applied at seq {result.seq}", False


async def _oversized_race(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario: str, send: OversizedSender
) -> None:
    """An oversized action, and half a second later K1: the oversized one refused and never
    recorded; K1 applied exactly once, its retry a duplicate with the same seq; K2 the next."""
    async with (
        deployment(tmp_path) as running,
        asyncio.timeout(SCENARIO_SECONDS),
        httpx.AsyncClient(base_url=running.api_url) as http,
    ):
        (case_id,) = await _file_cases(running, http, 1)
        agency = Agency(http, await running.token("party", BANDUNG))
        auditor = Auditor(http, await running.token("auditor"))
        oversized = asyncio.create_task(send(running, agency, case_id))
        await asyncio.sleep(0.5)
        k1 = await agency.send(agency.key(case_id, "K1"), note("K1"))
        await agency.send(k1, note("K1"))  # the client sends K1 again
        k2 = await agency.send(agency.key(case_id, "K2"), note("K2"))
        answer, refused = await oversized
        evidence = (await auditor.cases([case_id]))[case_id]
        findings = examine([k1, k2], {case_id: evidence})
        summary = (
            f"{findings.summary(scenario)}; oversized: {answer}; "
            f"K1: {k1.describe()}; K2: {k2.describe()}"
        )
        _report(capsys, summary)
        problems = findings.problems()
        if not refused:
            problems.append(f"the oversized action was answered {answer}")
        recorded = evidence.applied_keys + [key for key, _ in evidence.audit]
        if f"{agency.key_id}/{OVERSIZED_KEY}" in recorded:
            problems.append("the oversized action was recorded")
        if [a.duplicate for a in k1.acknowledgements] != [False, True]:
            problems.append(f"K1 then its retry: {k1.describe()}, not duplicate false then true")
        seqs = [a.seq for a in k1.acknowledgements + k2.acknowledgements]
        if len(seqs) != 3 or seqs[0] is None or seqs != [seqs[0], seqs[0], seqs[0] + 1]:
            problems.append(f"seq of K1, its retry, K2: {seqs}, not n, n, n + 1")
        if problems:
            raise AssertionError("\n".join([summary, *problems]))


async def test_oversized_action_racing_an_action(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the API: refused at once (413 or 422)."""
    await _oversized_race(tmp_path, capsys, "oversized action racing K1", _through_the_api)


async def test_oversized_update_straight_to_temporal_racing_an_action(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past the API's limits, the update fails the case's workflow task: K1, in that task or
    the next, must still be answered from what the case committed."""
    scenario = "oversized update sent to Temporal racing K1"
    await _oversized_race(tmp_path, capsys, scenario, _straight_to_temporal)
