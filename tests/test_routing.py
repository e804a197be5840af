"""Forum routing R1 to R8 (pedoman.md §3) with real Kemendagri codes."""

from __future__ import annotations

from typing import Literal

import pytest

from api.messages.catalogue import explained, render
from models.case import CaseType, DisputeClause, DisputeRoute, Party, PartyKind, Side
from models.forum import ForumKind, Routing, RoutingRule
from models.pedoman import OpenQuestions
from models.regions import MalformedRegionCode, UnknownRegion, load_regions
from models.routing import RoutingError, route, route_regions

REGIONS = load_regions()
DEFAULTS = OpenQuestions()
ARBITRATION = DisputeClause(route=DisputeRoute.ARBITRATION, arbitration_allowed=True)


def region(code: str, side: Side = Side.RESPONDING) -> Party:
    found = REGIONS.get(code)
    return Party(kind=PartyKind(found.level), side=side, region_code=code, name=found.name)


def other(kind: PartyKind, party_id: str) -> Party:
    return Party(kind=kind, side=Side.RESPONDING, third_party_id=party_id, name=party_id)


def ksdd(*codes: str, r5_forum: Literal["minister", "gwpp"] = "minister") -> Routing:
    return route_regions(codes, regions=REGIONS, open_questions=OpenQuestions(r5_forum=r5_forum))


def routed(case_type: CaseType, *parties: Party, clause: DisputeClause | None = None) -> Routing:
    return route(case_type, parties, clause=clause, regions=REGIONS, open_questions=DEFAULTS)


def where(routing: Routing) -> tuple[RoutingRule, ForumKind, str | None]:
    return routing.rule, routing.forum, routing.gwpp_province


def said_in_both_languages(error: RoutingError) -> str:
    """The API's reason for the error: in English its own sentence, and a whole one in
    Indonesian (not the English standing in for a missing entry); the Indonesian returned."""
    reason = explained(error)
    assert render(reason, "en") == str(error)
    indonesian = render(reason, "id")
    assert indonesian != str(error) and "{" not in indonesian
    return indonesian


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (("32.04", "32.73"), (RoutingRule.R1, ForumKind.GWPP, "32")),
        (("93.01", "93.02"), (RoutingRule.R1, ForumKind.GWPP, "93")),
        (("32", "33"), (RoutingRule.R2, ForumKind.MINISTER, None)),
        (("96", "92"), (RoutingRule.R2, ForumKind.MINISTER, None)),
        (("32", "32.04"), (RoutingRule.R3, ForumKind.MINISTER, None)),
        (("32.04", "32"), (RoutingRule.R3, ForumKind.MINISTER, None)),
        (("32", "33.01"), (RoutingRule.R4, ForumKind.MINISTER, None)),
        (("91.03", "95"), (RoutingRule.R4, ForumKind.MINISTER, None)),
        (("32.75", "36.71"), (RoutingRule.R5, ForumKind.MINISTER, None)),
        (("32.04", "32.73", "32.01"), (RoutingRule.R6, ForumKind.GWPP, "32")),
        (("32.04", "32.73", "33.01"), (RoutingRule.R6, ForumKind.MINISTER, None)),
        (("32", "32.04", "32.73"), (RoutingRule.R6, ForumKind.MINISTER, None)),
        (("32", "33", "36"), (RoutingRule.R6, ForumKind.MINISTER, None)),
    ],
)
def test_region_pairs_and_groups(
    codes: tuple[str, ...], expected: tuple[RoutingRule, ForumKind, str | None]
) -> None:
    assert where(ksdd(*codes)) == expected


@pytest.mark.parametrize(
    ("codes", "gwpp_province"), [(("32.75", "36.71"), "36"), (("36.71", "32.75"), "32")]
)
def test_r5_gwpp_setting_sends_the_case_to_the_responding_partys_gwpp(
    codes: tuple[str, str], gwpp_province: str
) -> None:
    routing = ksdd(*codes, r5_forum="gwpp")
    assert where(routing) == (RoutingRule.R5, ForumKind.GWPP, gwpp_province)
    assert "r5_forum setting" in routing.explanation


def test_r5_setting_leaves_groups_and_same_province_pairs_alone() -> None:
    assert where(ksdd("32.75", "36.71", "33.01", r5_forum="gwpp"))[1] is ForumKind.MINISTER
    assert where(ksdd("32.04", "32.73", r5_forum="gwpp"))[0] is RoutingRule.R1


@pytest.mark.parametrize("clause_route", list(DisputeRoute))
def test_r7_third_party_follows_the_dispute_clause(clause_route: DisputeRoute) -> None:
    clause = DisputeClause(route=clause_route)
    company = other(PartyKind.BADAN_USAHA, "NIB-9120001234567")
    routing = routed(CaseType.KSDPK, region("32.04", Side.REQUESTING), company, clause=clause)
    assert where(routing) == (RoutingRule.R7, ForumKind.DISPUTE_CLAUSE, None)
    assert routing.clause_route is clause_route


@pytest.mark.parametrize(
    ("codes", "gwpp_province"),
    [(("32.04",), "32"), (("32",), None), (("32.04", "32.73"), "32"), (("32.04", "36.71"), None)],
)
def test_r8_sinergi_goes_to_the_minister_kabupaten_kota_via_their_gwpp(
    codes: tuple[str, ...], gwpp_province: str | None
) -> None:
    ministry = other(PartyKind.KEMENTERIAN_LEMBAGA, "kemen-pupr")
    parties = [region(code, Side.REQUESTING) for code in codes]
    routing = routed(CaseType.SINERGI, *parties, ministry)
    assert where(routing) == (RoutingRule.R8, ForumKind.MINISTER, gwpp_province)


def test_route_regions_matches_route_with_parties() -> None:
    parties = (region("32.04", Side.REQUESTING), region("32.73"))
    assert ksdd("32.04", "32.73") == routed(CaseType.KSDD, *parties)


@pytest.mark.parametrize(
    "routing",
    [
        ksdd("32.04", "32.73"),
        ksdd("32", "33"),
        ksdd("32", "32.04"),
        ksdd("32", "33.01"),
        ksdd("32.75", "36.71"),
        ksdd("32.75", "36.71", r5_forum="gwpp"),
        ksdd("32.04", "32.73", "32.01"),
        ksdd("32.04", "32.73", "33.01"),
        routed(
            CaseType.KSDPK,
            region("32.04", Side.REQUESTING),
            other(PartyKind.BADAN_USAHA, "pt-x"),
            clause=ARBITRATION,
        ),
        routed(
            CaseType.SINERGI,
            region("32.04", Side.REQUESTING),
            other(PartyKind.KEMENTERIAN_LEMBAGA, "kemen-x"),
        ),
    ],
    ids=lambda routing: f"{routing.rule.value}-{routing.forum.value}",
)
def test_explanation_is_one_sentence_citing_rule_and_law(routing: Routing) -> None:
    assert routing.explanation.startswith(f"{routing.rule.value}: ")
    assert routing.explanation.endswith(").")
    assert ". " not in routing.explanation
    assert "PP 28/2018 Pasal" in routing.explanation


def test_unknown_code_is_named() -> None:
    with pytest.raises(UnknownRegion, match=r"^unknown region code 99\.99$"):
        ksdd("32.04", "99.99")
    stray = Party(kind=PartyKind.KOTA, side=Side.RESPONDING, region_code="32.99", name="?")
    with pytest.raises(UnknownRegion, match=r"32\.99"):
        routed(CaseType.KSDD, region("32.04", Side.REQUESTING), stray)


def test_malformed_code_is_named() -> None:
    with pytest.raises(MalformedRegionCode, match=r"'3204x'"):
        ksdd("3204x", "32.73")


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (("32.04", "32.04"), "party 32.04 is listed twice"),
        (("32.04",), "at least two parties, got 1"),
        ((), "at least two parties, got 0"),
        (("31.71", "32.75"), "31.71.*not an autonomous region"),
    ],
)
def test_impossible_region_cases_are_refused(codes: tuple[str, ...], message: str) -> None:
    with pytest.raises(RoutingError, match=message) as refused:
        ksdd(*codes)
    said_in_both_languages(refused.value)


def test_party_kind_must_match_the_region() -> None:
    misnamed = Party(kind=PartyKind.KOTA, side=Side.RESPONDING, region_code="32.04", name="x")
    with pytest.raises(
        RoutingError, match=r"32\.04 .*is a kabupaten, but its party kind is kota"
    ) as refused:
        routed(CaseType.KSDD, region("32.73", Side.REQUESTING), misnamed)
    assert said_in_both_languages(refused.value) == (
        "wilayah 32.04 (Kabupaten Bandung) adalah kabupaten, tetapi jenis pihaknya kota"
    )


@pytest.mark.parametrize(
    ("case_type", "parties", "clause", "message"),
    [
        (
            CaseType.KSDD,
            (region("32.04", Side.REQUESTING), other(PartyKind.BADAN_USAHA, "pt-x")),
            None,
            "only regions",
        ),
        (
            CaseType.KSDPK,
            (region("32.04", Side.REQUESTING), other(PartyKind.BADAN_USAHA, "pt-x")),
            None,
            "dispute clause",
        ),
        (CaseType.KSDPK, (region("32.04", Side.REQUESTING), region("32.73")), ARBITRATION, "third"),
        (CaseType.SINERGI, (region("32.04", Side.REQUESTING), region("32")), None, "ministry"),
        (
            CaseType.KSDPK,
            (other(PartyKind.BADAN_USAHA, "pt-x"), other(PartyKind.PERORANGAN, "nik-1")),
            ARBITRATION,
            "at least one region",
        ),
        (CaseType.KSDD, (region("32.04"), region("32.73")), None, "requesting and a responding"),
    ],
)
def test_impossible_party_combinations_are_refused(
    case_type: CaseType, parties: tuple[Party, ...], clause: DisputeClause | None, message: str
) -> None:
    with pytest.raises(RoutingError, match=message) as refused:
        routed(case_type, *parties, clause=clause)
    said_in_both_languages(refused.value)
