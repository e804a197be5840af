"""What the guideline's ids are called in Bahasa Indonesia: actions, closing states, forums,
case types, parties, document types and legal-opinion threads.

The guideline names its actions and states in stable English ids (`declare_deadlock`); the
console shows the words the pedoman uses. Every name is a catalogue text (`_()`), so an English
console can follow. An id this module does not know (an action a newer guideline adds) falls back
to the guideline's own Indonesian description, else to the id made readable: a new guideline
version needs no new code to be shown.
"""

from __future__ import annotations

from functools import cache

from api.action_models import shipped_guidelines
from api.konsol.texts import _
from models.regions import RegionCodeError, load_regions

ACTIONS = {
    "accept_filing": _("Terima permohonan"),
    "request_completion": _("Minta kelengkapan berkas"),
    "reject_out_of_scope": _("Tolak: di luar lingkup"),
    "resubmit": _("Serahkan kembali berkas"),
    "submit_response": _("Sampaikan tanggapan"),
    "report_agreement": _("Laporkan kesepakatan"),
    "confirm_agreement": _("Konfirmasi kesepakatan"),
    "declare_deadlock": _("Nyatakan musyawarah buntu"),
    "record_agreement": _("Catat kesepakatan"),
    "close_without_agreement": _("Tutup fasilitasi tanpa kesepakatan"),
    "declare_unable": _("Nyatakan tidak dapat menyelesaikan"),
    "issue_decision": _("Terbitkan keputusan"),
    "declare_failed": _("Nyatakan mediasi gagal"),
    "register_settlement": _("Daftarkan akta perdamaian"),
    "register_award": _("Daftarkan putusan arbitrase"),
    "record_settlement": _("Catat perdamaian dalam arbitrase"),
    "record_lapse": _("Catat arbitrase gugur"),
    "register_judgment": _("Daftarkan putusan pengadilan"),
    "refer_to_president": _("Teruskan kepada Presiden"),
    "sign_agreement": _("Tandatangani berita acara kesepakatan"),
    "confirm_implemented": _("Konfirmasi hasil telah dilaksanakan"),
    "report_non_compliance": _("Laporkan ketidakpatuhan"),
    "order_takeover": _("Perintahkan pengambilalihan"),
    "refer_to_execution": _("Teruskan ke eksekusi"),
    "terminate_cooperation": _("Akhiri kerja sama"),
    "request_legal_opinion": _("Minta pendapat hukum Kejaksaan"),
    "submit_legal_opinion": _("Sampaikan pendapat hukum"),
    "attach_document": _("Lampirkan dokumen"),
    "add_note": _("Tambah catatan"),
    "extend_deadline": _("Perpanjang tenggat"),
    "pause_clock": _("Hentikan sementara jam tenggat"),
    "resume_clock": _("Jalankan kembali jam tenggat"),
    "withdraw": _("Cabut permohonan"),
    # Guideline 2026.2 (pedoman.md §9).
    "schedule_meeting": _("Jadwalkan rapat"),
    "record_meeting": _("Catat hasil rapat"),
    "disclose_legal_opinion": _("Buka pendapat hukum kepada para pihak"),
    "object_to_decision": _("Ajukan keberatan atas keputusan"),
    "record_takeover_guidance": _("Catat pembinaan kerja sama wajib"),
    "record_takeover_evaluation": _("Catat evaluasi kerja sama wajib"),
    "propose_takeover": _("Usulkan pengambilalihan"),
    "approve_takeover": _("Setujui pengambilalihan"),
    "record_takeover": _("Catat pengambilalihan oleh Pemerintah Pusat"),
    "record_institution": _("Catat lembaga yang menangani"),
    "constitute_tribunal": _("Catat majelis arbitrase terbentuk"),
    "close_hearings": _("Tutup pemeriksaan arbitrase"),
    "issue_award": _("Catat putusan arbitrase dijatuhkan"),
    "apply_annulment": _("Ajukan pembatalan putusan arbitrase"),
    "accept_award": _("Terima putusan arbitrase"),
    "uphold_award": _("Catat pembatalan ditolak"),
    "annul_award": _("Catat putusan arbitrase dibatalkan"),
    "appeal_annulment": _("Banding ke Mahkamah Agung atas pembatalan"),
    "restore_award": _("Catat putusan MA: putusan arbitrase berlaku"),
    "confirm_annulment": _("Catat putusan MA: pembatalan dikuatkan"),
    "file_lawsuit": _("Daftarkan gugatan"),
    "order_mediation": _("Catat perintah mediasi hakim"),
    "declare_mediation_failed": _("Nyatakan mediasi pengadilan gagal"),
    "file_appeal": _("Ajukan banding"),
    "declare_final": _("Nyatakan putusan berkekuatan hukum tetap"),
    "close_on_final_judgment": _("Tutup: putusan tetap tanpa kewajiban"),
    "register_appeal_judgment": _("Daftarkan putusan banding"),
    "file_cassation": _("Ajukan kasasi"),
    "register_cassation_judgment": _("Daftarkan putusan kasasi"),
}

CLOSING_STATES = {
    "agreement": _("Kesepakatan para pihak"),
    "gwpp_decision": _("Keputusan GWPP"),
    "minister_decision": _("Keputusan Menteri"),
    "adr_settlement": _("Perdamaian melalui mediasi"),
    "arbitral_award": _("Putusan arbitrase"),
    "court_settlement": _("Akta perdamaian pengadilan"),
    "court_judgment": _("Putusan pengadilan"),
    "settled_in_arbitration": _("Perdamaian dalam arbitrase"),
    "lapsed": _("Gugur"),
    "withdrawn": _("Dicabut pemohon"),
    "incomplete": _("Berkas tidak dilengkapi"),
    "out_of_scope": _("Di luar lingkup"),
    "cooperation_terminated": _("Kerja sama diakhiri"),
    "takeover": _("Pengambilalihan"),
    "execution_referred": _("Diteruskan ke eksekusi"),
    "referred_to_president": _("Diteruskan kepada Presiden"),
    "award_annulled": _("Putusan arbitrase dibatalkan"),
}

# What binds the decision being carried out (pedoman.md §9 D13).
FINALITY = {
    "final_by_law": _("Final menurut undang-undang"),
    "final_by_guideline_proposed": _("Final menurut pedoman ini (usulan)"),
    "binding_by_guideline_proposed": _("Mengikat menurut pedoman (usulan)"),
    "open_to_objection": _("Masa keberatan terbuka"),
}

# A party's attendance at a meeting (pedoman.md §9 D10).
ATTENDANCE = {
    "hadir": _("Hadir"),
    "tidak_hadir": _("Tidak hadir"),
    "diwakili": _("Diwakili"),
}

# The Kejaksaan offices a legal opinion is asked of (pedoman.md §9 D7).
PROSECUTOR_OFFICES = {
    "kejari": _("Kejaksaan Negeri"),
    "kejati": _("Kejaksaan Tinggi"),
    "jam_datun": _("Jaksa Agung Muda Perdata dan Tata Usaha Negara (JAM Datun)"),
}

# A decision's legal form (pedoman.md §9 D12), and how it is signed for someone else.
LEGAL_FORMS = {
    "keputusan_gubernur_wpp": _("Keputusan Gubernur selaku Wakil Pemerintah Pusat"),
    "keputusan_mendagri": _("Keputusan Menteri Dalam Negeri"),
}
DELEGATIONS = {
    "none": _("Ditandatangani sendiri"),
    "a.n.": _("a.n. (atas nama)"),
    "u.b.": _("u.b. (untuk beliau)"),
}

CASE_TYPES = {
    "KSDD": _("Perselisihan antardaerah (KSDD)"),
    "KSDPK": _("Perselisihan daerah dengan pihak ketiga (KSDPK)"),
    "SINERGI": _("Perselisihan sinergi pusat dan daerah"),
}

SIDES = {"requesting": _("Pemohon"), "responding": _("Termohon")}

PARTY_KINDS = {
    "provinsi": _("Provinsi"),
    "kabupaten": _("Kabupaten"),
    "kota": _("Kota"),
    "kementerian_lembaga": _("Kementerian/lembaga"),
    "badan_usaha": _("Badan usaha"),
    "perorangan": _("Perorangan"),
    "organisasi": _("Organisasi"),
}

CLAUSE_ROUTES = {
    "mediation": _("mediasi"),
    "arbitration": _("arbitrase"),
    "court": _("Pengadilan Negeri"),
}

DOCUMENT_TYPES = {
    "berita_acara": _("Berita acara"),
    "notulen": _("Notulen"),
    "keputusan": _("Keputusan"),
    "putusan": _("Putusan"),
    "surat_kuasa": _("Surat kuasa"),
    "pendapat_hukum": _("Pendapat hukum"),
    "akta_perdamaian": _("Akta perdamaian"),
    "surat": _("Surat"),
    "lainnya": _("Lainnya"),
}

THREAD_STATUSES = {
    "open": _("Menunggu pendapat"),
    "submitted": _("Pendapat disampaikan"),
    "closed_with_case": _("Ditutup bersama perkara"),
}

SECTORS = {
    "pelayanan_publik": _("Pelayanan publik"),
    "investasi": _("Investasi"),
    "pengadaan_barang_jasa": _("Pengadaan barang/jasa"),
    "infrastruktur": _("Infrastruktur"),
    "aset": _("Aset"),
}

DISPUTE_CATEGORIES = {
    "wanprestasi": _("Wanprestasi"),
    "pendanaan": _("Pendanaan"),
    "aset_hasil": _("Aset dan hasil kerja sama"),
    "tafsir_klausul": _("Tafsir klausul"),
    "pergantian_pimpinan": _("Pergantian pimpinan daerah"),
    "perubahan_regulasi": _("Perubahan regulasi"),
    "kewenangan": _("Kewenangan"),
    "kerja_sama_wajib_tidak_dilaksanakan": _("Kerja sama wajib tidak dilaksanakan"),
    "force_majeure": _("Keadaan kahar"),
    "pailit_pihak_ketiga": _("Pihak ketiga pailit"),
    "batas_wilayah": _("Batas wilayah"),
}


def readable(identifier: str) -> str:
    """An id nobody named yet, readable: `record_lapse` → "Record lapse"."""
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def action_name(action: str, description: str = "") -> str:
    """An action as the console names it; a newer guideline's action by its own description."""
    named = ACTIONS.get(action)
    if named is not None:
        return named
    return description.rstrip(".") if description else readable(action)


def named(table: dict[str, str], identifier: str | None) -> str:
    """`identifier`'s name in `table`, else the id made readable; "—" for none."""
    if identifier is None:
        return "—"
    return table.get(identifier) or readable(identifier)


def region_name(code: str | None) -> str | None:
    """ "Kabupaten Bandung, Jawa Barat" for `32.04`; the province alone for `32`; None for a code
    the directory does not know (a third party's id)."""
    if code is None:
        return None
    try:
        region = load_regions().get(code)
    except RegionCodeError:
        return None
    return region.name if region.is_province else f"{region.name}, {region.province_name}"


def forum_name(forum: str, gwpp_province: str | None, clause_route: str | None) -> str:
    """Who decides after musyawarah: the GWPP of a province, the Minister, or the clause's route."""
    if forum == "gwpp":
        province = region_name(gwpp_province) or gwpp_province or ""
        return _("Gubernur %(province)s sebagai Wakil Pemerintah Pusat (GWPP)") % {
            "province": province
        }
    if forum == "minister":
        return _("Menteri Dalam Negeri")
    route = named(CLAUSE_ROUTES, clause_route) if clause_route else ""
    return _("Klausul penyelesaian sengketa: %(route)s") % {"route": route}


@cache
def stage_titles() -> dict[str, str]:
    """Each stage's title in the shipped guidelines (the newest's wins), in the pedoman's order:
    the opening, each track, the tail."""
    titles: dict[str, str] = {}
    for guideline in shipped_guidelines():
        tracks = [stage for track in guideline.tracks.values() for stage in track.stages]
        for stage in [*guideline.opening, *tracks, *guideline.tail]:
            titles[stage.name] = stage.title
    return titles
