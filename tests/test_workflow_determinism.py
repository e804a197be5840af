"""Workflow code takes the same path on a first execution and on every replay: it never asks
whether it is replaying. What only a first execution could check (the pinned guideline's hash)
is checked before the case starts, in workflows/starter.py."""

from __future__ import annotations

import ast
from pathlib import Path

WORKFLOWS = Path(__file__).parent.parent / "workflows"


def replay_branches(source: str) -> list[int]:
    """The lines of a module that read `is_replaying` (however it was imported)."""
    tree = ast.parse(source)
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr == "is_replaying")
        or (isinstance(node, ast.Name) and node.id == "is_replaying")
        or (isinstance(node, ast.alias) and node.name.endswith("is_replaying"))
    ]
    return sorted(set(lines))


def test_no_workflow_module_branches_on_replaying() -> None:
    modules = sorted(WORKFLOWS.glob("*.py"))
    assert len(modules) > 10  # the package is there, not an empty glob
    found = {
        module.name: lines
        for module in modules
        if (lines := replay_branches(module.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_check_finds_each_way_of_asking() -> None:
    asked = """
from temporalio import workflow
from temporalio.workflow.unsafe import is_replaying
if not workflow.unsafe.is_replaying():
    pass
check = is_replaying
"""
    assert replay_branches(asked) == [3, 4, 6]
