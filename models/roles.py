"""Who may act: the roles of pedoman.md §2 and the actor behind every action."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Role(StrEnum):
    """A key's role (pedoman.md §2)."""

    OPERATOR = "operator"
    GWPP = "gwpp"
    MINISTER = "minister"
    PARTY = "party"
    PROSECUTOR = "prosecutor"
    ADJUDICATOR = "adjudicator"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Actor(BaseModel):
    """Who takes an action: the key, its role and scope, and on whose behalf."""

    key_id: str = Field(min_length=1, max_length=120)
    role: Role
    scope: str | None = Field(
        default=None,
        max_length=120,
        description="Province code (gwpp), region code or third-party id (party), "
        "region-code prefix (prosecutor), institution id (adjudicator, e.g. PN-BANDUNG); "
        "empty for national roles.",
    )
    on_behalf_of: str | None = Field(
        default=None,
        max_length=120,
        description="The party id an operator records this action for.",
    )
