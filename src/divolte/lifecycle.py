"""Signals and the shutdown sequence (OPERATIONS §4, the seed's "Service endpoints").

SIGTERM or SIGINT → ``/health`` and ``/ping`` answer 503 at once while events are still
accepted → wait ``shutdown_delay`` → refuse new requests with 503 and stop listening →
wait up to ``shutdown_timeout`` for requests in progress → the caller flushes and closes
every sink. A second signal only cuts the waits short; it never skips the flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time

from divolte.http.server import ServerState

log = logging.getLogger("divolte.lifecycle")


class Lifecycle:
    def __init__(self) -> None:
        self.shutting_down = False
        self._requested = asyncio.Event()
        self._hurry = asyncio.Event()

    def install_signal_handlers(self, hurry_signal: int | None = None) -> None:
        """SIGTERM and SIGINT start the shutdown and, repeated, hurry it; or, in a worker
        process (``hurry_signal`` given), SIGTERM only starts it, ``hurry_signal`` hurries it
        and SIGINT is left to the supervisor."""
        loop = asyncio.get_running_loop()
        if hurry_signal is None:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_shutdown, sig.name)
            return
        loop.add_signal_handler(signal.SIGTERM, self.request_shutdown, "SIGTERM", False)
        loop.add_signal_handler(hurry_signal, self.request_shutdown, "repeated signal")

    def request_shutdown(self, reason: str = "request", hurry_if_repeated: bool = True) -> None:
        if self.shutting_down:
            if hurry_if_repeated:
                log.warning("Second shutdown request (%s): cutting the waits short.", reason)
                self._hurry.set()
            return
        log.warning("Requested to shut down (%s); starting graceful shutdown.", reason)
        self.shutting_down = True
        self._requested.set()

    async def wait_for_request(self) -> None:
        await self._requested.wait()

    async def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hurry.wait(), seconds)

    async def drain_http(
        self, state: ServerState, server: asyncio.Server, delay: float, timeout: float
    ) -> bool:
        """Run the HTTP part of the shutdown; True when every request completed."""
        if delay > 0:
            log.info("Waiting %.1f s to let load balancers notice the shutdown.", delay)
            await self._pause(delay)
        state.refusing = True
        server.close()
        for connection in list(state.connections):
            connection.close_when_idle()
        log.info("Stopped accepting requests; waiting up to %.1f s for open ones.", timeout)
        started = time.monotonic()
        deadline = started + timeout
        while state.busy_connections() and time.monotonic() < deadline:
            if self._hurry.is_set():
                break
            await asyncio.sleep(0.05)
        remaining = state.busy_connections()
        waited = time.monotonic() - started
        if remaining:
            log.warning("%d requests still open after %.1f s; closing them.", remaining, waited)
        else:
            log.info("All requests completed after %.2f s.", waited)
        for connection in list(state.connections):
            connection.close_when_idle(force=True)
        return remaining == 0
