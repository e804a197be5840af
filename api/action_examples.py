"""A realistic example of every action of the shipped guidelines, as an agency would send it.

The case behind them is the harness's and the README's: Kabupaten Bandung (`32.04`) against Kota
Bandung (`32.73`) over the regional landfill TPA Legok Nangka, under PKS/12/2024, in Jawa Barat
(R1: the governor as GWPP, then the Minister). Each example is the body of `POST
/v1/cases/{id}/actions` without `action`; a test checks it fits its action's payload kind in the
default guideline (2026.2): where an older version takes another kind, the OpenAPI document's
`x-payload-kinds` says which.
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


def _signatory(name: str, position: str, for_official: str | None = None) -> dict[str, Any]:
    if for_official is None:
        return {"name": name, "position": position}
    return {"name": name, "position": position, "delegation": "a.n.", "for_official": for_official}


# The berita acara of the second musyawarah, already attached to the case.
BERITA_ACARA_SHA256 = "5f2b9d0c3e7a41b8a6c4d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1"


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
        {
            "reason": "Tiga kali musyawarah tidak mencapai mufakat tentang pembagian biaya.",
            "berita_acara_sha256": BERITA_ACARA_SHA256,
        },
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
        {
            "reason": "Fasilitasi 30 hari kerja berakhir tanpa kesepakatan para pihak.",
            "document": _document("BA Fasilitasi III GWPP Jawa Barat.pdf", "berita_acara"),
        },
    ),
    "declare_unable": ActionExample(
        "Nyatakan GWPP tidak dapat menyelesaikan / Declare the GWPP unable to resolve it",
        {
            "reason": "GWPP tidak dapat menyelesaikan perselisihan (UU 23/2014 Pasal 370(3)).",
            "berita_acara_sha256": BERITA_ACARA_SHA256,
        },
    ),
    "issue_decision": ActionExample(
        "Terbitkan keputusan / Issue the decision",
        {
            "legal_form": "keputusan_gubernur_wpp",
            "number": "100.3.3.2/Kep.45-Pem/2026",
            "date": "2026-05-04",
            "signatory": _signatory("Dr. H. Ahmad Fauzi", "Gubernur Jawa Barat"),
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
        "Daftarkan putusan pengadilan / Register the court's judgment",
        {"reference": "112/Pdt.G/2026/PN Bdg", "summary": "Gugatan dikabulkan sebagian."},
    ),
    # KSDPK revision 2 (pedoman.md §9 D9, D14, D15): the institution, arbitration, the courts
    "record_institution": ActionExample(
        "Catat lembaga yang menangani / Record the institution conducting the case",
        {"institution": "BANI", "reference": "47012/III/ARB-BANI/2026"},
    ),
    "constitute_tribunal": ActionExample(
        "Catat majelis arbitrase terbentuk / Record the tribunal's formation",
        {"reference": "Penetapan Majelis 47012/III/ARB-BANI/2026"},
    ),
    "close_hearings": ActionExample(
        "Tutup pemeriksaan arbitrase / Close the hearings",
        {"reference": "BA Penutupan Pemeriksaan 47012/III/ARB-BANI/2026"},
    ),
    "issue_award": ActionExample(
        "Jatuhkan putusan arbitrase / Issue the arbitral award",
        {"reference": "Putusan 47012/III/ARB-BANI/2026"},
    ),
    "apply_annulment": ActionExample(
        "Ajukan pembatalan putusan arbitrase / Apply to annul the award",
        {"institution": "PN-BANDUNG", "reference": "5/Pdt.Sus-Arb/2026/PN Bdg"},
    ),
    "accept_award": ActionExample("Terima putusan arbitrase / Accept the award"),
    "uphold_award": ActionExample(
        "Tolak permohonan pembatalan / Uphold the award",
        {"reference": "5/Pdt.Sus-Arb/2026/PN Bdg", "summary": "Permohonan ditolak."},
    ),
    "annul_award": ActionExample(
        "Batalkan putusan arbitrase / Annul the award",
        {"reference": "5/Pdt.Sus-Arb/2026/PN Bdg", "summary": "Permohonan dikabulkan."},
    ),
    "appeal_annulment": ActionExample(
        "Banding atas pembatalan ke Mahkamah Agung / Appeal the annulment",
        {"reference": "Akta Permohonan Banding 1/Pdt.Sus-Arb/2026/PN Bdg"},
    ),
    "restore_award": ActionExample(
        "Catat putusan MA: putusan arbitrase berlaku / Record the MA restoring the award",
        {"reference": "88 B/Pdt.Sus-Arbt/2026"},
    ),
    "confirm_annulment": ActionExample(
        "Catat putusan MA: pembatalan dikuatkan / Record the MA confirming the annulment",
        {"reference": "89 B/Pdt.Sus-Arbt/2026"},
    ),
    "file_lawsuit": ActionExample(
        "Daftarkan gugatan / File the lawsuit",
        {"institution": "PN-BANDUNG", "reference": "112/Pdt.G/2026/PN Bdg"},
    ),
    "order_mediation": ActionExample(
        "Catat perintah mediasi / Record the order to mediate",
        {"reference": "Penetapan Mediasi 112/Pdt.G/2026/PN Bdg"},
    ),
    "declare_mediation_failed": ActionExample(
        "Nyatakan mediasi di pengadilan gagal / Declare the court mediation failed",
        {"reason": "Para pihak tidak mencapai kesepakatan tentang penyesuaian tarif."},
    ),
    "file_appeal": ActionExample(
        "Ajukan banding / File an appeal", {"reference": "Akta Banding 9/Pdt.G/2026/PN Bdg"}
    ),
    "register_appeal_judgment": ActionExample(
        "Daftarkan putusan banding / Register the appeal judgment",
        {"reference": "77/PDT/2027/PT BDG"},
    ),
    "file_cassation": ActionExample(
        "Ajukan kasasi / File for cassation", {"reference": "Akta Kasasi 3/Pdt.G/2026/PN Bdg"}
    ),
    "register_cassation_judgment": ActionExample(
        "Daftarkan putusan kasasi / Register the cassation judgment",
        {"reference": "901 K/Pdt/2027"},
    ),
    "declare_final": ActionExample(
        "Nyatakan putusan berkekuatan hukum tetap / Declare the judgment final",
        {"reference": "Surat Keterangan Berkekuatan Hukum Tetap 112/Pdt.G/2026/PN Bdg"},
    ),
    "close_on_final_judgment": ActionExample(
        "Tutup: putusan tetap tanpa kewajiban / Close on a final judgment with nothing to do",
        {"reference": "112/Pdt.G/2026/PN Bdg", "summary": "Gugatan ditolak seluruhnya."},
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
    "record_takeover_guidance": ActionExample(
        "Catat pembinaan sebelum pengambilalihan / Record the guidance given",
        {
            "reference": "005/1450/Pem tanggal 3 Agustus 2027",
            "summary": "GWPP membina Kota Bandung agar menganggarkan bagiannya dalam APBD-P 2027.",
        },
    ),
    "record_takeover_evaluation": ActionExample(
        "Catat evaluasi sebelum pengambilalihan / Record the evaluation",
        {
            "reference": "Laporan Evaluasi 700/88/Itprov/2027",
            "summary": "Kewajiban tetap tidak dilaksanakan setelah pembinaan.",
        },
    ),
    "propose_takeover": ActionExample(
        "Usulkan pengambilalihan kepada Menteri / Propose the takeover to the Minister",
        {
            "reference": "100.3.3.2/2210/Pem",
            "summary": "GWPP mengusulkan pengelolaan TPA regional diambil alih Provinsi.",
        },
    ),
    "approve_takeover": ActionExample(
        "Setujui pengambilalihan / Approve the takeover",
        {"reference": "100.3.3.2/5120/Bina Adwil", "summary": "Menteri menyetujui usulan GWPP."},
    ),
    "order_takeover": ActionExample(
        "Perintahkan pengambilalihan / Order the takeover",
        {
            "legal_form": "keputusan_gubernur_wpp",
            "number": "100.3.3.2/Kep.12-Pem/2027",
            "date": "2027-10-11",
            "signatory": _signatory("Dr. H. Ahmad Fauzi", "Gubernur Jawa Barat"),
            "summary": "Pengelolaan TPA regional diambil alih Pemerintah Daerah Provinsi.",
            "document": _document("Keputusan Gubernur 12-Pem 2027.pdf", "keputusan"),
        },
    ),
    "record_takeover": ActionExample(
        "Catat pengambilalihan oleh Pemerintah Pusat / Record the central government's takeover",
        {
            "legal_form": "keputusan_mendagri",
            "number": "100.3.3.2-1234 Tahun 2027",
            "date": "2027-10-18",
            "signatory": _signatory(
                "Dr. Safrizal ZA", "Direktur Jenderal Bina Administrasi Kewilayahan", "Menteri"
            ),
            "summary": "Kerja sama wajib diambil alih Pemerintah Pusat (PP 28/2018 Pasal 11(1)).",
            "document": _document("Kepmendagri 100.3.3.2-1234 2027.pdf", "keputusan"),
        },
    ),
    "refer_to_execution": ActionExample(
        "Ajukan eksekusi ke Pengadilan Negeri / Refer to execution",
        {
            "court": "Pengadilan Negeri Bandung",
            "register_number": "12/Pdt.Eks/2027/PN Bdg",
            "applied_on": "2027-09-01",
        },
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
        {
            "question": "Apakah PKS/12/2024 tetap mengikat setelah pergantian kepala daerah?",
            "addressee": {"office": "kejati", "region_code": "32"},
        },
    ),
    "disclose_legal_opinion": ActionExample(
        "Buka pendapat hukum kepada para pihak / Disclose the legal opinion", {"thread": 1}
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
    "schedule_meeting": ActionExample(
        "Jadwalkan rapat / Schedule a meeting",
        {
            "at": "2026-03-19T09:00:00+07:00",
            "place": "Ruang Rapat Biro Pemerintahan, Gedung Sate, Bandung",
            "invitees": ["32.04", "32.73"],
            "agenda": "Pembahasan pembagian biaya operasional TPA Legok Nangka.",
        },
    ),
    "record_meeting": ActionExample(
        "Catat hasil rapat / Record the meeting",
        {
            "meeting": 1,
            "attendance": [
                {"party": "32.04", "status": "hadir"},
                {"party": "32.73", "status": "tidak_hadir"},
            ],
            "decided": "Rapat ditunda; Kota Bandung diundang kembali.",
            "document": _document("Notulen Rapat Musyawarah I.pdf", "notulen"),
        },
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
    # D20 (2026.2): usually sent by `POST /v1/deadlines/recompute`, which words the reason so.
    "recompute_deadline": ActionExample(
        "Hitung ulang tenggat dengan kalender terbaru / Recount the deadline with the new calendar",
        {"reason": "SKB cuti bersama 2026 diubah: tenggat bergeser dari 2026-03-20 ke 2026-03-23."},
    ),
    "object_to_decision": ActionExample(
        "Ajukan keberatan atas keputusan GWPP / Object to the GWPP's decision",
        {"reason": "Pembagian 50:50 tidak memperhitungkan volume sampah Kota Bandung."},
    ),
    "withdraw": ActionExample(
        "Cabut permohonan / Withdraw the request",
        {"reason": "Para pihak telah berdamai di luar forum."},
    ),
}
