"""The services the front ends share answer as the JSON routes do: the same validation, the same
problems, the same routing; and the console's one-case export is an export like the CLI's."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from api.auth import Caller
from api.problems import ApiProblem, answer
from api.services.acting import parse_action
from api.services.audit import export_case
from api.services.backend import backend_of
from api.services.offline import verify_export
from api.services.routing import PartySketch, preview_routing
from models.case import CaseType, DisputeRoute, PartyKind, Side
from models.forum import ForumKind, RoutingRule
from models.guidelines import default_guideline
from models.regions import load_regions
from models.roles import Role
from tests.api_harness import Api
from tests.cases import ksdd_filing, ksdpk_filing
from workflows.starter import route_filing

ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
AUDITOR = Caller(key_id="0123456789ab", name="BPK", role=Role.AUDITOR, scope=None)


def _refusal(raw: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ApiProblem) as refused:
        parse_action(raw)
    body: dict[str, Any] = json.loads(bytes(answer(refused.value, None).body))
    return body


@ON_SQLITE
@pytest.mark.parametrize(
    "raw",
    [
        {"action": "declare_deadlock", "reason": "Buntu", "colour": "merah"},  # bad_payload
        {"action": "declare_deadlock"},  # bad_payload: its reason is missing
        {"reason": "Buntu"},  # invalid_request: no action
        {"action": "add_note", "text": "Catatan", "on_behalf_of": ""},  # invalid_request
    ],
)
async def test_parse_action_refuses_as_the_route_does(api: Api, raw: dict[str, Any]) -> None:
    response = await api.client.post(
        "/v1/cases/PKD-2026-000001/actions",
        json=raw,
        headers=api.headers(Role.OPERATOR, key="parse-1"),
    )
    assert response.status_code == 422
    served = response.json()
    served.pop("instance")
    assert _refusal(raw) == served


def test_parse_action_takes_a_valid_action_as_sent() -> None:
    body = parse_action({"action": "declare_deadlock", "reason": "Buntu", "on_behalf_of": "32.04"})
    assert (body.action, body.on_behalf_of, body.payload()) == (
        "declare_deadlock",
        "32.04",
        {"reason": "Buntu"},
    )


def _sketch(*parties: tuple[Side, PartyKind, str | None]) -> list[PartySketch]:
    return [PartySketch(side, kind, code) for side, kind, code in parties]


REQUESTING, RESPONDING = Side.REQUESTING, Side.RESPONDING


def test_the_preview_routes_as_filing_does() -> None:
    guideline, regions = default_guideline(), load_regions()
    ksdd = preview_routing(
        CaseType.KSDD,
        _sketch((REQUESTING, PartyKind.KABUPATEN, "32.04"), (RESPONDING, PartyKind.KOTA, "32.73")),
    )
    assert ksdd == route_filing(ksdd_filing(), guideline, regions)
    assert (ksdd.rule, ksdd.forum, ksdd.gwpp_province) == (RoutingRule.R1, ForumKind.GWPP, "32")
    ksdpk = preview_routing(
        CaseType.KSDPK,
        _sketch((REQUESTING, PartyKind.KOTA, "32.73"), (RESPONDING, PartyKind.BADAN_USAHA, None)),
        clause_route=DisputeRoute.MEDIATION,
    )
    assert ksdpk == route_filing(ksdpk_filing(DisputeRoute.MEDIATION), guideline, regions)
    assert (ksdpk.rule, ksdpk.clause_route) == (RoutingRule.R7, DisputeRoute.MEDIATION)


@pytest.mark.parametrize(
    ("case_type", "parties", "code", "pointer"),
    [
        # One party so far: what the rules say of it.
        (CaseType.KSDD, [(REQUESTING, PartyKind.KABUPATEN, "32.04")], "unroutable", "/parties"),
        # A code not picked yet, one no region has, one of no region's shape.
        (
            CaseType.KSDD,
            [(REQUESTING, PartyKind.KABUPATEN, "32.04"), (RESPONDING, PartyKind.KOTA, None)],
            "malformed_region_code",
            "/parties/1/region_code",
        ),
        (
            CaseType.KSDD,
            [(REQUESTING, PartyKind.KABUPATEN, "32.99"), (RESPONDING, PartyKind.KOTA, "32.73")],
            "unknown_region",
            "/parties/0/region_code",
        ),
        # A province's code for a kabupaten: the rules explain it.
        (
            CaseType.KSDD,
            [(REQUESTING, PartyKind.KABUPATEN, "32"), (RESPONDING, PartyKind.KOTA, "32.73")],
            "unroutable",
            "/parties",
        ),
        # A KSDPK case without the agreement's dispute clause.
        (
            CaseType.KSDPK,
            [(REQUESTING, PartyKind.KOTA, "32.73"), (RESPONDING, PartyKind.BADAN_USAHA, None)],
            "unroutable",
            "/parties",
        ),
    ],
)
def test_the_preview_refuses_as_the_route_query_does(
    case_type: CaseType,
    parties: list[tuple[Side, PartyKind, str | None]],
    code: str,
    pointer: str,
) -> None:
    with pytest.raises(ApiProblem) as refused:
        preview_routing(case_type, _sketch(*parties))
    problem = refused.value
    assert (problem.status, problem.code) == (422, code)
    assert [(e["in"], e["pointer"], e["code"]) for e in problem.extra["errors"]] == [
        ("body", pointer, code)
    ]


@ON_SQLITE
async def test_one_case_export_verifies_offline(api: Api, tmp_path: Path) -> None:
    case_id = await api.case((Role.OPERATOR, None, "accept_filing", {}))
    backend = backend_of(api.app)
    exported = await export_case(backend, AUDITOR, case_id)
    assert exported.name.startswith(f"mufakat-audit-{case_id}-")
    assert exported.name.endswith(".tar.gz")
    assert exported.case.missing == [] and exported.case.findings == []
    with tarfile.open(fileobj=io.BytesIO(exported.content)) as packed:
        names = sorted(name.split("/", 1)[1] for name in packed.getnames())
    assert names == sorted(
        [
            "manifest.json",
            "manifest.sig",
            "public-key.pem",
            *(
                f"{case_id}/{name}"
                for name in (
                    "case.json",
                    "case.sig",
                    "documents.json",
                    "history.json",
                    "trail.json",
                )
            ),
        ]
    )
    archive = tmp_path / exported.name
    archive.write_bytes(exported.content)
    report = await verify_export(archive, trusted=None, trusted_key_id=None)
    assert report.ok, report.model_dump_json(indent=2)
    assert [case.case_id for case in report.cases] == [case_id]


@ON_SQLITE
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.PARTY, Role.GWPP])
async def test_only_auditors_and_admins_export(api: Api, role: Role) -> None:
    case_id = await api.case()
    caller = Caller(key_id="0123456789ab", name="x", role=role, scope=None)
    with pytest.raises(ApiProblem) as refused:
        await export_case(backend_of(api.app), caller, case_id)
    assert (refused.value.status, refused.value.code) == (403, "wrong_role")
