"""API keys: scopes per role, storage on SQLite and PostgreSQL, and the bearer dependency."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.auth import (
    Caller,
    create_key,
    list_keys,
    require_role,
    revoke_key,
    validate_scope,
)
from api.deps import CallerDep
from api.messages.catalogue import render
from api.problems import Forbidden, install_problem_handlers
from models.regions import load_regions
from models.roles import Actor, Role
from storage.database import create_database_engine
from storage.schema import ensure_schema

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
TOKEN = re.compile(r"mk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh read model: a SQLite file, or a PostgreSQL schema of its own dropped afterwards."""
    if request.param == "sqlite":
        engine = create_database_engine(f"sqlite:///{tmp_path / 'mufakat.db'}")
        ensure_schema(engine)
        yield engine
        engine.dispose()
        return
    schema = f"test_auth_{uuid.uuid4().hex[:12]}"
    engine = create_database_engine(
        POSTGRES_URL, connect_args={"options": f"-c search_path={schema}"}
    )
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        ensure_schema(engine)
        yield engine
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def new_key(engine: Engine, role: Role = Role.PARTY, scope: str | None = "32.04") -> str:
    with Session(engine) as session:
        _, token = create_key(session, role=role, scope=scope, name="Pemkab Bandung", now=NOW)
    return token


@pytest.fixture
async def client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """A tiny app whose one route needs a caller, wired like the real API."""
    app = FastAPI()
    app.state.engine = engine
    install_problem_handlers(app)

    @app.get("/whoami")
    async def whoami(caller: CallerDep) -> dict[str, Any]:
        return {"key_id": caller.key_id, "role": caller.role, "scope": caller.scope}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


# --- scopes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        *((role, None) for role in ("operator", "minister", "adjudicator", "auditor", "admin")),
        ("gwpp", "32"),
        ("party", "32"),
        ("party", "32.04"),
        ("party", "NIB-8120000000001"),
        ("party", "KL-PUPR"),
        ("party", "org:walhi.jabar_01"),
        ("prosecutor", None),
        ("prosecutor", "32"),
        ("prosecutor", "32.04"),
        ("prosecutor", "31.71"),  # Kejari Jakarta Pusat serves an administrative city
    ],
)
def test_scopes_each_role_accepts(role: str, scope: str | None) -> None:
    assert validate_scope(Role(role), scope, load_regions()) == scope


@pytest.mark.parametrize(
    ("role", "scope", "reason"),
    [
        ("operator", "32", "role operator is national and takes no scope"),
        ("auditor", "", "role auditor is national and takes no scope"),
        ("gwpp", None, "role gwpp needs a scope: a province code"),
        ("gwpp", "32.04", "role gwpp needs a province code like 32, not 32.04"),
        ("gwpp", "99", "role gwpp scope: unknown region code 99"),
        ("gwpp", "NIB-1", "role gwpp scope: malformed region code 'NIB-1'"),
        ("party", None, "role party needs a scope: a region code or third-party id"),
        ("party", "99.99", "role party scope: unknown region code 99.99"),
        ("party", "31.71", "cannot be a party"),
        ("party", "3204", "party scope 3204 is neither a region code"),
        ("party", "32.04.01", "party scope 32.04.01 is neither a region code"),
        ("party", "ab", "party scope 'ab' is not a third-party id"),
        ("party", "PT Maju Jaya", "party scope 'PT Maju Jaya' is not a third-party id"),
        ("party", "x" * 121, "is not a third-party id"),
        ("prosecutor", "Kejati-32", "role prosecutor scope: malformed region code"),
        ("prosecutor", "98", "role prosecutor scope: unknown region code 98"),
    ],
)
def test_scopes_each_role_refuses_with_a_reason(role: str, scope: str | None, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        validate_scope(Role(role), scope, load_regions())
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


# --- storage ------------------------------------------------------------------------------------


def test_the_token_is_never_stored(engine: Engine) -> None:
    token = new_key(engine)
    match = TOKEN.fullmatch(token)
    assert match is not None, token
    key_id, secret = match.groups()
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT * FROM api_keys WHERE key_id = :key_id"), {"key_id": key_id}
        ).one()
    stored = " ".join(str(value) for value in row)
    assert secret not in stored
    assert token not in stored
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_keys_are_listed_and_revoked_once(engine: Engine) -> None:
    with Session(engine) as session:
        first, _ = create_key(session, role=Role.AUDITOR, scope=None, name=" BPK ", now=NOW)
        later = NOW + timedelta(minutes=1)
        second, _ = create_key(session, role=Role.GWPP, scope="32", name="GWPP Jabar", now=later)
        assert first.name == "BPK"
        assert [key.key_id for key in list_keys(session)] == [first.key_id, second.key_id]

        revoked = revoke_key(session, first.key_id, NOW + timedelta(hours=1))
        assert revoked.revoked_at is not None
        again = revoke_key(session, first.key_id, NOW + timedelta(hours=2))
        assert again.revoked_at == revoked.revoked_at
        with pytest.raises(LookupError):
            revoke_key(session, "000000000000", NOW)


@pytest.mark.parametrize(
    ("role", "scope", "name"),
    [
        (Role.GWPP, "32.04", "GWPP"),
        (Role.ADMIN, None, "  "),
        (Role.ADMIN, None, "x" * 201),
        (Role.ADMIN, None, "ops\nroot"),
    ],
)
def test_a_refused_key_stores_nothing(
    engine: Engine, role: Role, scope: str | None, name: str
) -> None:
    with Session(engine) as session:
        with pytest.raises(ValueError):
            create_key(session, role=role, scope=scope, name=name, now=NOW)
        assert list_keys(session) == []


# --- the bearer dependency ----------------------------------------------------------------------


async def test_a_valid_key_authenticates(engine: Engine, client: httpx.AsyncClient) -> None:
    token = new_key(engine, Role.PARTY, "NIB-8120000000001")
    response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "key_id": token.split("_")[1],
        "role": "party",
        "scope": "NIB-8120000000001",
    }


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "missing_credentials"),
        ("Bearer", "missing_credentials"),
        ("Basic dXNlcjpwYXNz", "missing_credentials"),
        ("Bearer not-a-key", "invalid_key"),
        ("Bearer mk_000000000000_" + "A" * 43, "invalid_key"),  # well formed, unknown
        ("wrong secret", "invalid_key"),
        ("revoked", "revoked_key"),
    ],
)
async def test_refusals_are_401_problems(
    engine: Engine, client: httpx.AsyncClient, authorization: str | None, code: str
) -> None:
    token = new_key(engine)
    if authorization == "wrong secret":
        authorization = f"Bearer {token[:-4]}AAAA"
    elif authorization == "revoked":
        with Session(engine) as session:
            revoke_key(session, token.split("_")[1], NOW)
        authorization = f"Bearer {token}"
    headers = {} if authorization is None else {"Authorization": authorization}

    response = await client.get("/whoami", headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    problem = response.json()
    assert problem["type"] == f"urn:mufakat:problem:{code}"
    assert problem["status"] == 401
    assert "\n" not in problem["detail"]
    assert token.split("_", 2)[2] not in response.text


async def test_openapi_documents_the_bearer_scheme(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert schema["paths"]["/whoami"]["get"]["security"] == [{"HTTPBearer": []}]


# --- roles --------------------------------------------------------------------------------------


def test_require_role_names_the_role_needed() -> None:
    auditor = Caller(key_id="0123456789ab", name="BPK", role=Role.AUDITOR, scope=None)
    require_role(auditor, Role.AUDITOR, Role.ADMIN)
    with pytest.raises(Forbidden) as refused:
        require_role(auditor, Role.OPERATOR, Role.ADMIN)
    assert refused.value.code == "wrong_role"
    assert render(refused.value.detail, "id") == (
        "ini memerlukan kunci berperan operator atau admin; kunci ini berperan auditor"
    )
    assert render(refused.value.detail, "en") == (
        "this needs a key with role operator or admin; this key has role auditor"
    )


def test_a_caller_becomes_the_actor_of_its_actions() -> None:
    operator = Caller(key_id="0123456789ab", name="Bina Adwil", role=Role.OPERATOR, scope=None)
    assert operator.actor(on_behalf_of="32.04") == Actor(
        key_id="0123456789ab", role=Role.OPERATOR, scope=None, on_behalf_of="32.04"
    )
