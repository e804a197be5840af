"""Verifying an export on an auditor's own machine: no server, no database, no settings; only
the archive, this build's workflow code and the public key the auditor trusts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit.export import instant, json_bytes, tool
from audit.offline import ArchiveReport, ArchiveUnreadable, verify_archive
from audit.replaying import ReplayStream, unsandboxed_case_replayer
from models.signing import PublicKey

__all__ = ["ArchiveReport", "ArchiveUnreadable", "json_bytes", "report_document", "verify_export"]


async def verify_export(
    archive: Path, *, trusted: PublicKey | None, trusted_key_id: str | None
) -> ArchiveReport:
    """Check an export (a `.tar.gz` or its folder): manifest, signatures (against the key the
    auditor trusts, by key or by id), replay, chain, trail and documents. Raises
    `ArchiveUnreadable` when it is no export at all."""
    async with ReplayStream(unsandboxed_case_replayer()) as stream:
        return await verify_archive(archive, stream, trusted=trusted, trusted_key_id=trusted_key_id)


def report_document(cases: int, failed: list[str], **report: Any) -> dict[str, Any]:
    """A verification's report as JSON: when and by which build, how many cases, which
    failed, then `report`."""
    return {
        "verified_at": instant(datetime.now(UTC)),
        "tool": tool(),
        "cases": cases,
        "ok": cases - len(failed),
        "failed": failed,
        **report,
    }
