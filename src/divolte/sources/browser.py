"""The browser source: the tag at ``{prefix}{javascript.name}`` and the beacon at
``{prefix}{event_suffix}`` (PROTOCOL §2 and §4).

The beacon's answer does not depend on the event (§2.3), so it is written first, from
bytes built at start-up; the event is parsed and handed to the pipeline afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from divolte.event import Event, RequestInfo
from divolte.http import responses
from divolte.http.request import Request, parse_query
from divolte.http.server import ServerState
from divolte.observe import Happenings
from divolte.sources.beacon import DroppedBeacon, parse_beacon
from divolte.sources.tag import TagResource

SENTINEL_ETAG = '"6b3edc43-20ec-4078-bc47-e965dd76b88a"'
_ETAG_MATCHES = frozenset({SENTINEL_ETAG, '"*"'})

TRANSPARENT_GIF = bytes.fromhex(
    "47494638396101000100000000 21f904010a0001002c00000000010001000002024c01003b".replace(" ", "")
)

_BEACON_HEADERS = [
    ("Content-Type", "image/gif"),
    ("ETag", SENTINEL_ETAG),
    ("Cache-Control", "private, no-cache, proxy-revalidate"),
    ("Pragma", "no-cache"),
    ("Expires", "Fri, 14 Apr 1995 11:30:00 GMT"),
]
_HEAD_200 = responses.render_head(200, _BEACON_HEADERS)
_HEAD_304 = responses.render_head(304, _BEACON_HEADERS)

EventSink = Callable[[Event], None]


def if_none_match_hits(value: bytes | None) -> bool:
    """Whether the first ``If-None-Match`` header names the beacon's sentinel ETag (§2.5)."""
    if value is None:
        return False
    for element in value.decode("latin-1").split(","):
        tag = element.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag in _ETAG_MATCHES:
            return True
    return False


class BrowserSource:
    def __init__(
        self,
        name: str,
        prefix: str,
        event_suffix: str,
        tag: TagResource,
        tag_name: str,
        response_delay: float,
        on_event: EventSink,
        happenings: Happenings,
    ) -> None:
        self.name = name
        self.tag_path = prefix + tag_name
        self.event_path = prefix + event_suffix
        self._tag = tag
        self._delay = response_delay
        self._on_event = on_event
        self._happenings = happenings

    def register(self, server: ServerState) -> None:
        server.add_route(self.tag_path, {"GET"}, self.serve_tag)
        server.add_route(self.event_path, {"GET"}, self.handle_beacon)

    def serve_tag(self, request: Request) -> None:
        accept = [v.decode("latin-1") for v in request.header_values(b"accept-encoding")]
        match = request.first_header(b"if-none-match")
        status, headers, body = self._tag.respond(
            accept, None if match is None else match.decode("latin-1")
        )
        request.send(
            responses.simple(
                status, body, headers, keep_alive=request.keep_alive, send_body=status != 304
            )
        )

    def handle_beacon(self, request: Request) -> None:
        if if_none_match_hits(request.first_header(b"if-none-match")):
            request.send(
                responses.finish(_HEAD_304, b"", keep_alive=request.keep_alive, send_body=False)
            )
            return
        response = responses.finish(_HEAD_200, TRANSPARENT_GIF, keep_alive=request.keep_alive)
        if self._delay > 0:
            asyncio.get_running_loop().call_later(self._delay, request.send, response)
        else:
            request.send(response)
        self._record(request)

    def _record(self, request: Request) -> None:
        happenings = self._happenings
        happenings.event_received(self.name)
        params, malformed = parse_query(request.raw_query)
        if malformed:
            happenings.query_malformed(self.name)
        info = RequestInfo(remote_host=request.peer, raw_headers=request.headers, query=params)
        try:
            event = parse_beacon(params, info, self.name, time.time_ns() // 1_000_000)
        except DroppedBeacon as dropped:
            happenings.event_dropped(self.name, dropped.reason)
            return
        self._on_event(event)
