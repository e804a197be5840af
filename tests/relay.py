"""A TCP relay in front of PostgreSQL that a test can cut: a read model that goes away."""

from __future__ import annotations

import asyncio

from tests.dev_instance import free_port


class PostgresRelay:
    """A TCP relay to PostgreSQL that a test can cut.

    `refuse()` closes the listener and drops every relayed connection (a server that is down);
    `blackhole()` drops them too but accepts new ones and never answers (a host that is gone);
    `relay()` carries traffic again, on the same port.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._blackhole = False
        self._writers: set[asyncio.StreamWriter] = set()

    async def relay(self) -> None:
        self._blackhole = False
        self._drop()
        await self._listen()

    async def blackhole(self) -> None:
        self._blackhole = True
        self._drop()
        await self._listen()

    async def refuse(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._drop()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def _drop(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self._blackhole:
                while await reader.read(65536):
                    pass  # swallowed: no answer ever comes
                return
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
            self._writers.add(upstream_writer)
            await asyncio.gather(_pump(reader, upstream_writer), _pump(upstream_reader, writer))
        except OSError:
            pass
        finally:
            writer.transport.abort()


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        sink.transport.abort()
