"""The webhook sender against real receivers: signatures, CloudEvents, SSRF guard, failures."""

from __future__ import annotations

import base64
import json
import socket
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

import pytest
from cloudevents.v1.http import from_http
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.services.delivery.cloudevents import CONTENT_TYPE, EventData, cloud_event, event_body
from api.services.delivery.signing import new_secret, signature_headers
from api.services.delivery.ssrf import UrlPolicy, UrlRefused, check_url
from api.services.delivery.webhook_sender import WebhookSender
from models.notices import Awaitee, EventType, Notice
from models.settings import Settings
from tests.webhook_receiver import Receiver, Reply

LOOPBACK = UrlPolicy(allow_http=True, allowed_networks=(IPv4Network("127.0.0.0/8"),))
# As a production policy would be for a plain-HTTP receiver: no internal network allowed.
PUBLIC_ONLY = UrlPolicy(allow_http=True)
BASE_URL = "https://mufakat.example.go.id"
DELIVERY_ID = "msg_2f1c9a7e0b5d4c3a"
WIB = timezone(timedelta(hours=7))


def _notice() -> Notice:
    return Notice(
        notice_id="PKD-2026-000001.3",
        type=EventType.ACTION_REQUIRED,
        case_id="PKD-2026-000001",
        case_title="Batas wilayah Kali Serang",
        case_type="batas_wilayah",
        at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        seq=7,
        stage="gwpp_facilitation",
        stage_title="Fasilitasi Gubernur",
        message="The governor's facilitation has started.",
        awaiting=[
            Awaitee(
                role="gwpp",
                scope="33",
                actions=["record_facilitation"],
                clock="stage",
                due_at=datetime(2026, 4, 13, 17, 0, tzinfo=UTC),
            )
        ],
        due_at=datetime(2026, 4, 13, 17, 0, tzinfo=UTC),
        action="escalate",
    )


def _body() -> bytes:
    return event_body(cloud_event(_notice(), DELIVERY_ID, BASE_URL))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as running:
        yield running


@pytest.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    async with WebhookSender(LOOPBACK, timeout=0.5) as running:
        yield running


def test_a_new_secret_is_in_the_standard_webhooks_form() -> None:
    first, second = new_secret(), new_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


async def test_a_delivery_arrives_signed_and_verifies(
    receiver: Receiver, sender: WebhookSender
) -> None:
    secret, body, at = new_secret(), _body(), datetime.now(UTC)

    outcome = await sender.send(receiver.url, [secret], DELIVERY_ID, body, at)

    assert (outcome.ok, outcome.status_code, outcome.error) == (True, 200, None)
    assert outcome.response_excerpt == ""
    [request] = receiver.received
    assert (request.method, request.path, request.body) == ("POST", "/hook", body)
    assert request.headers["webhook-id"] == DELIVERY_ID
    assert request.headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert request.headers["content-type"] == CONTENT_TYPE
    assert request.headers["user-agent"] == "Mufakat-Webhooks/1"
    assert Webhook(secret).verify(request.body, request.headers) == json.loads(body)


def test_during_a_rotation_both_secrets_verify() -> None:
    new, old, body, at = new_secret(), new_secret(), _body(), datetime.now(UTC)

    headers = signature_headers([new, old], DELIVERY_ID, at, body)

    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers) == json.loads(body)
    assert Webhook(old).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(new_secret()).verify(body, headers)


def test_a_signature_depends_on_the_instant_not_its_time_zone() -> None:
    secret, body, at = new_secret(), _body(), datetime.now(UTC)

    in_jakarta = signature_headers([secret], DELIVERY_ID, at.astimezone(WIB), body)

    assert in_jakarta == signature_headers([secret], DELIVERY_ID, at, body)
    assert Webhook(secret).verify(body, in_jakarta) == json.loads(body)


async def test_the_body_is_a_structured_cloudevent(
    receiver: Receiver, sender: WebhookSender
) -> None:
    await sender.send(receiver.url, [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC))

    [request] = receiver.received
    event = from_http(request.headers, request.body)
    assert event["specversion"] == "1.0"
    assert event["id"] == DELIVERY_ID
    assert event["type"] == "mufakat.case.action_required"
    assert event["source"] == f"{BASE_URL}/v1/cases"
    assert event["subject"] == "PKD-2026-000001"
    assert event["time"] == "2026-03-02T09:30:00Z"
    assert event["datacontenttype"] == "application/json"
    data = event.get_data()
    assert isinstance(data, dict)
    assert data["links"] == {
        "api": f"{BASE_URL}/v1/cases/PKD-2026-000001",
        "konsol": f"{BASE_URL}/konsol/perkara/PKD-2026-000001",
    }
    assert data["awaiting"] == [
        {
            "role": "gwpp",
            "scope": "33",
            "actions": ["record_facilitation"],
            "clock": "stage",
            "due_at": "2026-04-13T17:00:00Z",
        }
    ]
    assert (data["stage"], data["seq"], data["due_at"]) == (
        "gwpp_facilitation",
        7,
        "2026-04-13T17:00:00Z",
    )
    assert "notice_id" not in data


def test_event_data_carries_every_field_of_a_notice_but_its_id() -> None:
    assert set(EventData.model_fields) == set(Notice.model_fields) - {"notice_id"} | {"links"}


def test_the_policy_reads_the_settings() -> None:
    settings = Settings(
        webhook_allow_http=True, webhook_allowed_networks=["10.20.3.4/16", "fd00::/8"]
    )

    assert UrlPolicy.from_settings(settings) == UrlPolicy(
        allow_http=True,
        allowed_networks=(IPv4Network("10.20.0.0/16"), IPv6Network("fd00::/8")),
    )


def _address(host: str, address: str) -> dict[str, str]:
    return {"host": host, "address": address}


@pytest.mark.parametrize(
    ("url", "policy", "reason", "params"),
    [
        ("ftp://files.example.com/hook", LOOPBACK, "scheme", {"scheme": "ftp"}),
        ("http://93.184.215.14/hook", UrlPolicy(), "scheme", {"scheme": "http"}),
        ("https://user:pass@93.184.215.14/hook", UrlPolicy(), "credentials", {}),
        ("https:///hook", UrlPolicy(), "host", {}),
        ("not a url", UrlPolicy(), "host", {}),
        ("//93.184.215.14/hook", UrlPolicy(), "host", {}),
        ("https://exa mple.com/hook", UrlPolicy(), "host", {}),
        ("https://nothing.invalid/hook", UrlPolicy(), "unresolvable", {"host": "nothing.invalid"}),
        ("https://127.0.0.1/hook", UrlPolicy(), "address", _address("127.0.0.1", "127.0.0.1")),
        ("https://[::1]/hook", UrlPolicy(), "address", _address("::1", "::1")),
        ("https://10.1.2.3/hook", UrlPolicy(), "address", _address("10.1.2.3", "10.1.2.3")),
        (
            "https://169.254.169.254/latest/meta-data",
            UrlPolicy(),
            "address",
            _address("169.254.169.254", "169.254.169.254"),
        ),
        ("https://100.64.0.1/hook", UrlPolicy(), "address", _address("100.64.0.1", "100.64.0.1")),
        ("https://224.0.0.1/hook", UrlPolicy(), "address", _address("224.0.0.1", "224.0.0.1")),
        ("https://0.0.0.0/hook", UrlPolicy(), "address", _address("0.0.0.0", "0.0.0.0")),
        (
            "https://[::ffff:127.0.0.1]/hook",
            UrlPolicy(),
            "address",
            _address("::ffff:127.0.0.1", "127.0.0.1"),
        ),
        (
            "https://[64:ff9b::a00:1]/hook",
            UrlPolicy(),
            "address",
            _address("64:ff9b::a00:1", "10.0.0.1"),
        ),
        ("https://localhost/hook", UrlPolicy(), "address", _address("localhost", "127.0.0.1")),
        ("https://2130706433/hook", UrlPolicy(), "address", _address("2130706433", "127.0.0.1")),
        ("http://10.1.2.3/hook", LOOPBACK, "address", _address("10.1.2.3", "10.1.2.3")),
    ],
)
async def test_check_url_refuses(
    url: str, policy: UrlPolicy, reason: str, params: dict[str, str]
) -> None:
    with pytest.raises(UrlRefused) as refused:
        await check_url(url, policy)

    assert refused.value.reason == reason
    assert refused.value.params == {"url": url, **params}
    assert "\n" not in str(refused.value)


async def test_a_refusal_says_where_a_name_leads() -> None:
    with pytest.raises(UrlRefused) as by_name:
        await check_url("https://localhost/hook", UrlPolicy())
    with pytest.raises(UrlRefused) as mapped:
        await check_url("https://[::ffff:169.254.169.254]/", UrlPolicy())

    assert str(by_name.value) == "localhost leads to 127.0.0.1, which is not a public address"
    assert str(mapped.value) == (
        "::ffff:169.254.169.254 leads to 169.254.169.254, which is not a public address"
    )


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("https://93.184.215.14/hook", UrlPolicy()),
        ("https://[2606:4700::1]/hook", UrlPolicy()),
        ("http://127.0.0.1:8080/hook", LOOPBACK),
        ("https://[::ffff:127.0.0.1]/hook", LOOPBACK),
        (
            "http://localhost/hook",
            UrlPolicy(
                allow_http=True,
                allowed_networks=(IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")),
            ),
        ),
    ],
)
async def test_check_url_accepts(url: str, policy: UrlPolicy) -> None:
    await check_url(url, policy)


async def test_a_failing_receiver_gets_the_same_delivery_again(
    receiver: Receiver, sender: WebhookSender
) -> None:
    receiver.respond(Reply(500, b'{"error": "database down"}'))
    secret, body = new_secret(), _body()

    first = await sender.send(receiver.url, [secret], DELIVERY_ID, body, datetime.now(UTC))
    second = await sender.send(receiver.url, [secret], DELIVERY_ID, body, datetime.now(UTC))

    assert (first.ok, first.status_code, first.error) == (False, 500, "HTTP 500")
    assert first.response_excerpt == '{"error": "database down"}'
    assert (second.ok, second.status_code, second.error) == (True, 200, None)
    assert [r.headers["webhook-id"] for r in receiver.received] == [DELIVERY_ID, DELIVERY_ID]
    assert [r.body for r in receiver.received] == [body, body]


async def test_only_the_start_of_a_long_answer_is_kept(
    receiver: Receiver, sender: WebhookSender
) -> None:
    receiver.respond(Reply(503, "é".encode() * 1_000_000))

    outcome = await sender.send(
        receiver.url, [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC)
    )

    assert (outcome.ok, outcome.status_code) == (False, 503)
    assert outcome.response_excerpt == "é" * 500


async def test_a_redirect_is_never_followed(receiver: Receiver, sender: WebhookSender) -> None:
    async with Receiver() as elsewhere:
        receiver.respond(Reply(302, headers=(("Location", elsewhere.url),)))

        outcome = await sender.send(
            receiver.url, [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC)
        )

        assert (outcome.ok, outcome.status_code) == (False, 302)
        assert outcome.error == f"redirect 302 to {elsewhere.url!r} not followed"
        assert elsewhere.received == []
        assert len(receiver.received) == 1


async def test_a_receiver_that_never_answers_times_out(
    receiver: Receiver, sender: WebhookSender
) -> None:
    receiver.hang()

    outcome = await sender.send(
        receiver.url, [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC)
    )

    assert (outcome.ok, outcome.status_code, outcome.error) == (False, None, "timeout after 0.5s")
    assert outcome.response_excerpt is None
    assert len(receiver.received) == 1


async def test_a_closed_port_is_a_failed_attempt(sender: WebhookSender) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    outcome = await sender.send(
        f"http://127.0.0.1:{port}/hook", [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC)
    )

    assert (outcome.ok, outcome.status_code, outcome.response_excerpt) == (False, None, None)
    assert outcome.error is not None
    assert outcome.error.startswith("ConnectError: ")


async def test_the_address_is_checked_again_when_connecting(receiver: Receiver) -> None:
    # What a rebinding name would do: the URL is sent without `check_url`, to a loopback address.
    async with WebhookSender(PUBLIC_ONLY, timeout=0.5) as sender:
        by_address = await sender.send(
            receiver.url, [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC)
        )
        by_name = await sender.send(
            receiver.url.replace("127.0.0.1", "localhost"),
            [new_secret()],
            DELIVERY_ID,
            _body(),
            datetime.now(UTC),
        )

    assert (by_address.ok, by_address.status_code, by_address.response_excerpt) == (
        False,
        None,
        None,
    )
    assert by_address.error == "refused: 127.0.0.1 is not a public address"
    assert (by_name.ok, by_name.status_code) == (False, None)
    assert by_name.error is not None
    assert by_name.error.startswith("refused: localhost leads to ")
    assert receiver.received == []


def _tls_for(name: str, directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a certificate for `name`, and the file of the CA that signed it."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mufakat test CA")])
    start, end = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)
    ca = (
        x509.CertificateBuilder(ca_name, ca_name, ca_key.public_key(), 1, start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    leaf = (
        x509.CertificateBuilder(ca_name, leaf_name, key.public_key(), 2, start, end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, chain, key_file = directory / "ca.pem", directory / "leaf.pem", directory / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key_file)
    return context, ca_file


LOCAL_HTTPS = UrlPolicy(allowed_networks=(IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")))


@pytest.mark.parametrize(("certified", "ok"), [("localhost", True), ("elsewhere.example", False)])
async def test_https_is_verified_for_the_url_host_while_connecting_to_the_checked_address(
    certified: str, ok: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The socket goes to the judged address; TLS must still name and verify `localhost`.
    tls, ca_file = _tls_for(certified, tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    async with (
        Receiver(tls=tls, host="localhost") as receiver,
        WebhookSender(LOCAL_HTTPS, timeout=2) as sender,
    ):
        outcome = await sender.send(
            receiver.url, [new_secret()], DELIVERY_ID, _body(), datetime.now(UTC)
        )

    assert receiver.url.startswith("https://localhost:")
    assert outcome.ok is ok
    if ok:
        assert (outcome.status_code, outcome.error) == (200, None)
        assert len(receiver.received) == 1
    else:
        assert outcome.status_code is None
        assert outcome.error is not None
        assert "certificate verify failed" in outcome.error
        assert receiver.received == []
