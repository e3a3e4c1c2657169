"""The HTTP connection against misbehaving clients, with a real server on loopback.

Each test runs the collector's HTTP layer in-process (no collector around it) with small
limits and timeouts, so that bounds can be checked quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from divolte.http import responses
from divolte.http.request import Request
from divolte.http.server import ServerState, listen


def _state(**limits: float) -> ServerState:
    state = ServerState(**limits)  # type: ignore[arg-type]

    def echo(request: Request) -> None:
        body = f"{request.path}?{request.raw_query}".encode()
        request.send(responses.simple(200, body, keep_alive=request.keep_alive))

    state.add_route("/echo", {"GET"}, echo)
    state.add_route("/big", {"GET"}, lambda r: r.send(responses.simple(200, b"x" * 65536)))
    return state


@contextlib.asynccontextmanager
async def serving(state: ServerState) -> AsyncIterator[int]:
    """The HTTP layer on a free loopback port; everything closed afterwards."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    server = await listen(state, sock)
    try:
        yield sock.getsockname()[1]
    finally:
        server.close()
        for connection in list(state.connections):
            connection.close_when_idle(force=True)
        if state.sweeper is not None:
            state.sweeper.cancel()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def connected(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _read_all(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes:
    chunks = []
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), timeout):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coroutine)


async def _request(port: int, data: bytes) -> bytes:
    async with connected(port) as (reader, writer):
        writer.write(data)
        return await _read_all(reader)


def test_a_header_line_that_never_ends_gets_431_without_growing() -> None:
    async def scenario() -> None:
        state = _state()
        limit = state.max_target + state.max_header_bytes
        async with serving(state) as port, connected(port) as (reader, writer):
            writer.write(b"GET /echo HTTP/1.1\r\nX-Endless: ")
            sent, answer = 0, b""
            while sent < 4 * limit and not answer:
                try:
                    writer.write(b"a" * 16384)
                    await writer.drain()
                except ConnectionError:
                    break
                sent += 16384
                with contextlib.suppress(TimeoutError):
                    answer = await asyncio.wait_for(reader.read(65536), 0.01)
            answer += await _read_all(reader, 1.0)
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert sent <= limit + 65536  # refused soon after the limit, not after megabytes

    run(scenario())


def test_pipelined_requests_of_a_client_that_does_not_read_wait_for_it() -> None:
    async def scenario() -> None:
        state = _state()
        count = 3000  # 3000 answers of 64 KiB: 192 MiB if they were all buffered at once
        async with serving(state) as port, connected(port) as (reader, writer):
            writer.write(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n" * count)
            await writer.drain()
            await asyncio.sleep(0.5)
            (connection,) = state.connections
            transport = connection._transport
            assert transport is not None
            assert transport.get_write_buffer_size() < 8 * 1024 * 1024
            assert connection.busy  # requests are still waiting for their answers
            received = 0
            while received < count * 65536:
                chunk = await asyncio.wait_for(reader.read(1 << 20), 5)
                assert chunk
                received += len(chunk)

    run(scenario())


def test_an_unfinished_request_gets_408_and_an_idle_connection_is_closed() -> None:
    async def scenario() -> None:
        state = _state(request_timeout=0.3, keepalive_timeout=0.3)
        async with serving(state) as port:
            unfinished = await _request(port, b"GET /echo HTTP/1.1\r\nHost: x\r\n")
            assert unfinished.startswith(b"HTTP/1.1 408 ")
            async with connected(port) as (reader, writer):
                writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = await _read_all(reader, 4.0)  # answered, then closed when idle
                assert answer.startswith(b"HTTP/1.1 200 ")
                assert reader.at_eof()

    run(scenario())


@pytest.mark.parametrize(
    ("request_line", "expected"),
    [
        (b"GET http://collector.example/echo?a=1 HTTP/1.1", b"/echo?a=1"),
        (b"GET https://collector.example HTTP/1.1", None),
        (b"GET /echo?a=1#fragment&b=2 HTTP/1.1", b"/echo?a=1"),
    ],
)
def test_absolute_targets_and_fragments(request_line: bytes, expected: bytes | None) -> None:
    async def scenario() -> None:
        async with serving(_state()) as port:
            answer = await _request(
                port, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
        if expected is None:
            assert answer.startswith(b"HTTP/1.1 404 ")  # "/" has no route here
        else:
            assert answer.startswith(b"HTTP/1.1 200 ")
            assert answer.endswith(b"\r\n\r\n" + expected)

    run(scenario())


def test_an_upgrade_request_is_answered_once_without_a_stray_400() -> None:
    async def scenario() -> None:
        async with serving(_state()) as port:
            answer = await _request(
                port,
                b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
            )
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert b"HTTP/1.1 400" not in answer

    run(scenario())


def test_bodies_on_paths_without_a_body_limit_are_capped() -> None:
    async def scenario() -> None:
        state = _state()
        size = state.max_body_bytes + 1
        async with serving(state) as port:
            answer = await _request(
                port, b"GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size
            )
        assert answer.startswith(b"HTTP/1.1 413 ")

    run(scenario())


def test_a_refused_client_that_keeps_sending_still_reads_its_answer() -> None:
    """After a 413 the server stops writing but keeps reading (and dropping) for a moment, so
    the client's further bytes do not provoke a reset that would destroy the answer."""

    async def scenario() -> None:
        state = _state()
        async with serving(state) as port, connected(port) as (reader, writer):
            writer.write(b"GET /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (8192, b"z" * 8192)
            for _ in range(40):  # 320 KiB, far past the 64 KiB limit
                writer.write(chunk)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
            answer = await _read_all(reader, 3.0)
        assert answer.startswith(b"HTTP/1.1 413 ")

    run(scenario())
