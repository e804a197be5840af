"""The console's screens, one module each; `SCREENS` is every router, in the order served.

- `masuk`: sign in and out;
- `daftar`: the worklist ("menunggu tindakan saya", "semua perkara") at /konsol/perkara;
- `perkara`: one case at /konsol/perkara/{case_id}, its forms and documents;
- `ajukan`: filing a case at /konsol/ajukan, with the live routing preview;
- `dasbor`: the dashboard at /konsol/dasbor and its CSV downloads;
- `audit`: a case's audit trail, verification and export at /konsol/perkara/{case_id}/audit;
- `notifikasi`: the key's e-mail subscriptions and webhooks at /konsol/notifikasi.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.konsol.pages import ajukan, audit, daftar, dasbor, masuk, notifikasi, perkara

# `daftar` before `perkara`: /konsol/perkara is the list, /konsol/perkara/{id} a case.
SCREENS: list[APIRouter] = [
    masuk.router,
    daftar.router,
    ajukan.router,
    dasbor.router,
    audit.router,
    notifikasi.router,
    perkara.router,
]
