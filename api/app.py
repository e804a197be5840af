"""The FastAPI application: a factory, and the Temporal client's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import health
from models.settings import Settings, get_settings
from workflows.client import connect_client


def create_app(settings: Settings) -> FastAPI:
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

    app = FastAPI(title="Mufakat", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(health.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory api.app:create_app_from_env`."""
    return create_app(get_settings())
