"""Dependencies routes ask for: the backend and its parts, the caller, and shared parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from activities.calendar import WorkingDayCalendar
from activities.document_store import DocumentStore
from api.auth import Caller, caller_for_token
from api.messages.catalogue import msg
from api.problems import Unauthorized
from api.services.backend import Backend, backend_of
from models.case import CASE_ID_PATTERN
from models.settings import Settings


async def get_backend(request: Request) -> Backend:
    # Async, so it runs on the event loop: what the backend makes on first use is made once.
    return backend_of(request.app)


BackendDep = Annotated[Backend, Depends(get_backend)]


# Async where nothing blocks: FastAPI runs a plain `def` dependency in a worker thread.


async def get_engine(request: Request) -> Engine:
    # The one part of the backend every request needs (the key is looked up in it): read alone,
    # so an app with nothing else (a test's) still authenticates.
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="mk_<key_id>_<secret>",
    description="An API key from `mufakat keys create`.",
)


async def authenticate(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    engine: EngineDep,
) -> Caller:
    """The caller behind the request's `Authorization: Bearer <key>`, or a 401 problem."""
    if credentials is None:
        raise Unauthorized("missing_credentials", msg("missing_credentials"))
    return await caller_for_token(engine, credentials.credentials)


def get_session(engine: EngineDep) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


async def get_temporal(backend: BackendDep) -> Client:
    return backend.temporal


async def get_settings_dep(backend: BackendDep) -> Settings:
    return backend.settings


async def get_document_store(backend: BackendDep) -> DocumentStore:
    return backend.documents


async def get_calendar(backend: BackendDep) -> WorkingDayCalendar:
    # Made on first use rather than at startup, so an app that never counts never loads holidays.
    return backend.calendar


SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[DocumentStore, Depends(get_document_store)]
CalendarDep = Annotated[WorkingDayCalendar, Depends(get_calendar)]
CallerDep = Annotated[Caller, Depends(authenticate)]

CaseIdPath = Annotated[
    str,
    Path(
        pattern=CASE_ID_PATTERN, description="Nomor perkara / Case id", examples=["PKD-2026-000123"]
    ),
]
IdempotencyKeyRequired = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        # Recorded as "<12-character key id>/<key>" in a 200-character column: a longer key
        # would fail every projection of the case on PostgreSQL; so would a NUL.
        max_length=187,
        pattern=r"^[^\x00]+$",
        description="Kunci idempotensi / The same key again returns the same result, "
        "changing nothing.",
    ),
]
