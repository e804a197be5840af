"""The contract as an agency meets it: a client generated from `/openapi.json` takes real actions.

`openapi-python-client` generates a package from the document the app serves over HTTP, once per
session and without the network; the tests import it and drive the production app, served by
uvicorn on a loopback port with the session's Temporal dev server, through its typed models:
a model per action, the accepted action and the refusals parsed into typed answers.
"""

from __future__ import annotations

import importlib
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NoReturn

import httpx
import pytest
import pytest_asyncio
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType

from api.action_examples import EXAMPLES
from api.app import create_app
from models.roles import Role
from models.settings import get_settings
from tests.api_harness import Api
from tests.rev2_paper import BERITA_ACARA
from tests.test_api_limits import over_http, serving

PACKAGE = "mufakat_agency_client"
# The contract, not the read model: one backend (the read model's own tests run on both).
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PROBLEM = "urn:mufakat:problem:"
BANDUNG, KOTA_BANDUNG = "32.04", "32.73"


@dataclass(frozen=True)
class Agency:
    """The generated package: its models, the take-action endpoint, and clients with a key."""

    models: ModuleType
    take: ModuleType
    clients: ModuleType

    async def client(
        self, api: Api, stack: AsyncExitStack, role: Role, scope: str | None = None
    ) -> Any:
        """A generated client with the key of this role and scope, open until `stack` closes."""
        client = self.clients.AuthenticatedClient(
            base_url=str(api.client.base_url),
            token=api.token(role, scope),
            raise_on_unexpected_status=True,
        )
        return await stack.enter_async_context(client)

    def action(self, name: str, **fields: Any) -> Any:
        """The action's generated model, from its documented example unless given fields."""
        model = getattr(self.models, "".join(p.capitalize() for p in name.split("_")) + "Action")
        if fields:
            return model(action=name, **fields)
        return model.from_dict({"action": name, **EXAMPLES[name].body})


@contextmanager
def offline() -> Iterator[None]:
    """Any attempt to reach the network fails the test."""

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(f"client generation tried the network: {args}")

    connect, lookup = socket.socket.connect, socket.getaddrinfo
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.getaddrinfo = refuse
    try:
        yield
    finally:
        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.getaddrinfo = lookup


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def agency(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Agency]:
    """A client package generated from the served `/openapi.json`, imported."""
    directory = tmp_path_factory.mktemp("agency")
    app = create_app(get_settings(data_dir=directory / "data"))
    async with (
        serving(app) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
    ):
        served = await http.get("/openapi.json")
    app.state.engine.dispose()
    assert served.status_code == 200, served.text
    source = directory / "openapi.json"
    source.write_bytes(served.content)
    output = directory / "client"
    config = Config.from_sources(
        # No post hooks: the generated code need not be formatted, and ruff need not be on PATH.
        ConfigFile(post_hooks=[], package_name_override=PACKAGE),
        MetaType.NONE,
        source,
        "utf-8",
        True,
        output / PACKAGE,
    )
    with offline():
        problems = generate(config=config)
    assert [(p.level, p.header, p.detail) for p in problems] == []
    sys.path.insert(0, str(output))
    try:
        yield Agency(
            models=importlib.import_module(f"{PACKAGE}.models"),
            take=importlib.import_module(
                f"{PACKAGE}.api.actions.take_v1_cases_case_id_actions_post"
            ),
            clients=importlib.import_module(f"{PACKAGE}.client"),
        )
    finally:
        sys.path.remove(str(output))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


async def _take(agency: Agency, client: Any, case_id: str, body: Any) -> Any:
    answer = await agency.take.asyncio_detailed(
        case_id, client=client, body=body, idempotency_key=str(uuid.uuid4())
    )
    return answer


# A KSDD case from filing to its close, each action sent with its documented example: who takes it.
JOURNEY: list[tuple[str, Role, str | None]] = [
    ("accept_filing", Role.OPERATOR, None),
    ("submit_response", Role.PARTY, KOTA_BANDUNG),
    ("extend_deadline", Role.OPERATOR, None),
    ("pause_clock", Role.OPERATOR, None),
    ("resume_clock", Role.OPERATOR, None),
    ("request_legal_opinion", Role.PARTY, BANDUNG),
    ("submit_legal_opinion", Role.PROSECUTOR, "32"),
    ("add_note", Role.PARTY, KOTA_BANDUNG),
    ("attach_document", Role.OPERATOR, None),
    ("report_agreement", Role.PARTY, BANDUNG),
    ("confirm_agreement", Role.PARTY, KOTA_BANDUNG),
    ("sign_agreement", Role.PARTY, BANDUNG),
    ("sign_agreement", Role.PARTY, KOTA_BANDUNG),
    ("confirm_implemented", Role.GWPP, "32"),
]


@ON_SQLITE
async def test_a_generated_client_takes_a_case_to_its_close(api: Api, agency: Agency) -> None:
    case_id = await api.case()
    async with over_http(api) as http, AsyncExitStack() as stack:
        stages, sent = [], []
        for name, role, scope in JOURNEY:
            client = await agency.client(http, stack, role, scope)
            body = agency.action(name)
            sent.append((name, {k: v for k, v in body.to_dict().items() if k != "action"}))
            answer = await _take(agency, client, case_id, body)
            assert answer.status_code == 200, (name, answer.content)
            taken = answer.parsed
            assert isinstance(taken, agency.models.ActionOut), name
            assert (taken.action, taken.duplicate) == (name, False)
            stages.append(taken.case.stage)
        assert stages == [
            "notice",
            *["musyawarah"] * 9,
            "agreement_recorded",
            "agreement_recorded",
            "implementation",
            "implementation",
        ]
        assert (taken.case.status, taken.case.closing_state) == ("closed", "agreement")
        timeline = (await http.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
        # The case records each payload as the typed model sent it (with its defaults).
        recorded = [(i["action"], i["payload"]) for i in timeline if i["action"]]
        assert [name for name, _ in recorded] == [name for name, _ in sent]
        for (name, payload), (_, kept) in zip(sent, recorded, strict=True):
            assert {field: kept[field] for field in payload} == payload, name
        assert dict(sent)["submit_legal_opinion"] == EXAMPLES["submit_legal_opinion"].body


@ON_SQLITE
async def test_the_generated_models_are_typed_and_refusals_are_specific(
    api: Api, agency: Agency
) -> None:
    case_id = await api.case(
        (Role.OPERATOR, None, "accept_filing", {}),
        (Role.PARTY, KOTA_BANDUNG, "submit_response", {"summary": "Tanggapan"}),
    )
    async with over_http(api) as http, AsyncExitStack() as stack:
        party = await agency.client(http, stack, Role.PARTY, BANDUNG)
        # The generated model's fields are the action's payload: `reason` is required.
        with pytest.raises(TypeError, match="reason"):
            agency.models.DeclareDeadlockAction(action="declare_deadlock")

        # Unknown fields and a short reason: refused together, each listed once.
        sent = agency.action("declare_deadlock", reason="x").to_dict()
        refused = await party.get_async_httpx_client().post(
            f"/v1/cases/{case_id}/actions",
            json={**sent, "putusan": "menang", "hakim": "A"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert refused.status_code == 422, refused.text
        problem = agency.models.Problem.from_dict(refused.json())
        assert problem.type_ == PROBLEM + "bad_payload"
        assert [(e.in_, e.pointer, e.code) for e in problem.errors] == [
            ("body", "/reason", "string_too_short"),
            ("body", "/putusan", "extra_forbidden"),
            ("body", "/hakim", "extra_forbidden"),
        ]

        # An action no guideline has: the case names what its stage allows this key.
        unknown = await party.get_async_httpx_client().post(
            f"/v1/cases/{case_id}/actions",
            json={"action": "approve_everything"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert unknown.status_code == 422, unknown.text
        assert unknown.json()["type"] == PROBLEM + "unknown_action"
        assert "declare_deadlock" in unknown.json()["allowed_actions"]

        # The same action, typed and valid, is accepted and moves the case to the GWPP.
        reason = "Tiga kali musyawarah tidak mencapai mufakat tentang pembagian biaya."
        # 2026.2 asks for the berita acara with it (§9 D11), typed as the API documents it.
        berita_acara = agency.models.DocumentRef.from_dict(BERITA_ACARA)
        deadlock = agency.action("declare_deadlock", reason=reason, document=berita_acara)
        answer = await _take(agency, party, case_id, deadlock)
        assert answer.status_code == 200, answer.content
        assert answer.parsed.case.stage == "gwpp_facilitation"
