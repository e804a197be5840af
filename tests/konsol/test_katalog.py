"""The console's words are in one catalogue, from which an English version can follow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "api" / "messages" / "konsol.pot"


def test_the_catalogue_holds_every_text_the_console_marks() -> None:
    """konsol.pot is what `deploy/tools/konsol_catalogue.py write` makes of the code today."""
    checked = subprocess.run(
        [sys.executable, "deploy/tools/konsol_catalogue.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_each_screen_has_its_texts_in_the_catalogue() -> None:
    with CATALOGUE.open("rb") as file:
        catalog = read_po(file)
    places = {path.split(":")[0] for message in catalog for path, _ in message.locations}
    for template in sorted((ROOT / "api" / "konsol" / "templates").glob("*.html")):
        assert f"api/konsol/templates/{template.name}" in places, template.name
    texts = {str(message.id) for message in catalog if message.id}
    # The pedoman's words, as the offices read them.
    assert {"Daftar kerja", "Ajukan perkara", "Dasbor", "Masuk", "Keluar"} <= texts
