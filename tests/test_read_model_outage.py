"""The read model (PostgreSQL) going away under a real `mufakat api`, and coming back.

A TCP relay in the test stands between the API and PostgreSQL, so the outage is real: the relay
refuses connections and drops the ones it carries, or accepts them and never answers. Reads then
answer 503 `read_model_unavailable` with Retry-After on the same HTTP connection, `/readyz` names
the read model, and once the relay carries traffic again the same reads answer 200 within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import make_url
from temporalio.testing import WorkflowEnvironment

from api.cli.embedded import child_env
from models.roles import Role
from tests.api_harness import Api
from tests.conftest import MUFAKAT
from tests.databases import temporary_database
from tests.dev_instance import free_port
from tests.relay import PostgresRelay

PROBLEM = "urn:mufakat:problem:"
API_READY_SECONDS = 60.0
# What "within seconds" means here: the engine's connect timeout (5 s) plus a margin.
FAIL_FAST_SECONDS = 9.0
RECOVERY_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass
class ProxiedApi:
    """`mufakat api` in a subprocess, reading PostgreSQL through the relay."""

    relay: PostgresRelay
    http: httpx.AsyncClient
    headers: dict[str, str]
    case_id: str
    log_path: Path

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path, headers=self.headers)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL only: the read model here is a server that can go away."""
    with temporary_database("postgresql", tmp_path) as url:
        yield url


@pytest_asyncio.fixture(loop_scope="session")
async def proxied(
    api: Api, database_url: str, dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[ProxiedApi]:
    """A case filed (through the harness's app and worker), then a second API process on the
    same database, reached through the relay."""
    case_id = await api.case()
    direct = make_url(database_url)
    relay = PostgresRelay(direct.host or "127.0.0.1", direct.port or 5432)
    await relay.relay()
    proxied_url = direct.set(host="127.0.0.1", port=relay.port)
    api_port = free_port()
    temporal_port = dev_env.client.service_client.config.target_host.rsplit(":", 1)[1]
    env = {k: v for k, v in child_env(os.environ).items() if not k.startswith("MUFAKAT_")}
    env |= {
        "MUFAKAT_DATABASE_URL": proxied_url.render_as_string(hide_password=False),
        "MUFAKAT_TASK_QUEUE": api.app.state.settings.task_queue,
        "MUFAKAT_LOG_LEVEL": "WARNING",
    }
    argv = [MUFAKAT, "api", "--data-dir", str(tmp_path / "proxied")]
    argv += ["--api-port", str(api_port), "--temporal-port", temporal_port]
    log_path = tmp_path / "proxied-api.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    # One connection at most: every answer, 503s included, must leave it open for the next.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{api_port}", timeout=REQUEST_TIMEOUT_SECONDS, limits=limits
        ) as http:
            await _wait_ready(http, process, log_path)
            headers = {"Authorization": f"Bearer {api.token(Role.OPERATOR)}"}
            yield ProxiedApi(relay, http, headers, case_id, log_path)
    except BaseException as failure:
        failure.add_note(f"--- proxied API log:\n{_log(log_path)}")
        raise
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(15):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        await relay.refuse()  # its connections too, so that the schema can be dropped


async def _wait_ready(
    http: httpx.AsyncClient, process: asyncio.subprocess.Process, log_path: Path
) -> None:
    deadline = time.monotonic() + API_READY_SECONDS
    while time.monotonic() < deadline:
        assert process.returncode is None, _log(log_path)
        with contextlib.suppress(httpx.TransportError):
            if (await http.get("/health")).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the proxied API was not ready within {API_READY_SECONDS:.0f} s")


def _log(path: Path) -> str:
    return path.read_text(errors="replace")


def _client_port(response: httpx.Response) -> int:
    """The local port of the connection the response came on."""
    address = response.extensions["network_stream"].get_extra_info("client_addr")
    port: int = address[1]
    return port


def _assert_read_model_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["type"] == PROBLEM + "read_model_unavailable", problem
    assert problem["status"] == 503
    assert problem["title"] == "Basis data baca tidak tersedia"  # Indonesian unless asked
    assert response.headers["content-language"] == "id"
    assert "SELECT" not in response.text and "psycopg" not in response.text


async def _assert_read_model_down(proxied: ProxiedApi) -> list[httpx.Response]:
    """Every read the read model serves answers 503; /readyz names it; /health is Temporal's."""
    answers = [
        await proxied.get("/v1/cases"),
        await proxied.get(f"/v1/cases/{proxied.case_id}"),
        await proxied.get("/v1/cases"),
    ]
    for response in answers:
        _assert_read_model_unavailable(response)
    ready = await proxied.get("/readyz")
    assert ready.status_code == 503, ready.text
    assert int(ready.headers["retry-after"]) > 0
    problem = ready.json()
    assert (problem["type"], problem["unavailable"]) == (PROBLEM + "not_ready", ["read_model"])
    assert problem["detail"] == "tidak menjawab: basis data baca (read model)"
    health = await proxied.get("/health")
    assert health.status_code == 200, health.text  # Temporal serves: /health says only that
    return [*answers, ready, health]


async def _recovery_seconds(proxied: ProxiedApi, since: float) -> float:
    """Poll the worklist until it answers 200; the seconds from `since`."""
    while True:
        response = await proxied.get("/v1/cases")
        if response.status_code == 200:
            return time.monotonic() - since
        _assert_read_model_unavailable(response)
        assert time.monotonic() - since < RECOVERY_SECONDS, "not recovered in time"
        await asyncio.sleep(0.05)


async def _assert_serving(proxied: ProxiedApi) -> list[httpx.Response]:
    listed = await proxied.get("/v1/cases")
    assert listed.status_code == 200, listed.text
    assert [case["case_id"] for case in listed.json()["items"]] == [proxied.case_id]
    case = await proxied.get(f"/v1/cases/{proxied.case_id}")
    assert case.status_code == 200, case.text
    ready = await proxied.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "temporal": "serving",
        "read_model": "available",
        "namespace": "default",
    }
    return [listed, case, ready]


async def test_refused_read_model_is_503_then_recovers(proxied: ProxiedApi) -> None:
    before = await _assert_serving(proxied)

    await proxied.relay.refuse()
    down = await _assert_read_model_down(proxied)

    await proxied.relay.relay()
    recovered = await _recovery_seconds(proxied, time.monotonic())
    after = await _assert_serving(proxied)
    print(f"read model refused: 200 again {recovered:.3f} s after PostgreSQL came back")  # noqa: T201

    # No error closed the HTTP connection: every answer came on the first one.
    assert {_client_port(r) for r in before + down + after} == {_client_port(before[0])}


async def test_blackholed_read_model_fails_fast_then_recovers(proxied: ProxiedApi) -> None:
    await _assert_serving(proxied)

    await proxied.relay.blackhole()
    started = time.monotonic()
    response = await proxied.get("/v1/cases")
    failed_after = time.monotonic() - started
    _assert_read_model_unavailable(response)
    assert failed_after < FAIL_FAST_SECONDS, failed_after
    started = time.monotonic()
    ready = await proxied.get("/readyz")
    assert (ready.status_code, ready.json()["unavailable"]) == (503, ["read_model"])
    assert time.monotonic() - started < 4.0  # the probes' own 2 s bound, not the connect timeout

    await proxied.relay.relay()
    recovered = await _recovery_seconds(proxied, time.monotonic())
    await _assert_serving(proxied)
    print(  # noqa: T201
        f"read model blackholed: 503 after {failed_after:.3f} s; "
        f"200 again {recovered:.3f} s after PostgreSQL came back"
    )
