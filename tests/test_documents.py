"""Documents: uploaded into a case, kept outside Temporal by their SHA-256, served back intact.

The API runs on both read models against the real Temporal dev server; the S3 store talks HTTP
to a real S3-compatible server (moto's) on the loopback interface.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer
from mypy_boto3_s3 import S3Client
from pydantic import SecretStr

from activities.document_store import (
    LocalDocumentStore,
    S3DocumentStore,
    document_store,
    s3_client,
)
from models.roles import Role
from models.settings import get_settings
from tests.api_harness import Api, ksdd_filing_json

PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG, BOGOR = "32.04", "32.73", "32.01"
PDF = b"%PDF-1.7\n" + b"Berita acara rapat musyawarah\n" * 200


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """A real S3-compatible HTTP server on the loopback interface; yields its endpoint."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server: str) -> S3Client:
    client = s3_client(endpoint=s3_server, region="us-east-1", access_key="id", secret_key="kunci")
    return client


def _bucket(client: S3Client) -> str:
    name = f"dokumen-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name


async def _case(api: Api) -> str:
    filed = await api.file(ksdd_filing_json(BANDUNG, KOTA_BANDUNG))
    assert filed.status_code == 201, filed.text
    case_id: str = filed.json()["case_id"]
    return case_id


def _store(api: Api) -> LocalDocumentStore:
    return LocalDocumentStore(api.app.state.settings.documents_dir)


def _stored_files(api: Api) -> list[Path]:
    directory: Path = api.app.state.settings.documents_dir
    return [path for path in directory.rglob("*") if path.is_file()] if directory.exists() else []


async def _attachments(api: Api, case_id: str) -> list[dict[str, Any]]:
    items = (await api.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
    return [item for item in items if item["action"] == "attach_document"]


async def test_upload_is_recorded_in_the_case_and_served_back(api: Api) -> None:
    case_id = await _case(api)
    digest = hashlib.sha256(PDF).hexdigest()
    uploaded = await api.upload(case_id, PDF)
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["duplicate"] is False and body["seq"] >= 1
    assert body["document"] == {
        "name": "ba-musyawarah.pdf",
        "doc_type": "berita_acara",
        "sha256": digest,
        "size": len(PDF),
        "media_type": "application/pdf",
    }
    case = (await api.get(f"/v1/cases/{case_id}")).json()
    [attached] = case["documents"]
    assert attached["document"] == body["document"]
    assert attached["attached_by"]["scope"] == BANDUNG
    listed = (await api.get(f"/v1/cases/{case_id}/documents", Role.AUDITOR)).json()
    assert [item["document"]["sha256"] for item in listed["items"]] == [digest]
    [entry] = await _attachments(api, case_id)
    assert (entry["seq"], entry["documents"]) == (body["seq"], [digest])

    served = await api.get(f"/v1/cases/{case_id}/documents/{digest}", Role.PARTY, KOTA_BANDUNG)
    assert served.status_code == 200, served.text
    assert served.content == PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == 'attachment; filename="ba-musyawarah.pdf"'
    assert served.headers["x-content-type-options"] == "nosniff"

    # An operator records for a party; a name that is not plain ASCII keeps its UTF-8 form.
    notulen = b"Notulen rapat koordinasi"
    for_party = await api.upload(
        case_id,
        notulen,
        Role.OPERATOR,
        None,
        name="Notulen «rapat» 2026.pdf",
        on_behalf_of=KOTA_BANDUNG,
    )
    assert for_party.status_code == 201, for_party.text
    sha = for_party.json()["document"]["sha256"]
    served = await api.get(f"/v1/cases/{case_id}/documents/{sha}", Role.AUDITOR)
    assert served.content == notulen
    assert served.headers["content-disposition"] == (
        'attachment; filename="Notulen _rapat_ 2026.pdf"; '
        "filename*=UTF-8''Notulen%20%C2%ABrapat%C2%BB%202026.pdf"
    )
    case = (await api.get(f"/v1/cases/{case_id}")).json()
    assert case["documents"][1]["attached_by"]["on_behalf_of"] == KOTA_BANDUNG


async def test_same_idempotency_key_records_one_document(api: Api) -> None:
    case_id = await _case(api)
    first = await api.upload(case_id, PDF, key="unggah-ba-1")
    again = await api.upload(case_id, PDF, key="unggah-ba-1")
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["seq"] == first.json()["seq"]
    assert again.json()["duplicate"] is True
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await _attachments(api, case_id)) == 1

    # The same key for another file is a mistake the sender must hear about.
    other = await api.upload(case_id, b"dokumen lain", key="unggah-ba-1")
    assert other.status_code == 409, other.text
    assert other.json()["type"] == PROBLEM + "idempotency_key_reused"
    assert len(await _attachments(api, case_id)) == 1
    missing_key = await api.client.post(
        f"/v1/cases/{case_id}/documents",
        files={"file": ("a.pdf", PDF)},
        data={"doc_type": "berita_acara"},
        headers=api.headers(Role.PARTY, BANDUNG),
    )
    assert missing_key.status_code == 422, missing_key.text


async def test_callers_who_may_not_attach_are_refused(api: Api) -> None:
    case_id = await _case(api)
    auditor = await api.upload(case_id, PDF, Role.AUDITOR, None)
    assert auditor.status_code == 403, auditor.text
    assert auditor.json()["type"] == PROBLEM + "wrong_role"
    outsider = await api.upload(case_id, PDF, Role.PARTY, BOGOR)
    assert outsider.status_code == 403, outsider.text
    assert outsider.json()["type"] == PROBLEM + "wrong_scope"
    pretender = await api.upload(case_id, PDF, on_behalf_of=KOTA_BANDUNG)
    assert pretender.status_code == 403, pretender.text
    assert pretender.json()["type"] == PROBLEM + "wrong_role"
    assert _stored_files(api) == []
    # The case itself refuses once it is closed, with the reason the actions route gives.
    withdrawn = await api.act(case_id, Role.PARTY, BANDUNG, "withdraw", reason="Sudah damai")
    assert withdrawn.status_code == 200, withdrawn.text
    closed = await api.upload(case_id, PDF)
    assert closed.status_code == 409, closed.text
    assert closed.json()["type"] == PROBLEM + "case_closed"
    assert await _attachments(api, case_id) == []


async def test_only_documents_recorded_in_the_case_are_served(api: Api) -> None:
    case_id, other_case = await _case(api), await _case(api)
    digest = (await api.upload(case_id, PDF)).json()["document"]["sha256"]
    unknown = await api.get(f"/v1/cases/{case_id}/documents/{'0' * 64}")
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["type"] == PROBLEM + "unknown_document"
    # Stored, but for another case: this case does not record it.
    elsewhere = await api.get(f"/v1/cases/{other_case}/documents/{digest}")
    assert elsewhere.status_code == 404, elsewhere.text
    outsider = await api.get(f"/v1/cases/{case_id}/documents/{digest}", Role.PARTY, BOGOR)
    assert outsider.status_code == 403, outsider.text
    no_case = await api.get(f"/v1/cases/PKD-2020-999999/documents/{digest}")
    assert no_case.status_code == 404, no_case.text


async def test_altered_or_lost_content_is_never_served(api: Api) -> None:
    case_id = await _case(api)
    digest = (await api.upload(case_id, PDF)).json()["document"]["sha256"]
    store = _store(api)
    assert store.check(digest) is None
    altered = PDF.replace(b"musyawarah", b"MUSYAWARAH")
    store.path(digest).write_bytes(altered)
    served = await api.get(f"/v1/cases/{case_id}/documents/{digest}")
    assert served.status_code == 409, served.text
    assert served.json()["type"] == PROBLEM + "document_altered"
    expected = f"hash mismatch: stored content hashes to {hashlib.sha256(altered).hexdigest()}"
    assert store.check(digest) == expected
    store.path(digest).unlink()
    lost = await api.get(f"/v1/cases/{case_id}/documents/{digest}")
    assert lost.status_code == 409, lost.text
    assert lost.json()["type"] == PROBLEM + "document_missing"
    assert store.check(digest) == "missing"


async def test_oversize_upload_is_refused(api: Api) -> None:
    case_id = await _case(api)
    settings = api.app.state.settings
    api.app.state.settings = settings.model_copy(update={"documents_max_bytes": 1000})
    exactly = await api.upload(case_id, b"x" * 1000)
    assert exactly.status_code == 201, exactly.text
    # Over the limit by a byte (found once parsed), by far (found from Content-Length), and by
    # far without a declared length (counted as it arrives).
    one_over = await api.upload(case_id, b"y" * 1001)
    far_over = await api.upload(case_id, b"z" * 200_000)
    chunked = await _upload_chunked(api, case_id, b"w" * 200_000)
    for refused in (one_over, far_over, chunked):
        assert refused.status_code == 413, refused.text
        assert refused.json()["type"] == PROBLEM + "document_too_large"
        assert refused.json()["detail"] == "dokumen paling besar 1000 byte"
    assert len(await _attachments(api, case_id)) == 1
    assert len(_stored_files(api)) == 1


async def _upload_chunked(api: Api, case_id: str, content: bytes) -> httpx.Response:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="doc_type"\r\n\r\nberita_acara\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="besar.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    headers = api.headers(Role.PARTY, BANDUNG, str(uuid.uuid4()))
    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    return await api.client.post(
        f"/v1/cases/{case_id}/documents", content=chunks(), headers=headers
    )


async def test_upload_into_s3_storage(api: Api, s3_server: str, s3: S3Client) -> None:
    # The app's settings name a bucket before its first document: it keeps them there.
    bucket = _bucket(s3)
    api.app.state.settings = api.app.state.settings.model_copy(
        update={
            "documents_s3_bucket": bucket,
            "documents_s3_endpoint": s3_server,
            "documents_s3_region": "us-east-1",
            "documents_s3_access_key": SecretStr("id"),
            "documents_s3_secret_key": SecretStr("kunci"),
            "documents_s3_prefix": "perkara/",
        }
    )
    store = S3DocumentStore(s3, bucket, "perkara/")
    case_id = await _case(api)
    digest = (await api.upload(case_id, PDF)).json()["document"]["sha256"]
    assert store.get(digest) == PDF
    served = await api.get(f"/v1/cases/{case_id}/documents/{digest}")
    assert served.content == PDF
    assert _stored_files(api) == []


def test_local_store_is_content_addressed(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path / "dokumen")
    digest = store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert store.path(digest) == tmp_path / "dokumen" / digest[:2] / digest
    assert store.get(digest) == PDF
    assert store.check(digest) is None
    inode = store.path(digest).stat().st_ino
    assert store.put(PDF) == digest
    assert store.path(digest).stat().st_ino == inode
    # Nothing but the document itself: no temporary file is left behind.
    assert [p.name for p in (tmp_path / "dokumen").rglob("*") if p.is_file()] == [digest]
    assert store.get("a" * 64) is None
    assert store.check("a" * 64) == "missing"
    with pytest.raises(ValueError, match="SHA-256"):
        store.get("../../etc/passwd")


def test_local_store_never_overwrites_what_it_holds(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    digest = store.put(PDF)
    store.path(digest).write_bytes(b"diganti")
    # Storing the original again must not hide the alteration from verification.
    store.put(PDF)
    assert store.get(digest) == b"diganti"
    actual = hashlib.sha256(b"diganti").hexdigest()
    assert store.check(digest) == f"hash mismatch: stored content hashes to {actual}"


def test_s3_store_against_an_s3_server(s3: S3Client) -> None:
    bucket = _bucket(s3)
    store = S3DocumentStore(s3, bucket, "perkara/")
    digest = store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [f"perkara/{digest}"]
    assert store.get(digest) == PDF
    assert store.check(digest) is None
    s3.put_object(Bucket=bucket, Key=f"perkara/{digest}", Body=b"diganti")
    store.put(PDF)
    assert store.get(digest) == b"diganti"
    actual = hashlib.sha256(b"diganti").hexdigest()
    assert store.check(digest) == f"hash mismatch: stored content hashes to {actual}"
    assert store.get("b" * 64) is None
    assert store.check("b" * 64) == "missing"


def test_settings_choose_the_store(tmp_path: Path, s3_server: str, s3: S3Client) -> None:
    local = document_store(get_settings(data_dir=tmp_path))
    assert isinstance(local, LocalDocumentStore)
    assert local.directory == tmp_path / "documents"
    bucket = _bucket(s3)
    remote = document_store(
        get_settings(
            data_dir=tmp_path,
            documents_s3_bucket=bucket,
            documents_s3_endpoint=s3_server,
            documents_s3_region="us-east-1",
            documents_s3_access_key="id",
            documents_s3_secret_key="kunci",
        )
    )
    assert isinstance(remote, S3DocumentStore)
    digest = remote.put(PDF)
    assert s3.get_object(Bucket=bucket, Key=f"documents/{digest}")["Body"].read() == PDF
