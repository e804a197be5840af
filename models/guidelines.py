"""The shipped guideline (models/data/), and pinning a guideline to its content hash."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from models.pedoman import Guideline, PinnedGuideline

DEFAULT_VERSION = "2026.1"


@cache
def default_guideline() -> Guideline:
    """The guideline shipped with the product (pedoman.md, version 2026.1)."""
    source = resources.files("models").joinpath("data", f"pedoman-{DEFAULT_VERSION}.toml")
    return Guideline.model_validate(tomllib.loads(source.read_text(encoding="utf-8")))


@cache
def default_pinned() -> PinnedGuideline:
    """The shipped guideline with its hash, computed once per process."""
    return pin(default_guideline())


def pin(guideline: Guideline) -> PinnedGuideline:
    """The guideline with its content hash, as a case carries it."""
    return PinnedGuideline(guideline=guideline, content_hash=guideline.content_hash())
