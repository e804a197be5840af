"""Sending e-mail over SMTP (STARTTLS, then authentication), and when the daily digest is due.

One connection per e-mail: notifications are few and the dispatcher sends them concurrently, so a
pooled connection would only add a state to lose when the server drops it. Every failure becomes
`EmailFailed`, which says whether another attempt could succeed: the dispatcher retries the
temporary ones and gives up on the permanent ones.
"""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosmtplib

from models.settings import Settings

JAKARTA = ZoneInfo("Asia/Jakarta")
# What of a server's answer an error keeps (DeliveryAttempt.error holds 500 characters).
_ANSWER_CHARS = 300


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server, from the `MUFAKAT_SMTP_*` settings."""

    host: str
    port: int
    username: str
    password: str | None = field(repr=False)  # never in a log line or a traceback
    starttls: bool
    ca_file: Path | None
    sender: str
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The configured server; None when no `smtp_host` is set (no e-mail is sent)."""
        if not settings.smtp_host:
            return None
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password.get_secret_value() if password is not None else None,
            starttls=settings.smtp_starttls,
            ca_file=settings.smtp_ca_file,
            sender=settings.smtp_from,
        )


class EmailFailed(Exception):
    """An e-mail was not accepted; `permanent` when sending it again cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class EmailSender:
    """Hands e-mails to the configured SMTP server."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        # Built once: loading a CA bundle reads and parses files.
        self._tls = ssl.create_default_context(
            cafile=str(config.ca_file) if config.ca_file is not None else None
        )

    async def send(self, message: EmailMessage) -> None:
        """Send one e-mail (to one recipient); raises `EmailFailed` unless the server took it."""
        config = self._config
        smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            timeout=config.timeout,
            start_tls=False,  # upgraded in `_hand_over`, only and always when configured
            tls_context=self._tls,
        )
        try:
            try:
                await self._hand_over(smtp, message)
            except (aiosmtplib.SMTPException, OSError) as error:
                raise _failure(error, config) from error
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                # The server has the message: how the conversation ends changes nothing, and
                # failing now would send it twice.
                await smtp.quit()
        finally:
            if smtp.is_connected:
                smtp.close()

    async def _hand_over(self, smtp: aiosmtplib.SMTP, message: EmailMessage) -> None:
        config = self._config
        await smtp.connect()
        if config.starttls:
            await smtp.starttls(tls_context=self._tls)
        if config.username:
            if smtp.get_transport_info("sslcontext") is None:
                raise EmailFailed(
                    f"refusing to log in to {config.host}:{config.port} as "
                    f"{config.username!r} over an unencrypted connection (turn smtp_starttls on)",
                    permanent=True,
                )
            await smtp.login(config.username, config.password or "")
        await smtp.send_message(message)


def _failure(error: Exception, config: SmtpConfig) -> EmailFailed:
    """What went wrong, in one line, and whether another attempt could succeed."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        first = error.recipients[0]
        return EmailFailed(
            _answer(f"recipient {first.recipient} refused", first.code, first.message),
            # 4xx is a mailbox busy or greylisting: worth another try, later.
            permanent=all(refusal.code >= 500 for refusal in error.recipients),
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return EmailFailed(
            _answer("SMTP server refused", error.code, error.message),
            permanent=error.code >= 500,
        )
    # Unreachable, timed out, disconnected, or a certificate that does not verify (ssl.SSLError
    # is an OSError): another attempt, later, may get through.
    return EmailFailed(
        _one_line(f"SMTP {config.host}:{config.port}: {type(error).__name__}: {error}"),
        permanent=False,
    )


def digest_due(now: datetime, last_digest_at: datetime | None, hour: int) -> bool:
    """Whether the daily digest should go now.

    It is due when the latest `hour`:00 in Jakarta at or before `now` comes after the last
    digest; one never sent is due once that hour has passed today (a new subscription does not
    get yesterday's).
    """
    local = now.astimezone(JAKARTA)
    today_at_hour = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if last_digest_at is None:
        return local >= today_at_hour
    latest = today_at_hour if today_at_hour <= local else today_at_hour - timedelta(days=1)
    return last_digest_at < latest


def _answer(what: str, code: int, text: str) -> str:
    return _one_line(f"{what}: {code} {text[:_ANSWER_CHARS]}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
