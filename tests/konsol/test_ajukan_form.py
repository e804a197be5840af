"""The filing form as data: form fields ↔ CaseFiling, errors by field, region search, and the
forum explained in Indonesian."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import FormData, UploadFile

from api.konsol.filing_check import FormInvalid, problem_errors, to_filing
from api.konsol.filing_form import (
    FilingForm,
    field_of,
    from_filing,
    new_form,
    parse_form,
    pointer_parts,
)
from api.konsol.filing_preview import sketch_parties
from api.konsol.forum_text import explanation
from api.konsol.region_search import region_label, resolve_region, search_regions
from api.konsol.render import pesan
from api.problems import Unprocessable
from api.services.routing import PartySketch, preview_routing, route_codes
from models.case import CaseFiling, CaseType, DisputeRoute, PartyKind, Side
from models.forum import RoutingRule
from models.regions import load_regions
from tests.api_harness import ksdd_filing_json, ksdpk_filing_json


def ksdd_form(**changes: str) -> list[tuple[str, str]]:
    """A KSDD filing as the browser sends the form: Kabupaten Bandung v Kota Bandung."""
    fields = {
        "kunci_idempotensi": "k-1",
        "case_type": "KSDD",
        "title": "Perselisihan pengelolaan TPA regional",
        "agreement.object": "Pengelolaan TPA regional",
        "agreement.pks_number": "PKS/12/2024",
        "dispute.subject": "Pembagian biaya operasional",
        "parties.a1.side": "requesting",
        "parties.a1.kind": "daerah",
        "parties.a1.region_code": "32.04",
        "parties.b2.side": "responding",
        "parties.b2.kind": "daerah",
        "parties.b2.region_code": "Kota Bandung",
        # The request letter guideline 2026.2 requires (pedoman.md §9 D12).
        "request_letter.number": "000.1.5/123/Pem",
        "request_letter.date": "2026-02-02",
        "request_letter.signatory.name": "Ir. H. Dadang Supriatna",
        "request_letter.signatory.position": "Bupati Bandung",
    } | changes
    return [
        *fields.items(),
        ("sectors", "pelayanan_publik"),
        ("sectors", "infrastruktur"),
        ("dispute.categories", "pendanaan"),
        ("parties", "a1"),
        ("parties", "b2"),
    ]


def sent(items: list[tuple[str, str]]) -> FilingForm:
    """The form as the page reads it from what the browser sent."""
    pairs: list[tuple[str, str | UploadFile]] = list(items)
    return parse_form(FormData(pairs))


def refused(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The form's errors by field, as the page shows them."""
    with pytest.raises(FormInvalid) as invalid:
        to_filing(sent(items))
    return {name: [pesan(m) for m in messages] for name, messages in invalid.value.errors.items()}


def test_a_filled_form_is_the_filing_an_agency_would_send() -> None:
    filing = to_filing(sent(ksdd_form()))
    expected = ksdd_filing_json()
    expected["title"] = "Perselisihan pengelolaan TPA regional"
    expected["parties"][0]["name"] = "Kabupaten Bandung"
    expected["parties"][1]["name"] = "Kota Bandung"
    assert filing == CaseFiling.model_validate(expected)
    # A region typed by its exact name is that region; its kind is the region's.
    assert [(p.kind, p.region_code) for p in filing.parties] == [
        (PartyKind.KABUPATEN, "32.04"),
        (PartyKind.KOTA, "32.73"),
    ]


@pytest.mark.parametrize(
    "filing",
    [
        ksdd_filing_json(),
        ksdd_filing_json("32", "33"),
        ksdpk_filing_json("court"),
        {
            **ksdpk_filing_json("mediation"),
            "case_type": "KSDPK",
            "urusan": "Air minum",
            "parties": [
                {
                    "kind": "kota",
                    "side": "requesting",
                    "region_code": "32.73",
                    "name": "Pemerintah Kota Bandung",
                    "representative": "Sekretaris Daerah",
                    "power_of_attorney": "SK/1/2025",
                    "counsel": {"kind": "jpn", "name": "Kejari Bandung", "skk_number": "SKK-7"},
                },
                {
                    "kind": "kabupaten",
                    "side": "requesting",
                    "region_code": "32.04",
                    "name": "Kabupaten Bandung",
                },
                {
                    "kind": "badan_usaha",
                    "side": "responding",
                    "third_party_id": "NIB-8120000000001",
                    "name": "PT Tirta Sejahtera",
                    "counsel": {"kind": "private", "name": "Kantor Hukum A"},
                },
            ],
            "agreement": {
                "object": "Konsesi SPAM",
                "kb_number": "KB/3/2022",
                "kb_date": "2022-03-01",
                "pks_number": "PKS/9/2022",
                "pks_date": "2022-04-15",
                "term": "25 tahun",
                "dprd_approval_ref": "Kep DPRD 5/2022",
                "mandatory_cooperation": True,
                "dispute_clause": {
                    "route": "mediation",
                    "arbitration_allowed": True,
                    "musyawarah_days": 21,
                },
            },
            "dispute": {
                "subject": "Penyesuaian tarif",
                "categories": ["wanprestasi", "tafsir_klausul"],
                "amount_claimed": 1500000000,
                "relief_sought": "Tarif kembali",
                "public_service_impact": "Air bersih 40.000 rumah",
            },
        },
    ],
    ids=["ksdd-r1", "ksdd-r2", "ksdpk-court", "ksdpk-everything"],
)
def test_a_filing_comes_back_from_its_form(filing: dict[str, Any]) -> None:
    filed = CaseFiling.model_validate(filing)
    assert to_filing(from_filing(filed)) == filed


def test_rows_are_read_in_the_order_listed_and_unknown_ones_are_left_out() -> None:
    items = [
        *ksdd_form(),
        ("parties", "a1"),  # listed twice: once
        ("parties", "Bad Key"),  # not a key the form makes
        ("parties", "c3"),  # no side: not a row
        ("parties.c3.region_code", "33"),
        ("unknown", "x"),
    ]
    form = sent(items)
    assert [(row.key, row.side) for row in form.rows] == [
        ("a1", Side.REQUESTING),
        ("b2", Side.RESPONDING),
    ]
    assert "unknown" not in form.values
    assert form.idempotency_key == "k-1" and not form.force


def test_a_party_key_files_as_the_first_requesting_party() -> None:
    form = new_form(filer="32.04")
    assert [(row.side, form.party(row, "region_code")) for row in form.rows] == [
        (Side.REQUESTING, "32.04"),
        (Side.RESPONDING, ""),
    ]
    company = new_form(filer="NIB-8120000000001")
    first = company.rows[0]
    assert (company.party(first, "kind"), company.party(first, "third_party_id")) == (
        "badan_usaha",
        "NIB-8120000000001",
    )
    assert new_form().idempotency_key != new_form().idempotency_key


def test_rows_are_added_after_their_side_and_removed_with_their_values() -> None:
    form = sent(ksdd_form())
    added = form.add_row(Side.REQUESTING)
    assert [row.key for row in form.rows] == ["a1", added.key, "b2"]
    form.remove_row("b2")
    assert [row.key for row in form.rows] == ["a1", added.key]
    assert not [name for name in form.values if name.startswith("parties.b2.")]


def test_each_problem_is_said_at_its_field_once() -> None:
    errors = refused(
        ksdd_form(
            **{
                "title": "",
                "parties.b2.region_code": "99.99",
                "dispute.amount_claimed": "satu juta",
            }
        )
    )
    assert errors == {
        "title": ["Wajib diisi."],
        # Not also "kind: missing" and "name: missing": they follow from the region.
        "parties.b2.region_code": [
            "Tidak ada satu wilayah pun dengan kode atau nama “99.99”. Ketik sebagian namanya "
            "lalu pilih dari daftar."
        ],
        "dispute.amount_claimed": ["Tulis jumlah dalam rupiah tanpa sen, mis. 1.500.000."],
    }


def test_empty_choices_and_a_third_party_without_identity_are_named() -> None:
    items = ksdd_form(**{"parties.b2.kind": "badan_usaha"})
    items = [item for item in items if item[0] not in ("sectors", "dispute.categories")]
    errors = refused(items)
    assert errors == {
        "sectors": ["Pilih sekurang-kurangnya satu sektor."],
        "dispute.categories": ["Pilih sekurang-kurangnya satu kategori."],
        "parties.b2.third_party_id": [
            "Isi nomor identitas pihak: NIB badan usaha, NIK perorangan, atau nomor registrasi."
        ],
        "parties.b2.name": ["Wajib diisi."],
    }


def test_a_jakarta_administrative_city_is_not_a_party() -> None:
    errors = refused(ksdd_form(**{"parties.b2.region_code": "31.71"}))
    assert errors == {
        "parties.b2.region_code": [
            "Kota Administrasi Jakarta Pusat (31.71) adalah wilayah administratif, bukan daerah "
            "otonom; pihaknya provinsi Daerah Khusus Jakarta (31)."
        ]
    }


def test_parties_that_cannot_form_the_case_are_explained_in_indonesian() -> None:
    company = {
        "parties.b2.kind": "badan_usaha",
        "parties.b2.third_party_id": "NIB-1",
        "parties.b2.name": "PT Satu",
    }
    assert refused(ksdd_form(**company)) == {
        "parties": [
            "perkara ini tidak dapat diarahkan ke forum mana pun: para pihak perkara KSDD hanya "
            "daerah (provinsi, kabupaten, kota)"
        ]
    }
    # A KSDPK case needs its agreement's dispute clause: said at the clause.
    assert refused(ksdd_form(case_type="KSDPK", **company)) == {
        "agreement.dispute_clause.route": [
            "perkara ini tidak dapat diarahkan ke forum mana pun: perkara KSDPK memerlukan "
            "klausul penyelesaian perselisihan dalam perjanjiannya"
        ]
    }
    with_clause = {"agreement.dispute_clause.route": "arbitration"}
    filing = to_filing(sent(ksdd_form(case_type="KSDPK", **company, **with_clause)))
    assert filing.agreement.dispute_clause is not None
    assert filing.agreement.dispute_clause.route is DisputeRoute.ARBITRATION


def test_a_service_problem_is_shown_at_the_field_its_pointer_names() -> None:
    form = sent(ksdd_form())
    assert pointer_parts("/parties/1/region_code") == ["parties", "1", "region_code"]
    assert field_of(["parties", 1, "region_code"], form) == "parties.b2.region_code"
    assert field_of(["parties", 0, "counsel", "name"], form) == "parties.a1.counsel.name"
    assert field_of(["parties", 7, "name"], form) == "parties"
    assert field_of(["dispute", "categories", 0], form) == "dispute.categories"
    assert field_of([], form) == ""
    sketches = [
        PartySketch(Side.REQUESTING, PartyKind.KABUPATEN, "32.04"),
        PartySketch(Side.RESPONDING, PartyKind.KABUPATEN, "32.99"),
    ]
    with pytest.raises(Unprocessable) as unknown:
        preview_routing(CaseType.KSDD, sketches)
    errors = problem_errors(unknown.value, form)
    assert {name: [pesan(m) for m in said] for name, said in errors.items()} == {
        "parties.b2.region_code": ["tidak ada wilayah dengan kode 32.99"]
    }


def test_the_preview_sketch_skips_rows_not_yet_chosen() -> None:
    form = sent(ksdd_form(**{"parties.b2.region_code": "band"}))
    sketch = sketch_parties(form)
    assert [(p.side, p.kind, p.region_code) for p in sketch.parties] == [
        (Side.REQUESTING, PartyKind.KABUPATEN, "32.04")
    ]
    assert sketch.left_out == 1


def test_regions_are_found_by_code_or_by_the_start_of_their_words() -> None:
    by_code = search_regions("32.7")
    assert by_code.total == 9
    assert [region.code for region in by_code.regions] == [f"32.{n}" for n in range(71, 79)]
    assert [region_label(r) for r in search_regions("kab band").regions] == [
        "Kabupaten Bandung (32.04), Jawa Barat",
        "Kabupaten Bandung Barat (32.17), Jawa Barat",
    ]
    # The region named exactly comes before those whose names only begin so.
    assert [r.code for r in search_regions("bandung").regions] == ["32.04", "32.73", "32.17"]
    assert region_label(load_regions().get("32")) == "Provinsi Jawa Barat (32)"
    assert search_regions("  ").total == 0
    assert search_regions("zzz").total == 0


def test_a_region_is_resolved_only_when_the_text_names_exactly_one() -> None:
    assert str(resolve_region("32.04")) == "Kabupaten Bandung (32.04)"
    assert str(resolve_region("kota  bandung")) == "Kota Bandung (32.73)"
    assert resolve_region("Bandung") is None  # a kabupaten and a kota
    assert resolve_region("99.99") is None
    assert resolve_region("") is None


@pytest.mark.parametrize(
    ("codes", "rule", "said"),
    [
        (
            ["32.04", "32.73"],
            RoutingRule.R1,
            "Kabupaten Bandung (32.04) dan Kota Bandung (32.73) adalah kabupaten/kota di Jawa "
            "Barat (32), sehingga Gubernur Jawa Barat sebagai Wakil Pemerintah Pusat (GWPP) "
            "menyelesaikan perselisihan, dan Menteri Dalam Negeri bila GWPP tidak dapat "
            "menyelesaikannya (UU 23/2014 Pasal 370 ayat (1) dan (3); PP 28/2018 Pasal 8).",
        ),
        (
            ["32", "33"],
            RoutingRule.R2,
            "Jawa Barat (32) dan Jawa Tengah (33) adalah provinsi, sehingga Menteri Dalam Negeri "
            "menyelesaikan perselisihan (UU 23/2014 Pasal 370 ayat (2); PP 28/2018 Pasal 8).",
        ),
        (
            ["32.04", "32"],
            RoutingRule.R3,
            "Kabupaten Bandung (32.04) terletak di Jawa Barat (32), yang gubernurnya menjadi "
            "pihak sehingga tidak dapat bertindak sebagai GWPP, sehingga Menteri Dalam Negeri "
            "menyelesaikan perselisihan (UU 23/2014 Pasal 370 ayat (2); PP 28/2018 Pasal 8).",
        ),
        (
            ["32.04", "33.74"],
            RoutingRule.R5,
            "Kabupaten Bandung (32.04) dan Kota Semarang (33.74) terletak di provinsi yang "
            "berbeda, pasangan yang tidak diatur UU 23/2014 Pasal 370; menurut usulan bawaan "
            "pedoman, Menteri Dalam Negeri menyelesaikan perselisihan (PP 28/2018 Pasal 5 ayat "
            "(2) huruf b dan Pasal 8).",
        ),
        (
            ["32.04", "32.73", "33"],
            RoutingRule.R6,
            "Para pihak terdiri atas 3 daerah (32.04, 32.73, 33) yang mencakup provinsi atau "
            "lebih dari satu provinsi, sehingga Menteri Dalam Negeri menyelesaikan perselisihan "
            "(UU 23/2014 Pasal 370 ayat (2); PP 28/2018 Pasal 8).",
        ),
    ],
)
def test_the_forum_is_explained_for_these_parties(
    codes: list[str], rule: RoutingRule, said: str
) -> None:
    routing = route_codes(codes)
    assert routing.rule is rule
    assert explanation(routing, [load_regions().get(code) for code in codes]) == said
