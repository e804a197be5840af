"""The instance's signing key: made once however many processes ask first, on SQLite and
PostgreSQL; published at `/v1/audit/public-key` to any API key; checkable with openssl."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.app import create_app
from api.auth import create_key
from audit.signing import instance_signer
from models.roles import Role
from models.settings import get_settings
from models.signing import KeyUnreadable, PublicKey, Signer, from_b64url
from models.tables import AuditSigningKey
from storage.database import create_database_engine

FIRST_USERS = 6


def _keys(engine: Engine) -> list[AuditSigningKey]:
    with Session(engine) as session:
        return list(session.exec(select(AuditSigningKey)))


def _first_uses(url: str, before_release: Callable[[], None]) -> list[str]:
    """`FIRST_USERS` processes' worth of engines asking for the key at once; their key ids."""
    engines = [create_database_engine(url) for _ in range(FIRST_USERS)]
    start = threading.Barrier(FIRST_USERS + 1)

    def first_use(engine: Engine) -> str:
        start.wait()
        return instance_signer(engine).key_id

    try:
        with ThreadPoolExecutor(FIRST_USERS) as pool:
            asked = [pool.submit(first_use, engine) for engine in engines]
            start.wait()
            before_release()
            return [future.result(timeout=60) for future in asked]
    finally:
        for engine in engines:
            engine.dispose()


def test_the_key_is_made_once_when_first_uses_race(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        # Every first use is held at its read until all of them wait there: each then finds no
        # key, makes its own and inserts it, and only the first insert may count.
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE audit_signing_keys IN ACCESS EXCLUSIVE MODE"))

            def before_release() -> None:
                _until_waiting(engine, FIRST_USERS)
                holder.commit()

            key_ids = _first_uses(url, before_release)
    else:
        key_ids = _first_uses(url, lambda: None)
    [row] = _keys(engine)
    assert key_ids == [row.key_id] * FIRST_USERS
    assert PublicKey(from_b64url(row.public_key)).key_id == row.key_id
    # Asked again later, it is the same key; nothing is added.
    assert instance_signer(engine).key_id == row.key_id and len(_keys(engine)) == 1


def _until_waiting(engine: Engine, sessions: int) -> None:
    """Until `sessions` other PostgreSQL sessions wait for a lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(600):
        with engine.connect() as connection:
            if connection.execute(query).scalar_one() >= sessions:
                return
        time.sleep(0.05)
    raise AssertionError(f"{sessions} first uses never waited on the locked table")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_public_key_is_published_to_any_api_key(
    database_url: str, tmp_path: Path
) -> None:
    settings = get_settings(data_dir=tmp_path / "data", database_url=database_url)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    with Session(app.state.engine) as session:
        tokens = [
            create_key(session, role=role, scope=scope, name=role.value, now=datetime.now(UTC))[1]
            for role, scope in [(Role.AUDITOR, None), (Role.PARTY, "32.04"), (Role.GWPP, "32")]
        ]
        session.commit()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            anonymous = await client.get("/v1/audit/public-key")
            assert anonymous.status_code == 401, anonymous.text
            answers = [
                await client.get(
                    "/v1/audit/public-key", headers={"Authorization": f"Bearer {token}"}
                )
                for token in tokens
            ]
        assert [answer.status_code for answer in answers] == [200, 200, 200], answers[0].text
        key = answers[0].json()
        assert [answer.json() for answer in answers[1:]] == [key, key]
        raw = from_b64url(key["public_key"])
        assert (key["algorithm"], key["key_id"]) == ("Ed25519", hashlib.sha256(raw).hexdigest())
        assert PublicKey.from_text(key["public_key_pem"]).raw == raw
        assert key["jwk"] == {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": key["public_key"],
            "kid": key["key_id"],
            "alg": "EdDSA",
            "use": "sig",
        }
        # The key every export of the instance is signed with, checkable with openssl alone.
        signer = await asyncio.to_thread(instance_signer, app.state.engine)
        assert signer.key_id == key["key_id"]
        data = b'{"case_id":"PKD-2026-000001"}'
        (tmp_path / "key.pem").write_text(key["public_key_pem"])
        (tmp_path / "data.json").write_bytes(data)
        (tmp_path / "data.sig").write_bytes(signer.sign(data))
        assert _openssl_verifies(tmp_path, "data.json", "data.sig")
        (tmp_path / "data.json").write_bytes(data.replace(b"1", b"2"))
        assert not _openssl_verifies(tmp_path, "data.json", "data.sig")
    finally:
        app.state.engine.dispose()


def _openssl_verifies(folder: Path, data: str, signature: str) -> bool:
    """`openssl pkeyutl -verify`, as audit/AUDIT-ARCHIVE.md tells an auditor to run it."""
    checked = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "key.pem",
            "-rawin",
            "-in",
            data,
            "-sigfile",
            signature,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode in (0, 1), checked.stderr
    return checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_key_file_in_the_settings_signs_instead(engine: Engine, tmp_path: Path) -> None:
    chosen = Signer.generate()
    key_file = tmp_path / "signing.pem"
    key_file.write_text(chosen.private_pem())
    assert instance_signer(engine, key_file).key_id == chosen.key_id
    assert _keys(engine) == [], "a key file leaves the read model without a key of its own"
    key_file.write_text(chosen.public.pem)
    with pytest.raises(KeyUnreadable, match="not an unencrypted PEM private key"):
        instance_signer(engine, key_file)
    with pytest.raises(KeyUnreadable, match="cannot read the signing key"):
        instance_signer(engine, tmp_path / "missing.pem")
