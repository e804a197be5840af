"""The architecture's rules, as import-linter checks them (`[tool.importlinter]` in pyproject).

Each contract is checked on the project's real import graph; and each is shown to catch what it
forbids, on the same graph with one import added that breaks it (a rule that cannot fail would
pass here too).
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.domain.contract import Contract

PYPROJECT = Path(__file__).parent.parent / "pyproject.toml"
KINDS: dict[str, type[Contract]] = {
    "forbidden": ForbiddenContract,
    "independence": IndependenceContract,
}

# For each contract, an import that breaks it.
BREAKING = {
    "routes": ("api.routes.documents", "api.routes.cases"),
    "front-ends": ("api.cli.keys", "api.routes.cases"),
    "through-services": ("api.routes.cases", "workflows.starter"),
    "services": ("api.services.filing", "api.routes.cases"),
    "below-api": ("audit.export", "api.problems"),
    "models": ("models.case", "storage.database"),
    "workflows": ("workflows.reindex", "audit.verify"),
}


def _contracts() -> dict[str, Contract]:
    configuration = read_configuration(str(PYPROJECT))
    session = configuration["session_options"]
    return {
        options["id"]: KINDS[options["type"]](options["name"], session, options)
        for options in configuration["contracts_options"]
    }


def _graph() -> grimp.ImportGraph:
    roots = read_configuration(str(PYPROJECT))["session_options"]["root_packages"]
    return grimp.build_graph(*roots, cache_dir=None)


@pytest.fixture(scope="module")
def contracts() -> dict[str, Contract]:
    return _contracts()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return _graph()


def test_every_contract_has_a_breaking_import(contracts: dict[str, Contract]) -> None:
    assert sorted(contracts) == sorted(BREAKING)


def test_the_code_keeps_every_contract(
    contracts: dict[str, Contract], graph: grimp.ImportGraph
) -> None:
    broken = []
    for name, contract in contracts.items():
        check = contract.check(deepcopy(graph), verbose=False)
        if not check.kept:
            contract.render_broken_contract(check)  # printed: pytest shows it with the failure
            broken.append(name)
    assert broken == []


@pytest.mark.parametrize("contract_id", sorted(BREAKING))
def test_each_contract_catches_the_import_it_forbids(
    contracts: dict[str, Contract], graph: grimp.ImportGraph, contract_id: str
) -> None:
    importer, imported = BREAKING[contract_id]
    broken = deepcopy(graph)
    broken.add_import(importer=importer, imported=imported)
    assert not contracts[contract_id].check(broken, verbose=False).kept
