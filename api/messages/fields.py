"""Each invalid part of a request, as an item of a 422's `errors`: where, what kind, and why.

An item is `{"in": "body" | "query" | "path" | "header" | "cookie", "pointer": RFC 6901 JSON
pointer inside that part, "code": pydantic's error type or one of this API's, "message"}`.
Its message is a `Message` until the answer is written in the caller's language: pydantic's
types are translated from `field.<type>` with the error's `ctx` as parameters, and pydantic's
own (English) message stands in for a type the catalogue does not know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from api.messages.catalogue import Message, msg

LOCATIONS = ("body", "query", "path", "header", "cookie")
# Context values pydantic writes as one string of quoted choices ("'a', 'b' or 'c'"); split,
# so each language joins them its own way.
_CHOICES = ("expected", "expected_tags")

# An item of `errors` (a TypedDict: `in` is a Python keyword).
ErrorItem = TypedDict("ErrorItem", {"in": str, "pointer": str, "code": str, "message": Message})


def field_problem(
    location: str, where: Sequence[str | int], code: str, message: Message
) -> ErrorItem:
    """One item of `errors`: the part of the request, the path inside it, the code, why."""
    return {"in": location, "pointer": json_pointer(where), "code": code, "message": message}


def json_pointer(where: Iterable[str | int]) -> str:
    """RFC 6901: `/parties/0/region_code`; empty for the whole part."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in where)


def summary(problems: Sequence[ErrorItem]) -> Message:
    """A 422's detail: how many problems, and the first of them."""
    first = problems[0]
    where = f"{first['in']} {first['pointer']}".rstrip()
    if len(problems) == 1:
        return msg("invalid_request.one", where=where, message=first["message"])
    return msg("invalid_request.many", count=len(problems), where=where, message=first["message"])


def field_message(code: str, ctx: Mapping[str, Any] | None, fallback: str) -> Message:
    """Why a value is invalid, from pydantic's error type and context (`field.<type>`)."""
    params: dict[str, object] = {}
    for name, value in (ctx or {}).items():
        params[name] = _choices(value) if name in _CHOICES and isinstance(value, str) else value
    return Message(f"field.{code}", params, fallback=fallback)


def validation_problems(errors: Sequence[Mapping[str, Any]], body: object) -> list[ErrorItem]:
    """FastAPI's request validation errors as `errors` items; `body` is the parsed body."""
    problems: list[ErrorItem] = []
    for error in errors:
        loc: list[str | int] = list(error.get("loc", ()))
        location = str(loc.pop(0)) if loc and loc[0] in LOCATIONS else "body"
        code = str(error.get("type", "value_error"))
        ctx: dict[str, Any] = dict(error.get("ctx") or {})
        if code == "json_invalid":
            # FastAPI puts the character where parsing failed in `loc`: a place in the text,
            # not in the document.
            ctx["position"] = loc[0] if loc else 0
            loc = []
        elif location == "body" and isinstance(body, dict | list):
            loc = _in_document(loc, body, missing=code == "missing")
        if code in ("union_tag_invalid", "union_tag_not_found") and "discriminator" in ctx:
            # Which value chose the wrong kind: the tag field, not the object around it.
            loc.append(str(ctx["discriminator"]).strip("'"))
        message = field_message(code, ctx, str(error.get("msg", "")))
        problems.append(field_problem(location, loc, code, message))
    return problems


def relayed_problems(items: Iterable[Mapping[str, Any]]) -> list[ErrorItem]:
    """`errors` items another component wrote (a refusal's), their messages in our languages."""
    problems: list[ErrorItem] = []
    for item in items:
        code = str(item.get("code", ""))
        message = field_message(code, item.get("ctx"), str(item.get("message", "")))
        problems.append(
            {
                "in": str(item.get("in", "body")),
                "pointer": str(item.get("pointer", "")),
                "code": code,
                "message": message,
            }
        )
    return problems


def _in_document(loc: list[str | int], document: object, *, missing: bool) -> list[str | int]:
    """`loc` as a path that exists in the document.

    pydantic names a union's member inside `loc` (the tag `add_note`, or a type such as `int`):
    those steps lead nowhere in the document, so they are left out. A last step that is not
    there is kept only when it is the missing field itself.
    """
    path: list[str | int] = []
    value = document
    for index, step in enumerate(loc):
        inside = _inside(value, step)
        if inside is not _NOWHERE:
            value = inside
        elif not (missing and index == len(loc) - 1 and isinstance(value, dict)):
            continue
        path.append(step)
    return path


_NOWHERE = object()


def _inside(value: object, step: str | int) -> object:
    """The value at `step` inside `value`, or _NOWHERE."""
    if isinstance(value, dict):
        return value.get(step, _NOWHERE)
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return _NOWHERE


def _choices(text: str) -> list[str]:
    # pydantic joins choices as "'a', 'b' or 'c'" (expected_tags without the "or").
    head, separator, last = text.rpartition(" or ")
    if not separator:
        return text.split(", ")
    return [*head.split(", "), last]
