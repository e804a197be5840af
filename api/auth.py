"""API keys: creating, revoking and checking them, and the caller each request acts as."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.messages.catalogue import msg
from api.problems import Forbidden, Unauthorized
from models.case import REGION_CODE_PATTERN
from models.regions import Region, RegionCodeError, RegionDirectory, load_regions
from models.roles import Actor, Role
from models.tables import ApiKey

NATIONAL_ROLES = frozenset({Role.OPERATOR, Role.MINISTER, Role.AUDITOR, Role.ADMIN})

_TOKEN = re.compile(r"mk_(?P<key_id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{20,100})", re.ASCII)
_REGION_CODE = re.compile(REGION_CODE_PATTERN, re.ASCII)
_THIRD_PARTY_ID = re.compile(r"[A-Za-z0-9._:-]{3,120}", re.ASCII)
# An institution an adjudicator key acts for (pedoman.md §9 D9), as cases record it.
_INSTITUTION_ID = re.compile(r"[A-Za-z0-9._:-]{2,120}", re.ASCII)
# Only digits and dots: a mistyped or unknown region code (3204, 32.04.01), never a party's id.
_REGION_SHAPED = re.compile(r"[0-9.]+", re.ASCII)


@dataclass(frozen=True)
class Caller:
    """The key a request was authenticated with."""

    key_id: str
    name: str
    role: Role
    scope: str | None

    def actor(self, on_behalf_of: str | None = None) -> Actor:
        """The actor recorded for an action this caller takes."""
        return Actor(
            key_id=self.key_id, role=self.role, scope=self.scope, on_behalf_of=on_behalf_of
        )


def validate_scope(role: Role, scope: str | None, regions: RegionDirectory) -> str | None:
    """The scope a key of this role may have (pedoman.md §2); `ValueError` says why not."""
    if role in NATIONAL_ROLES:
        if scope is not None:
            raise ValueError(f"role {role} is national and takes no scope")
        return None
    if role is Role.ADJUDICATOR:
        # D9: an institution (PN-BANDUNG, BANI) acts only in the cases that record it; no scope
        # is a national key, which acts where a guideline does not scope adjudicators (2026.1).
        if scope is not None and not _INSTITUTION_ID.fullmatch(scope):
            raise ValueError(
                f"adjudicator scope {scope!r} is not an institution id: 2-120 letters, digits "
                "and . _ : - (e.g. PN-BANDUNG, BANI)"
            )
        return scope
    if role is Role.PROSECUTOR:
        # No scope is JAM Datun (national); a province is a Kejati, a kabupaten/kota a Kejari.
        if scope is not None:
            _known_region(role, scope, regions)
        return scope
    if scope is None:
        kind = "a province code" if role is Role.GWPP else "a region code or third-party id"
        raise ValueError(f"role {role} needs a scope: {kind}")
    if role is Role.GWPP:
        if not _known_region(role, scope, regions).is_province:
            raise ValueError(f"role gwpp needs a province code like 32, not {scope}")
        return scope
    if _REGION_CODE.fullmatch(scope):
        region = _known_region(role, scope, regions)
        if not region.is_autonomous:
            raise ValueError(f"{region} is an administrative area and cannot be a party")
        return scope
    if _REGION_SHAPED.fullmatch(scope):
        raise ValueError(
            f"party scope {scope} is neither a region code (32 or 32.04) nor a third-party id"
            " (which needs a character other than digits and dots, e.g. NIB-8120000000001)"
        )
    if not _THIRD_PARTY_ID.fullmatch(scope):
        raise ValueError(
            f"party scope {scope!r} is not a third-party id: 3-120 letters, digits and . _ : -"
        )
    return scope


def _known_region(role: Role, scope: str, regions: RegionDirectory) -> Region:
    try:
        return regions.get(scope)
    except RegionCodeError as error:
        raise ValueError(f"role {role} scope: {error}") from None


def _hash(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash cannot be brute-forced; a slow password hash
    # (bcrypt, argon2) would only add latency to every request.
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_key(
    session: Session, *, role: Role, scope: str | None, name: str, now: datetime
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its token, which is never available again."""
    scope = validate_scope(role, scope, load_regions())
    name = name.strip()
    # Printable only: the name is shown in one-line listings and logs.
    if not 1 <= len(name) <= 200 or not name.isprintable():
        raise ValueError("the key needs a name of 1-200 printable characters")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey.model_validate(
        {
            "key_id": key_id,
            "name": name,
            "role": role.value,
            "scope": scope,
            "secret_hash": _hash(secret),
            "created_at": now,
            "revoked_at": None,
        }
    )
    session.add(key)
    session.commit()
    session.refresh(key)
    return key, f"mk_{key_id}_{secret}"


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first, revoked ones included."""
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.key_id))))


def revoke_key(session: Session, key_id: str, now: datetime) -> ApiKey:
    """Revoke a key from now on; a key already revoked keeps its first revocation time."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise LookupError(f"no key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        session.commit()
        session.refresh(key)
    return key


async def caller_for_token(engine: Engine, token: str) -> Caller:
    """The caller a key's token (`mk_<key_id>_<secret>`) stands for, or a 401 problem.

    The JSON API checks it on every request; the console once, at sign-in.
    """
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise Unauthorized("invalid_key", msg("invalid_key.malformed"))
    # Looked up on every request, never cached, so a revocation applies to the very next one;
    # the session runs in a worker thread because its driver blocks.
    key = await run_in_threadpool(_find_key, engine, match["key_id"])
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(match["secret"])):
        raise Unauthorized("invalid_key", msg("invalid_key.unrecognised"))
    return _caller(key)


async def caller_for_key_id(engine: Engine, key_id: str) -> Caller:
    """The caller of a key already proven at sign-in (a console session), or a 401 problem.

    Read on every request like a token, so a key revoked since sign-in ends the session.
    """
    key = await run_in_threadpool(_find_key, engine, key_id)
    if key is None:
        raise Unauthorized("invalid_key", msg("invalid_key.unrecognised"))
    return _caller(key)


def _caller(key: ApiKey) -> Caller:
    # Checked after the secret, so only the key's holder learns that it was revoked.
    if key.revoked_at is not None:
        raise Unauthorized("revoked_key", msg("revoked_key", key_id=key.key_id))
    return Caller(key_id=key.key_id, name=key.name, role=Role(key.role), scope=key.scope)


def _find_key(engine: Engine, key_id: str) -> ApiKey | None:
    # Closing the session detaches the row with its columns already loaded.
    with Session(engine) as session:
        return session.get(ApiKey, key_id)


def require_role(caller: Caller, *roles: Role) -> None:
    """Refuse with a 403 unless the caller has one of these roles."""
    if caller.role not in roles:
        needed = [role.value for role in roles]
        raise Forbidden(
            "wrong_role", msg("wrong_role.needs_role", needed=needed, role=caller.role.value)
        )
