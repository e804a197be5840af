"""Tracing: one filing through the API yields linked spans for HTTP, SQL and Temporal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlmodel import Session
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import create_key
from models.roles import Role
from models.settings import get_settings
from tests.api_harness import ksdd_filing_json
from workflows.worker import build_worker


async def test_a_filing_is_traced_end_to_end(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("mufakat-test")
    settings = get_settings(data_dir=tmp_path, task_queue=f"traced-{uuid.uuid4()}")
    app = create_app(settings, provider)
    # The production client carries the same interceptor (workflows/client.py).
    config = dev_env.client.config()
    config["interceptors"] = [TracingInterceptor(tracer)]
    app.state.temporal = Client(**config)
    with Session(app.state.engine) as session:
        _, token = create_key(
            session, role=Role.OPERATOR, scope=None, name="t", now=datetime.now(UTC)
        )
        session.commit()
    worker = build_worker(
        app.state.temporal, read_model=app.state.engine, task_queue=settings.task_queue
    )
    async with (
        worker,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://mufakat"
        ) as http,
    ):
        response = await http.post(
            "/v1/cases",
            json=ksdd_filing_json(),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "trace-1"},
        )
        assert response.status_code == 201, response.text
    names = [span.name for span in exporter.get_finished_spans()]
    assert "POST /v1/cases" in names
    assert any(name.startswith("StartUpdateWithStartWorkflow:Case") for name in names), names
    assert any(name.startswith(("INSERT", "SELECT", "UPDATE")) for name in names), names
    http_span = next(s for s in exporter.get_finished_spans() if s.name == "POST /v1/cases")
    temporal_span = next(
        s for s in exporter.get_finished_spans() if s.name.startswith("StartUpdateWithStart")
    )
    assert temporal_span.context is not None and http_span.context is not None
    assert temporal_span.context.trace_id == http_span.context.trace_id
    assert trace.get_tracer_provider() is not provider  # nothing global was replaced
