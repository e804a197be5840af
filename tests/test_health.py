"""`GET /health` on the real app: serving with Temporal up, RFC 9457 problem with it down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from models.settings import Settings
from tests.dev_instance import free_port


@asynccontextmanager
async def _api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    # httpx's ASGI transport does not run the lifespan, which is where the client is made.
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
            yield http


async def test_health_when_temporal_serves(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    port = int(dev_env.client.service_client.config.target_host.rsplit(":", 1)[1])
    async with _api(Settings(data_dir=tmp_path, temporal_port=port)) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "temporal": "serving", "namespace": "default"}


async def test_health_when_temporal_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, temporal_port=free_port(), namespace="mufakat")
    async with _api(settings) as http:
        response = await http.get("/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:mufakat:problem:temporal-unreachable"
    assert (problem["status"], problem["temporal"], problem["namespace"]) == (
        503,
        "unreachable",
        "mufakat",
    )


async def test_readyz_when_temporal_and_the_read_model_answer(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    port = int(dev_env.client.service_client.config.target_host.rsplit(":", 1)[1])
    async with _api(Settings(data_dir=tmp_path, temporal_port=port)) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "temporal": "serving",
        "read_model": "available",
        "namespace": "default",
    }


async def test_readyz_names_temporal_when_it_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, temporal_port=free_port())
    async with _api(settings) as http:
        ready, health = await http.get("/readyz"), await http.get("/health")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    problem = ready.json()
    assert (problem["type"], problem["unavailable"]) == (
        "urn:mufakat:problem:not_ready",
        ["temporal"],
    )
    # Every 503 says when to try again, /health's included.
    assert int(ready.headers["retry-after"]) > 0
    assert int(health.headers["retry-after"]) > 0
