"""The JSON source: events POSTed by apps and servers (PROTOCOL §3).

Answers follow §3.3 in its order of checks; the body is validated after the 204 went out.
Deliberate differences (DESIGN §2): ``application/json`` with parameters such as
``; charset=utf-8`` is accepted, and a body that cannot become an event is dropped with a
counted reason and a log line, never a crash.
"""

from __future__ import annotations

import logging
import time

from divolte.event import RequestInfo
from divolte.http import responses
from divolte.http.request import Request, parse_query
from divolte.http.server import ServerState
from divolte.identifiers import parse_identifier
from divolte.observe import Happenings
from divolte.sources.browser import EventSink
from divolte.sources.json_body import InvalidBody, parse_json_event

BUFFER_UNIT = 4096
"""The reference reads bodies in 4096-byte buffers, so its limit is rounded up to one."""


def effective_body_limit(maximum_body_size: int) -> int:
    return -(-maximum_body_size // BUFFER_UNIT) * BUFFER_UNIT


def is_json_content_type(values: list[bytes]) -> bool:
    if len(values) != 1:
        return False
    media_type = values[0].split(b";", 1)[0].strip().lower()
    return media_type == b"application/json"


class JsonSource:
    def __init__(
        self,
        name: str,
        event_path: str,
        party_id_parameter: str,
        maximum_body_size: int,
        on_event: EventSink,
        happenings: Happenings,
    ) -> None:
        self.name = name
        self.event_path = event_path
        self._party_parameter = party_id_parameter
        self.body_limit = effective_body_limit(maximum_body_size)
        self._on_event = on_event
        self._happenings = happenings

    def register(self, server: ServerState) -> None:
        server.add_route(self.event_path, {"POST"}, self.handle)
        server.body_limits[self.event_path] = self.body_limit

    def _answer(self, request: Request, status: int) -> None:
        request.send(responses.simple(status, keep_alive=request.keep_alive))

    def handle(self, request: Request) -> None:
        if not is_json_content_type(request.header_values(b"content-type")):
            request.send(
                responses.text(
                    415, "Content type must be application/json.", keep_alive=request.keep_alive
                )
            )
            return
        if not request.body:
            self._answer(request, 400)
            return
        params, _ = parse_query(request.raw_query)
        values = params.get(self._party_parameter)
        party = parse_identifier(values[0]) if values else None
        if party is None:
            self._answer(request, 400)
            return
        self._answer(request, 204)
        self._happenings.event_received(self.name)
        info = RequestInfo(remote_host=request.peer, raw_headers=request.headers, query=params)
        try:
            event = parse_json_event(
                request.body, party, info, self.name, time.time_ns() // 1_000_000
            )
        except InvalidBody as invalid:
            self._happenings.event_dropped(self.name, invalid.reason, str(invalid), logging.INFO)
            return
        self._on_event(event)
