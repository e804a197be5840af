"""`mufakat pedoman`, run as the installed console script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from models.guidelines import DEFAULT_VERSION, SHIPPED_VERSIONS, shipped_guideline
from tests.conftest import MUFAKAT

DATA = Path(__file__).parents[1] / "models" / "data"
# The checker's tests break a copy of 2026.1, which never changes; 2026.2 is checked whole.
SHIPPED = DATA / "pedoman-2026.1.toml"


def mufakat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MUFAKAT, "pedoman", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("version", SHIPPED_VERSIONS)
def test_check_each_shipped_guideline(version: str) -> None:
    done = mufakat("check", str(DATA / f"pedoman-{version}.toml"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"ok: {version} {shipped_guideline(version).content_hash()}\n"
    assert done.stderr == ""


def broken_copy(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """The shipped TOML with each (old, new) replaced once; every old text must be there."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    broken = tmp_path / "broken.toml"
    broken.write_text(text, encoding="utf-8")
    return broken


def test_check_a_broken_graph_prints_each_problem_and_exits_1(tmp_path: Path) -> None:
    broken = broken_copy(
        tmp_path,
        ('kind = "goto", to = "minister_decision"', 'kind = "goto", to = "nowhere"'),
        ('action = "declare_failed"', 'action = "declare_faild"'),
    )
    done = mufakat("check", str(broken))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "KSDD: stage minister_facilitation, timeout: "
        "transition to nowhere: no stage 'nowhere' in this track",
        "KSDPK: stage adr_mediation, timeout: as_action names unknown action 'declare_faild' "
        "(actions of this stage: declare_failed, record_agreement)",
    ]


def test_check_a_schema_error_names_where_it_is(tmp_path: Path) -> None:
    broken = broken_copy(
        tmp_path, ('actors = ["gwpp"]\n  limit = "10HK"', 'actors = ["governor"]\n  limit = "10HK"')
    )
    done = mufakat("check", str(broken))
    assert done.returncode == 1
    assert done.stderr.startswith(
        "tracks.KSDD.stages[2] (gwpp_decision).actors[0]: unknown role 'governor' (known: "
    )
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("version", SHIPPED_VERSIONS)
def test_check_a_json_export_gives_the_same_hash(tmp_path: Path, version: str) -> None:
    exported = mufakat("export", "--format", "json", "--version", version)
    assert exported.returncode == 0, exported.stderr
    copy = tmp_path / "pedoman.json"
    copy.write_text(exported.stdout, encoding="utf-8")
    assert json.loads(exported.stdout)["version"] == version
    assert mufakat("check", str(copy)).stdout == (
        f"ok: {version} {shipped_guideline(version).content_hash()}\n"
    )


def test_export_defaults_to_the_version_new_cases_get() -> None:
    done = mufakat("export")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (DATA / f"pedoman-{DEFAULT_VERSION}.toml").read_text(encoding="utf-8")
    assert DEFAULT_VERSION == "2026.2"


def test_export_an_older_shipped_version_as_its_source() -> None:
    done = mufakat("export", "--version", "2026.1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == SHIPPED.read_text(encoding="utf-8")


def test_export_a_version_never_shipped_is_exit_2() -> None:
    done = mufakat("export", "--version", "2025.9")
    assert done.returncode == 2
    assert done.stderr == "guideline 2025.9 is not shipped (shipped: 2026.1, 2026.2)\n"


def test_diff_two_files_prints_what_changed(tmp_path: Path) -> None:
    changed = broken_copy(
        tmp_path,
        ('version = "2026.1"', 'version = "2026.9"'),
        ('actors = ["gwpp"]\n  limit = "10HK"', 'actors = ["gwpp"]\n  limit = "14HK"'),
    )
    done = mufakat("diff", str(SHIPPED), str(changed))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "2026.1 → 2026.9",
        "track KSDD",
        "  stage gwpp_decision",
        "    limit: 10HK → 14HK",
    ]


def test_diff_as_json_mixes_a_shipped_version_and_a_file(tmp_path: Path) -> None:
    changed = broken_copy(
        tmp_path, ("non_attendance_is_consent = false", "non_attendance_is_consent = true")
    )
    done = mufakat("diff", "2026.1", str(changed), "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["before"]["content_hash"] == shipped_guideline("2026.1").content_hash()
    assert body["changes"] == [
        {
            "kind": "changed",
            "part": "open_questions",
            "stage": None,
            "action": None,
            "field": "non_attendance_is_consent",
            "before": False,
            "after": True,
        }
    ]


def test_diff_the_shipped_versions_names_both() -> None:
    done = mufakat("diff", "2026.1", "2026.2", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (body["before"]["version"], body["after"]["version"]) == ("2026.1", "2026.2")


def test_diff_a_file_that_fails_the_schema_names_the_problem(tmp_path: Path) -> None:
    broken = broken_copy(
        tmp_path, ('actors = ["gwpp"]\n  limit = "10HK"', 'actors = ["governor"]\n  limit = "10HK"')
    )
    done = mufakat("diff", "2026.1", str(broken))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("tracks.KSDD.stages[2] (gwpp_decision).actors[0]: unknown role")


def test_check_a_syntax_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "2026.1"\ntitle = \n', encoding="utf-8")
    done = mufakat("check", str(bad))
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"{bad}: cannot read: ")
    assert "line 2" in line


def test_check_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    done = mufakat("check", str(tmp_path / "absent.toml"))
    assert done.returncode == 2
    assert done.stderr == f"{tmp_path / 'absent.toml'}: cannot read: No such file or directory\n"


def test_show_prints_mermaid_for_every_track() -> None:
    done = mufakat("show")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("%%")] == [
        "%% KSDD",
        "%% KSDPK",
        "%% SINERGI",
    ]
    assert lines[1] == "flowchart TD"
    assert lines.count("flowchart TD") == 3


def test_show_one_track_as_a_table(tmp_path: Path) -> None:
    done = mufakat("show", "--file", str(SHIPPED), "--track", "SINERGI", "--format", "table")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[:2] == ["stage", "actors"]
    assert "refer_to_president → closed referred_to_president" in done.stdout
