"""A real SMTP server in the test process: aiosmtpd on 127.0.0.1, STARTTLS and AUTH required.

It serves a self-signed certificate made for it (`ca_file` is its PEM, for the client to trust),
accepts one username and password, and keeps every accepted message as an `EmailMessage`.
It also records each AUTH command it was sent and whether the connection was encrypted then,
so a test can show that credentials never crossed the wire in the clear.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"


class SmtpServer:
    """`async with SmtpServer() as server:` a mail server to send to, and what it received."""

    def __init__(self, *, username: str = "mufakat", password: str = "rahasia-smtp") -> None:
        self.host = HOST
        self.port = 0  # known once started
        self.username = username
        self.password = password
        self.messages: list[EmailMessage] = []
        # One entry per AUTH command received: whether it came over TLS.
        self.auth_over_tls: list[bool] = []
        # Recipients the server refuses with 550, to exercise a permanent refusal.
        self.refused_recipients: set[str] = set()
        self._directory = tempfile.TemporaryDirectory(prefix="smtp-server-")
        self.ca_file = Path(self._directory.name) / "smtp-server.pem"
        self._server: asyncio.Server | None = None

    def settings_overrides(self) -> dict[str, Any]:
        """The `smtp_*` Settings values that reach this server."""
        return {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_username": self.username,
            "smtp_password": self.password,
            "smtp_starttls": True,
            "smtp_ca_file": self.ca_file,
            "smtp_from": "Mufakat <mufakat@mufakat.test>",
        }

    async def __aenter__(self) -> Self:
        key_pem = _self_signed_certificate(self.ca_file)
        key_file = Path(self._directory.name) / "smtp-server.key"
        key_file.write_bytes(key_pem)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.ca_file, key_file)
        handler = _Handler(self)
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _RecordingSmtp(
                self,
                handler,
                hostname="mufakat.test",
                tls_context=tls,
                require_starttls=True,
                auth_required=True,
                auth_require_tls=True,
                authenticator=self._authenticate,
            ),
            host=self.host,
            port=0,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._directory.cleanup()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        accepted = isinstance(auth_data, LoginPassword) and (
            (auth_data.login, auth_data.password)
            == (self.username.encode(), self.password.encode())
        )
        # handled=False: the server answers a refusal itself (535), as a real one does.
        return AuthResult(success=accepted, handled=False)


class _RecordingSmtp(SMTP):
    """aiosmtpd's server, noting every AUTH command as it arrives, before any check refuses it
    (a server requiring STARTTLS refuses AUTH, but by then the credentials have been sent)."""

    def __init__(self, owner: SmtpServer, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._owner = owner

    def data_received(self, data: bytes) -> None:
        # Before STARTTLS this is the bytes on the wire; after it, what TLS decrypted.
        if any(line.upper().startswith(b"AUTH") for line in data.splitlines()):
            encrypted = self.session is not None and self.session.ssl is not None
            self._owner.auth_over_tls.append(encrypted)
        super().data_received(data)


class _Handler:
    """Keeps accepted messages; refuses the recipients it was told to."""

    def __init__(self, owner: SmtpServer) -> None:
        self._owner = owner

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self._owner.refused_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self._owner.messages.append(parsed)
        return "250 Message accepted"


def _self_signed_certificate(pem_file: Path) -> bytes:
    """Writes a certificate for 127.0.0.1 and localhost to `pem_file`; returns its key's PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mufakat test SMTP")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
