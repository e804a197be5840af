"""The body of `POST /v1/cases/{id}/actions`: one model per action, a union on `action`.

The models are generated from the actions of every guideline the product ships
(`models/data/pedoman-*.toml`): each takes `action`, `on_behalf_of` and the fields of its payload
kind (models/payloads.py) side by side, and nothing else, so the OpenAPI document tells an
agency exactly what each action carries and a generated client gets a typed model per action.

An action name may take different payload kinds in different versions (a newer guideline may
ask more of `declare_deadlock`). Its model then takes the fields of all of them, each optional
unless every kind requires it, and says which version asks for which; the case's own validator,
which knows the version the case is pinned to, checks the exact kind.

Validation answers as the case would: a payload that does not fit its action is `bad_payload`
with every problem listed; a malformed request around it (no `action`, a bad `on_behalf_of`) is
`invalid_request`, with the rest of the request's problems. An action no shipped guideline
names is passed to the case, whose guideline decides: an older version's action is taken, any
other is refused as `unknown_action`, naming the actions of the case's stage.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from copy import copy
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from fastapi import FastAPI
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import models_json_schema

from api.action_examples import EXAMPLES, ActionExample
from api.messages.fields import relayed_problems
from api.problems import invalid_request
from models.payloads import PAYLOADS, PayloadError
from models.pedoman import Guideline, PayloadKind

SHIPPED_GUIDELINES = "pedoman-*.toml"
COMPONENTS = "#/components/schemas/{model}"
# The request's own fields; everything else in the body is the payload.
ENVELOPE = ("action", "on_behalf_of")


@cache
def shipped_guidelines() -> tuple[Guideline, ...]:
    """Every guideline version in the package, oldest first: those running cases may be on."""
    data = resources.files("models").joinpath("data")
    files = sorted(
        (entry for entry in data.iterdir() if _matches(entry.name)), key=lambda e: e.name
    )
    return tuple(
        Guideline.model_validate(tomllib.loads(entry.read_text(encoding="utf-8")))
        for entry in files
    )


def _matches(name: str) -> bool:
    prefix, suffix = SHIPPED_GUIDELINES.split("*")
    return name.startswith(prefix) and name.endswith(suffix)


def action_kinds(guidelines: Sequence[Guideline]) -> dict[str, dict[PayloadKind, list[str]]]:
    """Each action's payload kinds, with the versions that give it each one."""
    kinds: dict[str, dict[PayloadKind, list[str]]] = {}
    for guideline in guidelines:
        for action in guideline.every_action():
            versions = kinds.setdefault(action.name, {}).setdefault(action.payload, [])
            if guideline.version not in versions:
                versions.append(guideline.version)
    return dict(sorted(kinds.items()))


class TakenAction(BaseModel):
    """An action of the pedoman with its payload's fields beside it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: str = Field(description="Tindakan / The action (pedoman.md §5–§6)")
    on_behalf_of: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        # No NUL: it would be recorded in the read model, which PostgreSQL then refuses forever.
        pattern=r"^[^\x00]+$",
        description="Atas nama pihak (khusus operator) / Operators only: the party this is "
        "recorded for",
        examples=["32.73"],
    )

    def payload(self) -> dict[str, Any]:
        """The payload's fields as they were sent, for the case's workflow."""
        return self.model_dump(mode="json", exclude_unset=True, exclude=set(ENVELOPE))


class UnlistedAction(TakenAction):
    """An action no shipped guideline names, with whatever it carries: the case decides."""

    model_config = ConfigDict(extra="allow", frozen=True)

    action: str = Field(min_length=1, max_length=64)

    def payload(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def action_model(
    name: str, kinds: dict[PayloadKind, list[str]], example: ActionExample
) -> type[TakenAction]:
    """The request model of action `name`, taking the fields of its payload kinds."""
    described = ", ".join(
        f"{PAYLOADS[kind].__name__} ({', '.join(versions)})" for kind, versions in kinds.items()
    )
    versions: dict[str, JsonValue] = {
        kind.value: [version for version in found] for kind, found in kinds.items()
    }
    action: Any = Literal[name]
    fields: dict[str, Any] = {
        field: (info.annotation, info) for field, info in _payload_fields(list(kinds)).items()
    }
    return create_model(
        _class_name(name),
        __base__=TakenAction,
        __doc__=f"{example.title}. Muatan / Payload: {described}.",
        __module__=__name__,
        # Config as class keywords: create_model takes no `__config__` beside a base.
        __cls_kwargs__={
            "json_schema_extra": {
                "examples": [{"action": name, **example.body}],
                "x-payload-kinds": versions,
            }
        },
        action=(action, Field(description="Tindakan / The action")),
        **fields,
    )


def _class_name(action: str) -> str:
    return "".join(part.capitalize() for part in action.split("_")) + "Action"


def _payload_fields(kinds: list[PayloadKind]) -> dict[str, FieldInfo]:
    """The fields of these payload kinds, together; optional unless every kind requires one."""
    models = [PAYLOADS[kind] for kind in kinds]
    names = dict.fromkeys(name for model in models for name in model.model_fields)
    fields: dict[str, FieldInfo] = {}
    for name in names:
        infos = [model.model_fields[name] for model in models if name in model.model_fields]
        info = copy(infos[0])
        if any(other.annotation != info.annotation for other in infos):
            # Different types under one name: each version's validator checks its own.
            info = FieldInfo(annotation=Any, description=info.description)
        required = len(infos) == len(models) and all(other.is_required() for other in infos)
        if not required and info.is_required():
            annotation: Any = info.annotation
            info.annotation = annotation | None
            info.default = None
        fields[name] = info
    return fields


def _example_from_fields(name: str, kinds: dict[PayloadKind, list[str]]) -> ActionExample:
    # A guideline's new action before it has an example of its own: its fields' examples.
    body: dict[str, Any] = {}
    for kind in kinds:
        for field, info in PAYLOADS[kind].model_fields.items():
            if info.is_required() and info.examples:
                body.setdefault(field, info.examples[0])
    return ActionExample(name, body)


def action_examples(guidelines: Sequence[Guideline]) -> dict[str, ActionExample]:
    """An example per action of these guidelines: its own, else made of its fields' examples."""
    return {
        name: EXAMPLES.get(name) or _example_from_fields(name, kinds)
        for name, kinds in action_kinds(guidelines).items()
    }


def build_action_models(guidelines: Sequence[Guideline]) -> dict[str, type[TakenAction]]:
    """A request model per action of these guidelines, by action name."""
    examples = action_examples(guidelines)
    return {
        name: action_model(name, kinds, examples[name])
        for name, kinds in action_kinds(guidelines).items()
    }


ACTION_MODELS = build_action_models(shipped_guidelines())


def validate_action(value: Any, models: dict[str, type[TakenAction]]) -> TakenAction:
    """The request as its action's model, strictly as the JSON it came as.

    Strict, so that the schema and the validation agree: `"2"` is no legal-opinion thread.
    """
    if not isinstance(value, dict):
        raise ValidationError.from_exception_data(
            "ActionRequest", [{"type": "dict_type", "loc": (), "input": value}]
        )
    model = models.get(value["action"]) if isinstance(value.get("action"), str) else None
    if model is None:
        return UnlistedAction.model_validate(value)
    try:
        return model.model_validate_json(json.dumps(value), strict=True)
    except ValidationError as error:
        if any(problem["loc"][:1] in [(name,) for name in ENVELOPE] for problem in error.errors()):
            raise  # the request around the payload is malformed: listed with its other problems
        refused = PayloadError.of(error)
        raise invalid_request(relayed_problems(refused.errors), "bad_payload") from None


def _validate(value: Any, handler: ValidatorFunctionWrapHandler) -> TakenAction:
    # The union documents the request; each action's own model validates it, so that errors
    # point into the body as sent, without the union's member name in their location.
    return validate_action(value, ACTION_MODELS)


if TYPE_CHECKING:
    ActionBody = TakenAction
else:
    ActionBody = Annotated[
        Union[tuple(ACTION_MODELS.values())],  # noqa: UP007 (built from a tuple of models)
        Discriminator("action"),
        WrapValidator(_validate),
    ]


def openapi_examples() -> dict[str, dict[str, Any]]:
    """The operation's examples: one per action, named by it."""
    return {
        name: {"summary": example.title, "value": {"action": name, **example.body}}
        for name, example in action_examples(shipped_guidelines()).items()
    }


@cache
def payload_kind_schemas() -> dict[str, Any]:
    """A JSON schema per payload kind, named as its model, for the OpenAPI components."""
    _, document = models_json_schema(
        [(model, "validation") for model in PAYLOADS.values()], ref_template=COMPONENTS
    )
    schemas: dict[str, Any] = document["$defs"]
    for kind, model in PAYLOADS.items():
        schemas[model.__name__]["x-payload-kind"] = kind.value
    return schemas


def document_payload_kinds(app: FastAPI) -> None:
    """Add a component per payload kind to the app's OpenAPI document.

    No operation takes a payload kind alone (each action's model has its fields), so FastAPI
    would not list them: an integrator reads there what each kind is.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema  # built, and completed, by the first call
        document = build()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in payload_kind_schemas().items():
            # DocumentRef is there already, as the type of every `document` field.
            components.setdefault(name, schema)
            if "x-payload-kind" in schema:
                components[name]["x-payload-kind"] = schema["x-payload-kind"]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
