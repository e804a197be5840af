"""Dependencies routes ask for: the database session, the Temporal client, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.auth import Caller, authenticate
from models.settings import Settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CallerDep = Annotated[Caller, Depends(authenticate)]

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
