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
    """An action the case cannot take now; raised by the update validator.

    `message_id` names the refusal's text in the API's message catalogue (api/messages), and
    `details` are its parameters: the API writes it in the caller's language. The workflow never
    reads the catalogue; its own `message`, for logs and Temporal, is the id and the values.
    Some details also reach the caller as they are (`stage`, `allowed`, `errors`).
    """

    def __init__(self, code: RefusalCode, message_id: str, **details: Any) -> None:
        self.code = code
        self.message_id = message_id
        self.details = details
        self.message = _plain(message_id, details)
        super().__init__(self.message)


def _plain(message_id: str, details: dict[str, Any]) -> str:
    # `errors` may list a hundred problems of a payload: its message's values name the first.
    values = ", ".join(f"{name}={value!r}" for name, value in details.items() if name != "errors")
    return f"{message_id} ({values})" if values else message_id
