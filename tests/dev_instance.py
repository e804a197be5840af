"""A real `mufakat dev` in a subprocess, on free ports and its own data directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.cli.embedded import installed_program
from api.cli.instance import STATE_DIR_ENV

START_SECONDS = 90.0
STOP_SECONDS = 45.0
BANNER_END = "Press Ctrl-C to stop."


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(*, with_ui: bool = False) -> int:
    """A free loopback port; `with_ui` also needs port + 1000 free (the dev server's UI)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if not with_ui or (port + 1000 <= 65535 and _port_free(port + 1000)):
            return port


@dataclass
class DevInstance:
    """One running `mufakat dev`."""

    data_dir: Path
    state_dir: Path
    api_port: int
    temporal_port: int
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.temporal_port + 1000}"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def wait_serving(self) -> dict[str, str]:
        """Wait for `/health` 200 and the banner; fail early if `mufakat dev` exits."""
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client(timeout=5) as http:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"mufakat dev exited:\n{self.log()}"
                try:
                    response = http.get(f"{self.api_url}/health")
                except httpx.TransportError:
                    response = None
                # The banner comes once the supervisor has seen the API up, a moment later.
                if (
                    response is not None
                    and response.status_code == 200
                    and BANNER_END in self.log()
                ):
                    body: dict[str, str] = response.json()
                    return body
                time.sleep(0.2)
        raise AssertionError(f"not serving within {START_SECONDS} s:\n{self.log()}")

    def interrupt(self) -> int:
        """Ctrl-C, as a terminal would send it; returns the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=STOP_SECONDS)

    def log(self) -> str:
        return self.output.read_text(errors="replace")


def processes_mentioning(text: str) -> dict[int, str]:
    """Live processes whose command line mentions `text` (children carry the data dir)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if text in command:
            found[int(entry.name)] = command
    return found


@contextmanager
def dev_instance(data_dir: Path, state_dir: Path | None = None) -> Iterator[DevInstance]:
    """Start `mufakat dev`; on the way out, make sure it is gone even if the test failed.

    It records itself in `state_dir` (default: beside the data directory), never in the home
    directory of whoever runs the tests.
    """
    output = data_dir.parent / f"{data_dir.name}-dev.out"
    state_dir = state_dir or data_dir.parent / "state"
    env = {**os.environ, STATE_DIR_ENV: str(state_dir)}
    api_port, temporal_port = free_port(), free_port(with_ui=True)
    argv = [
        installed_program("mufakat"),
        "dev",
        "--data-dir",
        str(data_dir),
        "--api-port",
        str(api_port),
        "--temporal-port",
        str(temporal_port),
    ]
    with output.open("ab") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
    instance = DevInstance(data_dir, state_dir, api_port, temporal_port, process, output)
    try:
        yield instance
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
