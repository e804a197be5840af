"""A real webhook receiver for tests: a minimal HTTP/1.1 server on 127.0.0.1.

It records every request and answers from a programmable sequence of replies, or never answers
at all (`hang`), so delivery can be tested against real sockets without any mock.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Reply:
    """One answer the receiver gives."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self) -> bytes:
        lines = [
            f"HTTP/1.1 {self.status} {_reason(self.status)}",
            f"Content-Length: {len(self.body)}",
        ]
        lines += [f"{name}: {value}" for name, value in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""  # a status of the test's own invention: the phrase is optional


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived; header names in lower case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server that answers 200 unless told otherwise (`respond`, `hang`)."""

    def __init__(
        self, *, path: str = "/hook", tls: ssl.SSLContext | None = None, host: str = "127.0.0.1"
    ) -> None:
        """Serve on 127.0.0.1; with `tls`, over HTTPS, named `host` in `url` (its certificate's)."""
        self.path = path
        self.host = host
        self._tls = tls
        self.received: list[ReceivedRequest] = []
        self._replies: deque[Reply] = deque()
        self._hanging = False
        self._released = asyncio.Event()
        self._held = 0
        self._arrived = asyncio.Condition()
        self._stopping = asyncio.Event()
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        assert self._port is not None, "start the receiver first (async with)"
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{self.host}:{self._port}{self.path}"

    def respond(self, *replies: int | Reply) -> None:
        """Answer the next requests with these, in order; then 200 again."""
        self._replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def hang(self) -> None:
        """Read every request from now on and never answer it."""
        self._hanging = True
        self._released = asyncio.Event()

    def release(self) -> None:
        """Stop hanging: the requests held are dropped unanswered, later ones answered."""
        self._hanging = False
        self._released.set()

    @property
    def hanging(self) -> int:
        """Requests held unanswered now."""
        return self._held

    async def wait_for(self, count: int) -> list[ReceivedRequest]:
        """Wait until `count` requests have arrived (bound it with a timeout of your own)."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.received[:count]

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self._tls)
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._stopping.set()
        self._server.close()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            while request := await self._read_request(reader):
                async with self._arrived:
                    self.received.append(request)
                    self._arrived.notify_all()
                if self._hanging:
                    self._held += 1
                    try:
                        released = asyncio.create_task(self._released.wait())
                        stopping = asyncio.create_task(self._stopping.wait())
                        await asyncio.wait({released, stopping}, return_when="FIRST_COMPLETED")
                        released.cancel()
                        stopping.cancel()
                    finally:
                        self._held -= 1
                    return
                reply = self._replies.popleft() if self._replies else Reply()
                writer.write(reply.encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._writers.discard(writer)
            self._handlers.discard(task)

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> ReceivedRequest | None:
        request_line = await reader.readline()
        if not request_line.strip():
            return None  # the client closed a kept-alive connection
        method, target, _version = request_line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return ReceivedRequest(method, target, headers, body)
