"""``GET /metrics`` (Prometheus), ``/health/sinks`` (readiness of the sinks), request metrics.

Request metrics come from :class:`ObservedServerState`: with an observer set, ``dispatch``
wraps the request's ``send`` so that the response, whenever it is written (a delayed beacon
later), is counted by endpoint and status and its latency observed. Refused requests (400,
413, 414, 431) are counted under the endpoint ``malformed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import orjson

from divolte.http import responses
from divolte.http.request import Request
from divolte.http.server import ServerState
from divolte.metrics import Metrics
from divolte.observe import EndpointFigures, HttpHappenings

_now = time.perf_counter


@dataclass
class ObservedServerState(ServerState):
    """The server state with request metrics; without an ``observer`` it is the plain one."""

    observer: HttpHappenings | None = None
    _by_path: dict[str, EndpointFigures] = field(default_factory=dict, init=False, repr=False)

    def dispatch(self, request: Request) -> None:
        observer = self.observer
        # Fast path: metrics off, nothing to wrap.
        if observer is not None:
            figures = self._by_path.get(request.path)
            if figures is None:
                figures = self._figures(observer, request.path)
            # partial: built in C, cheaper than a wrapper object (about 1 µs in all, measured)
            request.send = partial(figures.sent, request.send, _now())
        ServerState.dispatch(self, request)

    def _figures(self, observer: HttpHappenings, path: str) -> EndpointFigures:
        if path in self.routes:
            figures = self._by_path[path] = observer.endpoint(path)
            return figures
        return observer.endpoint("static" if self.fallback is not None else "unknown")

    def count_refused(self, status: int) -> None:
        if self.observer is None:
            ServerState.count_refused(self, status)
        else:
            self.refused[status] += 1
            self.observer.refused(status)  # counts and logs


class MetricsEndpoint:
    """The instance's metrics; ``before_scrape`` brings this worker's sampled figures up to date."""

    def __init__(self, metrics: Metrics, before_scrape: Callable[[], object] | None = None):
        self._metrics = metrics
        self._before = before_scrape

    def __call__(self, request: Request) -> None:
        if self._before is not None:
            self._before()
        accept = request.first_header(b"accept")
        body, content_type = self._metrics.exposition(
            accept.decode("latin-1") if accept is not None else None
        )
        request.send(
            responses.simple(
                200,
                body,
                [("Content-Type", content_type), ("Cache-Control", "no-store")],
                keep_alive=request.keep_alive,
                send_body=request.method == "GET",
            )
        )


class SinksHealthEndpoint:
    """200 while every sink writes normally, 503 naming the failing sinks otherwise.

    ``failing`` returns the names of failing sinks (``SinkMonitor.failing``: this worker's
    sinks now, the other workers' as sampled at most a second ago).
    """

    def __init__(self, failing: Callable[[], list[str]]) -> None:
        self._failing = failing

    def __call__(self, request: Request) -> None:
        failing = self._failing()
        body = {"status": "failing", "failing": failing} if failing else {"status": "ok"}
        request.send(
            responses.simple(
                503 if failing else 200,
                orjson.dumps(body) + b"\n",
                [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                keep_alive=request.keep_alive,
                send_body=request.method != "HEAD",
            )
        )
