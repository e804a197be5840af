"""The console's message catalogue: every text the console shows, collected from its code.

Templates and Python mark text with `_("…")` in Bahasa Indonesia, the source language
(api/konsol/texts.py). This collects them, with where each is used, into
api/messages/konsol.pot, the template an English (or any other) translation starts from:

    .venv/bin/python deploy/tools/konsol_catalogue.py write   # regenerate the catalogue
    .venv/bin/python deploy/tools/konsol_catalogue.py check   # fail if it is out of date

A translation is `pybabel init -i api/messages/konsol.pot -d <dir> -l en -D konsol`, then
filling its `msgstr`s; texts.py loads it in place of the identity catalogue.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "api" / "konsol"
CATALOGUE = ROOT / "api" / "messages" / "konsol.pot"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def catalogue_text() -> str:
    """The catalogue as the code marks it today (stable: no dates, sorted)."""
    catalog = Catalog(project="Mufakat konsol", locale=None, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        SOURCE, METHODS, options_map=OPTIONS, keywords={"_": None, "ngettext": (1, 2)}
    ):
        location = (f"api/konsol/{filename}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    buffer = io.BytesIO()
    # Files without line numbers: moving code does not change the catalogue, new words do.
    write_po(buffer, catalog, omit_header=True, sort_output=True, width=100, include_lineno=False)
    return buffer.getvalue().decode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args()
    text = catalogue_text()
    if args.command == "write":
        CATALOGUE.write_text(text, encoding="utf-8")
        count = text.count('\nmsgid "') + text.startswith('msgid "')
        sys.stdout.write(f"{CATALOGUE.relative_to(ROOT)}: {count} texts\n")
    elif not CATALOGUE.is_file() or CATALOGUE.read_text(encoding="utf-8") != text:
        sys.exit(f"{CATALOGUE.relative_to(ROOT)} is out of date: run konsol_catalogue.py write")


if __name__ == "__main__":
    main()
