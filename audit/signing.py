"""The instance's signing key: read from the settings' key file, else made once in the read model.

Every process of an instance (each API replica, the worker's archiver, `mufakat audit export`)
must sign with the same key, or an auditor would see exports of one instance under several keys.
The read model is what they all share, so the key is kept there: the first process to need it
makes one and inserts it unless a row is there already, then every process reads the row back,
so two first uses racing end with the one key that was inserted first.

The private key is kept unencrypted in the read model, which holds the trail the key vouches for
anyway: whoever can rewrite the trail there can also read the key. An operator who wants the key
elsewhere (a file only the signing processes can read) sets `MUFAKAT_AUDIT_SIGNING_KEY_FILE`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.signing import ALGORITHM, KeyUnreadable, Signer
from models.tables import AuditSigningKey
from storage.database import insert_unless_present

# The one row's name; the table has room for a rotation to keep old keys beside it later.
INSTANCE_KEY = "instance"


def instance_signer(engine: Engine, key_file: Path | None = None) -> Signer:
    """The key that signs this instance's exports (`key_file` when given)."""
    if key_file is not None:
        try:
            return Signer.from_pem(key_file.read_text(encoding="utf-8"))
        except OSError as error:
            raise KeyUnreadable(f"cannot read the signing key {key_file}: {error}") from None
    with Session(engine) as session:
        row = session.get(AuditSigningKey, INSTANCE_KEY)
    if row is None:
        made = Signer.generate()
        with Session(engine) as session, session.begin():
            insert_unless_present(
                session,
                AuditSigningKey,
                name=INSTANCE_KEY,
                key_id=made.key_id,
                algorithm=ALGORITHM,
                public_key=made.public.encoded,
                private_key=made.private_pem(),
                created_at=datetime.now(UTC),
            )
        # Read back: another process may have inserted its key first, and that one counts.
        with Session(engine) as session:
            row = session.get(AuditSigningKey, INSTANCE_KEY)
        assert row is not None
    signer = Signer.from_pem(row.private_key)
    if signer.key_id != row.key_id:
        raise KeyUnreadable(
            f"the read model's signing key does not match its key id {row.key_id}: it was altered"
        )
    return signer
