"""Where documents' content lives, outside the workflow, addressed by its SHA-256."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from botocore.exceptions import ClientError

from models.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_CHUNK = 1024 * 1024
_R = TypeVar("_R")


class DocumentStore(Protocol):
    """Content-addressed storage: a document is stored once and found by its SHA-256."""

    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store `data` unless already present; return its SHA-256 (lowercase hex).

        `sha256` is that hash when the caller has computed it already, to spare a second pass.
        """
        ...

    def get(self, sha256: str) -> bytes | None:
        """The stored content, as stored (unverified), or None when there is none."""
        ...

    def check(self, sha256: str) -> str | None:
        """None when the stored content hashes to `sha256`, else a one-line problem."""
        ...


def document_store(settings: Settings) -> DocumentStore:
    """The store the settings choose: S3-compatible when a bucket is set, else a directory."""
    if not settings.documents_s3_bucket:
        return LocalDocumentStore(settings.documents_dir)
    access, secret = settings.documents_s3_access_key, settings.documents_s3_secret_key
    client = s3_client(
        endpoint=settings.documents_s3_endpoint or None,
        region=settings.documents_s3_region,
        access_key=access.get_secret_value() if access else None,
        secret_key=secret.get_secret_value() if secret else None,
    )
    return S3DocumentStore(client, settings.documents_s3_bucket, settings.documents_s3_prefix)


def archive_store(settings: Settings) -> DocumentStore:
    """Where closed cases' archives are kept, addressed by SHA-256 like documents and beside
    them: `archive_dir`, or the documents' bucket under `archive_s3_prefix`."""
    store = document_store(settings)
    if isinstance(store, S3DocumentStore):
        return S3DocumentStore(store.client, store.bucket, settings.archive_s3_prefix)
    return LocalDocumentStore(settings.archive_dir)


def s3_client(
    *, endpoint: str | None, region: str | None, access_key: str | None, secret_key: str | None
) -> S3Client:
    """An S3 client that also works with S3-compatible services (MinIO, Ceph, Garage…)."""
    # Imported here: boto3 adds ~0.4 s to every start, and most installations keep files locally.
    import boto3
    from botocore.config import Config

    # Newer botocore sends CRC checksums by default, which several S3-compatible services
    # refuse; content is verified against its SHA-256 on every read anyway.
    config = Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard"},
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def _valid(sha256: str) -> str:
    # The hash becomes a path or key: anything but 64 hex digits could point elsewhere.
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 in lowercase hex: {sha256!r}")
    return sha256


def _problem(sha256: str, chunks: Iterable[bytes]) -> str | None:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    actual = digest.hexdigest()
    return None if actual == sha256 else f"hash mismatch: stored content hashes to {actual}"


class LocalDocumentStore:
    """Documents as files `<directory>/<first two hex digits>/<sha256>`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, sha256: str) -> Path:
        """Where the content with this hash is (or would be) kept."""
        return self.directory / _valid(sha256)[:2] / sha256

    def put(self, data: bytes, sha256: str | None = None) -> str:
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        # Never rewritten: a file altered after it was stored must stay visible to `check`.
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so no reader ever sees half a document.
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.rename(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _sync_directory(target.parent)
        return sha256

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def check(self, sha256: str) -> str | None:
        try:
            with self.path(sha256).open("rb") as file:
                return _problem(sha256, iter(lambda: file.read(_CHUNK), b""))
        except FileNotFoundError:
            return "missing"


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3DocumentStore:
    """Documents as objects `<prefix><sha256>` in an S3-compatible bucket."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def key(self, sha256: str) -> str:
        """The object key of the content with this hash."""
        return self.prefix + _valid(sha256)

    def put(self, data: bytes, sha256: str | None = None) -> str:
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        key = self.key(sha256)
        if self._exists(key):
            return sha256
        try:
            # If-None-Match: a concurrent upload of the same content never replaces the first.
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
        except ClientError as error:
            code = _code(error)
            if code == "NotImplemented":
                # A service without conditional writes: the check above has to do.
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
            elif code not in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                raise
        return sha256

    def get(self, sha256: str) -> bytes | None:
        response = self._missing_as_none(self.client.get_object, self.key(sha256))
        return None if response is None else response["Body"].read()

    def check(self, sha256: str) -> str | None:
        response = self._missing_as_none(self.client.get_object, self.key(sha256))
        if response is None:
            return "missing"
        return _problem(sha256, response["Body"].iter_chunks(_CHUNK))

    def _exists(self, key: str) -> bool:
        return self._missing_as_none(self.client.head_object, key) is not None

    def _missing_as_none(self, call: Callable[..., _R], key: str) -> _R | None:
        """`call` on the object under `key`; None when there is no such object."""
        try:
            return call(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in {"NoSuchKey", "404"}:
                return None
            raise


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
