"""The listening server: routing, the shutdown guard and the connection registry.

Routing follows PROTOCOL §1: exact paths first (tag, beacon, JSON endpoints, ``/ping``,
``/health``), then the static catch-all when it is enabled, then 404. Once the shutdown
sequence stops accepting work, every new request is answered 503 before routing.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from divolte.http import responses
from divolte.http.protocol import HttpConnection
from divolte.http.request import Request

log = logging.getLogger("divolte.http")

Handler = Callable[[Request], None]
PeerResolver = Callable[[Request], str]


@dataclass(slots=True)
class Route:
    handler: Handler
    methods: frozenset[str]
    allow: str
    """Value of the ``Allow`` header of the 405 answer."""


@dataclass
class ServerState:
    """Everything connections share: routes, limits and what the lifecycle decided."""

    routes: dict[str, Route] = field(default_factory=dict)
    fallback: Handler | None = None
    """Catch-all for paths without an exact route (the static pages), if enabled."""
    resolve_peer: PeerResolver | None = None
    max_target: int = 65536
    max_header_bytes: int = 65536
    max_body_bytes: int = 65536
    """Body limit of paths without one of their own (only JSON sources take bodies)."""
    request_timeout: float = 30.0
    """Seconds a client has to send a whole request once it started one (then 408)."""
    keepalive_timeout: float = 75.0
    """Seconds an idle keep-alive connection is kept (longer than nginx's upstream 60 s)."""
    body_limits: dict[str, int] = field(default_factory=dict)
    """Per-path body limits (JSON sources), checked while the body arrives."""
    refusing: bool = False
    """Set by the shutdown sequence: new requests get 503 from here on."""
    connections: set[HttpConnection] = field(default_factory=set)
    refused: Counter[int] = field(default_factory=Counter)
    sweeper: asyncio.Task[None] | None = None

    def add_route(self, path: str, methods: set[str], handler: Handler) -> None:
        if path in self.routes:
            log.warning("Path %s is registered twice; the later registration wins.", path)
        allow = ", ".join(sorted(methods))
        self.routes[path] = Route(handler, frozenset(methods), allow)

    def dispatch(self, request: Request) -> None:
        if self.refusing:
            request.send(
                responses.text(503, "Shutting down.", keep_alive=False, server_header=False)
            )
            return
        if self.resolve_peer is not None:
            request.peer = self.resolve_peer(request)
        route = self.routes.get(request.path)
        if route is not None:
            if request.method in route.methods:
                route.handler(request)
            else:
                request.send(
                    responses.method_not_allowed(
                        request.method, route.allow, keep_alive=request.keep_alive
                    )
                )
        elif self.fallback is not None:
            self.fallback(request)
        else:
            request.send(responses.not_found(keep_alive=request.keep_alive))

    def count_refused(self, status: int) -> None:
        self.refused[status] += 1
        log.debug("Refused a malformed or oversized request with status %d.", status)

    def busy_connections(self) -> int:
        return sum(1 for connection in self.connections if connection.busy)

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def expire_connections(self) -> None:
        """Once a second, time out connections past their deadline. One sweep instead of a
        timer per request keeps the per-request cost to one assignment."""
        while True:
            await asyncio.sleep(1.0)
            now = self.now()
            for connection in [c for c in self.connections if c.deadline < now]:
                connection.time_out()


async def listen(state: ServerState, sock: socket.socket) -> asyncio.Server:
    """Start accepting connections on an already bound and listening socket."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpConnection(state), sock=sock, backlog=1024)
    state.sweeper = loop.create_task(state.expire_connections(), name="expire-connections")
    return server
