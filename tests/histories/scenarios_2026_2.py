"""The cases the corpus records under guideline 2026.2 (pedoman.md §9, D1–D23): every track as
revision 2 runs it, with the paper the offices produce (meetings, berita acara, decisions in
their legal form), the institutions that conduct KSDPK stages, several parties on one side, and
confidential legal opinions.

Written against the spec while the 2026.2 guideline was being built: the lead adjusts action
names and payloads to the shipped 2026.2 when recording (`tests.histories.record`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from temporalio.testing import WorkflowEnvironment

from models.case import DisputeRoute, Party, PartyKind, Side
from models.roles import Actor, Role
from tests.cases import (
    MINISTER,
    OPERATOR,
    CaseDriver,
    gwpp,
    ksdd_filing,
    ksdpk_filing,
    party,
    sinergi_filing,
)
from tests.histories.scenarios import (
    BANDUNG,
    BOGOR,
    COMPANY,
    KOTA_BANDUNG,
    MINISTRY,
    Scenario,
    closed_as,
    days,
    expect,
    registrar,
    sleep_past_due,
    stage_is,
)

SCENARIOS: list[Scenario] = []
scenario = registrar(SCENARIOS, "2026.2")

# D9: adjudicator keys are scoped to the institution conducting the stage.
PN_BANDUNG, BANI, MEDIATOR = "PN-BANDUNG", "BANI", "MEDIATOR-JABAR-01"
# D7: prosecutor keys of one office: a Kejati by province code, a Kejari by kabupaten/kota code.
KEJATI_JABAR = Actor(key_id="kejati-32", role=Role.PROSECUTOR, scope="32")
KEJARI_BANDUNG = Actor(key_id="kejari-32.04", role=Role.PROSECUTOR, scope="32.04")
SUMEDANG, GARUT = "32.11", "32.05"


def institution(name: str) -> Actor:
    return Actor(key_id=f"adjudicator-{name.lower()}", role=Role.ADJUDICATOR, scope=name)


def document(name: str, doc_type: str) -> dict[str, Any]:
    """A stored document as an action names it (its content never enters the case)."""
    content = f"{doc_type}: {name}".encode()
    return {
        "name": name,
        "doc_type": doc_type,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }


def berita_acara(reason: str, name: str) -> dict[str, Any]:
    """D11: a reason with the berita acara attached to the action."""
    return {"reason": reason, "document": document(name, "berita_acara")}


def decision(legal_form: str, number: str, signed_by: str, position: str) -> dict[str, Any]:
    """D12: a decision in its legal form, with number, date, signatory, summary and document."""
    return {
        "legal_form": legal_form,
        "number": number,
        "date": "2026-05-04",
        "signatory": {"name": signed_by, "position": position},
        "summary": "Biaya operasional TPA dibagi 50:50.",
        "document": document(f"keputusan-{number.replace('/', '-')}.pdf", "keputusan"),
    }


GWPP_DECISION = decision(
    "keputusan_gubernur_wpp", "100.3.3.2/Kep.45-Pem/2026", "Gubernur Jawa Barat", "Gubernur"
)
MINISTER_DECISION = decision(
    "keputusan_mendagri", "100.2.1-1234/2026", "Menteri Dalam Negeri", "Menteri"
)


async def _meeting(case: CaseDriver, forum: Actor, present: list[str], number: int) -> None:
    """D10: a meeting scheduled by the forum, then its attendance and minutes recorded."""
    await case.act(
        forum,
        "schedule_meeting",
        at="2026-03-19T09:00:00+07:00",
        place="Ruang Rapat Biro Pemerintahan, Gedung Sate, Bandung",
        invitees=present,
        agenda="Pembahasan pembagian biaya operasional TPA.",
    )
    await case.act(
        forum,
        "record_meeting",
        meeting=number,
        attendance=[{"party": code, "status": "hadir"} for code in present],
        document=document(f"notulen-rapat-{number}.pdf", "notulen"),
    )


async def _ksdd_to_musyawarah(case: CaseDriver) -> None:
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan tertulis")


async def _ksdd_deadlock(case: CaseDriver) -> None:
    await _ksdd_to_musyawarah(case)
    await case.act(
        party(BANDUNG),
        "declare_deadlock",
        **berita_acara("Tiga kali musyawarah tanpa mufakat", "ba-musyawarah.pdf"),
    )
    await stage_is(case, "gwpp_facilitation")


async def _ksdpk_deadlock(case: CaseDriver) -> None:
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(COMPANY), "submit_response", summary="Tanggapan PT")
    await case.act(
        party(KOTA_BANDUNG),
        "declare_deadlock",
        **berita_acara("Musyawarah buntu", "ba-musyawarah-ksdpk.pdf"),
    )


# ---------------------------------------------------------------- KSDD


@scenario(
    "ksdd-agreement-2026.2",
    "KSDD (R1) under 2026.2: a musyawarah meeting scheduled and its minutes recorded, agreement"
    " reported and confirmed, signed by both, implemented under the GWPP's monitoring (D2: every"
    " party a kabupaten/kota of its province).",
)
async def ksdd_agreement(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_to_musyawarah(case)
    await _meeting(case, OPERATOR, [BANDUNG, KOTA_BANDUNG], 1)
    await case.act(party(BANDUNG), "report_agreement", terms="Biaya dibagi dua")
    await case.act(party(KOTA_BANDUNG), "confirm_agreement")
    await case.act(party(BANDUNG), "sign_agreement", reference="BA-1")
    await case.act(party(KOTA_BANDUNG), "sign_agreement", reference="BA-1")
    await case.act(gwpp("32"), "confirm_implemented", reference="LAP-1")
    return await closed_as(case, "agreement")


@scenario(
    "ksdd-gwpp-decision-2026.2",
    "KSDD under 2026.2: deadlock with its berita acara, a GWPP facilitation meeting, facilitation"
    " closed without agreement (berita acara), a GWPP decision in its legal form; no party objects"
    " within the window (D13, not binding by default), so it is implemented.",
    "skipping",
)
async def ksdd_gwpp_decision(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_deadlock(case)
    await _meeting(case, gwpp("32"), [BANDUNG, KOTA_BANDUNG], 1)
    await case.act(
        gwpp("32"),
        "close_without_agreement",
        **berita_acara("Fasilitasi tidak mencapai kesepakatan", "ba-fasilitasi.pdf"),
    )
    await case.act(gwpp("32"), "issue_decision", **GWPP_DECISION)
    await stage_is(case, "gwpp_decision_objection")
    await sleep_past_due(env, case)
    await stage_is(case, "implementation")
    await case.act(gwpp("32"), "confirm_implemented", reference="LAP-2")
    return await closed_as(case, "gwpp_decision")


@scenario(
    "ksdd-minister-2026.2",
    "KSDD under 2026.2: a party objects to the GWPP decision (D13), the Minister conducts the"
    " facilitation and extends it (D1: the GWPP no longer may), closes it without agreement, and"
    " decides (final by law on R1 after escalation); not complied with, the Minister terminates"
    " the cooperation (D2: the body that decided monitors).",
)
async def ksdd_minister(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await _ksdd_deadlock(case)
    await case.act(
        gwpp("32"),
        "close_without_agreement",
        **berita_acara("Fasilitasi gagal", "ba-fasilitasi.pdf"),
    )
    await case.act(gwpp("32"), "issue_decision", **GWPP_DECISION)
    await case.act(party(KOTA_BANDUNG), "object_to_decision", reason="Pembagian tidak adil")
    await stage_is(case, "minister_facilitation")
    await case.act(MINISTER, "extend_deadline", reason="Rapat koordinasi lanjutan")
    await case.act(
        MINISTER,
        "close_without_agreement",
        **berita_acara("Tidak sepakat di Kemendagri", "ba-kemendagri.pdf"),
    )
    await case.act(MINISTER, "issue_decision", **MINISTER_DECISION)
    await stage_is(case, "implementation")
    await case.act(party(BANDUNG), "report_non_compliance", reason="Tidak dilaksanakan")
    await case.act(MINISTER, "terminate_cooperation", number="KEP-2", summary="Diakhiri")
    return await closed_as(case, "cooperation_terminated")


@scenario(
    "several-parties-2026.2",
    "KSDD under 2026.2 with two requesting and two responding kabupaten/kota: one responds, the"
    " notice limit expires naming the other (D3); one requesting party withdraws and the case goes"
    " on (D4); the agreement is confirmed by the parties still in it (D5); then the last"
    " requesting party withdraws and the case closes withdrawn.",
    "skipping",
)
async def several_parties(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    filing = ksdd_filing()
    more = [
        Party(
            kind=PartyKind.KABUPATEN, side=Side.REQUESTING, region_code=SUMEDANG, name="Sumedang"
        ),
        Party(kind=PartyKind.KABUPATEN, side=Side.RESPONDING, region_code=GARUT, name="Garut"),
    ]
    filing = filing.model_copy(update={"parties": [*filing.parties, *more]})
    case = await CaseDriver.file(env.client, queue, filing, guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan Kota Bandung")
    await stage_is(case, "notice")
    await sleep_past_due(env, case)
    await stage_is(case, "musyawarah")
    await case.act(party(SUMEDANG), "withdraw", reason="Sumedang menarik diri")
    await stage_is(case, "musyawarah")
    await case.act(party(BANDUNG), "report_agreement", terms="Biaya dibagi tiga")
    for code in (KOTA_BANDUNG, GARUT):
        await case.act(party(code), "confirm_agreement")
    await stage_is(case, "agreement_recorded")
    await case.act(party(BANDUNG), "withdraw", reason="Diselesaikan di luar forum")
    return await closed_as(case, "withdrawn")


@scenario(
    "confidential-legal-opinion-2026.2",
    "KSDD under 2026.2: a party asks the Kejati Jawa Barat for a legal opinion (D7), the Kejati"
    " answers and the requester discloses it (D6); a second request to the Kejari Kabupaten"
    " Bandung gets its 50% and 80% reminders (D22) and goes overdue; then withdrawn.",
    "skipping",
)
async def confidential_legal_opinion(
    env: WorkflowEnvironment, queue: str, guideline: str
) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdd_filing(), guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(
        party(BANDUNG),
        "request_legal_opinion",
        question="Sahkah PKS setelah pergantian kepala daerah?",
        addressee={"office": "kejati", "region_code": "32"},
    )
    await case.act(
        OPERATOR,
        "request_legal_opinion",
        question="Kewenangan siapa atas TPA regional?",
        addressee={"office": "kejari", "region_code": BANDUNG},
    )
    await case.act(KEJATI_JABAR, "submit_legal_opinion", thread=1, opinion="PKS tetap sah")
    await case.act(party(BANDUNG), "disclose_legal_opinion", thread=1)
    await case.act(party(KOTA_BANDUNG), "submit_response", summary="Tanggapan")
    await env.sleep(days(25))
    view = await case.view()
    overdue = [t.thread for t in view.legal_opinions if t.overdue]
    expect(overdue == [2], f"overdue threads {overdue}, not [2]")
    await case.act(party(BANDUNG), "withdraw", reason="Diselesaikan di luar forum")
    return await closed_as(case, "withdrawn")


# ---------------------------------------------------------------- KSDPK


@scenario(
    "ksdpk-mediation-2026.2",
    "KSDPK (mediation clause) under 2026.2: deadlock, the mediator recorded (D9), the mediated"
    " agreement registered at the PN (D16), implemented under Bina Adwil's monitoring (D2).",
)
async def ksdpk_mediation(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.MEDIATION), guideline)
    await _ksdpk_deadlock(case)
    await stage_is(case, "adr_mediation")
    await case.act(OPERATOR, "record_institution", institution=MEDIATOR, reference="MED-7/2026")
    await case.act(institution(MEDIATOR), "record_agreement", terms="Tarif disesuaikan")
    await case.act(party(COMPANY), "register_settlement", reference="PN-1/2026")
    await case.act(OPERATOR, "confirm_implemented", reference="MON-1")
    return await closed_as(case, "adr_settlement")


@scenario(
    "ksdpk-arbitration-2026.2",
    "KSDPK (arbitration clause) under 2026.2: the tribunal formed at BANI, hearings closed, award"
    " issued and registered at the PN (D14); the PN annuls it on application, the MA restores it"
    " on appeal; not complied with, the winning party applies to the PN for execution (D2).",
)
async def ksdpk_arbitration(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    filing = ksdpk_filing(DisputeRoute.ARBITRATION)
    case = await CaseDriver.file(env.client, queue, filing, guideline)
    await _ksdpk_deadlock(case)
    await stage_is(case, "tribunal_formation")
    await case.act(party(COMPANY), "record_institution", institution=BANI, reference="BANI-77")
    await case.act(institution(BANI), "constitute_tribunal", reference="Majelis BANI-77")
    await case.act(institution(BANI), "close_hearings", reference="BA sidang terakhir")
    await case.act(institution(BANI), "issue_award", reference="Putusan BANI-77/2026")
    await case.act(institution(BANI), "register_award", reference="Akta pendaftaran 5/2026")
    await case.act(
        party(KOTA_BANDUNG),
        "apply_annulment",
        institution=PN_BANDUNG,
        reference="12/Pdt.Sus-Arb/2026/PN Bdg",
    )
    await case.act(institution(PN_BANDUNG), "annul_award", reference="Putusan PN 12/2026")
    await case.act(party(COMPANY), "appeal_annulment", reference="Memori banding 1/2026")
    await case.act(institution(PN_BANDUNG), "restore_award", reference="Putusan MA 88 B/2026")
    await stage_is(case, "implementation")
    await case.act(party(KOTA_BANDUNG), "report_non_compliance", reason="Tidak dijalankan")
    await case.act(
        party(COMPANY),
        "refer_to_execution",
        court="Pengadilan Negeri Bandung",
        register_number="12/Pdt.Eks/2026/PN Bdg",
        applied_on="2026-09-01",
    )
    return await closed_as(case, "execution_referred")


@scenario(
    "ksdpk-court-2026.2",
    "KSDPK (court clause) under 2026.2: the lawsuit filed at the PN (D9), court mediation ordered"
    " and failed, trial, judgment, appeal and cassation (D15); the cassation judgment has final"
    " force and is implemented.",
)
async def ksdpk_court(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.COURT), guideline)
    await _ksdpk_deadlock(case)
    await stage_is(case, "lawsuit_filing")
    pn = institution(PN_BANDUNG)
    await case.act(
        party(KOTA_BANDUNG),
        "file_lawsuit",
        institution=PN_BANDUNG,
        reference="112/Pdt.G/2026/PN Bdg",
    )
    await case.act(pn, "order_mediation", reference="Penetapan mediasi 112/2026")
    await case.act(pn, "declare_mediation_failed", reason="Mediasi tidak berhasil")
    await case.act(pn, "register_judgment", reference="Putusan 112/Pdt.G/2026/PN Bdg")
    await case.act(party(COMPANY), "file_appeal", reference="Akta banding 20/2026")
    await case.act(pn, "register_appeal_judgment", reference="Putusan 300/PDT/2026/PT Bdg")
    await case.act(party(KOTA_BANDUNG), "file_cassation", reference="Akta kasasi 9/2026")
    await case.act(pn, "register_cassation_judgment", reference="Putusan 1234 K/Pdt/2026")
    await stage_is(case, "implementation")
    await case.act(OPERATOR, "confirm_implemented", reference="MON-2")
    return await closed_as(case, "court_judgment")


@scenario(
    "ksdpk-court-timeouts-2026.2",
    "KSDPK (court clause) under 2026.2 left to its clocks: the lawsuit stage only reminds every"
    " 90 HKal and never goes overdue (D15); court mediation's 30 HK expire into the trial; the"
    " appeal window expires, the judgment has final force and goes to implementation. Left open.",
    "skipping",
)
async def ksdpk_court_timeouts(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, ksdpk_filing(DisputeRoute.COURT), guideline)
    await _ksdpk_deadlock(case)
    await env.sleep(days(100))
    await stage_is(case, "lawsuit_filing", overdue=False)
    pn = institution(PN_BANDUNG)
    await case.act(
        party(KOTA_BANDUNG), "file_lawsuit", institution=PN_BANDUNG, reference="113/2026"
    )
    await case.act(pn, "order_mediation", reference="Penetapan mediasi 113/2026")
    await sleep_past_due(env, case)
    await stage_is(case, "trial", overdue=False)
    await case.act(pn, "register_judgment", reference="Putusan 113/Pdt.G/2026/PN Bdg")
    await sleep_past_due(env, case)
    await stage_is(case, "implementation")
    view = await case.view()
    expect(view.recorded.get("inkracht") is not None, "the judgment's final force not recorded")
    return case


# ---------------------------------------------------------------- SINERGI


@scenario(
    "sinergi-agreement-2026.2",
    "SINERGI (R8) under 2026.2: the Minister conducts the consultation (D1), meets the parties,"
    " records the agreement; signed by both, implemented under the Minister's monitoring (D2).",
)
async def sinergi_agreement(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, sinergi_filing(), guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(MINISTRY), "submit_response", summary="Tanggapan K/L")
    await _meeting(case, MINISTER, [BOGOR, MINISTRY], 1)
    await case.act(MINISTER, "record_agreement", terms="Dokumen sinergi direvisi")
    await case.act(party(BOGOR), "sign_agreement", reference="BA-S1")
    await case.act(party(MINISTRY), "sign_agreement", reference="BA-S1")
    await case.act(MINISTER, "confirm_implemented", reference="MON-S1")
    return await closed_as(case, "agreement")


@scenario(
    "sinergi-president-2026.2",
    "SINERGI under 2026.2: consultation and coordination closed without agreement, each with its"
    " berita acara (D11); the Minister refers the case to the President.",
)
async def sinergi_president(env: WorkflowEnvironment, queue: str, guideline: str) -> CaseDriver:
    case = await CaseDriver.file(env.client, queue, sinergi_filing(), guideline)
    await case.act(OPERATOR, "accept_filing")
    await case.act(party(MINISTRY), "submit_response", summary="Tanggapan K/L")
    await case.act(
        MINISTER,
        "close_without_agreement",
        **berita_acara("Konsultasi belum sepakat", "ba-konsultasi.pdf"),
    )
    await case.act(MINISTER, "refer_to_president", reason="Kebuntuan kebijakan")
    return await closed_as(case, "referred_to_president")
