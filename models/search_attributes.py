"""Search attributes a case keeps up to date for Temporal's own UI (no personal data)."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
CASE_TYPE = SearchAttributeKey.for_keyword("CaseType")
CASE_FORUM = SearchAttributeKey.for_keyword("CaseForum")
CASE_PROVINCE = SearchAttributeKey.for_keyword_list("CaseProvince")
CASE_DUE_AT = SearchAttributeKey.for_datetime("CaseDueAt")
CASE_OVERDUE = SearchAttributeKey.for_bool("CaseOverdue")

ALL: tuple[SearchAttributeKey[Any], ...] = (
    CASE_STAGE,
    CASE_STATUS,
    CASE_TYPE,
    CASE_FORUM,
    CASE_PROVINCE,
    CASE_DUE_AT,
    CASE_OVERDUE,
)


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={key._metadata_type}"]
    return flags
