"""What the filing form offers to choose, each choice named as the pedoman names it (§3, §7).

The values are the JSON API's (`models/case.py`); the labels are the console's words.
"""

from __future__ import annotations

from api.konsol.texts import _
from models.case import CaseType, Delegation, DisputeCategory, DisputeRoute, PartyKind, Sector

# A region party's kind (provinsi, kabupaten or kota) follows from the region chosen, so the
# form asks only whether a party is a region: this is that choice's value.
REGION = "daerah"

CASE_TYPES: list[tuple[str, str, str]] = [
    (
        CaseType.KSDD.value,
        _("KSDD: antar-daerah"),
        _("Perselisihan kerja sama antara provinsi, kabupaten atau kota."),
    ),
    (
        CaseType.KSDPK.value,
        _("KSDPK: daerah dengan pihak ketiga"),
        _("Perselisihan daerah dengan badan usaha, perorangan atau organisasi."),
    ),
    (
        CaseType.SINERGI.value,
        _("Sinergi pusat–daerah"),
        _("Perselisihan daerah dengan kementerian atau lembaga."),
    ),
]

SECTORS: list[tuple[str, str]] = [
    (Sector.PELAYANAN_PUBLIK.value, _("Pelayanan publik")),
    (Sector.INVESTASI.value, _("Investasi")),
    (Sector.PENGADAAN_BARANG_JASA.value, _("Pengadaan barang/jasa")),
    (Sector.INFRASTRUKTUR.value, _("Infrastruktur")),
    (Sector.ASET.value, _("Aset")),
]

CATEGORIES: list[tuple[str, str]] = [
    (DisputeCategory.WANPRESTASI.value, _("Wanprestasi (ingkar janji)")),
    (DisputeCategory.PENDANAAN.value, _("Pendanaan")),
    (DisputeCategory.ASET_HASIL.value, _("Aset dan hasil kerja sama")),
    (DisputeCategory.TAFSIR_KLAUSUL.value, _("Perbedaan tafsir klausul")),
    (DisputeCategory.PERGANTIAN_PIMPINAN.value, _("Pergantian pimpinan daerah")),
    (DisputeCategory.PERUBAHAN_REGULASI.value, _("Perubahan peraturan")),
    (DisputeCategory.KEWENANGAN.value, _("Kewenangan")),
    (
        DisputeCategory.KERJA_SAMA_WAJIB_TIDAK_DILAKSANAKAN.value,
        _("Kerja sama wajib tidak dilaksanakan"),
    ),
    (DisputeCategory.FORCE_MAJEURE.value, _("Keadaan kahar (force majeure)")),
    (DisputeCategory.PAILIT_PIHAK_KETIGA.value, _("Pihak ketiga pailit")),
    (DisputeCategory.BATAS_WILAYAH.value, _("Batas wilayah")),
]

PARTY_KINDS: list[tuple[str, str]] = [
    (REGION, _("Pemerintah daerah")),
    (PartyKind.KEMENTERIAN_LEMBAGA.value, _("Kementerian/lembaga")),
    (PartyKind.BADAN_USAHA.value, _("Badan usaha (swasta, BUMN, BUMD)")),
    (PartyKind.PERORANGAN.value, _("Perorangan")),
    (PartyKind.ORGANISASI.value, _("Organisasi")),
]
THIRD_PARTY_KINDS = frozenset(value for value, _label in PARTY_KINDS if value != REGION)

CLAUSES: list[tuple[str, str]] = [
    (DisputeRoute.MEDIATION.value, _("Mediasi (alternatif penyelesaian sengketa)")),
    (DisputeRoute.ARBITRATION.value, _("Arbitrase (BANI atau ad hoc)")),
    (DisputeRoute.COURT.value, _("Pengadilan negeri")),
]

COUNSEL_KINDS: list[tuple[str, str]] = [
    ("jpn", _("Jaksa Pengacara Negara (dengan SKK)")),
    ("private", _("Advokat/kuasa hukum swasta")),
]

SIDES = {"requesting": _("Pemohon"), "responding": _("Termohon")}

# How the request letter is signed for someone else (pedoman.md §9 D12); "" is in person.
DELEGATIONS: list[tuple[str, str]] = [
    (Delegation.ATAS_NAMA.value, _("a.n. (atas nama)")),
    (Delegation.UNTUK_BELIAU.value, _("u.b. (untuk beliau)")),
]

# Each field's label: the form's and the error summary's, so both say the same.
FIELD_LABELS = {
    "case_type": _("Jenis perkara"),
    "title": _("Judul perkara"),
    "sectors": _("Sektor"),
    "urusan": _("Urusan pemerintahan"),
    "request_letter.number": _("Nomor surat permohonan"),
    "request_letter.date": _("Tanggal surat permohonan"),
    "request_letter.signatory.name": _("Nama penanda tangan"),
    "request_letter.signatory.position": _("Jabatan penanda tangan"),
    "request_letter.signatory.delegation": _("Ditandatangani a.n./u.b."),
    "request_letter.signatory.for_official": _("Pejabat yang diwakili"),
    "parties": _("Para pihak"),
    "agreement.object": _("Objek kerja sama"),
    "agreement.kb_number": _("Nomor Kesepakatan Bersama (KB)"),
    "agreement.kb_date": _("Tanggal KB"),
    "agreement.pks_number": _("Nomor Perjanjian Kerja Sama (PKS)"),
    "agreement.pks_date": _("Tanggal PKS"),
    "agreement.term": _("Jangka waktu kerja sama"),
    "agreement.dprd_approval_ref": _("Persetujuan DPRD"),
    "agreement.mandatory_cooperation": _("Kerja sama wajib"),
    "agreement.dispute_clause.route": _("Jalur penyelesaian menurut klausul"),
    "agreement.dispute_clause.arbitration_allowed": _("Arbitrase boleh menyusul"),
    "agreement.dispute_clause.musyawarah_days": _(
        "Jangka musyawarah menurut perjanjian (hari kalender)"
    ),
    "dispute.subject": _("Pokok perselisihan"),
    "dispute.categories": _("Kategori perselisihan"),
    "dispute.amount_claimed": _("Nilai tuntutan (rupiah)"),
    "dispute.relief_sought": _("Yang dimohonkan"),
    "dispute.public_service_impact": _("Dampak pada pelayanan publik"),
}
PARTY_FIELD_LABELS = {
    "kind": _("Jenis pihak"),
    "region_code": _("Wilayah"),
    "third_party_id": _("Nomor identitas"),
    "name": _("Nama pihak"),
    "representative": _("Pejabat yang mewakili"),
    "power_of_attorney": _("Surat kuasa"),
    "counsel.kind": _("Kuasa hukum"),
    "counsel.name": _("Nama kuasa hukum"),
    "counsel.skk_number": _("Nomor SKK"),
}
