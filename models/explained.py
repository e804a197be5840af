"""Errors the API writes in the caller's language: a message id and its values, not a sentence."""

from __future__ import annotations


class Explained(Exception):
    """An error naming its message in the API's catalogue (api/messages) and that message's values.

    models/ and workflows/ read no catalogue: they say which message and with what, and the API
    writes it in the caller's language. The error's own text (`str()`) stays an English
    sentence, for the command line and the logs; en.po says the same thing.
    """

    def __init__(self, message_id: str, text: str, **params: str | int) -> None:
        super().__init__(text)
        self.message_id = message_id
        self.params = params
