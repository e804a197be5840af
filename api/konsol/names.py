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
