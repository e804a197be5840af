"""What the revision-2 tests send: the paper the offices produce (pedoman.md §9 D10–D12), and
how they read a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from models.roles import Actor
from tests.cases import CaseDriver

BERITA_ACARA: dict[str, Any] = {
    "name": "Berita Acara Musyawarah.pdf",
    "doc_type": "berita_acara",
    "sha256": "1" * 64,
    "size": 48213,
}
MINUTES: dict[str, Any] = {**BERITA_ACARA, "name": "Notulen.pdf", "doc_type": "notulen"}
SIGNED_DECISION: dict[str, Any] = {**BERITA_ACARA, "name": "Keputusan.pdf", "doc_type": "keputusan"}


def formal_decision(legal_form: str) -> dict[str, Any]:
    """A decision as signed (D12), signed a.n. the head of the forum."""
    minister = legal_form == "keputusan_mendagri"
    return {
        "legal_form": legal_form,
        "number": "100.3.3-1234 Tahun 2026",
        "date": "2026-06-01",
        "signatory": {
            "name": "Safrizal ZA" if minister else "Herman Suryatman",
            "position": "Dirjen Bina Administrasi Kewilayahan" if minister else "Sekretaris Daerah",
            "delegation": "a.n.",
            "for_official": "Menteri Dalam Negeri" if minister else "Gubernur Jawa Barat",
        },
        "summary": "Biaya operasional TPA dibagi 50:50.",
        "document": SIGNED_DECISION,
    }


async def refused(case: CaseDriver, actor: Actor, action: str, **payload: Any) -> str:
    """Take an action the case must refuse; the refusal's message id."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await case.act(actor, action, **payload)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    message_id: str = cause.details[0]["message_id"]
    return message_id


def with_berita_acara(reason: str) -> dict[str, Any]:
    """An action's payload that needs a berita acara (D11: declare_deadlock,
    close_without_agreement, declare_unable): the reason, the berita acara attached with it."""
    return {"reason": reason, "document": BERITA_ACARA}
