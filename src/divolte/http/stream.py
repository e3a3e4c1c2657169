"""A response that keeps going: server-sent events (the event inspector).

A handler calls ``request.connection.open_stream(head)`` instead of ``request.send``: the
head goes out at once, without a length, and the body is whatever :meth:`ResponseStream.write`
adds until either side closes the connection. The connection counts as idle, so a shutdown
closes it at once instead of waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

MAX_BUFFER = 1 << 20
"""Bytes a slow reader may leave unread before writes are skipped rather than buffered."""


class ResponseStream:
    __slots__ = ("_close", "_transport", "closed", "on_close")

    def __init__(self, transport: asyncio.Transport | None, close: Callable[[], None]) -> None:
        self._transport = transport
        self._close = close
        self.closed = transport is None
        self.on_close: Callable[[], None] | None = None
        """Called once when the stream ends, whichever side ended it."""

    def write(self, data: bytes) -> bool:
        """Send ``data``; False (nothing sent) when the stream is closed or the reader lags."""
        transport = self._transport
        if self.closed or transport is None:
            return False
        if transport.get_write_buffer_size() > MAX_BUFFER:
            return False
        transport.write(data)
        return True

    def close(self) -> None:
        if not self.closed:
            self._close()
            self.lost()

    def lost(self) -> None:
        """The connection is gone (called by the connection)."""
        if self._transport is None and self.closed and self.on_close is None:
            return
        self.closed = True
        self._transport = None
        on_close, self.on_close = self.on_close, None
        if on_close is not None:
            on_close()
