"""``/health`` (the seed's form) and ``/ping`` (the later reference's form).

Both are cheap and never touch a sink. ``/health`` answers 200 ``OK`` until a shutdown
signal arrives and 503 ``SHUTDOWN`` from then on; ``/ping`` answers ``pong`` and then 503
``No p*ng for you, shutting down`` (OPERATIONS §3, DESIGN §2). Any method is accepted.
"""

from __future__ import annotations

from collections.abc import Callable

from divolte.http import responses
from divolte.http.request import Request
from divolte.http.server import ServerState

ALL_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}


def register_health(server: ServerState, shutting_down: Callable[[], bool]) -> None:
    def endpoint(ok: str, failing: str) -> Callable[[Request], None]:
        def handle(request: Request) -> None:
            down = shutting_down()
            body = responses.text(
                503 if down else 200, failing if down else ok, keep_alive=request.keep_alive
            )
            request.send(body)

        return handle

    server.add_route("/health", ALL_METHODS, endpoint("OK", "SHUTDOWN"))
    server.add_route("/ping", ALL_METHODS, endpoint("pong", "No p*ng for you, shutting down"))
