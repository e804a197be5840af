"""Tracing with OpenTelemetry: spans from HTTP requests, SQL and Temporal to an OTLP collector."""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.engine import Engine


def configure_tracing(service: str) -> TracerProvider | None:
    """Export spans over OTLP/HTTP when a collector is configured (`OTEL_EXPORTER_OTLP_*`).

    Without one, tracing stays the no-op default, so a development machine sends nothing.
    """
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    name = os.environ.get("OTEL_SERVICE_NAME", f"mufakat-{service}")
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def instrument(app: FastAPI, engine: Engine, provider: trace.TracerProvider | None = None) -> None:
    """Span every request and every SQL statement of the app (the Temporal client spans itself)."""
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls="health", exclude_spans=["receive", "send"]
    )
    SQLAlchemyInstrumentor().instrument(engine=engine, tracer_provider=provider)
