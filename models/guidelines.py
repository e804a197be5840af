"""The shipped guidelines (models/data/), and pinning a guideline to its content hash.

Every version ever shipped stays shipped: a case pinned to it keeps running on it and its history
keeps replaying. New cases are pinned to `DEFAULT_VERSION`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from models.pedoman import Guideline, PinnedGuideline

# Oldest first; the last is the default for new cases.
SHIPPED_VERSIONS = ("2026.1", "2026.2")
DEFAULT_VERSION = SHIPPED_VERSIONS[-1]


class UnknownGuideline(ValueError):
    """A version that was never shipped with the product."""


@cache
def shipped_guideline(version: str) -> Guideline:
    """A guideline shipped with the product (pedoman.md; 2026.2 adds §9's revision)."""
    if version not in SHIPPED_VERSIONS:
        shipped = ", ".join(SHIPPED_VERSIONS)
        raise UnknownGuideline(f"guideline {version} is not shipped (shipped: {shipped})")
    source = resources.files("models").joinpath("data", f"pedoman-{version}.toml")
    return Guideline.model_validate(tomllib.loads(source.read_text(encoding="utf-8")))


def default_guideline() -> Guideline:
    """The guideline new cases are pinned to."""
    return shipped_guideline(DEFAULT_VERSION)


@cache
def shipped_pinned(version: str) -> PinnedGuideline:
    """A shipped guideline with its hash, computed once per process."""
    return pin(shipped_guideline(version))


def default_pinned() -> PinnedGuideline:
    """The default guideline with its hash."""
    return shipped_pinned(DEFAULT_VERSION)


def pin(guideline: Guideline) -> PinnedGuideline:
    """The guideline with its content hash, as a case carries it."""
    return PinnedGuideline(guideline=guideline, content_hash=guideline.content_hash())


def check_pinned(pinned: PinnedGuideline) -> None:
    """Refuse a pinned guideline whose content does not hash to the hash it claims.

    Checked before a case starts (never inside the workflow, where only a first execution could
    check it and a replay would have to skip it)."""
    actual = pinned.guideline.content_hash()
    if actual != pinned.content_hash:
        raise ValueError(
            f"guideline {pinned.guideline.version} is pinned to {pinned.content_hash} "
            f"but its content hashes to {actual}"
        )
