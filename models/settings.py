"""Mufakat's own settings, read from `MUFAKAT_*` environment variables."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
_SHORT_DURATION = re.compile(r"(?P<amount>\d+)\s*(?P<unit>[smh])", re.ASCII)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours"}


class Settings(BaseSettings):
    """Where Mufakat keeps its data and listens; Temporal's own settings live in `TEMPORAL_*`."""

    model_config = SettingsConfigDict(env_prefix="MUFAKAT_")

    data_dir: Path = Field(
        default=Path(".mufakat"),
        description="Holds the embedded Temporal database, the SQLite read model and the logs.",
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    temporal_port: int = Field(
        default=7233,
        ge=1,
        le=64535,  # the dev server's UI listens on this port + 1000
        description="gRPC port of the embedded dev server (used when no TEMPORAL_ADDRESS is set).",
    )
    namespace: str = Field(
        default="default",
        description="Namespace of the embedded dev server, and the fallback for a configured one.",
    )
    task_queue: str = "mufakat-cases"
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the read model; empty means `<data_dir>/mufakat.db`.",
    )
    log_level: LogLevel = "INFO"
    action_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="How long the API waits for a case to apply an action before answering 503 "
        "with Retry-After; a retry with the same Idempotency-Key then gets the action's outcome.",
    )
    documents_dir: Path = Field(
        default_factory=lambda data: data["data_dir"] / "documents",
        description="Where uploaded documents are kept; default `<data_dir>/documents`.",
    )
    documents_max_bytes: int = Field(
        default=50 * 1024**2, ge=1, description="The largest document an upload may carry."
    )
    documents_s3_bucket: str = Field(
        default="",
        description="Keep documents in this S3-compatible bucket instead of `documents_dir`.",
    )
    documents_s3_endpoint: str = Field(
        default="", description="URL of an S3-compatible service; empty means AWS S3."
    )
    documents_s3_region: str | None = None
    documents_s3_access_key: SecretStr | None = Field(
        default=None, description="Empty means the usual AWS credential chain (role, env)."
    )
    documents_s3_secret_key: SecretStr | None = None
    documents_s3_prefix: str = Field(
        default="documents/", description="Prepended to each document's SHA-256 as its key."
    )
    retention: timedelta = Field(
        default=timedelta(days=3650),
        ge=timedelta(seconds=1),
        description="How long the embedded Temporal server keeps a closed case's history (its "
        "namespace's retention; `mufakat dev` sets it at every start). Every closed case is "
        "archived anyway, so audits outlive it.",
    )
    archive_interval: timedelta = Field(
        default=timedelta(seconds=5),
        ge=timedelta(0),
        description="How often the worker archives newly closed cases; 0 turns its archiver off.",
    )
    archive_dir: Path = Field(
        default_factory=lambda data: data["data_dir"] / "archives",
        description="Where closed cases' archives are kept; default `<data_dir>/archives`.",
    )
    archive_s3_prefix: str = Field(
        default="archives/",
        description="With a documents bucket, archives go to the same bucket under this prefix.",
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="An Ed25519 private key (PKCS#8 PEM) that signs audit exports instead of "
        "the key the instance makes on first use and keeps in the read model.",
    )

    konsol_secret: SecretStr | None = Field(
        default=None,
        description="Signs the console's session cookies; empty means a random secret the API "
        "makes on first start and keeps in `<data_dir>/konsol-secret` (give every API process "
        "behind one address the same secret).",
    )
    konsol_session_hours: float = Field(
        default=8.0,
        gt=0,
        le=24 * 7,
        description="How long a console sign-in lasts (a working day by default).",
    )
    konsol_secure_cookie: bool = Field(
        default=False,
        description="Send the console's cookie only over HTTPS (turn on behind TLS).",
    )

    public_url: str = Field(
        default="",
        description="The address people and agencies reach this API at, for the links in "
        "notifications; empty means `http://<api_host>:<api_port>`.",
    )
    webhook_allow_http: bool = Field(
        default=False,
        description="Accept plain-HTTP webhook URLs (tests, internal networks); HTTPS otherwise.",
    )
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="Networks (CIDR, e.g. 10.20.0.0/16) a webhook may reach although they are "
        "loopback, link-local or private: set by an administrator; none by default.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long one webhook attempt may take."
    )
    webhook_retry_hours: float = Field(
        default=24.0,
        gt=0,
        description="How long a receiver may keep failing before its subscription is disabled "
        "and its owner told; attempts back off exponentially (with jitter) over that time.",
    )
    webhook_first_retry_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="The wait before a failed delivery's first retry; each later wait doubles "
        "(with jitter) up to an hour.",
    )
    delivery_concurrency: int = Field(
        default=16, ge=1, le=256, description="Deliveries the worker sends at once."
    )
    delivery_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the dispatcher looks for work it was not woken for (notices "
        "written by another worker, retries falling due).",
    )
    smtp_host: str = Field(default="", description="SMTP server; empty means no e-mail is sent.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the connection with STARTTLS (required to log in)."
    )
    smtp_ca_file: Path | None = Field(
        default=None, description="Trust this CA bundle for the SMTP server's certificate."
    )
    smtp_from: str = Field(default="Mufakat <mufakat@localhost>", description="The From header.")
    email_digest_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="The hour (Asia/Jakarta) the daily digest of reminders is sent.",
    )

    @field_validator("data_dir", "documents_dir", "archive_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # Children of `mufakat dev` and the dev server may run from another directory.
        return value.expanduser().resolve()

    @field_validator("retention", "archive_interval", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        # Besides pydantic's `3650d`, `P3650D`, `PT30S` and `00:00:30`: Temporal's `30s`, `2h`.
        if isinstance(value, str) and (found := _SHORT_DURATION.fullmatch(value.strip())):
            return timedelta(**{_UNITS[found["unit"]]: int(found["amount"])})
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive_database_url(self) -> Self:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'mufakat.db'}"
        return self

    @property
    def base_url(self) -> str:
        """Where the API is reached, without a trailing slash (links in notifications)."""
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def embedded_temporal_address(self) -> str:
        """gRPC address of the embedded dev server."""
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def temporal_db(self) -> Path:
        """The embedded dev server's SQLite file."""
        return self.data_dir / "temporal.db"

    @property
    def log_dir(self) -> Path:
        """Where `mufakat dev` writes each child's log."""
        return self.data_dir / "logs"


def get_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit values (e.g. command-line options) on top."""
    return Settings(**{name: value for name, value in overrides.items() if value is not None})
