"""A guideline version as the service lists it: its content hash, whether it is shipped and the
current one, and when a case first used it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from models.pedoman import Guideline


class GuidelineVersion(BaseModel):
    """One guideline version, identified by its content hash."""

    version: str = Field(examples=["2026.1"])
    content_hash: str = Field(
        description="Hash isi pedoman / SHA-256 of the guideline's canonical JSON, "
        "which cases are pinned to.",
        examples=["9f2c0e1b7a4d5c3e8f6a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6"],
    )
    shipped: bool = Field(
        description="Pedoman bawaan / True for a guideline shipped with the product (every "
        "shipped version stays shipped: cases pinned to it keep running on it)."
    )
    current: bool = Field(
        description="Pedoman yang berlaku / True for the shipped guideline new cases are pinned to."
    )
    published_at: datetime | None = Field(
        description="Pertama kali dipakai perkara / When the read model first recorded it (a case "
        "was pinned to it); null for a shipped guideline until a case uses it."
    )


class GuidelineDocument(GuidelineVersion):
    """A guideline version with the full guideline."""

    guideline: Guideline
