"""Why an action is refused: one code per kind of refusal, each with a specific message."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RefusalCode(StrEnum):
    """Stable codes an API maps to HTTP statuses (409, 403, 422, ...)."""

    UNKNOWN_ACTION = "unknown_action"
    CASE_CLOSED = "case_closed"
    WRONG_STAGE = "wrong_stage"
    NOT_APPLICABLE = "not_applicable"
    WRONG_ROLE = "wrong_role"
    WRONG_SCOPE = "wrong_scope"
    BAD_PAYLOAD = "bad_payload"
    MISSING_CONFIRMATION = "missing_confirmation"
    ALREADY_DONE = "already_done"


class Refusal(Exception):
    """An action the case cannot take now; raised by the update validator."""

    def __init__(self, code: RefusalCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
