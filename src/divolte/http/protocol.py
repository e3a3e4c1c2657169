"""One HTTP/1.1 connection: a bare asyncio protocol over the httptools parser.

No framework sits between the socket and the handlers (DESIGN §4): the parser calls back
into this class, a complete request is routed synchronously, and the handler writes its
response bytes directly. Limits answer with a defined status and close the connection
instead of resetting it: a request target longer than ``max_target`` gets 414, headers
larger than ``max_header_bytes`` get 431, unparseable input gets 400 (cases C-03, C-12).
"""

from __future__ import annotations

import asyncio
import logging
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


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "_body",
        "_body_limit",
        "_body_size",
        "_closing",
        "_header_bytes",
        "_headers",
        "_parser",
        "_path",
        "_peer",
        "_query",
        "_state",
        "_stream",
        "_transport",
        "_url",
        "busy",
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
        self._stream: ResponseStream | None = None
        self.busy = False
        """True between the first byte of a request and its response."""

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self._peer = str(peer[0]) if peer else ""
        self._state.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._state.connections.discard(self)
        self._transport = None
        if self._stream is not None:
            self._stream.lost()

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__
            status = cause.status if isinstance(cause, _Refused) else 400
            self._refuse(status)
        except httptools.HttpParserUpgrade:
            self._refuse(400)
        except httptools.HttpParserError:
            self._refuse(400)

    # parser callbacks

    def on_message_begin(self) -> None:
        self.busy = True
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
        raw_path, _, self._query = self._url.decode("latin-1").partition("?")
        self._path = canonical_path(raw_path.partition("#")[0])
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
        self._stream = ResponseStream(self._transport, self._close)
        return self._stream

    def _respond(self, data: bytes) -> None:
        self._send_unchecked(data)
        self.busy = False
        if self._closing:
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
            413: "Request body too large.",
            414: "Request target too long.",
            431: "Request header fields too large.",
        }
        self._state.count_refused(status)
        self._send_unchecked(responses.text(status, messages[status], keep_alive=False))
        self._close()

    def _close(self) -> None:
        self.busy = False
        if self._transport is not None:
            self._transport.close()

    def close_when_idle(self, *, force: bool = False) -> None:
        """Used by the shutdown: idle keep-alive connections close now, busy ones after
        their response (or now, with ``force``)."""
        self._closing = True
        if force or not self.busy:
            self._close()
