"""`mufakat audit verify-archive FILE`: an auditor verifies an export on their own machine.

No server, no database, no network, no settings: only the archive, this build's workflow code
and, when the auditor has one, the public key they trust (`api.services.offline`).
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.audit_report import echo_problems, require_json_dir, verified_document
from api.cli.options import fail

if TYPE_CHECKING:
    from api.services.offline import ArchiveReport
    from models.signing import PublicKey

# The exit code when any check failed (bad input exits 2).
_FAILED = 1
_KEY_ID = re.compile(r"[0-9a-f]{64}")


def verify_archive(
    archive: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="An export: the .tar.gz of `audit export --archive`, or its --out folder.",
            show_default=False,
        ),
    ],
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="The instance's public key you trust (PEM, or base64url as "
            "/v1/audit/public-key gives it): the archive must be signed by it.",
            show_default=False,
        ),
    ] = None,
    key_id: Annotated[
        str | None,
        typer.Option(
            help="The id (SHA-256 hex) of the key you trust, instead of the key itself.",
            show_default=False,
        ),
    ] = None,
    json_file: Annotated[
        Path | None,
        typer.Option("--json", help="Write the full report to this file.", show_default=False),
    ] = None,
) -> None:
    """Verify an exported archive offline: manifest, signatures, replay, chain, trail, documents."""
    trusted = _trusted_key(public_key, key_id)
    if not archive.exists():
        fail(f"no archive {archive}")
    require_json_dir(json_file)

    from api.services.offline import ArchiveUnreadable, verify_export

    async def run() -> ArchiveReport:
        trusted_key_id = key_id.lower() if key_id else None
        return await verify_export(archive, trusted=trusted, trusted_key_id=trusted_key_id)

    began = time.perf_counter()
    try:
        report = asyncio.run(run())
    except ArchiveUnreadable as error:
        fail(str(error), _FAILED)
    seconds = time.perf_counter() - began
    if json_file is not None:
        from api.services.offline import json_bytes

        json_file.write_bytes(json_bytes(_document(report)))
    _print(report, seconds)
    if not report.ok:
        raise SystemExit(_FAILED)


def _trusted_key(public_key: Path | None, key_id: str | None) -> PublicKey | None:
    from models.signing import KeyUnreadable, PublicKey

    if public_key is not None and key_id is not None:
        fail("give --public-key or --key-id, not both")
    if key_id is not None and _KEY_ID.fullmatch(key_id.lower()) is None:
        fail(f"--key-id {key_id} is not a key id (64 hexadecimal digits)")
    if public_key is None:
        return None
    try:
        return PublicKey.from_text(public_key.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, KeyUnreadable) as error:
        fail(f"--public-key {public_key}: {error}")


def _document(report: ArchiveReport) -> dict[str, Any]:
    failed = [case.case_id for case in report.cases if not case.ok]
    return verified_document(len(report.cases), failed, report=report.model_dump(mode="json"))


def _print(report: ArchiveReport, seconds: float) -> None:
    typer.echo(
        f"archive {report.archive}: {report.format or 'no readable manifest'}, exported "
        f"{report.exported_at or '(unknown)'} from namespace {report.namespace or '(unknown)'}, "
        f"workflow code {report.code_version or '(unknown)'}"
    )
    trust = report.trust
    if trust.key_id is None:
        typer.echo("signature: none readable: nothing shows which instance made the archive")
    elif trust.verdict == "trusted":
        typer.echo(f"signed by key {trust.key_id} (Ed25519), the key you trust")
    elif trust.verdict == "not_trusted":
        typer.echo(
            f"signed by key {trust.key_id} (Ed25519), NOT the key you trust "
            f"({trust.trusted_key_id})"
        )
    else:
        typer.echo(
            f"signed by key {trust.key_id} (Ed25519): the archive is only self-consistent; "
            "to prove which instance made it, give the key you trust (--public-key or --key-id)"
        )
    failed_archive = [check for check in report.checks if not check.ok]
    if failed_archive:
        typer.echo("FAILED archive")
        echo_problems(failed_archive)
    for case in report.cases:
        if case.ok:
            typer.echo(f"ok     {case.case_id} ({case.runs} runs, {case.events} events)")
        else:
            typer.echo(f"FAILED {case.case_id}")
            echo_problems(case.checks)
    bad = sum(not case.ok for case in report.cases)
    typer.echo(
        f"verified {len(report.cases)} case(s) offline in {seconds:.1f} s: "
        f"{len(report.cases) - bad} ok, {bad} failed"
        + ("" if not failed_archive else "; the archive itself failed")
    )
