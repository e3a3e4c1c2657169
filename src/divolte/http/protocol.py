"""One HTTP/1.1 connection: a bare asyncio protocol over the httptools parser.

No framework sits between the socket and the handlers: the parser calls back into this
class, a complete request is routed synchronously, and the handler writes its response bytes
directly. Limits answer with a defined status and close the connection instead of resetting
it: a request target longer than ``max_target`` gets 414, headers larger than
``max_header_bytes`` get 431 (counted on the raw bytes too, since the parser only reports a
header line once it is complete), a body over the path's limit 413, a request not complete
within ``request_timeout`` 408, unparseable input 400.

Memory per connection stays bounded whatever the client does: when the client stops reading
its answers, the transport's buffer fills, ``pause_writing`` stops reading from the socket and
further pipelined requests wait, parsed but not answered, until it drains.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from typing import TYPE_CHECKING, cast

import httptools

from divolte.http import responses
from divolte.http.request import Request, canonical_path
from divolte.http.stream import ResponseStream

if TYPE_CHECKING:
    from divolte.http.server import ServerState

log = logging.getLogger("divolte.http")


class _Refused(Exception):
    """Raised inside a parser callback to abandon the request with a status."""

    def __init__(self, status: int) -> None:
        self.status = status


_LINGER_SECONDS = 2.0
"""How long a refused request's remaining bytes are read and dropped before closing."""

_HEAD_SLACK = 16384
"""Bytes allowed beyond the target and header limits for the request line and line ends."""


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "_body",
        "_body_limit",
        "_body_size",
        "_closing",
        "_discarding",
        "_head_bytes",
        "_header_bytes",
        "_headers",
        "_in_head",
        "_parser",
        "_path",
        "_peer",
        "_pending",
        "_query",
        "_state",
        "_stream",
        "_transport",
        "_url",
        "_write_paused",
        "busy",
        "deadline",
    )

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._peer = ""
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_bytes = 0
        self._body: list[bytes] = []
        self._body_size = 0
        self._body_limit = state.max_body_bytes
        self._path = "/"
        self._query = ""
        self._closing = False
        self._discarding = False
        self._stream: ResponseStream | None = None
        self._in_head = False
        self._head_bytes = 0
        self._write_paused = False
        self._pending: deque[Request] = deque()
        self.busy = False
        """True between the first byte of a request and its response."""
        self.deadline = math.inf
        """Loop time after which the connection is timed out (see ServerState.expire)."""

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self._peer = str(peer[0]) if peer else ""
        self._state.connections.add(self)
        self.deadline = self._state.now() + self._state.keepalive_timeout

    def connection_lost(self, exc: Exception | None) -> None:
        self._state.connections.discard(self)
        self._transport = None
        if self._stream is not None:
            self._stream.lost()

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            return  # after a refusal, until the client stops or the linger time is over
        if self._in_head:
            self._head_bytes += len(data)
            if (
                self._head_bytes
                > self._state.max_target + self._state.max_header_bytes + _HEAD_SLACK
            ):
                self._refuse(431)
                return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__
            status = cause.status if isinstance(cause, _Refused) else 400
            self._refuse(status)
        except httptools.HttpParserUpgrade:
            # An Upgrade or CONNECT request was answered like any other; the parser stops
            # there, so the connection ends after the answer.
            self.close_when_idle()
        except httptools.HttpParserError:
            self._refuse(400)

    def pause_writing(self) -> None:
        self._write_paused = True
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        while self._pending and not self._write_paused:
            self._dispatch(self._pending.popleft())
        if not self._write_paused and self._transport is not None:
            self._transport.resume_reading()

    # parser callbacks

    def on_message_begin(self) -> None:
        self.busy = True
        self._in_head = True
        self._head_bytes = 0
        self.deadline = self._state.now() + self._state.request_timeout
        self._url = b""
        self._headers = []
        self._header_bytes = 0
        self._body = []
        self._body_size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self._state.max_target:
            raise _Refused(414)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > self._state.max_header_bytes:
            raise _Refused(431)
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._in_head = False
        target = self._url.decode("latin-1")
        if target[:1] != "/" and "://" in target:
            # Absolute form (RFC 9112 §3.2.2): only the path and query matter here.
            authority_and_path = target.split("://", 1)[1]
            slash = authority_and_path.find("/")
            target = "/" if slash < 0 else authority_and_path[slash:]
        target = target.partition("#")[0]
        raw_path, _, self._query = target.partition("?")
        self._path = canonical_path(raw_path)
        self._body_limit = self._state.body_limits.get(self._path, self._state.max_body_bytes)
        expects_continue = False
        for name, value in self._headers:
            lower = name.lower()
            if lower == b"content-length" and value.strip().isdigit():
                # Refuse before reading a body that is announced too large.
                if int(value) > self._body_limit:
                    raise _Refused(413)
            elif lower == b"expect" and value.strip().lower() == b"100-continue":
                expects_continue = True
        if expects_continue:
            self._send_unchecked(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._body_size > self._body_limit:
            raise _Refused(413)
        self._body.append(body)

    def on_message_complete(self) -> None:
        parser = self._parser
        keep_alive = parser.should_keep_alive() and not self._closing
        request = Request(
            method=parser.get_method().decode("ascii", "replace"),
            path=self._path,
            raw_query=self._query,
            headers=self._headers,
            peer=self._peer,
            keep_alive=keep_alive,
            send=self._respond if keep_alive else self._respond_and_close,
            body=b"".join(self._body) if self._body else b"",
            connection=self,
        )
        if self._write_paused or self._pending:
            self._pending.append(request)  # answered in order once the client reads again
        else:
            self._dispatch(request)

    def _dispatch(self, request: Request) -> None:
        self.deadline = math.inf  # the handler answers; no timeout while it does
        try:
            self._state.dispatch(request)
        except Exception:  # a handler bug must cost one request, never the connection loop
            log.exception("Unexpected error while handling %s %s", request.method, request.path)
            self._send_unchecked(responses.text(500, "Internal server error.", keep_alive=False))
            self._close()

    # writing

    def open_stream(self, head: bytes) -> ResponseStream:
        """Answer with ``head`` now and keep writing until either side closes (see stream.py);
        the connection counts as idle from here on."""
        self._send_unchecked(head)
        self.busy = False
        self.deadline = math.inf  # a stream lives as long as its reader
        self._stream = ResponseStream(self._transport, self._close)
        return self._stream

    def _respond(self, data: bytes) -> None:
        self._send_unchecked(data)
        self.busy = bool(self._pending)
        self.deadline = self._state.now() + self._state.keepalive_timeout
        if self._closing and not self._pending:
            self._close()

    def _respond_and_close(self, data: bytes) -> None:
        self._send_unchecked(data)
        self._close()

    def _send_unchecked(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _refuse(self, status: int) -> None:
        messages = {
            400: "Malformed HTTP request.",
            408: "Request not completed in time.",
            413: "Request body too large.",
            414: "Request target too long.",
            431: "Request header fields too large.",
        }
        self._state.count_refused(status)
        self._send_unchecked(responses.text(status, messages[status], keep_alive=False))
        self._linger()

    def _linger(self) -> None:
        """Close after an answer the client may still be talking over (a refused body or
        header): stop writing, discard what still arrives for a moment, then close. Closing
        at once would make the kernel answer the client's next bytes with a reset, which can
        destroy the answer before the client reads it."""
        transport = self._transport
        self.busy = False
        self._in_head = False
        self._discarding = True
        if transport is None or transport.is_closing() or not transport.can_write_eof():
            self._close()
            return
        transport.write_eof()
        self.deadline = self._state.now() + _LINGER_SECONDS

    def _close(self) -> None:
        self.busy = False
        if self._transport is not None:
            self._transport.close()

    def time_out(self) -> None:
        """Called when ``deadline`` passed: an unfinished request gets 408, an idle
        keep-alive connection or a lingering one is closed."""
        if self._discarding:
            self._close()
        elif self.busy:
            self._refuse(408)
        else:
            self._close()

    def close_when_idle(self, *, force: bool = False) -> None:
        """Used by the shutdown: idle keep-alive connections close now, busy ones after
        their response (or now, with ``force``)."""
        self._closing = True
        if force or not self.busy:
            self._close()
