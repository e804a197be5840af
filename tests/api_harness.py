"""The real app against real Temporal and a real database, driven over HTTP by API keys."""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import create_key
from models.roles import Role
from models.settings import Settings, get_settings
from models.tables import CaseNumber
from tests.cases import settled
from workflows.worker import build_worker

# An action as a test takes it: who (role, scope), which action, its payload.
Step = tuple[Role, str | None, str, dict[str, Any]]

# Blocks of 1,000 case numbers, each handed to one test of the session, in random order.
_BLOCKS = iter(secrets.SystemRandom().sample(range(900), 900))


@dataclass
class Api:
    """An app with a worker, and a key per role and scope asked for."""

    app: FastAPI
    client: httpx.AsyncClient
    tokens: dict[tuple[Role, str | None], str] = field(default_factory=dict)

    def token(self, role: Role, scope: str | None = None) -> str:
        token = self.tokens.get((role, scope))
        if token is None:
            with Session(self.app.state.engine) as session:
                _, token = create_key(
                    session,
                    role=role,
                    scope=scope,
                    name=f"{role.value} {scope or ''}",
                    now=datetime.now(UTC),
                )
                session.commit()
            self.tokens[(role, scope)] = token
        return token

    def headers(
        self, role: Role, scope: str | None = None, key: str | None = None
    ) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token(role, scope)}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def file(
        self,
        filing: dict[str, Any],
        role: Role = Role.OPERATOR,
        scope: str | None = None,
        key: str | None = None,
        *,
        force: bool = True,
    ) -> httpx.Response:
        # Tests file the same dispute again and again for fresh cases: confirmed (`force`)
        # unless a test is about the duplicate check (tests/test_possible_duplicate.py).
        return await self.client.post(
            "/v1/cases",
            json=filing,
            params={"force": "true"} if force else None,
            headers=self.headers(role, scope, key or str(uuid.uuid4())),
        )

    async def act(
        self,
        case_id: str,
        role: Role,
        scope: str | None,
        action: str,
        key: str | None = None,
        **payload: Any,
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/cases/{case_id}/actions",
            json={"action": action, **payload},
            headers=self.headers(role, scope, key or str(uuid.uuid4())),
        )

    async def upload(
        self,
        case_id: str,
        content: bytes,
        role: Role = Role.PARTY,
        scope: str | None = "32.04",  # the requesting party of `ksdd_filing_json`
        *,
        key: str | None = None,
        filename: str = "ba-musyawarah.pdf",
        **form: str,
    ) -> httpx.Response:
        """Attach a PDF (a berita acara unless `form` says otherwise) to the case."""
        return await self.client.post(
            f"/v1/cases/{case_id}/documents",
            files={"file": (filename, content, "application/pdf")},
            data={"doc_type": "berita_acara", **form},
            headers=self.headers(role, scope, key or str(uuid.uuid4())),
        )

    async def attached(
        self, case_id: str, content: bytes, filename: str = "ba-musyawarah.pdf"
    ) -> str:
        """Attach a berita acara as the requesting party; its SHA-256."""
        uploaded = await self.upload(case_id, content)
        assert uploaded.status_code == 201, uploaded.text
        sha256: str = uploaded.json()["document"]["sha256"]
        return sha256

    async def case(self, *steps: Step, filing: dict[str, Any] | None = None) -> str:
        """File a case (Kabupaten v Kota Bandung unless told) and take these steps; its id."""
        filed = await self.file(filing or ksdd_filing_json())
        assert filed.status_code == 201, filed.text
        case_id: str = filed.json()["case_id"]
        for role, scope, action, payload in steps:
            response = await self.act(case_id, role, scope, action, **payload)
            assert response.status_code == 200, (action, response.text)
        if steps:
            await self.settled(case_id)
        return case_id

    async def settled(self, case_id: str) -> None:
        """Wait until the case's audit trail has caught up and its history stops growing."""
        await settled(self.app.state.temporal.get_workflow_handle(case_id))

    async def get(
        self, path: str, role: Role = Role.OPERATOR, scope: str | None = None, **params: Any
    ) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.headers(role, scope))


@pytest_asyncio.fixture(loop_scope="session")
async def api(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> AsyncIterator[Api]:
    """The production app (routes, auth, problem details) and worker, on a fresh task queue."""
    settings = get_settings(
        data_dir=tmp_path / "data", database_url=database_url, task_queue=f"api-{uuid.uuid4()}"
    )
    async with running_api(dev_env, settings) as running:
        yield running


@contextlib.asynccontextmanager
async def running_api(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    on_notice: Callable[[], None] | None = None,
) -> AsyncIterator[Api]:
    """The app for these settings with a worker on its task queue (`on_notice`: the worker's
    outbox wakes a dispatcher)."""
    app = create_app(settings)
    with Session(app.state.engine) as session:
        # Temporal is shared by the whole session while each read model is new: start each
        # test's case numbers in a block no other test of the session starts in, so a filing
        # never meets (and attaches to) a case another test filed under the same id.
        session.add(CaseNumber(year=datetime.now(UTC).year, last=next(_BLOCKS) * 1000))
        session.commit()
    # httpx's ASGI transport runs no lifespan: hand the app the test's Temporal client.
    app.state.temporal = dev_env.client
    worker = build_worker(
        dev_env.client,
        read_model=app.state.engine,
        task_queue=settings.task_queue,
        on_notice=on_notice,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with worker, httpx.AsyncClient(transport=transport, base_url="http://mufakat") as http:
        yield Api(app=app, client=http)
    app.state.engine.dispose()


# The request letter a 2026.2 filing must carry (pedoman.md §9 D12).
REQUEST_LETTER_JSON: dict[str, Any] = {
    "number": "000.1.5/123/Pem",
    "date": "2026-02-02",
    "signatory": {
        "name": "Ir. H. Dadang Supriatna",
        "position": "Bupati Bandung",
    },
}


def ksdd_filing_json(requesting: str = "32.04", responding: str = "32.73") -> dict[str, Any]:
    """A KSDD filing as an agency's system would send it."""

    def region(code: str, side: str) -> dict[str, Any]:
        kind = "provinsi" if len(code) == 2 else ("kota" if int(code[3:]) >= 71 else "kabupaten")
        return {"kind": kind, "side": side, "region_code": code, "name": f"Pemda {code}"}

    return {
        "case_type": "KSDD",
        "title": "Perselisihan pengelolaan TPA regional Legok Nangka",
        "sectors": ["pelayanan_publik", "infrastruktur"],
        "parties": [region(requesting, "requesting"), region(responding, "responding")],
        "agreement": {"object": "Pengelolaan TPA regional", "pks_number": "PKS/12/2024"},
        "dispute": {"subject": "Pembagian biaya operasional", "categories": ["pendanaan"]},
        "request_letter": REQUEST_LETTER_JSON,
    }


def ksdpk_filing_json(route: str = "arbitration") -> dict[str, Any]:
    return {
        "case_type": "KSDPK",
        "title": "Perselisihan konsesi air minum Kota Bandung",
        "sectors": ["investasi"],
        "parties": [
            {"kind": "kota", "side": "requesting", "region_code": "32.73", "name": "Kota Bandung"},
            {
                "kind": "badan_usaha",
                "side": "responding",
                "third_party_id": "NIB-8120000000001",
                "name": "PT Tirta Sejahtera",
            },
        ],
        "agreement": {
            "object": "Konsesi SPAM",
            "dispute_clause": {"route": route, "arbitration_allowed": True},
        },
        "dispute": {"subject": "Penyesuaian tarif", "categories": ["wanprestasi"]},
        "request_letter": REQUEST_LETTER_JSON,
    }
