"""What verifying a case found: named checks, each with exactly what failed and where."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class CheckName(StrEnum):
    """The checks a verification runs."""

    REPLAY = "replay"
    CONTINUITY = "continuity"
    STATE = "state"
    CHAIN = "chain"
    TRAIL = "trail"
    DOCUMENTS = "documents"
    # An exported archive's own (`mufakat audit verify-archive`): its files against its
    # manifest, and its Ed25519 signatures.
    MANIFEST = "manifest"
    SIGNATURE = "signature"


class Check(BaseModel):
    """One check: passed, or every problem it found."""

    name: CheckName
    ok: bool
    problems: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, name: CheckName, problems: list[str]) -> Check:
        """A check that passed when it found no problem."""
        return cls(name=name, ok=not problems, problems=problems)


class VerifyReport(BaseModel):
    """A case's verification: its history replayed and cross-checked with the read model."""

    case_id: str
    ok: bool = Field(description="True when every check passed.")
    guideline_version: str | None = Field(description="The guideline the case was pinned to.")
    guideline_hash: str | None = Field(description="Its content hash (SHA-256).")
    runs: int = Field(description="Workflow runs verified (continue-as-new adds one).")
    events: int = Field(description="History events across every run.")
    checks: list[Check]
