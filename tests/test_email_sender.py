"""E-mail notifications against a real SMTP server (aiosmtpd, STARTTLS and AUTH required)."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from api.services.delivery.email_message import (
    digest_email,
    notice_email,
    webhook_disabled_email,
    what_happened,
    wib,
)
from api.services.delivery.email_sender import EmailFailed, EmailSender, SmtpConfig, digest_due
from models.notices import Awaitee, EventType, Notice
from models.settings import Settings
from tests.smtp_server import SmtpServer

BASE_URL = "https://mufakat.kemendagri.example"
# 00:00 WIB on 15 December 2026: the end of Monday 14 December, the stage's last day.
STAGE_DUE = datetime(2026, 12, 14, 17, 0, tzinfo=UTC)
THREAD_DUE = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)


@pytest.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    async with SmtpServer() as server:
        yield server


def smtp_config(server: SmtpServer, tmp_path: Path) -> SmtpConfig:
    config = SmtpConfig.from_settings(Settings(data_dir=tmp_path, **server.settings_overrides()))
    assert config is not None
    return config


def make_notice(number: int = 3, /, **changes: object) -> Notice:
    fields: dict[str, object] = {
        "notice_id": f"PKD-2026-000001.{number}",
        "type": EventType.REMINDER,
        "case_id": "PKD-2026-000001",
        "case_title": "Pengelolaan air bersih lintas kabupaten",
        "case_type": "KSDD",
        "at": datetime(2026, 12, 10, 1, 0, tzinfo=UTC),
        "seq": 7,
        "stage": "musyawarah",
        "stage_title": "Musyawarah untuk mufakat",
        "message": "80% of the stage's limit has passed",
        "awaiting": [
            Awaitee(
                role="party",
                scope="32.04",
                actions=["report_agreement"],
                clock="stage",
                due_at=STAGE_DUE,
            ),
            Awaitee(
                role="prosecutor",
                scope="32",
                actions=["submit_legal_opinion"],
                clock="legal_opinion:1",
                due_at=THREAD_DUE,
            ),
        ],
        "due_at": STAGE_DUE,
        "percent": 80,
    }
    return Notice.model_validate({**fields, **changes})


def plain(message: EmailMessage) -> str:
    return _body(message, "plain")


def html(message: EmailMessage) -> str:
    return _body(message, "html")


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert isinstance(part, EmailMessage)
    # SMTP carries lines ending in CRLF; the parsed part keeps them.
    return str(part.get_content()).replace("\r\n", "\n")


async def test_a_notice_email_arrives_in_indonesian(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    config = smtp_config(smtp_server, tmp_path)
    message = notice_email(
        make_notice(),
        to="budi@pemda-bandung.example",
        name="Budi Santoso",
        sender=config.sender,
        base_url=BASE_URL,
        message_id="msg_2b1c",
    )

    await EmailSender(config).send(message)

    [received] = smtp_server.messages
    assert received["Subject"] == (
        "[Mufakat] PKD-2026-000001: Pengingat tenggat — Musyawarah untuk mufakat"
    )
    assert received["From"] == "Mufakat <mufakat@mufakat.test>"
    assert received["To"] == "Budi Santoso <budi@pemda-bandung.example>"
    assert received["Message-ID"] == "<msg_2b1c@mufakat>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    text = plain(received)
    assert text.splitlines()[:18] == [
        "Yth. Budi Santoso,",
        "",
        "Pengingat tenggat",
        "",
        "Perkara: PKD-2026-000001 — Pengelolaan air bersih lintas kabupaten",
        "Tahap: Musyawarah untuk mufakat",
        "",
        "80% dari batas waktu tahap Musyawarah untuk mufakat telah berlalu.",
        "Tenggat: Senin, 14 Desember 2026 pukul 23.59 WIB",
        "",
        "Menunggu tindakan dari:",
        "- Pihak Kabupaten Bandung, Jawa Barat",
        "- Kejaksaan Jawa Barat, paling lambat Minggu, 20 Desember 2026 pukul 23.59 WIB",
        "",
        f"Buka perkara di konsol: {BASE_URL}/konsol/perkara/PKD-2026-000001",
        f"API: {BASE_URL}/v1/cases/PKD-2026-000001",
        "",
        "-- ",
    ]
    page = html(received)
    assert f'<a href="{BASE_URL}/konsol/perkara/PKD-2026-000001">' in page
    assert f'<a href="{BASE_URL}/v1/cases/PKD-2026-000001">' in page
    assert "<strong>Senin, 14 Desember 2026 pukul 23.59 WIB</strong>" in page
    assert smtp_server.auth_over_tls == [True]


async def test_html_escapes_a_case_title(smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = smtp_config(smtp_server, tmp_path)
    title = 'Sengketa <script>alert("x")</script> & aset'
    message = notice_email(
        make_notice(case_title=title),
        to="operator@kemendagri.example",
        name="",
        sender=config.sender,
        base_url=BASE_URL,
        message_id="msg_esc",
    )

    await EmailSender(config).send(message)

    [received] = smtp_server.messages
    assert received["To"] == "operator@kemendagri.example"
    page = html(received)
    assert "<script>" not in page
    assert (
        "<strong>PKD-2026-000001</strong> — "
        "Sengketa &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; aset"
    ) in page
    # Plain text is not HTML: the title stays as the user wrote it.
    assert f"Perkara: PKD-2026-000001 — {title}" in plain(received)


async def test_a_digest_lists_every_reminder_by_case(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    config = smtp_config(smtp_server, tmp_path)
    other_case = {"case_id": "PKD-2026-000002", "case_title": "Batas wilayah pasar"}
    notices = [
        make_notice(3, percent=50),
        make_notice(1, **other_case, notice_id="PKD-2026-000002.1", percent=50),
        make_notice(4, type=EventType.LEGAL_OPINION_REMINDER, thread=1, percent=80),
        make_notice(2, **other_case, notice_id="PKD-2026-000002.2", percent=80),
        make_notice(5, at=datetime(2026, 12, 10, 2, 0, tzinfo=UTC)),
    ]
    message = digest_email(
        notices,
        to="siti@kemendagri.example",
        name="Siti",
        sender=config.sender,
        base_url=BASE_URL,
        day=date(2026, 12, 10),
        message_id="dig_1",
    )

    await EmailSender(config).send(message)

    [received] = smtp_server.messages
    assert received["Subject"] == (
        "[Mufakat] Ringkasan pengingat Kamis, 10 Desember 2026: 5 pengingat dalam 2 perkara"
    )
    assert received["Message-ID"] == "<dig_1@mufakat>"
    lines = plain(received).splitlines()
    headings = [line for line in lines if line.startswith(("== ", "* ", "Buka perkara"))]
    assert headings == [
        "== PKD-2026-000001 — Pengelolaan air bersih lintas kabupaten ==",
        "* Pengingat tenggat · Musyawarah untuk mufakat",
        "* Pengingat tenggat pendapat hukum · Musyawarah untuk mufakat",
        "* Pengingat tenggat · Musyawarah untuk mufakat",
        f"Buka perkara di konsol: {BASE_URL}/konsol/perkara/PKD-2026-000001",
        "== PKD-2026-000002 — Batas wilayah pasar ==",
        "* Pengingat tenggat · Musyawarah untuk mufakat",
        "* Pengingat tenggat · Musyawarah untuk mufakat",
        f"Buka perkara di konsol: {BASE_URL}/konsol/perkara/PKD-2026-000002",
    ]
    happened = [line for line in lines if "telah berlalu" in line]
    assert happened == [
        "50% dari batas waktu tahap Musyawarah untuk mufakat telah berlalu.",
        "80% dari batas waktu permintaan pendapat hukum ke-1 telah berlalu.",
        "80% dari batas waktu tahap Musyawarah untuk mufakat telah berlalu.",
        "50% dari batas waktu tahap Musyawarah untuk mufakat telah berlalu.",
        "80% dari batas waktu tahap Musyawarah untuk mufakat telah berlalu.",
    ]
    page = html(received)
    assert page.count(f'<a href="{BASE_URL}/konsol/perkara/PKD-2026-000001">') == 1
    assert page.count(f'<a href="{BASE_URL}/konsol/perkara/PKD-2026-000002">') == 1


async def test_the_owner_of_a_disabled_webhook_is_told(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    config = smtp_config(smtp_server, tmp_path)
    message = webhook_disabled_email(
        subscription_id="whs_7f3a",
        url="https://penerima.pemda.example/mufakat",
        failing_since=datetime(2026, 12, 9, 1, 2, tzinfo=UTC),
        last_error="HTTP 503: Service Unavailable",
        to="it@pemda.example",
        name="Tim TI Pemda",
        sender=config.sender,
        base_url=BASE_URL,
        message_id="msg_off",
    )

    await EmailSender(config).send(message)

    [received] = smtp_server.messages
    assert received["Subject"] == "[Mufakat] Webhook whs_7f3a dinonaktifkan"
    assert received["Message-ID"] == "<msg_off@mufakat>"
    text = plain(received)
    assert (
        "Webhook whs_7f3a ke https://penerima.pemda.example/mufakat gagal menerima pemberitahuan "
        "sejak Rabu, 9 Desember 2026 pukul 08.02 WIB dan kini dinonaktifkan"
    ) in text
    assert "Kesalahan terakhir: HTTP 503: Service Unavailable" in text
    assert f"    PATCH {BASE_URL}/v1/webhooks/whs_7f3a\n" in text
    assert '    {"active": true}\n' in text
    assert f"PATCH {BASE_URL}/v1/webhooks/whs_7f3a\n" in html(received)


async def test_a_wrong_password_fails_for_good(smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = dataclasses.replace(smtp_config(smtp_server, tmp_path), password="salah")

    with pytest.raises(EmailFailed) as failed:
        await EmailSender(config).send(_any_email(config))

    assert failed.value.permanent is True
    assert str(failed.value) == "SMTP server refused: 535 5.7.8 Authentication credentials invalid"
    # aiosmtplib tries each mechanism the server offers (PLAIN, then LOGIN), all over TLS.
    assert smtp_server.auth_over_tls == [True, True]
    assert smtp_server.messages == []


async def test_credentials_never_cross_an_unencrypted_connection(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    config = dataclasses.replace(smtp_config(smtp_server, tmp_path), starttls=False)

    with pytest.raises(EmailFailed) as failed:
        await EmailSender(config).send(_any_email(config))

    assert failed.value.permanent is True
    assert str(failed.value) == (
        f"refusing to log in to 127.0.0.1:{smtp_server.port} as 'mufakat' over an unencrypted "
        "connection (turn smtp_starttls on)"
    )
    assert smtp_server.auth_over_tls == []
    assert smtp_server.messages == []


async def test_a_certificate_the_system_does_not_trust_is_refused(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    config = dataclasses.replace(smtp_config(smtp_server, tmp_path), ca_file=None)

    with pytest.raises(EmailFailed) as failed:
        await EmailSender(config).send(_any_email(config))

    assert failed.value.permanent is False
    assert "certificate verify failed: self-signed certificate" in str(failed.value)
    assert smtp_server.auth_over_tls == []
    assert smtp_server.messages == []


async def test_a_refused_recipient_fails_for_good(smtp_server: SmtpServer, tmp_path: Path) -> None:
    config = smtp_config(smtp_server, tmp_path)
    smtp_server.refused_recipients.add("pindah@pemda.example")
    message = _any_email(config, to="pindah@pemda.example")

    with pytest.raises(EmailFailed) as failed:
        await EmailSender(config).send(message)

    assert failed.value.permanent is True
    assert str(failed.value) == (
        "recipient pindah@pemda.example refused: 550 5.1.1 Mailbox unavailable"
    )
    assert smtp_server.messages == []


async def test_an_unreachable_server_is_worth_another_try(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        username="",
        password=None,
        starttls=True,
        ca_file=None,
        sender="Mufakat <mufakat@mufakat.test>",
    )

    with pytest.raises(EmailFailed) as failed:
        await EmailSender(config).send(_any_email(config))

    assert failed.value.permanent is False
    assert str(failed.value).startswith(f"SMTP 127.0.0.1:{port}: SMTPConnectError: ")


def test_smtp_config_from_settings(tmp_path: Path) -> None:
    assert SmtpConfig.from_settings(Settings(data_dir=tmp_path)) is None
    config = SmtpConfig.from_settings(
        Settings(
            data_dir=tmp_path,
            smtp_host="smtp.kemendagri.example",
            smtp_username="mufakat",
            smtp_password="rahasia",
            smtp_ca_file=tmp_path / "ca.pem",
        )
    )
    assert config == SmtpConfig(
        host="smtp.kemendagri.example",
        port=587,
        username="mufakat",
        password="rahasia",
        starttls=True,
        ca_file=tmp_path / "ca.pem",
        sender="Mufakat <mufakat@localhost>",
        timeout=30.0,
    )
    assert "rahasia" not in repr(config)


@pytest.mark.parametrize(
    ("event", "changes", "sentence"),
    [
        (
            EventType.CASE_FILED,
            {"stage_title": "Registrasi permohonan"},
            "Perkara telah diajukan dan kini berada pada tahap Registrasi permohonan.",
        ),
        (EventType.STAGE_CHANGED, {}, "Perkara berpindah ke tahap Musyawarah untuk mufakat."),
        (
            EventType.ACTION_REQUIRED,
            {},
            "Perkara menunggu tindakan dari Pihak Kabupaten Bandung, Jawa Barat dan Kejaksaan "
            "Jawa Barat pada tahap Musyawarah untuk mufakat.",
        ),
        (
            EventType.REMINDER,
            {"percent": 50},
            "50% dari batas waktu tahap Musyawarah untuk mufakat telah berlalu.",
        ),
        (EventType.OVERDUE, {}, "Tenggat tahap Musyawarah untuk mufakat telah terlampaui."),
        (
            EventType.LEGAL_OPINION_REQUESTED,
            {"thread": 2},
            "Pendapat hukum Kejaksaan diminta (permintaan pendapat hukum ke-2).",
        ),
        (
            EventType.LEGAL_OPINION_SUBMITTED,
            {"thread": 2},
            "Kejaksaan telah menyampaikan pendapat hukum (permintaan pendapat hukum ke-2).",
        ),
        (
            EventType.LEGAL_OPINION_OVERDUE,
            {"thread": 1},
            "Tenggat permintaan pendapat hukum ke-1 telah terlampaui.",
        ),
        (
            EventType.DOCUMENT_ATTACHED,
            {"documents": ["a" * 64, "b" * 64]},
            "2 dokumen dilampirkan pada perkara.",
        ),
        (
            EventType.DECISION_ISSUED,
            {"stage_title": "Keputusan Menteri"},
            "Keputusan telah diterbitkan pada tahap Keputusan Menteri.",
        ),
        (
            EventType.CASE_CLOSED,
            {"closing_state": "agreement"},
            "Perkara ditutup: kesepakatan para pihak.",
        ),
    ],
)
def test_what_happened_in_indonesian(
    event: EventType, changes: dict[str, object], sentence: str
) -> None:
    assert what_happened(make_notice(type=event, **changes)) == sentence


def test_times_are_shown_in_wib() -> None:
    assert wib(STAGE_DUE) == "Senin, 14 Desember 2026 pukul 23.59 WIB"
    assert wib(datetime(2026, 12, 14, 16, 0, tzinfo=UTC)) == (
        "Senin, 14 Desember 2026 pukul 23.00 WIB"
    )
    assert wib(datetime(2026, 8, 17, 3, 5, tzinfo=UTC)) == "Senin, 17 Agustus 2026 pukul 10.05 WIB"


# 07:00 WIB on 10 December 2026 is 00:00 UTC.
@pytest.mark.parametrize(
    ("now", "last_digest_at", "due"),
    [
        # Never sent: not before the hour, then once it has passed today.
        (datetime(2026, 12, 9, 23, 59, tzinfo=UTC), None, False),
        (datetime(2026, 12, 10, 0, 0, tzinfo=UTC), None, True),
        (datetime(2026, 12, 10, 9, 0, tzinfo=UTC), None, True),
        # Sent yesterday: due from today's hour on.
        (datetime(2026, 12, 9, 23, 59, tzinfo=UTC), datetime(2026, 12, 9, 0, 1, tzinfo=UTC), False),
        (datetime(2026, 12, 10, 0, 30, tzinfo=UTC), datetime(2026, 12, 9, 0, 1, tzinfo=UTC), True),
        # Already sent today.
        (datetime(2026, 12, 10, 9, 0, tzinfo=UTC), datetime(2026, 12, 10, 0, 1, tzinfo=UTC), False),
        # Missed for days: due at once, even before today's hour.
        (datetime(2026, 12, 9, 20, 0, tzinfo=UTC), datetime(2026, 12, 6, 0, 1, tzinfo=UTC), True),
    ],
)
def test_digest_due(now: datetime, last_digest_at: datetime | None, due: bool) -> None:
    assert digest_due(now, last_digest_at, hour=7) is due


def _any_email(config: SmtpConfig, *, to: str = "budi@pemda-bandung.example") -> EmailMessage:
    return notice_email(
        make_notice(),
        to=to,
        name="",
        sender=config.sender,
        base_url=BASE_URL,
        message_id="msg_any",
    )
