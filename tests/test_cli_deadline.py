"""`mufakat deadline`, run as the installed console script."""

from __future__ import annotations

import subprocess

from tests.conftest import MUFAKAT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MUFAKAT, "deadline", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_working_days_across_lebaran() -> None:
    done = _run("2026-03-17", "14HK")

    assert done.returncode == 0, done.stderr
    assert "due date:  2026-04-14" in done.stdout
    assert "working days (HK)" in done.stdout
    assert "holidays-0.109" in done.stdout
    assert "2026-03-18 Wed  Cuti Bersama Hari Suci Nyepi" in done.stdout
    assert "2026-04-03 Fri  Wafat Yesus Kristus" in done.stdout
    assert "PROVISIONAL" not in done.stdout


def test_calendar_days() -> None:
    done = _run("2026-03-17", "30HKal")

    assert done.returncode == 0, done.stderr
    assert "due date:  2026-04-16" in done.stdout
    assert "calendar days (HKal)" in done.stdout


def test_window_into_2028_is_provisional() -> None:
    done = _run("2027-12-15", "20HK")

    assert done.returncode == 0, done.stderr
    assert "due date:  2028-01-13" in done.stdout
    assert "PROVISIONAL: the due date may move" in done.stdout
    assert "2027:      SKB Menag 1205/2026, Menaker 3/2026, MenPANRB 2/2026" in done.stdout
    assert (
        "  2028: holiday dates still estimates (perkiraan); no cuti bersama (the SKB is not "
        "published yet); no SKB recorded"
    ) in done.stdout


def test_bad_date_is_one_line_and_exit_2() -> None:
    done = _run("2026-02-30", "14HK")

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: '2026-02-30' is not a start date (YYYY-MM-DD): day is out of range for month"
    ]


def test_bad_limit_is_one_line_and_exit_2() -> None:
    done = _run("2026-03-17", "14XX")

    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("error: '14XX' is not a limit")


def test_out_of_range_limit_is_one_line_and_exit_2() -> None:
    done = _run("2026-03-17", "0HK")

    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("error: '0HK' is not a limit")
