"""Where a case is decided once musyawarah fails (pedoman.md §3, rules R1–R8)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from models.case import DisputeRoute


class ForumKind(StrEnum):
    GWPP = "gwpp"
    MINISTER = "minister"
    DISPUTE_CLAUSE = "dispute_clause"


class RoutingRule(StrEnum):
    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"
    R6 = "R6"
    R7 = "R7"
    R8 = "R8"


class Routing(BaseModel):
    """The forum a case goes to, and the rule that produced it."""

    rule: RoutingRule
    forum: ForumKind
    gwpp_province: str | None = Field(
        default=None,
        description="The province whose GWPP is the forum (R1, R6) or the channel "
        "a kabupaten/kota consults through (R8).",
    )
    clause_route: DisputeRoute | None = Field(
        default=None, description="The route the agreement's dispute clause names (R7)."
    )
    explanation: str = Field(description="Why, in one sentence, citing the rule.")
