"""The FastAPI application: a factory, and the Temporal client's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from api import health
from api.action_models import document_payload_kinds
from api.docs import install_docs
from api.konsol.mount import install_konsol
from api.limits import install_request_limits
from api.problems import install_problem_handlers
from api.routes import (
    actions,
    audit,
    calendar,
    cases,
    deadlines,
    documents,
    email_subscriptions,
    pedoman,
    regions,
    route,
    stats,
    webhooks,
)
from api.services.backend import share_backend
from api.telemetry import configure_tracing, instrument
from models.settings import Settings, get_settings
from storage.database import create_database_engine
from storage.schema import ensure_schema
from workflows.client import connect_client

# Each group of operations, as /docs and /redoc head it: Bahasa Indonesia / English.
OPENAPI_TAGS = [
    {"name": name, "description": description}
    for name, description in {
        "cases": "Perkara: pengajuan, daftar kerja / Cases: filing, the worklist",
        "actions": "Tindakan dalam perkara / Actions in a case",
        "documents": "Dokumen perkara / A case's documents",
        "audit": "Audit: riwayat, jejak, verifikasi / Audit: history, trail, verification",
        "stats": "Statistik / Statistics",
        "pedoman": "Pedoman yang berlaku / The guidelines",
        "regions": "Daerah (kode Kemendagri) / Regions (Kemendagri codes)",
        "routing": "Rute forum (R1–R8) / Forum routing (R1–R8)",
        "calendar": "Hari kerja dan tenggat / Working days and deadlines",
        "health": "Kesehatan layanan / Service health",
        "webhooks": "Webhook: peristiwa perkara ke sistem instansi / Webhooks: case events to an "
        "agency's system",
        "notifications": "Pemberitahuan surel / E-mail notifications",
    }.items()
]


def create_app(settings: Settings, tracer_provider: TracerProvider | None = None) -> FastAPI:
    """Build the API for one set of settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Created here, on the serving loop and after any fork, never at import. Lazy, so the
        # API comes up (and /health can say "unreachable") while Temporal is still starting.
        app.state.temporal = await connect_client(
            embedded_address=settings.embedded_temporal_address,
            namespace=settings.namespace,
            lazy=True,
        )
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="Mufakat",
        summary="Penyelesaian perselisihan Kerja Sama Daerah / Regional-cooperation disputes",
        description=(
            "Mengajukan perkara, mengambil tindakan, dan membaca perkara sesuai pedoman. Setiap "
            "permintaan membawa `Authorization: Bearer <key>`; galat berupa RFC 9457 problem "
            "details dalam Bahasa Indonesia (bahasa Inggris dengan `Accept-Language: en`).\n\n"
            "*File cases, take actions and read cases as the pedoman sets out. Every request "
            "carries `Authorization: Bearer <key>`; errors are RFC 9457 problem details, in "
            "Bahasa Indonesia (English with `Accept-Language: en`).*"
        ),
        # The contract's version (its paths are under /v1), shown beside the title in /docs.
        version="v1",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        # Served by api.docs from the package's own files: FastAPI's pages load from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app.state.engine = create_database_engine(settings.database_url)
    ensure_schema(app.state.engine)
    share_backend(app)
    install_problem_handlers(app)
    install_request_limits(app)
    app.include_router(health.router)
    app.include_router(cases.router)
    app.include_router(actions.router)
    document_payload_kinds(app)
    app.include_router(documents.router)
    app.include_router(audit.router)
    app.include_router(stats.router)
    app.include_router(deadlines.router)  # D20
    app.include_router(webhooks.router)
    app.include_router(email_subscriptions.router)
    # What each webhook receives, documented under OpenAPI 3.1 `webhooks` (no route serves it).
    app.webhooks.include_router(webhooks.events)
    include_reference_routes(app)
    install_docs(app)
    install_konsol(app)
    if tracer_provider is not None:
        instrument(app, app.state.engine, tracer_provider)
    return app


def include_reference_routes(app: FastAPI) -> None:
    """Serve the reference look-ups every role may read: guidelines, regions, routing and the
    calendar."""
    for module in (pedoman, regions, route, calendar):
        app.include_router(module.router)


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory api.app:create_app_from_env`."""
    return create_app(get_settings(), configure_tracing("api"))
