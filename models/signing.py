"""Ed25519 signatures of audit exports: the instance's key, its public half and its key id.

Pure: no file, database or network here (`audit.signing` finds the instance's key).
An export is signed so that an auditor can prove which instance made it and that nothing in it
changed since; `audit/AUDIT-ARCHIVE.md` says how to check a signature with openssl.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

ALGORITHM = "Ed25519"
# An Ed25519 public key and signature, in bytes (RFC 8032).
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class KeyUnreadable(ValueError):
    """A key file or value that is not an Ed25519 key."""


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWK writes keys (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key, as raw bytes; its key id is the SHA-256 of those bytes."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != PUBLIC_KEY_BYTES:
            raise KeyUnreadable(
                f"an Ed25519 public key has {PUBLIC_KEY_BYTES} bytes, not {len(self.raw)}"
            )

    @property
    def key_id(self) -> str:
        """SHA-256 (hex) of the raw public key: what an auditor compares over the phone."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def encoded(self) -> str:
        """The raw key in base64url."""
        return b64url(self.raw)

    @property
    def pem(self) -> str:
        """SubjectPublicKeyInfo PEM, which `openssl pkeyutl -pubin` reads."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    @property
    def jwk(self) -> dict[str, str]:
        """The key as a JWK (RFC 8037, an OKP key)."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.encoded,
            "kid": self.key_id,
            "alg": "EdDSA",
            "use": "sig",
        }

    def verifies(self, signature: bytes, data: bytes) -> bool:
        """Whether `signature` is this key's signature of exactly `data`."""
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def description(self) -> dict[str, Any]:
        """What the public-key endpoint answers and an export's manifest records."""
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "public_key": self.encoded,
            "public_key_pem": self.pem,
            "jwk": self.jwk,
        }

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """A public key given as PEM, or as its raw bytes in base64url (a manifest's form)."""
        stripped = text.strip()
        if stripped.startswith("-----BEGIN"):
            try:
                key = load_pem_public_key(stripped.encode())
            except ValueError as error:
                raise KeyUnreadable(f"not a PEM public key: {error}") from None
            if not isinstance(key, Ed25519PublicKey):
                raise KeyUnreadable(f"a {type(key).__name__}, not an Ed25519 public key")
            return cls(key.public_bytes(Encoding.Raw, PublicFormat.Raw))
        try:
            return cls(from_b64url(stripped))
        except (ValueError, TypeError) as error:
            raise KeyUnreadable(f"not a base64url Ed25519 public key: {error}") from None


class Signer:
    """The instance's private key: signs exports."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public = PublicKey(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of exactly `data`."""
        return self._key.sign(data)

    def private_pem(self) -> str:
        """PKCS#8 PEM, unencrypted: how the read model and a key file keep it."""
        return self._key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, text: str) -> Signer:
        try:
            key = load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as error:
            raise KeyUnreadable(f"not an unencrypted PEM private key: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyUnreadable(f"a {type(key).__name__}, not an Ed25519 private key")
        return cls(key)
