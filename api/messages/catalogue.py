"""The message catalogue: every problem's title and detail, by stable id, in each language.

Bahasa Indonesia (`id.po`) is the source language and the default; `en.po` is its English
translation. An entry's id is stable (`unknown_case`, `title.unknown_case`, `field.missing`);
its text names its parameters (`tidak ada perkara {case_id}`), filled by `str.format`. A list
is joined as the language joins one (`a, b, dan c`; `{name:or}` gives `a, b, atau c`), and a
parameter that is itself a `Message` is rendered in the same language. The .po files are read
when this module is first imported: a fresh checkout needs no build step.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from babel.lists import format_list
from babel.messages.pofile import read_po

from models.explained import Explained

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
DEFAULT_LANGUAGE: Language = "id"
# The id of what an empty list reads as ("tidak ada" / "none").
NOTHING = "list.none"

log = logging.getLogger("mufakat.api")


@dataclass(frozen=True)
class Message:
    """A catalogue entry to render: its id and parameters, and what to say if it is missing.

    `fallback` stands in where the catalogue has no such id or its text names a parameter not
    given (a workflow of another release, pydantic's message for a type not translated).
    """

    id: str
    params: Mapping[str, object] = field(default_factory=dict)
    fallback: str | None = None


def msg(message_id: str, /, **params: object) -> Message:
    """The catalogue's message `message_id` with these parameters."""
    return Message(message_id, params)


def explained(error: Explained) -> Message:
    """The message an error of models/ or workflows/ names (a `RoutingError`, ...); its own
    English text stands in only where this catalogue lacks the id."""
    return Message(error.message_id, error.params, fallback=str(error))


def read_catalogue(path: Path) -> dict[str, str]:
    """A .po file's entries as id → text; untranslated and fuzzy entries are left out."""
    with path.open("rb") as file:
        catalog = read_po(file, abort_invalid=True)
    return {
        str(entry.id): str(entry.string)
        for entry in catalog
        if entry.id and entry.string and not entry.fuzzy
    }


TEXTS: dict[Language, dict[str, str]] = {
    language: read_catalogue(Path(__file__).with_name(f"{language}.po")) for language in LANGUAGES
}


def render(text: Message, language: Language) -> str:
    """The message in this language."""
    template = TEXTS[language].get(text.id)
    if template is None:
        if text.fallback is None:
            log.warning("message %r is not in the %s catalogue", text.id, language)
        return text.fallback if text.fallback is not None else text.id
    try:
        return _Formatter(language).vformat(template, (), dict(text.params))
    except (KeyError, IndexError, ValueError) as error:
        if text.fallback is None:
            log.warning("message %r (%s) cannot be formatted: %r", text.id, language, error)
        return text.fallback if text.fallback is not None else template


def title(code: str, status: int, language: Language) -> str:
    """The title of problem type `code`: its own, else the one of its HTTP status."""
    texts = TEXTS[language]
    for key in (f"title.{code}", f"title.http_{status}"):
        if key in texts:
            return texts[key]
    log.warning("problem type %r has no title in the %s catalogue", code, language)
    return texts["title.http_500"]


def parameters(template: str) -> set[str]:
    """The names of the parameters a text uses."""
    return {name.split(".")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


class _Formatter(string.Formatter):
    """`str.format` that writes lists and nested messages in the language of the answer."""

    def __init__(self, language: Language) -> None:
        super().__init__()
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Message):
            return render(value, self.language)
        if isinstance(value, list | tuple):
            items = [self.format_field(item, "") for item in value]
            if not items:
                return render(Message(NOTHING), self.language)
            if format_spec == "or":
                return format_list(items, style="or", locale=self.language)
            return format_list(items, locale=self.language)
        return str(super().format_field(value, "" if format_spec == "or" else format_spec))
