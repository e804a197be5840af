"""How uvicorn serves the API: a request head is bounded while it arrives, not after.

uvicorn's httptools protocol buffers a request head whole, however large or many its headers,
before the app sees it; `api.limits` then refuses it, but only once it has all arrived. This
protocol refuses a head as soon as it passes models.limits' bounds. Run the API with
`uvicorn.run(app, http=BoundedHttpToolsProtocol, ...)`.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.messages.catalogue import msg
from api.problems import problem
from models.limits import MAX_HEADER_BYTES, MAX_HEADER_COUNT

# After refusing, the server reads and drops what the client still sends for this long, so
# that closing never resets a connection whose answer the client has yet to read.
LINGER_SECONDS = 10.0


def _refusal() -> bytes:
    # In Indonesian, the default: the head that would say otherwise is the one refused.
    too_large = msg("headers_too_large.server", size=MAX_HEADER_BYTES, count=MAX_HEADER_COUNT)
    response = problem(431, "headers_too_large", too_large, None)
    head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
    head += [name + b": " + value + b"\r\n" for name, value in response.raw_headers]
    return b"".join([*head, b"connection: close\r\n\r\n", response.body])


REFUSAL = _refusal()


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing with 431 a head over MAX_HEADER_BYTES/COUNT."""

    _in_head = True  # a connection starts with a request head
    _head_bytes = 0
    _header_count = 0
    _refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Only a head still incomplete after this data: a complete one is the app's to check
        # (one read, at most 256 KiB, may hold a whole head and its body).
        too_large = self._head_bytes > MAX_HEADER_BYTES or self._header_count > MAX_HEADER_COUNT
        if self._in_head and too_large and not self.transport.is_closing():
            self._refuse()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes, self._header_count = False, 0, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def _refuse(self) -> None:
        self._refused = True
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head while an answer is being written: no room for another answer.
            self.transport.close()
            return
        self.transport.write(REFUSAL)
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)
