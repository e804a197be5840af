"""The message catalogue: complete in both languages, and every problem the API raises is in it."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Set as AbstractSet
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import api
import audit
import models
import storage
import workflows
from api.messages.catalogue import TEXTS, Message, msg, parameters, render, title
from api.messages.fields import relayed_problems, summary, validation_problems
from api.messages.language import negotiate, preferred_ranges
from api.problems import ApiProblem
from models.explained import Explained
from workflows.refusals import Refusal, RefusalCode

ROOT = Path(__file__).parent.parent
# Problem types the handlers choose from a table rather than a call with a literal code.
HANDLER_TYPES = {"not_found", "method_not_allowed", "bad_request", "invalid_request"}


def _sources(*packages: str) -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    }


@cache
def _problem_classes() -> frozenset[str]:
    for module in pkgutil.walk_packages(api.__path__, "api."):
        importlib.import_module(module.name)
    found: set[str] = set()
    pending: list[type] = [ApiProblem]
    while pending:
        cls = pending.pop()
        found.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return frozenset(found)


@cache
def _explained_classes() -> frozenset[str]:
    """The errors of models/, workflows/, audit/ and storage/ raised with their message id first
    (RoutingError, ArchiveDamaged)."""
    for package in (models, workflows, audit, storage):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: set[str] = set()
    pending: list[type] = [Explained]
    while pending:
        cls = pending.pop()
        if next(c for c in cls.__mro__ if "__init__" in vars(c)) is Explained:
            found.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return frozenset(found)


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _called(tree: ast.Module, names: AbstractSet[str], position: int) -> set[str]:
    """The literal (or module constant) argument at `position` of every call to `names`."""
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) <= position:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in names and (text := _text(node.args[position], constants)) is not None:
            found.add(text)
    return found


def _problem_types() -> set[str]:
    types = set(HANDLER_TYPES) | {code.value for code in RefusalCode}
    for tree in _sources("api").values():
        types |= _called(tree, _problem_classes(), 0)
        types |= _called(tree, {"problem", "invalid_request"}, 1)
    return types


def _message_ids() -> set[str]:
    ids: set[str] = set()
    for tree in _sources("api", "models", "workflows", "audit", "storage").values():
        ids |= _called(tree, {"msg"}, 0)
        ids |= _called(tree, {"Refusal"}, 1)
        ids |= _called(tree, _explained_classes(), 0)
    return ids


def _plain_details(tree: ast.Module, source: str) -> list[str]:
    """Problems raised with a plain string as detail: a text no catalogue can translate."""
    positions = {**dict.fromkeys(_problem_classes(), 1), "problem": 2, "field_problem": 3}
    positions["may_act"] = 2
    plain_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_plain(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in positions or len(node.args) <= positions[name]:
            continue
        detail = node.args[positions[name]]
        if _is_plain(detail) or (isinstance(detail, ast.Name) and detail.id in plain_names):
            found.append(f"{node.lineno}: {ast.get_source_segment(source, detail)}")
    return found


def _is_plain(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if not isinstance(node, ast.Call):
        return False
    # str(error), or a method of a text: f"...".rstrip()
    func = node.func
    return getattr(func, "id", None) == "str" or (
        isinstance(func, ast.Attribute) and _is_plain(func.value)
    )


# --- the catalogue ------------------------------------------------------------------------------


def test_every_message_is_in_both_languages_with_the_same_parameters() -> None:
    indonesian, english = TEXTS["id"], TEXTS["en"]
    assert sorted(indonesian) == sorted(english)
    assert len(indonesian) == 257
    for message_id, text in indonesian.items():
        assert text.strip() and english[message_id].strip(), message_id
        assert parameters(text) == parameters(english[message_id]), message_id


def test_every_problem_type_has_a_title_in_both_languages() -> None:
    types = _problem_types()
    assert {"unknown_case", "wrong_stage", "payload_too_large", "temporal-unreachable"} <= types
    missing = sorted(t for t in types if f"title.{t}" not in TEXTS["id"])
    assert missing == []


def test_every_message_the_code_names_is_in_the_catalogue() -> None:
    ids = _message_ids()
    assert {"wrong_stage", "missing_credentials", "bad_payload.fields"} <= ids
    assert {"routing.listed_twice", "archive_damaged.altered"} <= ids
    assert _explained_classes() == {"Explained", "RoutingError", "ArchiveDamaged"}
    missing = sorted(i for i in ids if i not in TEXTS["id"])
    assert missing == []


def test_problems_are_raised_with_catalogue_messages() -> None:
    plain = {
        str(path.relative_to(ROOT)): found
        for path, tree in _sources("api").items()
        if (found := _plain_details(tree, path.read_text(encoding="utf-8")))
    }
    assert plain == {}
    # The check sees a plain detail, however it is written.
    written = (
        'raise NotFound("unknown_case", f"there is no case {case_id}")\n'
        'detail = "a sentence"\nraise Conflict("case_closed", detail)\n'
        'raise NotFound("unknown_case", msg("unknown_case", case_id=case_id))\n'
    )
    assert _plain_details(ast.parse(written), written) == [
        '1: f"there is no case {case_id}"',
        "3: detail",
    ]


def test_a_list_is_joined_as_each_language_joins_one() -> None:
    stage = msg("wrong_stage", action="issue_decision", stage="musyawarah", allowed=["a", "b", "c"])
    assert render(stage, "id") == (
        "issue_decision tidak diizinkan pada tahap musyawarah; yang diizinkan di sini: a, b, dan c"
    )
    assert render(stage, "en") == (
        "issue_decision is not allowed in stage musyawarah; allowed here: a, b, and c"
    )
    either = msg("wrong_role.needs_role", needed=["operator", "admin"], role="auditor")
    assert render(either, "id") == (
        "ini memerlukan kunci berperan operator atau admin; kunci ini berperan auditor"
    )
    nothing = msg("unknown_action", action="x", stage="intake", allowed=[])
    assert render(nothing, "id").endswith("tindakannya: tidak ada")
    assert render(nothing, "en").endswith("the actions are: none")


def test_a_message_inside_a_message_is_in_the_same_language() -> None:
    names = [msg("dependency.temporal"), msg("dependency.read_model")]
    assert render(msg("not_ready", unavailable=names), "id") == (
        "tidak menjawab: Temporal dan basis data baca (read model)"
    )
    assert render(msg("not_ready", unavailable=names), "en") == (
        "not answering: Temporal and the read model"
    )


def test_what_the_catalogue_cannot_say_falls_back() -> None:
    # An id of another release, or a text missing a parameter: the fallback, else the template.
    assert render(Message("refusal.from_the_future", {}, fallback="as sent"), "id") == "as sent"
    assert render(Message("revoked_key", {}, fallback="as sent"), "en") == "as sent"
    assert render(msg("revoked_key"), "en") == "the API key {key_id} has been revoked"
    assert title("no_such_type", 404, "id") == "Tidak ditemukan"
    assert title("no_such_type", 418, "en") == "Internal error"


# --- Accept-Language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "id"),
        ("", "id"),
        ("en", "en"),
        ("EN", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr, en;q=0.5", "en"),
        ("fr, de;q=0.5", "id"),
        ("id;q=0.2, en;q=0.8", "en"),
        ("en;q=0.8, id", "id"),
        ("en;q=0", "id"),
        ("en;q=2", "id"),
        ("en;q=abc, *", "id"),
        ("*", "id"),
        ("in", "id"),
        ("zh-Hant-TW, en-GB;q=0.3", "en"),
    ],
)
def test_the_language_is_negotiated(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_ranges_are_ordered_by_weight_then_as_listed() -> None:
    assert preferred_ranges("fr;q=0.5, de, en;q=0.5, x y, es;q=0") == ["de", "fr", "en"]


# --- request validation -------------------------------------------------------------------------


def test_pointers_point_into_the_document_as_sent() -> None:
    body = {"action": "add_note", "text": "", "parties": [{"name": "x"}, {}], "a/b~c": 1}
    errors: list[dict[str, Any]] = [
        # A discriminated union names the member (`add_note`) in `loc`: not part of the body.
        {"type": "string_too_short", "loc": ("body", "add_note", "text"), "msg": "m"},
        {"type": "missing", "loc": ("body", "parties", 1, "region_code"), "msg": "Field required"},
        {"type": "int_parsing", "loc": ("body", "a/b~c"), "msg": "m"},
        {"type": "json_invalid", "loc": ("body", 11), "msg": "m", "ctx": {"error": "Expecting"}},
        {"type": "union_tag_invalid", "loc": ("body",), "msg": "m", "ctx": {
            "discriminator": "'action'", "tag": "x", "expected_tags": "'a', 'b'"}},
        {"type": "string_too_long", "loc": ("header", "Idempotency-Key"), "msg": "m",
         "ctx": {"max_length": 187}},
    ]  # fmt: skip
    problems = validation_problems(errors, body)
    assert [(p["in"], p["pointer"], p["code"]) for p in problems] == [
        ("body", "/text", "string_too_short"),
        ("body", "/parties/1/region_code", "missing"),
        ("body", "/a~1b~0c", "int_parsing"),
        ("body", "", "json_invalid"),
        ("body", "/action", "union_tag_invalid"),
        ("header", "/Idempotency-Key", "string_too_long"),
    ]
    assert [render(p["message"], "id") for p in problems][1:] == [
        "wajib diisi",
        "harus bilangan bulat",
        "bukan JSON yang sah (karakter ke-11)",
        "'action' bernilai 'x' tidak dikenal; yang dikenal: 'a' atau 'b'",
        "paling banyak 187 karakter",
    ]
    # The text without ctx cannot be filled: pydantic's own message stands in.
    assert render(problems[0]["message"], "id") == "m"
    assert render(summary(problems), "id") == (
        "permintaan tidak sah di 6 tempat; yang pertama di body /text: m"
    )


def test_pydantics_choices_are_joined_in_each_language() -> None:
    [problem] = validation_problems(
        [{"type": "enum", "loc": ("query", "level"), "msg": "Input should be 'a', 'b' or 'c'",
          "ctx": {"expected": "'a', 'b' or 'c'"}}],
        None,
    )  # fmt: skip
    assert render(problem["message"], "id") == "harus salah satu dari 'a', 'b', atau 'c'"
    assert render(problem["message"], "en") == "Input should be 'a', 'b', or 'c'"
    unknown = validation_problems(
        [{"type": "uuid_parsing", "loc": ("path", "x"), "msg": "m"}], None
    )
    assert render(unknown[0]["message"], "id") == "m"


def test_a_refusals_errors_are_written_in_the_callers_language() -> None:
    relayed = relayed_problems(
        [
            {"in": "body", "pointer": "/reason", "code": "missing", "message": "Field required"},
            {"in": "body", "pointer": "/reason", "code": "string_too_short",
             "message": "String should have at least 3 characters", "ctx": {"min_length": 3}},
            {"in": "body", "pointer": "/x", "code": "string_too_short", "message": "as sent"},
        ]
    )  # fmt: skip
    assert [render(p["message"], "id") for p in relayed] == [
        "wajib diisi",
        "paling sedikit 3 karakter",
        "as sent",  # no ctx came with it: the text cannot be filled
    ]
    assert render(relayed[1]["message"], "en") == "String should have at least 3 characters"


# --- refusals -----------------------------------------------------------------------------------


def test_a_refusal_carries_its_message_id_and_parameters() -> None:
    refusal = Refusal(RefusalCode.WRONG_STAGE, "wrong_stage", action="a", stage="s", allowed=[])
    assert (refusal.code, refusal.message_id) == (RefusalCode.WRONG_STAGE, "wrong_stage")
    assert refusal.details == {"action": "a", "stage": "s", "allowed": []}
    # What logs and Temporal show: the id and the values, no catalogue needed.
    assert refusal.message == "wrong_stage (action='a', stage='s', allowed=[])"
    assert str(refusal) == refusal.message
