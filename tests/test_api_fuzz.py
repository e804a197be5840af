"""An OpenAPI fuzz run (schemathesis) over every operation: no 5xx, and every answer documented.

The production app runs in process (`from_asgi`) with a real worker, the session's Temporal dev
server and a read model on SQLite and on PostgreSQL. schemathesis serves the app, lifespan
included, on an event loop in a thread of its own, where the lifespan connects the app's own
Temporal client; the test itself is synchronous, so the pytest session's loop is idle while it
runs. The worker therefore gets a loop (and a Temporal client) of its own too.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import CheckFunction
from schemathesis.core.result import Err
from schemathesis.pytest.lazy import get_all_tests, run_subtest
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import create_key
from api.problems import PROBLEM_MEDIA_TYPE
from models.guidelines import default_guideline
from models.roles import Role
from models.settings import get_settings
from models.tables import CaseNumber
from tests.api_harness import ksdd_filing_json
from tests.databases import BACKENDS, temporary_database
from workflows.client import connect_client
from workflows.worker import build_worker

# Per operation and phase (examples, coverage, fuzzing); derandomized, so that a failure
# reproduces on the next run. 30 keeps both backends together near half a minute.
FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,  # a filing waits for its workflow: timing is not what this run checks
    derandomize=True,
    database=None,
    # Requests are slow (a filing starts a workflow) and many drawn cases are filtered out.
    suppress_health_check=list(HealthCheck),
)
# A well-formed request can still be refused with a domain 422 (an unknown region code, an
# unroutable pair of parties, an action the stage does not allow), which is the answer the API
# documents; `positive_data_acceptance` would report each such refusal as a bug.
EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance]
# Real region codes, so that some generated filings and routes pass routing and reach Temporal.
REGION_CODES = ["32", "33", "32.04", "32.73", "33.74", "31.71"]
# PostgreSQL stores no NUL character in text while SQLite and Temporal do, so a NUL that gets in
# fails there alone; hypothesis rarely draws one where it matters. (schemathesis never sends a
# NUL in a path parameter.)
NUL_TEXTS = ["\x00", "Legok\x00Nangka"]
NUL_TARGETS = ["query.q", "query.stage", "body.title", "body.parties[*].name"]


@dataclass
class FuzzTarget:
    app: FastAPI
    token: str
    case_id: str


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_target(
    request: pytest.FixtureRequest,
    dev_env: WorkflowEnvironment,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FuzzTarget]:
    """The production app and its worker, an operator's key and one live case."""
    directory = tmp_path_factory.mktemp("fuzz")
    with temporary_database(request.param, directory) as database_url:
        yield from _serve(dev_env, directory, database_url)


def _serve(
    dev_env: WorkflowEnvironment, directory: Path, database_url: str
) -> Iterator[FuzzTarget]:
    port = int(dev_env.client.service_client.config.target_host.rsplit(":", 1)[1])
    app_settings = get_settings(
        data_dir=directory / "data",
        database_url=database_url,
        temporal_port=port,
        namespace=dev_env.client.namespace,
        task_queue=f"fuzz-{uuid.uuid4()}",
    )
    app = create_app(app_settings)
    with Session(app.state.engine) as session:
        # Temporal is shared by the session, and a running case with the same number would be
        # taken for this filing: start mid-block, away from where the `api` harness's tests start.
        last = secrets.randbelow(900) * 1000 + 500
        session.add(CaseNumber(year=datetime.now(UTC).year, last=last))
        session.commit()
        _, token = create_key(
            session, role=Role.OPERATOR, scope=None, name="fuzz", now=datetime.now(UTC)
        )
    with start_blocking_portal() as portal:
        client = portal.call(
            functools.partial(
                connect_client,
                embedded_address=app_settings.embedded_temporal_address,
                namespace=app_settings.namespace,
            )
        )
        worker = portal.call(_build_worker, client, app.state.engine, app_settings.task_queue)
        with portal.wrap_async_context_manager(worker):
            # Until schemathesis starts the app's lifespan, which connects a client of its own.
            app.state.temporal = client
            case_id = portal.call(_file_one_case, app, token)
            try:
                yield FuzzTarget(app=app, token=token, case_id=case_id)
            finally:
                # schemathesis keeps the lifespan, and so its Temporal client, until the process
                # exits; end it while the worker and the dev server still run.
                asgi.shutdown_lifespans()
    app.state.engine.dispose()


async def _build_worker(client: Client, engine: Engine, task_queue: str) -> Worker:
    # A worker checks its workflows on the loop it will run on.
    return build_worker(client, read_model=engine, task_queue=task_queue)


async def _file_one_case(app: FastAPI, token: str) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        response = await http.post(
            "/v1/cases",
            json=ksdd_filing_json(),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "fuzz-seed"},
        )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


def _action_names() -> list[str]:
    guideline = default_guideline()
    names = {action.name for action in guideline.common_actions}
    for track in guideline.tracks:
        for stage in guideline.stages_for(track).values():
            names.update(action.name for action in stage.actions)
    return sorted(names)


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_target: FuzzTarget) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document, with the key and some values worth sending."""
    config = schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"HTTPBearer": {"bearer": fuzz_target.token}}},
            "dictionaries": {
                "live_case": {"values": [fuzz_target.case_id]},
                "actions": {"values": _action_names()},
                "regions": {"values": REGION_CODES},
                "nul": {"values": NUL_TEXTS},
            },
            # Half the time a real case, action or region: generated ones almost never are, and
            # only real ones get past the lookups to the workflow and the read model.
            "parameters": {
                "path.case_id": {"dictionary": "live_case", "probability": 0.5},
                "body.action": {"dictionary": "actions", "probability": 0.5},
                "body.parties[*].region_code": {"dictionary": "regions", "probability": 0.5},
                "query.party": {"dictionary": "regions", "probability": 0.5},
                **{key: {"dictionary": "nul", "probability": 0.2} for key in NUL_TARGETS},
            },
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_target.app, config=config)


def _call_and_validate(case: schemathesis.Case[Any]) -> None:
    # Every default check but one: no 5xx, documented status codes, content types and bodies,
    # and schema-violating requests refused.
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)


def test_api_fuzz(fuzz_schema: schemathesis.BaseSchema, subtests: pytest.Subtests) -> None:
    """Every operation in the examples, coverage and fuzzing phases, as one subtest each."""
    # What `schemathesis.pytest.from_fixture(...).parametrize()` runs, without its renaming of
    # the pytest node, which fails on pytest 9.2 (`Function` has no `_nodeid` any more).
    tests = list(
        get_all_tests(
            schema=fuzz_schema,
            test_func=_call_and_validate,
            settings=FUZZ_SETTINGS,
            given_kwargs=None,
        )
    )
    assert len(tests) >= 15
    for result in tests:
        if isinstance(result, Err):
            pytest.fail(f"the OpenAPI document is invalid: {result.err()}")
        operation, test = result.ok()
        run_subtest(operation, {}, test, subtests)


@pytest.mark.parametrize("path", ["/v1/pedoman/%00", "/v1/pedoman/2026.1%00/graph?track=KSDD"])
async def test_a_nul_in_a_path_is_no_server_error(
    path: str, database_url: str, tmp_path: Path
) -> None:
    """What the fuzz cannot send (schemathesis keeps NUL out of path parameters)."""
    app = create_app(get_settings(data_dir=tmp_path / "data", database_url=database_url))
    with Session(app.state.engine) as session:
        _, token = create_key(
            session, role=Role.AUDITOR, scope=None, name="nul", now=datetime.now(UTC)
        )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        response = await http.get(path, headers={"Authorization": f"Bearer {token}"})
    app.state.engine.dispose()
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "urn:mufakat:problem:unknown_guideline_version"


def test_openapi_documents_security_examples_and_both_languages(tmp_path: Path) -> None:
    """Every /v1 operation needs the bearer key; cases, actions and stats say so in both languages
    with examples, and document the problems they answer with."""
    document: dict[str, Any] = create_app(get_settings(data_dir=tmp_path / "data")).openapi()
    scheme = document["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    operations = [
        (path, operation)
        for path, item in document["paths"].items()
        for operation in item.values()
        if path.startswith("/v1/")
    ]
    assert len(operations) >= 14
    for path, operation in operations:
        assert operation["security"] == [{"HTTPBearer": []}], path
        assert PROBLEM_MEDIA_TYPE in operation["responses"]["401"]["content"], path
        assert PROBLEM_MEDIA_TYPE in operation["responses"]["422"]["content"], path
        assert " / " in operation["summary"], path  # Bahasa Indonesia / English
    for path, operation in operations:
        if not {"cases", "actions", "stats"} & set(operation["tags"]):
            continue
        indonesian, english = operation["description"].split("\n\n", 1)
        assert indonesian and english, path
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert " / " in operation["responses"][success]["description"], path
        assert "examples" in str(operation) or "examples" in _schema_of(document, operation), path


def _schema_of(document: dict[str, Any], operation: dict[str, Any]) -> str:
    # The examples of a body or a response may sit on its component schema.
    names = {
        ref.rsplit("/", 1)[1] for ref in _refs(operation) if ref.startswith("#/components/schemas/")
    }
    return str([document["components"]["schemas"][name] for name in sorted(names)])


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)
