"""Verifying an exported archive on an auditor's own machine: no server, no database, no network.

`mufakat audit verify-archive FILE` reads an export (`audit.export`: a `.tar.gz`, or the
folder `audit export --out` writes) and checks, from its contents alone:

- the manifest: every file listed with its SHA-256, none missing, none extra;
- the signatures: the manifest's and each case's, by the key the archive carries, and that it is
  the key the auditor trusts when they name one (else the archive is only self-consistent);
- each case as `mufakat audit verify` checks it live (`audit.checks.record_checks`):
  every run replayed against this build's workflow code, when the archive's code is code this
  build has; the runs' continuity; the trail's hash chain; the trail against the history (the
  filing first, for cases filed since that rule); and each document's SHA-256.

An export holds no read model, so the live verification's `state` check has no counterpart.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from audit.checks import TemporalEvidence, document_hashes, record_checks
from audit.export import (
    CASE_FORMAT,
    EXPORT_FORMAT,
    MANIFEST,
    MANIFEST_SIGNATURE,
    PUBLIC_KEY,
    document_path,
    documents_path,
    history_path,
    statement_path,
    statement_signature_path,
    trail_path,
)
from audit.replaying import HistoryReplayer
from audit.runs import CLOSED_EVENTS, ParsedRun, RunHistory, document_runs, parse_run
from audit.verify import replay_problems, without_task_in_flight
from models.audit import AuditEntryPublic, AuditTrail
from models.signing import SIGNATURE_BYTES, KeyUnreadable, PublicKey
from models.state import CaseView
from models.verification import Check, CheckName, VerifyReport
from workflows.case_workflow import CODE_VERSION, PATCHES

# Formats this build reads; /1 came before signatures, the code version and documents' contents.
READABLE_FORMATS = ("mufakat-audit-export/1", EXPORT_FORMAT)
# Files an export has outside its manifest's lists: the manifest and its signature.
UNLISTED = frozenset({MANIFEST, MANIFEST_SIGNATURE})


class ArchiveUnreadable(Exception):
    """Not an export at all: no such file, not a tar, or members no export has."""


Verdict = Literal["trusted", "not_trusted", "self_consistent"]


class Trust(BaseModel):
    """Whose key signed the archive, and whether the auditor said they trust it."""

    key_id: str | None = Field(description="The key that signed the archive, when it is signed.")
    trusted_key_id: str | None = Field(description="The key the auditor named, if any.")
    verdict: Verdict = Field(
        description="Signed by the key the auditor named, by another, or named none (the "
        "archive is then only self-consistent)."
    )


class ArchiveReport(BaseModel):
    """An archive's verification: its own checks (manifest, signature), then each case's."""

    archive: str
    format: str | None
    exported_at: str | None
    namespace: str | None
    code_version: str | None = Field(description="The workflow code the archive was made with.")
    trust: Trust
    ok: bool = Field(description="True when every check of the archive and its cases passed.")
    checks: list[Check]
    cases: list[VerifyReport]


# ------------------------------------------------------------------------- reading


def read_archive(path: Path) -> dict[str, bytes]:
    """Every file of an export by its path inside it: a folder, or a tar under one top folder."""
    if path.is_dir():
        return {
            found.relative_to(path).as_posix(): found.read_bytes()
            for found in sorted(path.rglob("*"))
            if found.is_file()
        }
    if not path.is_file():
        raise ArchiveUnreadable(f"no archive {path}")
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:*") as packed:
            members = packed.getmembers()
            tops = {member.name.split("/", 1)[0] for member in members}
            if len(tops) != 1:
                raise ArchiveUnreadable(f"{path} holds {len(tops)} top folders; an export has one")
            for member in members:
                if member.isdir():
                    continue
                content = packed.extractfile(member) if member.isfile() else None
                if content is None:  # a link or a device: never part of an export
                    raise ArchiveUnreadable(f"{path} holds {member.name}, which is not a file")
                files[member.name.split("/", 1)[1] if "/" in member.name else ""] = content.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveUnreadable(f"{path} is not a readable archive: {error}") from None
    return files


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(data: bytes, what: str) -> tuple[Any, str | None]:
    try:
        return json.loads(data), None
    except ValueError as error:
        return None, f"{what} is not readable JSON: {error}"


# ------------------------------------------------------------------------- the archive


class _Archive:
    """An export's files and manifest, and the key that signed it."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.manifest: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.key: PublicKey | None = None

    @property
    def exported_at(self) -> str | None:
        value = self.manifest.get("exported_at")
        return value if isinstance(value, str) else None

    @property
    def code_version(self) -> str | None:
        code = self.manifest.get("code")
        return code.get("version") if isinstance(code, dict) else None

    def manifest_problems(self) -> list[str]:
        """The manifest is readable, and lists every file outside the cases' folders."""
        data = self.files.get(MANIFEST)
        if data is None:
            return [f"{MANIFEST} is missing: nothing in the archive can be checked"]
        manifest, problem = _json(data, MANIFEST)
        if problem is not None or not isinstance(manifest, dict):
            return [problem or f"{MANIFEST} is not a JSON object"]
        self.manifest = manifest
        problems: list[str] = []
        if manifest.get("format") not in READABLE_FORMATS:
            problems.append(
                f"format {manifest.get('format')!r} is not one this build reads "
                f"({', '.join(READABLE_FORMATS)})"
            )
        cases = manifest.get("cases")
        if not isinstance(cases, list):
            return [*problems, f"{MANIFEST} lists no cases"]
        for index, entry in enumerate(cases, start=1):
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("case_id"), str)
                and isinstance(entry.get("files"), dict)
            ):
                self.entries.append(entry)
            else:
                problems.append(f"case {index} of {MANIFEST} names no case id and files")
        listed = manifest.get("files", {})
        if not isinstance(listed, dict):
            problems.append(f"the files {MANIFEST} lists outside the cases are not a mapping")
            listed = {}
        problems += _file_problems(self.files, listed)
        folders = {f"{entry['case_id']}/" for entry in self.entries}
        for path in sorted(self.files.keys() - UNLISTED - listed.keys()):
            if not path.startswith(tuple(folders)):
                problems.append(f"extra: {path} is in the archive but not in its manifest")
        return problems

    def signature_problems(
        self, trusted: PublicKey | None, trusted_key_id: str | None
    ) -> list[str]:
        """The manifest is signed by the key it names, which is the one the auditor trusts."""
        if not self.manifest:
            return ["there is no readable manifest to check a signature of"]
        signing = self.manifest.get("signing")
        if not isinstance(signing, dict):
            return [
                f"the archive is not signed (format {self.manifest.get('format')!r}): nothing "
                "shows which instance made it"
            ]
        try:
            key = PublicKey.from_text(str(signing.get("public_key", "")))
        except KeyUnreadable as error:
            return [f"the manifest's public key is unreadable: {error}"]
        self.key = key
        problems: list[str] = []
        if signing.get("key_id") != key.key_id:
            problems.append(
                f"the manifest names key {signing.get('key_id')}, but its public key's id is "
                f"{key.key_id}"
            )
        carried = self.files.get(PUBLIC_KEY)
        if carried is None:
            problems.append(f"{PUBLIC_KEY} is missing")
        else:
            try:
                if PublicKey.from_text(carried.decode()) != key:
                    problems.append(f"{PUBLIC_KEY} is another key than the manifest's")
            except (KeyUnreadable, UnicodeDecodeError) as error:
                problems.append(f"{PUBLIC_KEY} is unreadable: {error}")
        signature = self.files.get(MANIFEST_SIGNATURE)
        if signature is None:
            problems.append(f"{MANIFEST_SIGNATURE} is missing: the manifest is not signed")
        elif not _verifies(key, signature, self.files[MANIFEST]):
            problems.append(
                f"{MANIFEST_SIGNATURE} is not key {key.key_id}'s signature of {MANIFEST}: the "
                "manifest changed after it was signed, or another key signed it"
            )
        expected = trusted.key_id if trusted is not None else trusted_key_id
        if expected is not None and expected != key.key_id:
            problems.append(
                f"the archive is signed by key {key.key_id}, not by the key you trust ({expected})"
            )
        return problems


def _verifies(key: PublicKey, signature: bytes, data: bytes) -> bool:
    return len(signature) == SIGNATURE_BYTES and key.verifies(signature, data)


def _file_problems(files: dict[str, bytes], listed: dict[str, Any]) -> list[str]:
    """Each listed file is there, with the SHA-256 listed."""
    problems: list[str] = []
    for path, digest in sorted(listed.items()):
        data = files.get(path)
        if data is None:
            problems.append(f"missing: {path} is in the manifest but not in the archive")
        elif _sha256(data) != digest:
            problems.append(
                f"{path} hashes to {_sha256(data)}, not the {digest} the manifest lists (altered)"
            )
    return problems


# ------------------------------------------------------------------------- verifying


async def verify_archive(
    path: Path,
    replayer: HistoryReplayer,
    *,
    trusted: PublicKey | None = None,
    trusted_key_id: str | None = None,
) -> ArchiveReport:
    """Verify the export at `path`, each of its cases replayed through `replayer`.

    Raises `ArchiveUnreadable` when `path` is no export at all.
    """
    archive = _Archive(read_archive(path))
    manifest = Check.of(CheckName.MANIFEST, archive.manifest_problems())
    signature = Check.of(CheckName.SIGNATURE, archive.signature_problems(trusted, trusted_key_id))
    cases = [await _verify_case(archive, entry, replayer) for entry in archive.entries]
    expected = trusted.key_id if trusted is not None else trusted_key_id
    key_id = archive.key.key_id if archive.key is not None else None
    verdict: Verdict = "self_consistent"
    if expected is not None:
        verdict = "trusted" if expected == key_id else "not_trusted"
    checks = [manifest, signature]
    return ArchiveReport(
        archive=str(path),
        format=archive.manifest.get("format"),
        exported_at=archive.exported_at,
        namespace=archive.manifest.get("namespace"),
        code_version=archive.code_version,
        trust=Trust(key_id=key_id, trusted_key_id=expected, verdict=verdict),
        ok=all(check.ok for check in checks) and all(case.ok for case in cases),
        checks=checks,
        cases=cases,
    )


async def _verify_case(
    archive: _Archive, entry: dict[str, Any], replayer: HistoryReplayer
) -> VerifyReport:
    case_id: str = entry["case_id"]
    files = archive.files
    checks = [
        Check.of(CheckName.MANIFEST, _case_file_problems(files, case_id, entry["files"])),
        Check.of(CheckName.SIGNATURE, _statement_problems(archive, case_id, entry["files"])),
    ]
    runs, missing = _runs(files, case_id, entry)
    history = [parse_run(run, index) for index, run in enumerate(runs, start=1)]
    closed = bool(history) and history[-1].ended in CLOSED_EVENTS
    end = history[-1].result if closed else None
    trail, unreadable = _trail(files, case_id)
    pending = _pending(history, trail) if not closed else None
    continuity, chain, trail_check = record_checks(
        case_id,
        history,
        TemporalEvidence(runs, missing=missing),
        trail,
        end,
        closed=closed,
        pending=pending,
    )
    if closed and end is None and not missing:
        last = history[-1]
        continuity = Check.of(
            CheckName.CONTINUITY,
            [*continuity.problems, f"{last.name} holds no case result (the run failed)"],
        )
    if unreadable:
        chain = Check.of(CheckName.CHAIN, [unreadable])
    checks += [
        Check.of(CheckName.REPLAY, await _replay(archive, runs, history, closed, replayer)),
        continuity,
        chain,
        trail_check,
        Check.of(CheckName.DOCUMENTS, _document_problems(files, case_id, entry, end, trail)),
    ]
    first = history[0].case if history else None
    return VerifyReport(
        case_id=case_id,
        ok=all(check.ok for check in checks),
        guideline_version=first.pinned.guideline.version if first else None,
        guideline_hash=first.pinned.content_hash if first else None,
        runs=len(history),
        events=sum(len(run.events) for run in history),
        checks=checks,
    )


def _case_file_problems(files: dict[str, bytes], case_id: str, listed: dict[str, Any]) -> list[str]:
    folder = f"{case_id}/"
    problems = [
        f"{path} is listed under case {case_id} but lies outside its folder"
        for path in sorted(listed)
        if not path.startswith(folder)
    ]
    problems += _file_problems(files, listed)
    problems += [
        f"extra: {path} is in the archive but not in its manifest"
        for path in sorted(files)
        if path.startswith(folder) and path not in listed
    ]
    return problems


def _statement_problems(archive: _Archive, case_id: str, listed: dict[str, Any]) -> list[str]:
    """The case's statement is signed by the archive's key and vouches for each of its files."""
    files = archive.files
    statement, signature = (
        files.get(statement_path(case_id)),
        files.get(statement_signature_path(case_id)),
    )
    if statement is None or signature is None:
        return [f"case {case_id} is not signed: its statement or signature is missing"]
    if archive.key is None:
        return ["the archive carries no readable public key to check the case's signature with"]
    if not _verifies(archive.key, signature, statement):
        return [
            f"{statement_signature_path(case_id)} is not key {archive.key.key_id}'s signature of "
            f"{statement_path(case_id)}: the statement changed after it was signed, or another "
            "key signed it"
        ]
    document, problem = _json(statement, statement_path(case_id))
    if problem is not None or not isinstance(document, dict):
        return [problem or f"{statement_path(case_id)} is not a JSON object"]
    problems: list[str] = []
    expected = {
        "format": CASE_FORMAT,
        "case_id": case_id,
        "key_id": archive.key.key_id,
        "exported_at": archive.exported_at,
    }
    for name, value in expected.items():
        if document.get(name) != value:
            problems.append(
                f"the signed statement's {name} is {document.get(name)!r}, not {value!r}"
            )
    vouched = document.get("files")
    if not isinstance(vouched, dict):
        return [*problems, "the signed statement lists no files"]
    own = {statement_path(case_id), statement_signature_path(case_id)}
    for path in sorted(vouched.keys() | (listed.keys() - own)):
        data = files.get(path)
        if path not in vouched:
            problems.append(f"{path} is in the manifest but not in the case's signed statement")
        elif data is None:
            problems.append(f"missing: {path} is in the case's signed statement")
        elif _sha256(data) != vouched[path]:
            problems.append(
                f"{path} hashes to {_sha256(data)}, not the {vouched[path]} the case's signed "
                "statement vouches for (altered)"
            )
    return problems


def _runs(
    files: dict[str, bytes], case_id: str, entry: dict[str, Any]
) -> tuple[list[RunHistory], str | None]:
    """The case's runs from its history file; else why there are none."""
    data = files.get(history_path(case_id))
    if data is None:
        why = "; ".join(entry.get("missing") or []) or "its history file is missing"
        return [], f"the archive holds no history of case {case_id}: {why}"
    document, problem = _json(data, history_path(case_id))
    if problem is not None:
        return [], problem
    try:
        if document["case_id"] != case_id:
            return [], f"{history_path(case_id)} is the history of case {document['case_id']}"
        return document_runs(case_id, document), None
    except (KeyError, TypeError, ValueError) as error:
        return [], f"{history_path(case_id)} is not a readable history: {error!r}"


def _trail(files: dict[str, bytes], case_id: str) -> tuple[list[AuditEntryPublic], str | None]:
    path = trail_path(case_id)
    data = files.get(path)
    if data is None:
        return [], f"{path} is missing"
    try:
        trail = AuditTrail.model_validate_json(data)
    except ValidationError as error:
        return [], f"{path} is not a readable trail: {error.error_count()} problem(s), first: " + (
            str(error.errors()[0]["msg"])
        )
    if trail.case_id != case_id:
        return [], f"{path} is the trail of case {trail.case_id}"
    return trail.entries, None


def _pending(runs: list[ParsedRun], trail: Sequence[AuditEntryPublic]) -> set[int]:
    """A running case's actions the trail may not hold yet: those after its last entry.

    The export read the trail before the history, so the trail holds the actions of committed
    tasks only; actions applied later (or still being written) come after its last entry.
    """
    last = max((entry.timeline_seq for entry in trail), default=0)
    later = {
        update.result.seq
        for run in runs
        for update in run.updates
        if update.result is not None and update.result.seq > last
    }
    return later | ({1} if last == 0 else set())


async def _replay(
    archive: _Archive,
    runs: list[RunHistory],
    history: list[ParsedRun],
    closed: bool,
    replayer: HistoryReplayer,
) -> list[str]:
    """Replay against this build's code, unless the archive says this build cannot."""
    made_with = archive.code_version
    if made_with is not None and _version(made_with) > _version(CODE_VERSION):
        return [
            f"cannot replay: the archive was made by workflow code {made_with}, and this build "
            f"has {CODE_VERSION}; verify it with a release that has {made_with}"
        ]
    unknown = sorted({patch for run in history for patch in run.patches} - set(PATCHES))
    if unknown:
        return [
            f"cannot replay: the history took branches ({', '.join(unknown)}) of workflow code "
            f"this build ({CODE_VERSION}) does not have; verify it with the release that made "
            f"the archive ({made_with or 'unknown'})"
        ]
    if not runs:
        return []  # continuity says why there is no history
    return await replay_problems(runs if closed else without_task_in_flight(runs), replayer)


def _version(code_version: str) -> int:
    """`v4` → 4; an unrecognised version counts as newer than any."""
    digits = code_version.removeprefix("v")
    return int(digits) if digits.isdigit() else 1_000_000


def _document_problems(
    files: dict[str, bytes],
    case_id: str,
    entry: dict[str, Any],
    end: CaseView | None,
    trail: Sequence[AuditEntryPublic],
) -> list[str]:
    """Every document the case records is in the export's list, matched the store when it was
    exported, and (when contents were exported) is here with that SHA-256."""
    path = documents_path(case_id)
    data = files.get(path)
    if data is None:
        return [f"{path} is missing"]
    document, problem = _json(data, path)
    if problem is not None:
        return [problem]
    try:
        listed = {item["sha256"]: item for item in document["documents"]}
    except (KeyError, TypeError) as error:
        return [f"{path} is not a readable list of documents: {error!r}"]
    problems: list[str] = []
    for sha256, where in sorted(document_hashes(end, trail).items()):
        if sha256 not in listed:
            problems.append(f"document {sha256} ({where}) is not in {path}")
    included = bool(entry.get("documents_included"))
    for sha256, item in sorted(listed.items()):
        content = files.get(document_path(case_id, sha256))
        if not item.get("matches", False):
            problems.append(
                f"document {sha256}: the instance's store did not hold it when it was exported "
                f"({item.get('stored')})"
            )
        elif content is not None and _sha256(content) != sha256:
            problems.append(f"document {sha256}: its content hashes to {_sha256(content)}")
        elif content is None and included:
            problems.append(f"document {sha256} is not in the archive, whose export has contents")
    prefix = document_path(case_id, "")
    problems += [
        f"{name} is in the archive, but the case lists no such document"
        for name in sorted(files)
        if name.startswith(prefix) and name.removeprefix(prefix) not in listed
    ]
    return problems
