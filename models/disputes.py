"""What makes two filings one dispute: the key a possible duplicate is found by.

The same parties (as a set, whichever side each is on: a region answering a filing with its own
filing of the same dispute is the duplicate that matters most), the same agreement numbers (KB
and PKS; one left out counts as absent, so it matches only a case filed without it too) and the
same subject, each compared as a clerk would: compatibility forms, case and spacing ignored.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable

from models.case import CaseFiling


def normalised(text: str | None) -> str:
    """Text as a clerk would compare it: `BIAYA  Operasional` is `biaya operasional`."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def agreement_number(text: str | None) -> str:
    """An agreement number with no spacing at all: `PKS / 12 / 2024` is `pks/12/2024`."""
    return "".join(normalised(text).split())


def dispute_key(
    *, party_ids: Iterable[str], kb_number: str | None, pks_number: str | None, subject: str
) -> str:
    """The dispute's key: SHA-256 of its parties, agreement numbers and subject, normalised."""
    canonical = [
        sorted(set(party_ids)),
        agreement_number(kb_number),
        agreement_number(pks_number),
        normalised(subject),
    ]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def filing_dispute_key(filing: CaseFiling) -> str:
    """The key of the dispute a filing brings."""
    return dispute_key(
        party_ids=(party.party_id for party in filing.parties),
        kb_number=filing.agreement.kb_number,
        pks_number=filing.agreement.pks_number,
        subject=filing.dispute.subject,
    )
