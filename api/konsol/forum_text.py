"""Why a case goes to its forum, said in Bahasa Indonesia for these parties.

The routing rules (models/routing.py) answer with the rule, the forum, the GWPP's province and the
clause's route, and an explanation in English for the JSON API and the logs. The console says the
same in the words of the pedoman (§3), from those fields and the parties' regions, so what a
person reads follows the recorded decision, never a second computation of it. (The forum's
own name is `names.forum_name`, as every screen shows it.)
"""

from __future__ import annotations

from collections.abc import Sequence

from api.konsol.texts import _
from models.case import DisputeRoute
from models.forum import ForumKind, Routing, RoutingRule
from models.regions import Region, RegionCodeError, load_regions

CLAUSE_WORDS = {
    DisputeRoute.MEDIATION: _("mediasi (alternatif penyelesaian sengketa)"),
    DisputeRoute.ARBITRATION: _("arbitrase (BANI atau ad hoc)"),
    DisputeRoute.COURT: _("pengadilan negeri"),
}
MINISTER_LAW = _("UU 23/2014 Pasal 370 ayat (2); PP 28/2018 Pasal 8")
GWPP_LAW = _("UU 23/2014 Pasal 370 ayat (1) dan (3); PP 28/2018 Pasal 8")


def explanation(routing: Routing, regions: Sequence[Region]) -> str:
    """Why this forum: the rule's reason for these parties' regions (in the parties' order)."""
    rule = routing.rule
    if rule is RoutingRule.R7:
        return _(
            "Perselisihan antara daerah dan pihak ketiga diselesaikan lebih dulu dengan "
            "musyawarah; bila gagal, melalui jalur yang disebut klausul penyelesaian "
            "perselisihan dalam perjanjian: {route} (PP 28/2018 Pasal 21)."
        ).format(route=CLAUSE_WORDS.get(routing.clause_route, "—") if routing.clause_route else "—")
    if rule is RoutingRule.R8:
        via = ""
        if routing.gwpp_province:
            via = _(", kabupaten/kota melalui GWPP {province}").format(
                province=_province_name(routing.gwpp_province)
            )
        return _(
            "Perselisihan antara daerah dan kementerian/lembaga diselesaikan melalui konsultasi "
            "dengan Menteri Dalam Negeri dan kementerian teknis{via} (usulan pedoman; belum ada "
            "prosedur dalam peraturan; PP 28/2018 Pasal 46; PP 12/2017 Pasal 5)."
        ).format(via=via)
    if len(regions) < 2:
        return ""
    first, second = str(regions[0]), str(regions[1])
    if rule is RoutingRule.R1:
        reason = _("{first} dan {second} adalah kabupaten/kota di {province}").format(
            first=first, second=second, province=_province(regions[0])
        )
        return _gwpp(reason, routing)
    if rule is RoutingRule.R2:
        reason = _("{first} dan {second} adalah provinsi").format(first=first, second=second)
        return _minister(reason)
    if rule in (RoutingRule.R3, RoutingRule.R4):
        province = next((region for region in regions if region.is_province), regions[0])
        other = next((region for region in regions if not region.is_province), regions[1])
        if rule is RoutingRule.R3:
            reason = _(
                "{other} terletak di {province}, yang gubernurnya menjadi pihak sehingga tidak "
                "dapat bertindak sebagai GWPP"
            )
        else:
            reason = _("{other} terletak di luar provinsi {province}")
        return _minister(reason.format(other=str(other), province=str(province)))
    if rule is RoutingRule.R5:
        reason = _(
            "{first} dan {second} terletak di provinsi yang berbeda, pasangan yang tidak diatur "
            "UU 23/2014 Pasal 370"
        ).format(first=first, second=second)
        if routing.forum is ForumKind.GWPP:
            reason += _(
                "; pengaturan pedoman (r5_forum) mengarahkannya ke GWPP provinsi pihak termohon"
            )
            law = _("dengan analogi {law}").format(law=GWPP_LAW)
            return _gwpp(reason, routing, law)
        return _(
            "{reason}; menurut usulan bawaan pedoman, Menteri Dalam Negeri menyelesaikan "
            "perselisihan (PP 28/2018 Pasal 5 ayat (2) huruf b dan Pasal 8)."
        ).format(reason=reason)
    # R6: three or more regions.
    if routing.forum is ForumKind.GWPP:
        reason = _("Semua {count} daerah adalah kabupaten/kota di {province}").format(
            count=len(regions), province=_province(regions[0])
        )
        return _gwpp(reason, routing)
    codes = ", ".join(region.code for region in regions)
    reason = _(
        "Para pihak terdiri atas {count} daerah ({codes}) yang mencakup provinsi atau lebih "
        "dari satu provinsi"
    ).format(count=len(regions), codes=codes)
    return _minister(reason)


def _minister(reason: str) -> str:
    return _("{reason}, sehingga Menteri Dalam Negeri menyelesaikan perselisihan ({law}).").format(
        reason=_capital(reason), law=MINISTER_LAW
    )


def _gwpp(reason: str, routing: Routing, law: str = GWPP_LAW) -> str:
    return _(
        "{reason}, sehingga Gubernur {province} sebagai Wakil Pemerintah Pusat (GWPP) "
        "menyelesaikan perselisihan, dan Menteri Dalam Negeri bila GWPP tidak dapat "
        "menyelesaikannya ({law})."
    ).format(reason=_capital(reason), province=_province_name(routing.gwpp_province), law=law)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _province(region: Region) -> str:
    return f"{region.province_name} ({region.province_code})"


def _province_name(code: str | None) -> str:
    if code is None:
        return "—"
    try:
        return load_regions().get(code).name
    except RegionCodeError:
        return code
