"""A case's deadlines in local time: the zone of the office conducting the stage."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from api.schemas import DeadlinePublic
from models.case import CaseType
from models.forum import ForumKind
from models.pedoman import Guideline
from models.tables import CaseDeadline
from models.zones import LocalDue, conducting_zone, local_due, zone_named


def stage_due(
    guideline: Guideline,
    *,
    case_type: str,
    stage: str,
    forum: str,
    gwpp_province: str | None,
    due_at: datetime,
) -> LocalDue:
    """The stage clock's due instant in the zone of the office conducting `stage`."""
    zone = conducting_zone(
        guideline.stages_for(CaseType(case_type)).get(stage),
        forum=ForumKind(forum),
        gwpp_province=gwpp_province,
        default=guideline.timezone,
    )
    return local_due(due_at, zone)


def deadline_public(
    row: CaseDeadline,
    guideline: Guideline,
    *,
    case_type: str,
    forum: str,
    gwpp_province: str | None,
) -> DeadlinePublic:
    """A running clock as the API shows it, with its local time."""
    if row.clock == "stage":
        local = stage_due(
            guideline,
            case_type=case_type,
            stage=row.stage,
            forum=forum,
            gwpp_province=gwpp_province,
            due_at=row.due_at,
        )
    else:
        # A legal-opinion thread runs at the prosecutor's office, whose seat the case does not
        # record (pedoman.md §9 D7): the guideline's zone.
        local = local_due(row.due_at, zone_named(guideline.timezone))
    # A row projected before migration 0011 has no provisional years recorded (null).
    years = row.provisional_years or []
    fields = {**row.model_dump(), "provisional_years": years, **local_fields(local)}
    return DeadlinePublic.model_validate(fields)


def local_fields(local: LocalDue | None) -> dict[str, Any]:
    """The local-time fields of a deadline or a worklist row: all None without a clock."""
    if local is None:
        return dict.fromkeys(field.name for field in fields(LocalDue))
    return asdict(local)
