"""No request can push a workflow over Temporal's limits, or break the connection it came on.

The production app and worker, served by a real uvicorn on a free port, driven over real sockets:
bodies, JSON depth, invalid Unicode and request heads are refused at once with a problem, and a
kept-alive connection goes on serving after each refusal.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.server import BoundedHttpToolsProtocol
from models.limits import MAX_ACTION_BYTES, MAX_FILING_BYTES, MAX_JSON_DEPTH
from models.roles import Role
from tests.api_harness import Api, ksdd_filing_json
from tests.dev_instance import free_port

PROBLEM = "urn:mufakat:problem:"
MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}
# The stock protocol (as `uvicorn.run` picks it) and the one that bounds heads as they arrive.
PROTOCOLS = ["httptools", BoundedHttpToolsProtocol]


@asynccontextmanager
async def serving(app: FastAPI, http: Any = BoundedHttpToolsProtocol) -> AsyncIterator[int]:
    """uvicorn serving the app on a free loopback port, with `mufakat api`'s options; the port."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=http,
        ws="none",
        lifespan="off",  # the harness hands the app its Temporal client
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def over_http(api: Api) -> AsyncIterator[Api]:
    """The harness's API, its keys and helpers, over a real socket instead of in process."""
    async with (
        serving(api.app) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        yield Api(app=api.app, client=http, tokens=api.tokens)


class Connection:
    """One kept-alive HTTP/1.1 connection, written and read byte for byte."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        """Write a request; the status, headers and body of its answer (within 10 s)."""
        self.writer.write(head + body)
        await self.writer.drain()
        raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)
        lines = raw.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if line)
        headers = {name.lower(): value for name, value in headers.items()}
        content = await asyncio.wait_for(
            self.reader.readexactly(int(headers["content-length"])), 10
        )
        return int(lines[0].split(" ")[1]), headers, content


@asynccontextmanager
async def connect(port: int) -> AsyncIterator[Connection]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MIB)
    try:
        yield Connection(reader, writer)
    finally:
        writer.close()


def head(method: str, path: str, headers: Iterable[tuple[str, str]] = ()) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{n}: {v}" for n, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def action_head(http: Api, case_id: str, body: bytes, key: str) -> bytes:
    return head(
        "POST",
        f"/v1/cases/{case_id}/actions",
        [
            *http.headers(Role.OPERATOR, key=key).items(),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ],
    )


def problem_type(body: bytes) -> str:
    kind: str = json.loads(body)["type"]
    return kind.removeprefix(PROBLEM)


async def test_an_oversized_action_is_refused_at_once_and_the_case_goes_on(api: Api) -> None:
    async with over_http(api) as http:
        case_id = await http.case()
        started = time.monotonic()
        huge = await http.act(case_id, Role.OPERATOR, None, "add_note", text="x" * (3 * MIB))
        assert huge.status_code == 413, huge.text
        assert time.monotonic() - started < 5  # refused, not left to time out as "retry later"
        assert huge.json()["type"] == PROBLEM + "payload_too_large"
        assert str(MAX_ACTION_BYTES) in huge.json()["detail"]

        # A body that declares no length is counted as it streams in.
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"action": "add_note", "text": "'
            for _ in range(48):
                yield b"x" * 65536
            yield b'"}'

        streamed = await http.client.post(
            f"/v1/cases/{case_id}/actions",
            content=chunks(),
            headers={**http.headers(Role.OPERATOR, key="streamed"), **JSON},
        )
        assert streamed.status_code == 413, streamed.text
        assert streamed.json()["type"] == PROBLEM + "payload_too_large"

        # Nothing of either reached the case, which takes the next action as usual.
        note = await http.act(case_id, Role.OPERATOR, None, "add_note", text="Catatan rapat")
        assert note.status_code == 200, note.text
        timeline = (await http.get(f"/v1/cases/{case_id}/timeline")).json()["items"]
        notes = [item for item in timeline if item["action"] == "add_note"]
        assert [item["payload"] for item in notes] == [{"text": "Catatan rapat"}]


async def test_an_oversized_filing_is_refused(api: Api) -> None:
    # An unknown field is dropped by the filing's model, so only the size limit refuses this.
    filing = {**ksdd_filing_json(), "lampiran": "x" * MAX_FILING_BYTES}
    async with over_http(api) as http:
        refused = await http.file(filing)
        assert refused.status_code == 413, refused.text
        assert refused.json()["type"] == PROBLEM + "payload_too_large"
        assert str(MAX_FILING_BYTES) in refused.json()["detail"]
        assert (await http.get("/v1/cases")).json()["items"] == []


async def test_deeply_nested_json_is_refused_naming_the_limit(api: Api) -> None:
    async with over_http(api) as http:
        case_id = await http.case()
        # In the object at the top, arrays `depth` deep: 30,000 overflows a recursive parser.
        for depth in (MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, 300, 30_000):
            nested = b'{"action": "add_note", "text": "x", "lampiran": '
            body = nested + b"[" * depth + b"]" * depth + b"}"
            response = await http.client.post(
                f"/v1/cases/{case_id}/actions",
                content=body,
                headers={**http.headers(Role.OPERATOR, key=f"deep-{depth}"), **JSON},
            )
            assert response.status_code == 422, response.text
            problem = response.json()
            if depth < MAX_JSON_DEPTH:
                # Within the limit, the payload's own validation refuses the unknown field.
                assert problem["type"] == PROBLEM + "bad_payload", problem
                continue
            assert problem["type"] == PROBLEM + "invalid_request"
            assert f"paling dalam {MAX_JSON_DEPTH} tingkat" in problem["detail"]
            assert problem["errors"] == [
                {
                    "in": "body",
                    "pointer": "",
                    "code": "json_too_deep",
                    "message": f"JSON bersarang paling dalam {MAX_JSON_DEPTH} tingkat",
                }
            ]


async def test_each_refusal_keeps_the_connection(api: Api) -> None:
    note = b'{"action": "add_note", "text": "Catatan %s"}'
    deep = b'{"action": "add_note", "text": "x", "x": ' + b"[" * 300 + b"]" * 300 + b"}"
    refused = [
        (note % (b"x" * (3 * MIB)), 413, "payload_too_large", str(MAX_ACTION_BYTES)),
        (note % b"\\ud800", 422, "invalid_request", "body /text: teks harus Unicode"),  # half
        (b'{"action": "add_note", "\\udfff": "x"}', 422, "invalid_request", "tanpa surrogate"),
        (note % b"\xed\xa0\x80", 422, "invalid_request", "body: bukan UTF-8 yang sah (byte ke-40)"),
        (deep, 422, "invalid_request", "paling dalam"),
    ]
    async with over_http(api) as http:
        case_id = await http.case()
        assert http.client.base_url.port is not None
        async with connect(http.client.base_url.port) as connection:
            for n, (body, status, kind, detail) in enumerate(refused):
                answer = await connection.send(action_head(http, case_id, body, f"bad-{n}"), body)
                assert answer[0] == status, answer
                assert problem_type(answer[2]) == kind
                assert detail in json.loads(answer[2])["detail"]
                assert "connection" not in answer[1]  # kept alive
            # The same connection then serves the next request, astral characters included.
            fine = note % b"\\ud83d\\ude00"
            answer = await connection.send(action_head(http, case_id, fine, "fine"), fine)
            assert answer[0] == 200, answer


@pytest.mark.parametrize("http", PROTOCOLS, ids=["httptools", "bounded"])
async def test_oversized_headers_are_refused(api: Api, http: Any) -> None:
    huge = head("GET", "/v1/cases", [("X-Lampiran", "a" * (16 * MIB))])
    many = head("GET", "/v1/cases", [(f"X-Catatan-{n}", "v") for n in range(5000)])
    async with serving(api.app, http) as port:
        for request in (huge, many):
            async with connect(port) as connection:
                status, headers, answer = await connection.send(request)
                assert status == 431, answer
                assert problem_type(answer) == "headers_too_large"
                assert headers["content-type"] == "application/problem+json"


async def test_a_head_that_never_ends_is_refused_as_it_arrives(api: Api) -> None:
    unending = b"GET /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lampiran: " + b"a" * 65536
    async with serving(api.app) as port, connect(port) as connection:
        status, _, answer = await connection.send(unending)
        assert status == 431, answer
        assert problem_type(answer) == "headers_too_large"
    # Negative control: the stock protocol waits for the end of the head, however long.
    async with serving(api.app, "httptools") as port, connect(port) as connection:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(connection.send(unending), 1)
