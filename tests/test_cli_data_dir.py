"""`mufakat dev`, `worker` and `api` on a data directory they cannot write: one line, exit 1.

The tests run as root on the development and CI machines, and root writes through `chmod`: a
read-only directory is made with a read-only tmpfs mount there (a plain `chmod 555` as anyone
else), and a full disk with a 64 KiB tmpfs filled to the last byte.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from api.cli.embedded import child_env
from api.cli.options import require_writable_data_dir
from tests.conftest import MUFAKAT
from tests.dev_instance import free_port

ROOT = os.geteuid() == 0


@contextmanager
def _tmpfs(mount_point: Path, options: str) -> Iterator[Path]:
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "mufakat-test", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"root here cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@contextmanager
def _read_only_directory(path: Path) -> Iterator[Path]:
    if ROOT:
        with _tmpfs(path, "ro,size=64k") as mounted:
            yield mounted
        return
    path.mkdir()
    path.chmod(0o555)
    try:
        yield path
    finally:
        path.chmod(0o755)


@contextmanager
def _full_directory(path: Path) -> Iterator[Path]:
    if not ROOT:
        pytest.skip("filling a small tmpfs needs root to mount it")
    with _tmpfs(path, "size=64k") as mounted:
        with (mounted / "filler").open("wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError as full:
                assert full.errno == errno.ENOSPC
        yield mounted


def _run(command: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in child_env(os.environ).items() if not k.startswith("MUFAKAT_")}
    argv = [MUFAKAT, command, "--data-dir", str(data_dir)]
    argv += ["--temporal-port", str(free_port())]
    if command != "worker":
        argv += ["--api-port", str(free_port())]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=env)


def _assert_one_line(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr.splitlines() == [expected], done.stderr


@pytest.mark.parametrize("command", ["dev", "worker", "api"])
@pytest.mark.parametrize("below", [False, True], ids=["itself", "a new one below it"])
def test_read_only_data_dir_is_one_line(tmp_path: Path, command: str, below: bool) -> None:
    with _read_only_directory(tmp_path / "ro") as read_only:
        data_dir = read_only / "data" if below else read_only
        done = _run(command, data_dir)
    reason = "Read-only file system" if ROOT else "Permission denied"
    _assert_one_line(done, f"error: data directory {data_dir} is not writable: {reason}")


def test_full_data_dir_is_one_line(tmp_path: Path) -> None:
    with _full_directory(tmp_path / "full") as full:
        done = _run("dev", full)
        left = sorted(path.name for path in full.iterdir())
    _assert_one_line(done, f"error: data directory {full} is full: No space left on device")
    assert left == ["filler"]  # the probe removed what it could create


def test_data_dir_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("not a directory")
    _assert_one_line(
        _run("dev", a_file), f"error: data directory {a_file} is not a directory: File exists"
    )


def test_writable_data_dir_is_made_and_left_clean(tmp_path: Path) -> None:
    require_writable_data_dir(tmp_path / "new" / "data")
    assert list((tmp_path / "new" / "data").iterdir()) == []
