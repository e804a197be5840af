"""A realistic example of every action of the shipped guidelines, as an agency would send it.

The case behind them is the harness's and the README's: Kabupaten Bandung (`32.04`) against Kota
Bandung (`32.73`) over the regional landfill TPA Legok Nangka, under PKS/12/2024, in Jawa Barat
(R1: the governor as GWPP, then the Minister). Each example is the body of `POST
/v1/cases/{id}/actions` without `action`; a test checks it fits its action's payload kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.payloads import EXAMPLE_DOCUMENT


@dataclass(frozen=True)
class ActionExample:
    """What the action is called (Indonesian / English) and a body that takes it."""

    title: str
    body: dict[str, Any] = field(default_factory=dict)


def _document(name: str, doc_type: str) -> dict[str, Any]:
    return {**EXAMPLE_DOCUMENT, "name": name, "doc_type": doc_type}


EXAMPLES: dict[str, ActionExample] = {
    # Common opening (pedoman.md §5)
    "accept_filing": ActionExample("Terima permohonan / Accept the filing"),
    "request_completion": ActionExample(
        "Minta kelengkapan berkas / Ask for the missing documents",
        {
            "missing": ["Salinan PKS Nomor PKS/12/2024", "Surat kuasa khusus"],
            "reason": "Lampiran perjanjian kerja sama belum disertakan.",
        },
    ),
    "reject_out_of_scope": ActionExample(
        "Tolak: bukan perselisihan kerja sama daerah / Reject as out of scope",
        {"reason": "Perselisihan timbul dari kerja sama dengan lembaga luar negeri."},
    ),
    "resubmit": ActionExample(
        "Serahkan kembali berkas yang dilengkapi / Resubmit the completed filing",
        {"summary": "Berkas dilengkapi dengan salinan PKS/12/2024 dan surat kuasa khusus."},
    ),
    "submit_response": ActionExample(
        "Sampaikan tanggapan tertulis / Submit the written response",
        {
            "summary": "Kota Bandung menolak pembagian biaya operasional 60:40 dan mengusulkan "
            "50:50.",
            "document": _document("Tanggapan Pemerintah Kota Bandung.pdf", "surat"),
        },
    ),
    # Musyawarah (KSDD, KSDPK)
    "report_agreement": ActionExample(
        "Laporkan kesepakatan musyawarah / Report an agreement",
        {"terms": "Biaya operasional TPA Legok Nangka dibagi 50:50 mulai Tahun Anggaran 2027."},
    ),
    "confirm_agreement": ActionExample(
        "Konfirmasi kesepakatan yang dilaporkan / Confirm the reported agreement"
    ),
    "declare_deadlock": ActionExample(
        "Nyatakan musyawarah buntu / Declare a deadlock",
        {"reason": "Tiga kali musyawarah tidak mencapai mufakat tentang pembagian biaya."},
    ),
    # Facilitation and decisions (GWPP, Minister, consultation)
    "record_agreement": ActionExample(
        "Catat kesepakatan hasil fasilitasi / Record the agreement reached",
        {
            "terms": "Para pihak sepakat membagi biaya operasional 50:50 dan meninjaunya "
            "setiap tahun.",
            "document": _document("Berita Acara Fasilitasi GWPP Jawa Barat.pdf", "berita_acara"),
        },
    ),
    "close_without_agreement": ActionExample(
        "Akhiri fasilitasi tanpa kesepakatan / Close the facilitation without agreement",
        {"reason": "Fasilitasi 30 hari kerja berakhir tanpa kesepakatan para pihak."},
    ),
    "declare_unable": ActionExample(
        "Nyatakan GWPP tidak dapat menyelesaikan / Declare the GWPP unable to resolve it",
        {"reason": "GWPP tidak dapat menyelesaikan perselisihan (UU 23/2014 Pasal 370(3))."},
    ),
    "issue_decision": ActionExample(
        "Terbitkan keputusan / Issue the decision",
        {
            "number": "100.3.3.2/Kep.45-Pem/2026",
            "summary": "Biaya operasional TPA Legok Nangka dibagi 50:50 mulai 2027.",
            "document": _document("Keputusan Gubernur 45-Pem 2026.pdf", "keputusan"),
        },
    ),
    "refer_to_president": ActionExample(
        "Laporkan kepada Presiden / Refer to the President",
        {"reason": "Rapat koordinasi antar-K/L tidak mencapai kesepakatan."},
    ),
    # KSDPK: mediation, arbitration, court
    "declare_failed": ActionExample(
        "Nyatakan mediasi gagal / Declare the mediation failed",
        {"reason": "Mediasi tidak menghasilkan kesepakatan tentang penyesuaian tarif."},
    ),
    "register_settlement": ActionExample(
        "Daftarkan akta perdamaian / Register the settlement",
        {"reference": "Akta Perdamaian 3/Pdt.G/2026/PN Bdg"},
    ),
    "register_award": ActionExample(
        "Daftarkan putusan arbitrase / Register the arbitral award",
        {
            "reference": "47012/III/ARB-BANI/2026",
            "summary": "Putusan BANI didaftarkan di Pengadilan Negeri Bandung.",
        },
    ),
    "record_settlement": ActionExample(
        "Catat perdamaian dalam arbitrase / Record a settlement in arbitration",
        {"reference": "Akta Perdamaian 47012/III/ARB-BANI/2026"},
    ),
    "record_lapse": ActionExample(
        "Catat arbitrase gugur / Record that the arbitration lapsed",
        {"reference": "Penetapan 47012/III/ARB-BANI/2026", "summary": "Permohonan gugur."},
    ),
    "register_judgment": ActionExample(
        "Daftarkan putusan berkekuatan hukum tetap / Register the final judgment",
        {"reference": "112/Pdt.G/2026/PN Bdg", "summary": "Putusan berkekuatan hukum tetap."},
    ),
    # Common tail
    "sign_agreement": ActionExample(
        "Tandatangani berita acara kesepakatan / Sign the agreement's berita acara",
        {"reference": "BA.07/Bina Adwil/2026"},
    ),
    "confirm_implemented": ActionExample(
        "Pastikan hasil telah dilaksanakan / Confirm it was carried out",
        {
            "reference": "Laporan pelaksanaan 045/123/Pem/2027",
            "summary": "Kedua daerah telah menganggarkan bagiannya dalam APBD 2027.",
        },
    ),
    "report_non_compliance": ActionExample(
        "Laporkan hasil tidak dilaksanakan / Report non-compliance",
        {"reason": "Kota Bandung belum menganggarkan bagian biayanya dalam APBD 2027."},
    ),
    "order_takeover": ActionExample(
        "Perintahkan pengambilalihan / Order the takeover",
        {
            "number": "100.3.3.2/Kep.12-Pem/2027",
            "summary": "Pengelolaan TPA regional diambil alih Pemerintah Daerah Provinsi.",
        },
    ),
    "refer_to_execution": ActionExample(
        "Ajukan eksekusi ke Pengadilan Negeri / Refer to execution",
        {"reference": "12/Pdt.Eks/2027/PN Bdg"},
    ),
    "terminate_cooperation": ActionExample(
        "Akhiri kerja sama / Terminate the cooperation",
        {
            "number": "100.3.3.2/Kep.13-Pem/2027",
            "summary": "PKS/12/2024 diakhiri karena kewajiban tidak dilaksanakan.",
        },
    ),
    # In every open stage (pedoman.md §6)
    "request_legal_opinion": ActionExample(
        "Minta pendapat hukum Kejaksaan / Request a legal opinion",
        {"question": "Apakah PKS/12/2024 tetap mengikat setelah pergantian kepala daerah?"},
    ),
    "submit_legal_opinion": ActionExample(
        "Sampaikan pendapat hukum / Submit the legal opinion",
        {
            "thread": 1,
            "opinion": "PKS/12/2024 tetap mengikat; pergantian kepala daerah tidak mengakhirinya.",
            "document": _document("Pendapat Hukum Kejati Jawa Barat.pdf", "pendapat_hukum"),
        },
    ),
    "attach_document": ActionExample(
        "Lampirkan dokumen / Attach a document", dict(EXAMPLE_DOCUMENT)
    ),
    "add_note": ActionExample(
        "Tambahkan catatan / Add a note",
        {"text": "Musyawarah kedua dijadwalkan 19 Maret 2026 di Kantor Bupati Bandung."},
    ),
    "extend_deadline": ActionExample(
        "Perpanjang tenggat / Extend the deadline",
        {
            "reason": "Para pihak menunggu hasil audit BPKP atas biaya operasional.",
            "consents": ["32.04", "32.73"],
        },
    ),
    "pause_clock": ActionExample(
        "Hentikan sementara jam tenggat / Pause the clock",
        {"reason": "Menunggu salinan PKS yang diminta dari Kota Bandung."},
    ),
    "resume_clock": ActionExample(
        "Lanjutkan jam tenggat / Resume the clock",
        {"reason": "Salinan PKS diterima pada 20 Maret 2026."},
    ),
    "withdraw": ActionExample(
        "Cabut permohonan / Withdraw the request",
        {"reason": "Para pihak telah berdamai di luar forum."},
    ),
}
