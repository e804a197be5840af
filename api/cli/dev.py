"""`mufakat dev`, `mufakat worker` and `mufakat api`: the long-running processes."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

import typer

from api.cli.options import ApiPort, DataDir, TemporalPort, require_writable_data_dir
from models.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from temporalio.client import Client

# Each command imports its machinery when it runs: `mufakat route` should not pay for uvicorn,
# and the API process should never load workflow code.


def _configure_logging(settings: Settings, name: str) -> None:
    logging.basicConfig(
        level=settings.log_level, format=f"%(asctime)s {name} %(levelname)s %(name)s: %(message)s"
    )


def dev(
    data_dir: DataDir = None, api_port: ApiPort = None, temporal_port: TemporalPort = None
) -> None:
    """Run Temporal's dev server, the worker, the dispatcher and the API; Ctrl-C stops them all."""
    from api.cli.embedded import run_embedded

    settings = get_settings(data_dir=data_dir, api_port=api_port, temporal_port=temporal_port)
    require_writable_data_dir(settings.data_dir)
    _configure_logging(settings, "dev")
    raise typer.Exit(run_embedded(settings))


def worker(data_dir: DataDir = None, temporal_port: TemporalPort = None) -> None:
    """Run the worker (the case workflow and its activities) until SIGINT or SIGTERM."""
    settings = get_settings(data_dir=data_dir, temporal_port=temporal_port)
    require_writable_data_dir(settings.data_dir)
    _configure_logging(settings, "worker")
    asyncio.run(_run_worker(settings))


async def _run_worker(settings: Settings) -> None:
    from api.services.connecting import read_model as open_read_model
    from api.services.connecting import temporal_client
    from api.telemetry import configure_tracing
    from workflows.worker import build_worker

    configure_tracing("worker")  # before the client: its tracing interceptor uses the provider
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    read_model = open_read_model(settings.database_url, migrate=True)
    client = await temporal_client(settings)
    worker = build_worker(client, read_model=read_model, task_queue=settings.task_queue)
    archiving = _start_archiver(settings, client, read_model)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    running = asyncio.create_task(worker.run())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not running.done():
        logging.getLogger(__name__).info("shutting down")
        await worker.shutdown()
    stopping.cancel()
    if archiving is not None:
        archiving.cancel()  # an archive cut short is not recorded: the next sweep makes it
    await running  # a worker that failed on its own raises here, so the process exits non-zero


def dispatcher(data_dir: DataDir = None) -> None:
    """Send the outbox's notifications (webhooks, e-mail) until SIGINT or SIGTERM.

    Its own process, beside the worker: delivery work never shares an interpreter with the
    workflows and activities that answer actions. Several may run against one read model.
    """
    settings = get_settings(data_dir=data_dir)
    require_writable_data_dir(settings.data_dir)
    _configure_logging(settings, "dispatcher")
    asyncio.run(_run_dispatcher(settings))


async def _run_dispatcher(settings: Settings) -> None:
    from api.services.connecting import read_model as open_read_model
    from api.services.delivery.dispatcher import Dispatcher

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    delivering = Dispatcher(open_read_model(settings.database_url, migrate=True), settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, delivering.stop)
    # Stopped, the attempts under way finish (bounded by the webhook timeout) and are recorded;
    # killed, their leases lapse and they go again under the same ids.
    await delivering.run()


def _start_archiver(
    settings: Settings, client: Client, read_model: Engine
) -> asyncio.Task[None] | None:
    """Archive every case that closes (`audit.archiver`), unless `archive_interval` is 0."""
    if not settings.archive_interval:
        return None
    from activities.document_store import archive_store, document_store
    from audit.archiver import CaseArchiver

    archiver = CaseArchiver(
        client,
        read_model,
        archive_store(settings),
        document_store(settings),
        interval=settings.archive_interval,
        signing_key_file=settings.audit_signing_key_file,
    )
    return asyncio.create_task(archiver.run())


def api(
    data_dir: DataDir = None, api_port: ApiPort = None, temporal_port: TemporalPort = None
) -> None:
    """Run the HTTP API with uvicorn until SIGINT or SIGTERM."""
    import uvicorn

    from api.app import create_app
    from api.server import BoundedHttpToolsProtocol

    settings = get_settings(data_dir=data_dir, api_port=api_port, temporal_port=temporal_port)
    require_writable_data_dir(settings.data_dir)
    _configure_logging(settings, "api")
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        # Bounded, so that `mufakat dev` never waits on an idle keep-alive connection.
        timeout_graceful_shutdown=5,
        # Refuses a request head past its limit as it arrives (431), never buffering it whole.
        http=BoundedHttpToolsProtocol,
    )
