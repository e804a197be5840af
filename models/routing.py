"""Forum routing: which forum decides once musyawarah fails (pedoman.md §3, rules R1 to R8)."""

from __future__ import annotations

from collections.abc import Sequence

from models.case import (
    GOVERNMENT_KINDS,
    REGION_KINDS,
    CaseType,
    DisputeClause,
    Party,
    PartyKind,
    Side,
)
from models.explained import Explained
from models.forum import ForumKind, Routing, RoutingRule
from models.pedoman import OpenQuestions
from models.regions import Region, RegionDirectory

MINISTER = "the Minister of Home Affairs"
GWPP_ESCALATION = "and the Minister of Home Affairs if the GWPP cannot resolve it"
GWPP_LAW = "UU 23/2014 Pasal 370(1), (3); PP 28/2018 Pasal 8"


class RoutingError(Explained, ValueError):
    """The parties cannot form a case that any rule routes: why, as a `routing.*` message."""


def route(
    case_type: CaseType,
    parties: Sequence[Party],
    *,
    clause: DisputeClause | None,
    regions: RegionDirectory,
    open_questions: OpenQuestions,
) -> Routing:
    """The forum for these parties and the rule (R1 to R8) that chooses it."""
    located = _located_parties(parties, regions)
    if case_type is CaseType.KSDPK:
        return _route_ksdpk(parties, clause)
    if case_type is CaseType.SINERGI:
        return _route_sinergi(parties, located)
    if len(located) < len(parties):
        raise RoutingError(
            "routing.ksdd_regions_only",
            "a KSDD case has only regions (provinsi, kabupaten, kota) as parties",
        )
    if len(located) > 2:
        return _route_many(located)
    return _route_pair(located, open_questions)


def route_regions(
    codes: Sequence[str], *, regions: RegionDirectory, open_questions: OpenQuestions
) -> Routing:
    """Route a KSDD case given only region codes: the first requests, the others respond."""
    parties: list[Party] = []
    for index, code in enumerate(codes):
        region = regions.get(code)
        parties.append(
            Party(
                kind=PartyKind(region.level),
                side=Side.REQUESTING if index == 0 else Side.RESPONDING,
                region_code=region.code,
                name=region.name,
            )
        )
    return route(
        CaseType.KSDD, parties, clause=None, regions=regions, open_questions=open_questions
    )


def _located_parties(
    parties: Sequence[Party], regions: RegionDirectory
) -> list[tuple[Party, Region]]:
    """Check the parties form a case, and pair each region party with its directory entry."""
    located = [
        (party, _region_of(party, regions)) for party in parties if party.kind in REGION_KINDS
    ]
    if len(parties) < 2:
        raise RoutingError(
            "routing.too_few_parties",
            f"a dispute needs at least two parties, got {len(parties)}",
            count=len(parties),
        )
    seen: set[str] = set()
    for party in parties:
        if party.party_id in seen:
            raise RoutingError(
                "routing.listed_twice",
                f"party {party.party_id} is listed twice",
                party=party.party_id,
            )
        seen.add(party.party_id)
    if not located:
        raise RoutingError(
            "routing.no_region",
            "a cooperation dispute needs at least one region as a party",
        )
    if {party.side for party in parties} != {Side.REQUESTING, Side.RESPONDING}:
        raise RoutingError("routing.sides", "a dispute needs a requesting and a responding party")
    return located


def _region_of(party: Party, regions: RegionDirectory) -> Region:
    # Party's own validator has already required a region_code of this shape.
    region = regions.get(str(party.region_code))
    if party.kind is not PartyKind(region.level):
        raise RoutingError(
            "routing.wrong_kind",
            f"region {region.code} ({region.name}) is a {region.level.value}, "
            f"but its party kind is {party.kind.value}",
            code=region.code,
            name=region.name,
            level=region.level.value,
            kind=party.kind.value,
        )
    if not region.is_autonomous:
        raise RoutingError(
            "routing.administrative",
            f"{region} is an administrative area, not an autonomous region: "
            f"the party is the province {region.province_code}",
            region=str(region),
            province=region.province_code,
        )
    return region


def _route_pair(located: list[tuple[Party, Region]], open_questions: OpenQuestions) -> Routing:
    (first_party, first), (_, second) = located
    if first.is_province and second.is_province:
        return _minister(RoutingRule.R2, f"{first} and {second} are provinces", "Pasal 370(2)")
    if first.is_province or second.is_province:
        province, other = (first, second) if first.is_province else (second, first)
        if other.province_code == province.code:
            reason = (
                f"{other} lies in {province}, whose governor is a party and so cannot be the GWPP"
            )
            return _minister(RoutingRule.R3, reason, "Pasal 370(2)")
        reason = f"{other} lies outside the province {province}"
        return _minister(RoutingRule.R4, reason, "Pasal 370(2)")
    if first.province_code == second.province_code:
        reason = f"{first} and {second} are kabupaten/kota of {_province(first)}"
        return _gwpp(RoutingRule.R1, first, reason)
    reason = f"{first} and {second} lie in different provinces, a pair UU 23/2014 Pasal 370 omits"
    if open_questions.r5_forum == "gwpp":
        # Two governors could claim the case; the responding party's GWPP hears it, as a civil
        # claim goes to the defendant's court (HIR Pasal 118(1)), so no requester picks its own.
        responding = first if first_party.side is Side.RESPONDING else second
        reason += "; the guideline's r5_forum setting sends it to the responding party's GWPP"
        return _gwpp(RoutingRule.R5, responding, reason, law=f"by analogy with {GWPP_LAW}")
    return Routing(
        rule=RoutingRule.R5,
        forum=ForumKind.MINISTER,
        explanation=f"R5: {reason}, so by the proposed default {MINISTER} resolves the dispute "
        "(PP 28/2018 Pasal 5(2)(b), 8).",
    )


def _route_many(located: list[tuple[Party, Region]]) -> Routing:
    found = [region for _, region in located]
    provinces = {region.province_code for region in found}
    if len(provinces) == 1 and not any(region.is_province for region in found):
        reason = f"all {len(found)} regions are kabupaten/kota of {_province(found[0])}"
        return _gwpp(RoutingRule.R6, found[0], reason)
    codes = ", ".join(region.code for region in found)
    reason = f"the {len(found)} regions ({codes}) include a province or span several provinces"
    return _minister(RoutingRule.R6, reason, "Pasal 370(2)")


def _route_ksdpk(parties: Sequence[Party], clause: DisputeClause | None) -> Routing:
    if not any(party.kind not in GOVERNMENT_KINDS for party in parties):
        raise RoutingError("routing.ksdpk_third_party", "a KSDPK case needs a third party")
    if clause is None:
        raise RoutingError(
            "routing.ksdpk_clause", "a KSDPK case needs the agreement's dispute clause"
        )
    return Routing(
        rule=RoutingRule.R7,
        forum=ForumKind.DISPUTE_CLAUSE,
        clause_route=clause.route,
        explanation="R7: a dispute between a region and a third party goes, after musyawarah, "
        f"to the route the agreement's dispute clause names: {clause.route.value} "
        "(PP 28/2018 Pasal 21).",
    )


def _route_sinergi(parties: Sequence[Party], located: list[tuple[Party, Region]]) -> Routing:
    if not any(party.kind is PartyKind.KEMENTERIAN_LEMBAGA for party in parties):
        raise RoutingError(
            "routing.sinergi_ministry",
            "a SINERGI case needs a ministry or agency (kementerian_lembaga)",
        )
    found = [region for _, region in located]
    provinces = {region.province_code for region in found}
    # Routing holds one channel: a province consults the Minister directly, and kabupaten/kota of
    # several provinces would each need their own GWPP.
    channel = found[0] if len(provinces) == 1 and not any(r.is_province for r in found) else None
    via = f", the kabupaten/kota through the GWPP of {_province(channel)}" if channel else ""
    return Routing(
        rule=RoutingRule.R8,
        forum=ForumKind.MINISTER,
        gwpp_province=channel.province_code if channel else None,
        explanation="R8: a dispute between a region and a ministry or agency goes to consultation "
        f"with {MINISTER} and the line ministry{via} (proposed, no procedure in law; "
        "PP 28/2018 Pasal 46; PP 12/2017 Pasal 5).",
    )


def _minister(rule: RoutingRule, reason: str, article: str) -> Routing:
    return Routing(
        rule=rule,
        forum=ForumKind.MINISTER,
        explanation=f"{rule.value}: {reason}, so {MINISTER} resolves the dispute "
        f"(UU 23/2014 {article}; PP 28/2018 Pasal 8).",
    )


def _gwpp(rule: RoutingRule, region: Region, reason: str, *, law: str = GWPP_LAW) -> Routing:
    return Routing(
        rule=rule,
        forum=ForumKind.GWPP,
        gwpp_province=region.province_code,
        explanation=f"{rule.value}: {reason}, so the governor of {_province(region)} as "
        f"representative of the central government (GWPP) resolves the dispute, {GWPP_ESCALATION} "
        f"({law}).",
    )


def _province(region: Region) -> str:
    return f"{region.province_name} ({region.province_code})"
