"""Which language to answer in: the caller's `Accept-Language`, else Bahasa Indonesia."""

from __future__ import annotations

import re

from babel import negotiate_locale

from api.messages.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Language

# RFC 9110 §12.5.4: a language range, then parameters, `q` (0 to 1) among them.
_RANGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
# "in" is Indonesian's code before ISO 639 changed it to "id"; old Java clients still send it.
_ALIASES = {"in": "id"}


def negotiate(accept_language: str | None) -> Language:
    """The catalogue language the caller prefers most (`en`, `en-US`, ...); Indonesian else."""
    chosen = negotiate_locale(
        preferred_ranges(accept_language or ""), LANGUAGES, sep="-", aliases=_ALIASES
    )
    for language in LANGUAGES:
        if chosen is not None and chosen.lower() == language:
            return language
    return DEFAULT_LANGUAGE


def preferred_ranges(accept_language: str) -> list[str]:
    """The header's language ranges, most preferred first (by `q`, then as listed).

    `*` and ranges with `q=0` name nothing to prefer; malformed entries are skipped.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept_language.split(",")):
        language_range, *params = (part.strip() for part in item.split(";"))
        if not _RANGE.fullmatch(language_range):
            continue
        weight = _weight(params)
        if weight is not None and weight > 0:
            ranked.append((-weight, index, language_range))
    return [language_range for _, _, language_range in sorted(ranked)]


def _weight(params: list[str]) -> float | None:
    weight = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            weight = float(value.strip())
        except ValueError:
            return None
        if not 0 <= weight <= 1:  # also NaN
            return None
    return weight
