"""`mufakat route`, run as the installed console script."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import MUFAKAT


def mufakat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MUFAKAT, *args], capture_output=True, text=True, timeout=60, check=False)


def test_same_province_pair_goes_to_that_provinces_gwpp() -> None:
    done = mufakat("route", "32.04", "32.73")
    assert done.returncode == 0, done.stderr
    forum, rule, why = done.stdout.splitlines()
    assert forum == "forum: GWPP Jawa Barat (32)"
    assert rule == "rule: R1"
    assert why.startswith("why: R1: Kabupaten Bandung (32.04) and Kota Bandung (32.73)")
    assert done.stderr == ""


def test_provinces_go_to_the_minister() -> None:
    done = mufakat("route", "32", "33")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "forum: Minister of Home Affairs (Mendagri)",
        "rule: R2",
    ]


@pytest.mark.parametrize(
    ("codes", "error"),
    [
        (["99.99", "32.04"], "error: unknown region code 99.99"),
        (
            ["32.04", "3204x"],
            "error: malformed region code '3204x': "
            "expected NN (province) or NN.NN (kabupaten/kota)",
        ),
        (["32.04", "32.04"], "error: party 32.04 is listed twice"),
    ],
)
def test_bad_codes_print_one_line_and_exit_2(codes: list[str], error: str) -> None:
    done = mufakat("route", *codes)
    assert done.returncode == 2
    assert done.stderr == f"{error}\n"
    assert done.stdout == ""
