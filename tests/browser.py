"""A real browser for tests: Debian's headless Chromium driven by Playwright, kept offline.

`browser` is one Chromium for the session. `serving(app)` runs an app under uvicorn on a free
loopback port, on the test's event loop (so an app that shares the loop's Temporal client, as the
`api` harness's does, can be served too). `offline_page(browser, origin)` opens a page that may
reach that origin and nothing else: every other request is aborted and recorded, as are console
errors (Content-Security-Policy refusals among them) and uncaught page errors, for the test to
assert there were none.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, ConsoleMessage, Page, Route, async_playwright

# Debian's package: deploy/test.sh installs it where missing. Playwright's own browser download
# (`playwright install`) is never used; it needs a host the machines cannot reach.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Chromium's own calls home (updates, sync, field trials) would be blocked requests too.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 30.0


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium for the session; missing Chromium fails the test (CI installs it)."""
    installed = await asyncio.to_thread(CHROMIUM.is_file)
    assert installed, f"{CHROMIUM} is missing: deploy/test.sh installs Debian's chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Ctrl-C belongs to pytest, not to a server inside a test.
        yield


@contextlib.asynccontextmanager
async def serving(app: FastAPI, lifespan: Literal["on", "off"] = "on") -> AsyncIterator[str]:
    """Serve `app` over real HTTP on 127.0.0.1 until the block ends; its origin (scheme, host,
    port). `lifespan="off"` for an app whose state the test has already set up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    config = uvicorn.Config(app, lifespan=lifespan, ws="none", log_level="warning")
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(STARTUP_SECONDS):
            while not server.started:
                assert not task.done(), "uvicorn stopped while starting"
                await asyncio.sleep(0.05)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@dataclass
class OfflinePage:
    """A page that can reach one origin only, and what it tried or failed to do otherwise."""

    page: Page
    blocked: list[str]
    console_errors: list[str]
    page_errors: list[str]


@contextlib.asynccontextmanager
async def offline_page(browser: Browser, origin: str) -> AsyncIterator[OfflinePage]:
    """A fresh browser context whose page reaches `origin` alone, as on a network with no
    internet; closed at the end of the block."""
    # As an official's browser in Indonesia: dates in native inputs read dd/mm/yyyy.
    context = await browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta")
    allowed = urlsplit(origin).netloc
    blocked: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []

    async def only_origin(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == allowed:
            await route.continue_()
        else:
            blocked.append(url)
            await route.abort("internetdisconnected")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    try:
        await context.route("**/*", only_origin)
        page = await context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        yield OfflinePage(page, blocked, console_errors, page_errors)
    finally:
        await context.close()
