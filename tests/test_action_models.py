"""Every action's body is a schema of its own: generated from the shipped guidelines, published in
OpenAPI with an example each, and validated strictly, every problem listed.

Pure: the OpenAPI document of the production app, the models and the payload parser, with no
Temporal. tests/test_api_contract.py takes the actions over HTTP with a generated client.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.action_examples import BERITA_ACARA_SHA256, EXAMPLES
from api.action_models import (
    ACTION_MODELS,
    UnlistedAction,
    action_kinds,
    build_action_models,
    validate_action,
)
from api.app import create_app
from api.problems import ApiProblem
from models.case import CaseFiling, DisputeRoute
from models.guidelines import default_guideline, shipped_guideline
from models.meetings import Meeting
from models.payloads import PAYLOADS, DocumentRef, DocumentType, PayloadError, parse_payload
from models.pedoman import Effect, Guideline, PayloadKind
from models.regions import load_regions
from models.roles import Actor, Role
from models.settings import get_settings
from models.state import (
    ActionRequest,
    AttachedDocument,
    CaseState,
    Clock,
    LegalOpinionThread,
    Proposal,
    ThreadStatus,
)
from models.time import Deadline, Limit
from tests.cases import ksdd_filing, ksdpk_filing, sinergi_filing
from workflows.institutions import INSTITUTION, ever_key
from workflows.refusals import Refusal
from workflows.rules import CaseRules
from workflows.starter import route_filing

DATA = Path(__file__).parent.parent / "models" / "data"
ACTIONS_PATH = "/v1/cases/{case_id}/actions"


def _shipped() -> list[Guideline]:
    # Read here from the files, not through the module under test.
    return [
        Guideline.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        for path in sorted(DATA.glob("pedoman-*.toml"))
    ]


def _kinds_by_action() -> dict[str, set[PayloadKind]]:
    kinds: dict[str, set[PayloadKind]] = {}
    for guideline in _shipped():
        for track in guideline.tracks:
            for stage in guideline.stages_for(track).values():
                for action in stage.actions:
                    kinds.setdefault(action.name, set()).add(action.payload)
        for action in guideline.common_actions:
            kinds.setdefault(action.name, set()).add(action.payload)
    return kinds


def _default_kinds(action: str) -> set[PayloadKind]:
    guideline = default_guideline()
    return {a.payload for a in guideline.every_action() if a.name == action}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("openapi") / "data"
    document: dict[str, Any] = create_app(get_settings(data_dir=data_dir)).openapi()
    return document


def _body(document: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = document["paths"][ACTIONS_PATH]["post"]["requestBody"]
    content: dict[str, Any] = body["content"]["application/json"]
    return content


def test_every_shipped_action_is_in_the_discriminator_mapping(openapi: dict[str, Any]) -> None:
    kinds = _kinds_by_action()
    assert len(kinds) == 63  # 33 in 2026.1; 2026.2 adds 30 (pedoman.md §9)
    schema = _body(openapi)["schema"]
    assert schema["discriminator"]["propertyName"] == "action"
    mapping: dict[str, str] = schema["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(kinds)
    assert sorted(ref["$ref"] for ref in schema["oneOf"]) == sorted(mapping.values())
    components = openapi["components"]["schemas"]
    for action, ref in mapping.items():
        component = components[ref.removeprefix("#/components/schemas/")]
        assert component["properties"]["action"]["const"] == action
        assert component["additionalProperties"] is False
        assert "action" in component["required"]
        assert set(component["x-payload-kinds"]) == {kind.value for kind in kinds[action]}
        payload_fields = {name for kind in kinds[action] for name in PAYLOADS[kind].model_fields}
        assert set(component["properties"]) == {"action", "on_behalf_of"} | payload_fields


def test_each_action_has_an_example_its_model_and_the_case_accept(
    openapi: dict[str, Any],
) -> None:
    kinds = _kinds_by_action()
    assert sorted(EXAMPLES) == sorted(kinds)  # written for each, none made up from fields
    operation_examples = _body(openapi)["examples"]
    assert sorted(operation_examples) == sorted(kinds)
    components = openapi["components"]["schemas"]
    mapping = _body(openapi)["schema"]["discriminator"]["mapping"]
    for action, example in operation_examples.items():
        value = example["value"]
        assert value == {"action": action, **EXAMPLES[action].body}
        assert " / " in example["summary"], action  # Bahasa Indonesia / English
        component = components[mapping[action].removeprefix("#/components/schemas/")]
        assert component["examples"] == [value]
        taken = validate_action(json.loads(json.dumps(value)), ACTION_MODELS)
        assert type(taken).__name__ == mapping[action].rsplit("/", 1)[1]
        assert taken.payload() == EXAMPLES[action].body
        # The example is the default guideline's: a case pinned to it takes it as it is.
        for kind in _default_kinds(action):
            parse_payload(kind, taken.payload())  # raises if the case would refuse it


NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# A case of each kind an action needs: mandatory KSDD (order_takeover), each KSDPK route,
# SINERGI. The KSDD parties are the examples' (32.04, 32.73).
FILINGS: list[CaseFiling] = [
    ksdd_filing(mandatory=True),
    ksdd_filing("32", "33", mandatory=True),  # R2: the Minister takes over (D2)
    ksdpk_filing(DisputeRoute.MEDIATION),
    ksdpk_filing(DisputeRoute.ARBITRATION),
    ksdpk_filing(DisputeRoute.COURT),
    sinergi_filing(),
]


def _situations(action: str) -> Iterator[tuple[CaseRules, CaseState, Actor]]:
    """Every stage of every kind of case where `action` is defined, its clock running or
    paused, an agreement reported or not, a legal-opinion thread open; every kind of key."""
    guideline = default_guideline()
    deadline = Deadline(
        started_at=NOW,
        limit=Limit(amount=14, day_type="HK"),
        due_at=NOW + timedelta(days=20),
        due_date="2026-12-19",
        timezone="Asia/Jakarta",
        calendar_version="holidays-0.109",
    )
    for filing in FILINGS:
        rules = CaseRules(guideline, filing, route_filing(filing, guideline, load_regions()))
        keys = [
            Actor(key_id="op", role=Role.OPERATOR),
            *(Actor(key_id=p, role=Role.PARTY, scope=p) for p in rules.party_ids),
            Actor(key_id="gwpp", role=Role.GWPP, scope=rules.routing.gwpp_province or "32"),
            Actor(key_id="mendagri", role=Role.MINISTER),
            Actor(key_id="kejati", role=Role.PROSECUTOR, scope="32"),
            Actor(key_id="bani", role=Role.ADJUDICATOR),
            Actor(key_id="bani-scoped", role=Role.ADJUDICATOR, scope="BANI"),
        ]
        # What 2026.2's actions may require to have happened: every fact its actions record,
        # the institution conducting the case (D9), a berita acara on file (D11), and a meeting
        # scheduled in the stage (D10).
        recorded = {name: "recorded" for name in _recorded_facts(guideline)}
        recorded |= {INSTITUTION: "BANI", ever_key("BANI"): "tribunal_formation"}
        berita_acara = AttachedDocument(
            document=DocumentRef(
                name="BA.pdf",
                doc_type=DocumentType.BERITA_ACARA,
                sha256=BERITA_ACARA_SHA256,
                size=1,
            ),
            attached_at=NOW,
            attached_by=keys[0],
            stage="musyawarah",
            action="attach_document",
        )
        for stage in rules.stages.values():
            if rules.find(stage.name, action) is None:
                continue
            confirms = [a.confirms for a in stage.actions if a.effect is Effect.CONFIRM]
            reported = [
                Proposal(
                    action=str(confirmed),
                    proposed_by=rules.party_ids[0],
                    payload={},
                    confirmed_by=[rules.party_ids[0]],
                )
                for confirmed in confirms
            ]
            for paused in (None, NOW):
                for proposal in [None, *reported]:
                    state = CaseState(
                        case_id="PKD-2026-000001",
                        stage=stage.name,
                        filed_at=NOW,
                        filed_by=keys[0],
                        clock=Clock(stage=stage.name, deadline=deadline, paused_at=paused),
                        proposal=proposal,
                        recorded=recorded,
                        documents=[berita_acara],
                        meetings=[
                            Meeting(
                                number=1,
                                stage=stage.name,
                                scheduled_by=keys[0],
                                at=NOW,
                                place="Gedung Sate",
                                invitees=rules.party_ids,
                                agenda="Musyawarah",
                            )
                        ],
                        legal_opinions=[
                            LegalOpinionThread(  # asked by the first party, not yet disclosed
                                thread=1,
                                requested_by=keys[1],
                                requested_at=NOW,
                                stage=stage.name,
                                question="Apakah PKS/12/2024 tetap mengikat?",
                                deadline=deadline,
                                status=ThreadStatus.OPEN,
                                requester_party=rules.party_ids[0],
                                confidential=True,
                            )
                        ],
                    )
                    for key in keys:
                        yield rules, state, key


def _recorded_facts(guideline: Guideline) -> set[str]:
    return {a.records for a in guideline.every_action() if a.records is not None}


def test_each_example_is_accepted_by_the_case_rules() -> None:
    """Each action's example, as the case's validator checks it (stage, key, payload and what
    the payload names: the consenting parties, the legal-opinion thread), in some situation."""
    accepted = set()
    for action, example in EXAMPLES.items():
        request = {"action": action, **example.body}
        payload = validate_action(request, ACTION_MODELS).payload()
        for rules, state, key in _situations(action):
            try:
                rules.check(state, ActionRequest(action=action, actor=key, payload=payload))
            except Refusal:
                continue
            accepted.add(action)
            break
    assert sorted(accepted) == sorted(EXAMPLES)


def test_one_component_per_payload_kind_described_in_both_languages(
    openapi: dict[str, Any],
) -> None:
    components = openapi["components"]["schemas"]
    by_kind = {
        schema["x-payload-kind"]: name
        for name, schema in components.items()
        if "x-payload-kind" in schema
    }
    assert sorted(by_kind) == sorted(kind.value for kind in PayloadKind)
    assert len(by_kind) == 21  # 12 in 2026.1; 2026.2 adds 9
    for kind, name in by_kind.items():
        schema = components[name]
        assert schema["additionalProperties"] is False, kind
        assert " / " in schema["description"], kind
        for field, spec in schema["properties"].items():
            assert " / " in spec["description"], (kind, field)
            assert spec.get("examples") or "$ref" in str(spec), (kind, field)
    assert components["Decision"]["properties"]["number"]["description"] == (
        "Nomor keputusan / Decision number"
    )


def test_unknown_fields_are_bad_payload_with_every_problem_listed() -> None:
    body = {"action": "declare_deadlock", "reason": "x", "verdict": "menang", "hakim": "A"}
    with pytest.raises(ApiProblem) as refused:
        validate_action(body, ACTION_MODELS)
    problem = refused.value
    assert (problem.status, problem.code) == (422, "bad_payload")
    errors = problem.extra["errors"]
    assert [(e["in"], e["pointer"], e["code"]) for e in errors] == [
        ("body", "/reason", "string_too_short"),
        ("body", "/verdict", "extra_forbidden"),
        ("body", "/hakim", "extra_forbidden"),
    ]


def test_types_are_strict_as_the_schema_says() -> None:
    # A thread as text, a size as text: the schema says integer, and so does the validation.
    opinion = {**EXAMPLES["submit_legal_opinion"].body, "action": "submit_legal_opinion"}
    for body, pointer in [
        ({**opinion, "thread": "1"}, "/thread"),
        ({**opinion, "document": {**opinion["document"], "size": "10"}}, "/document/size"),
    ]:
        with pytest.raises(ApiProblem) as refused:
            validate_action(body, ACTION_MODELS)
        assert [e["pointer"] for e in refused.value.extra["errors"]] == [pointer]
        assert refused.value.extra["errors"][0]["code"] == "int_type"


def test_a_malformed_request_is_a_validation_error_with_its_payload_problems() -> None:
    # `on_behalf_of` is the request's, not the payload's: FastAPI's invalid_request lists it
    # with the rest of the request's problems.
    body = {"action": "add_note", "text": "", "on_behalf_of": "", "lampiran": 1}
    with pytest.raises(ValidationError) as invalid:
        validate_action(body, ACTION_MODELS)
    assert [(e["loc"], e["type"]) for e in invalid.value.errors()] == [
        (("on_behalf_of",), "string_too_short"),
        (("text",), "string_too_short"),
        (("lampiran",), "extra_forbidden"),
    ]
    for malformed, loc, kind in [
        (["add_note"], (), "dict_type"),
        ({"text": "Catatan"}, ("action",), "missing"),
        ({"action": 5}, ("action",), "string_type"),
    ]:
        with pytest.raises(ValidationError) as invalid:
            validate_action(malformed, ACTION_MODELS)
        assert [(e["loc"], e["type"]) for e in invalid.value.errors()] == [(loc, kind)]


def test_an_action_no_guideline_names_goes_to_the_case_as_sent() -> None:
    taken = validate_action(
        {"action": "approve_everything", "on_behalf_of": "32.73", "x": [1]}, ACTION_MODELS
    )
    assert isinstance(taken, UnlistedAction)
    assert (taken.action, taken.on_behalf_of, taken.payload()) == (
        "approve_everything",
        "32.73",
        {"x": [1]},
    )


def test_the_payload_goes_to_the_case_as_sent() -> None:
    # No defaults filled in: the request's fingerprint (idempotency) is of what was sent.
    document = {key: value for key, value in EXAMPLES["attach_document"].body.items()}
    del document["media_type"]
    sent = {"action": "submit_response", "summary": "Tanggapan", "document": document}
    taken = validate_action(sent, ACTION_MODELS)
    assert taken.payload() == {"summary": "Tanggapan", "document": document}
    assert taken.on_behalf_of is None


def test_an_action_whose_kind_changed_between_versions_takes_both() -> None:
    older = shipped_guideline("2026.1")
    data = older.model_dump(mode="json")
    data["version"] = "2026.9"
    for track in data["tracks"].values():
        for stage in track["stages"]:
            for action in stage["actions"]:
                if action["name"] == "declare_deadlock":
                    action["payload"] = "record"
    newer = Guideline.model_validate(data)
    kinds = action_kinds([older, newer])
    assert kinds["declare_deadlock"] == {
        PayloadKind.REASON: ["2026.1"],
        PayloadKind.RECORD: ["2026.9"],
    }
    assert kinds["add_note"] == {PayloadKind.NOTE: ["2026.1", "2026.9"]}
    model = build_action_models([older, newer])["declare_deadlock"]
    schema = model.model_json_schema()
    assert schema["required"] == ["action"]
    assert sorted(schema["properties"]) == [
        "action",
        "document",
        "on_behalf_of",
        "reason",
        "reference",
        "summary",
    ]
    assert schema["x-payload-kinds"] == {"reason": ["2026.1"], "record": ["2026.9"]}
    # Either version's payload passes here; the case's own validator checks its version's kind.
    for payload in ({"reason": "Buntu"}, {"reference": "BA-1"}):
        assert model.model_validate({"action": "declare_deadlock", **payload}).payload() == payload
    with pytest.raises(ValidationError):
        model.model_validate({"action": "declare_deadlock", "reason": "x"})
    with pytest.raises(ValidationError):
        model.model_validate({"action": "declare_deadlock", "verdict": "menang"})


def test_parse_payload_reports_every_problem() -> None:
    payload: dict[str, object] = {
        "number": "",
        "document": {"name": "BA.pdf", "doc_type": "bukan", "sha256": "00", "size": -1},
        "a/b~c": 1,
    }
    with pytest.raises(PayloadError) as refused:
        parse_payload(PayloadKind.DECISION, payload)
    error = refused.value
    # The first problem named as before: the case's refusal message is unchanged.
    assert str(error) == "payload.number: String should have at least 1 character"
    assert error.field == "number"
    assert [(e["in"], e["pointer"], e["code"]) for e in error.errors] == [
        ("body", "/number", "string_too_short"),
        ("body", "/summary", "missing"),
        ("body", "/document/doc_type", "enum"),
        ("body", "/document/sha256", "string_pattern_mismatch"),
        ("body", "/document/size", "greater_than_equal"),
        ("body", "/a~1b~0c", "extra_forbidden"),
    ]
    assert error.errors[0]["ctx"] == {"min_length": 1}
    assert json.loads(json.dumps(error.errors)) == error.errors  # travels through Temporal


def test_parse_payload_reports_at_most_a_hundred_problems() -> None:
    payload: dict[str, object] = {f"x{n}": n for n in range(250)}
    with pytest.raises(PayloadError) as refused:
        parse_payload(PayloadKind.NONE, payload)
    assert len(refused.value.errors) == 100
