"""The console's words, marked for the message catalogue.

Templates and Python mark text the same way, `_("…")` (and `ngettext` for counts), with Bahasa
Indonesia as the source text: the page reads naturally in the code, and `pybabel extract` (see
deploy/tools/konsol_catalogue.py) collects every marked text into `api/messages/konsol.pot`, from
which an English `en.po` can follow without touching a template.
"""

from __future__ import annotations

import gettext as _gettext

# Bahasa Indonesia is the source language: its catalogue is the identity.
TRANSLATIONS: _gettext.NullTranslations = _gettext.NullTranslations()


def _(text: str) -> str:
    """`text` in the console's language."""
    return TRANSLATIONS.gettext(text)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural text for `count` in the console's language."""
    return TRANSLATIONS.ngettext(singular, plural, count)


ROLE_NAMES = {
    "operator": _("Operator Bina Adwil"),
    "gwpp": _("Sekretariat GWPP"),
    "minister": _("Menteri Dalam Negeri"),
    "party": _("Pihak"),
    "prosecutor": _("Kejaksaan"),
    "adjudicator": _("Pengadilan / BANI"),
    "auditor": _("Auditor"),
    "admin": _("Administrator"),
}
