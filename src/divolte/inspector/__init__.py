"""The live event inspector: a page that shows events as they arrive (development only).

``GET {path}`` serves the page (``page.html``: plain HTML and a little JavaScript);
``GET {path}/events`` streams server-sent events, one ``data:`` line of JSON per event,
optionally filtered with ``?party=…`` and ``?type=…`` (exact matches). Each shows the request
(address, query, headers), the flags, the parsed user agent and geo fields, and the record
(or error) of every mapping.

Cost: the pipeline checks :attr:`Inspector.watching` once per event and builds nothing
while it is False, i.e. while no page is open (and there is no inspector at all unless
``divolte.global.inspector.enabled``). With several workers a page sees the events of the
worker that serves its stream.

An entry that orjson cannot serialise (a record nested deeper than its 254 levels, an integer
beyond 64 bits) is shown with placeholders instead (logged once): the inspector never affects an
event.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import orjson

from divolte.enrich import Enrichment
from divolte.event import Event
from divolte.http import responses
from divolte.http.request import Request
from divolte.http.server import ServerState
from divolte.http.stream import ResponseStream
from divolte.inspector._describe import MappingResult, describe

__all__ = ["Inspector", "MappingResult"]

log = logging.getLogger("divolte.inspector")

_STREAM_HEAD = responses.render_head(
    200,
    [
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Accel-Buffering", "no"),
        ("Connection", "close"),
    ],
)


class _Watcher:
    __slots__ = ("party", "stream", "type")

    def __init__(self, stream: ResponseStream, party: str | None, type: str | None) -> None:
        self.stream, self.party, self.type = stream, party, type

    def wants(self, event: Event) -> bool:
        return (self.party is None or event.party_id == self.party) and (
            self.type is None or event.event_type == self.type
        )


class Inspector:
    def __init__(self, path: str = "/inspector", enrichment: Enrichment | None = None) -> None:
        self.path = path.rstrip("/") or "/inspector"
        self.events_path = self.path + "/events"
        self.enrichment = enrichment
        self.watching = False
        """True while at least one page is open: the pipeline's cue to call :meth:`publish`."""
        self._watchers: list[_Watcher] = []
        self._page = resources.files(__package__).joinpath("page.html").read_bytes()
        self._failure_logged = False

    def register(self, server: ServerState) -> None:
        server.add_route(self.path, {"GET", "HEAD"}, self.serve_page)
        server.add_route(self.events_path, {"GET"}, self.serve_events)

    def serve_page(self, request: Request) -> None:
        request.send(
            responses.simple(
                200,
                self._page,
                [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")],
                keep_alive=request.keep_alive,
                send_body=request.method == "GET",
            )
        )

    def serve_events(self, request: Request) -> None:
        if request.connection is None:
            request.send(responses.text(501, "Streaming is not available here."))
            return
        query = parse_qs(request.raw_query)
        party = query.get("party", [""])[0] or None
        event_type = query.get("type", [""])[0] or None
        stream = request.connection.open_stream(_STREAM_HEAD + responses.date_line() + b"\r\n")
        watcher = _Watcher(stream, party, event_type)
        hello = {"worker": os.getpid(), "party": party, "type": event_type}
        stream.write(b"event: hello\ndata: " + orjson.dumps(hello) + b"\n\n")
        stream.on_close = lambda: self._forget(watcher)
        if not stream.closed:
            self._watchers.append(watcher)
            self.watching = True

    def _forget(self, watcher: _Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)
        self.watching = bool(self._watchers)

    def publish(self, event: Event, results: Sequence[MappingResult]) -> None:
        """Show ``event`` and what each mapping made of it; call only while :attr:`watching`."""
        wanted = [w for w in self._watchers if w.wants(event)]
        if not wanted:
            return
        entry = describe(event, results, self.enrichment)
        try:
            shown = orjson.dumps(entry, default=str)
        except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
            shown = self._with_placeholders(entry, exc)
        data = b"data: " + shown + b"\n\n"
        for watcher in wanted:
            watcher.stream.write(data)

    def _with_placeholders(self, entry: dict[str, Any], exc: TypeError) -> bytes:
        """The entry with every part orjson refuses replaced by a note saying why."""
        if not self._failure_logged:
            self._failure_logged = True
            log.warning(
                "The inspector cannot show part of an event (%s); it shows a placeholder there "
                "instead. The event itself is not affected. (Logged once.)",
                exc,
            )
        fixed = {
            name: [{k: _serialisable(v) for k, v in result.items()} for result in value]
            if name == "records"
            else _serialisable(value)
            for name, value in entry.items()
        }
        try:
            return orjson.dumps(fixed, default=str)
        except TypeError:  # not expected: every part was checked
            return orjson.dumps({"type": entry.get("type"), "party": entry.get("party")})

    def close(self) -> None:
        for watcher in list(self._watchers):
            watcher.stream.close()


def _serialisable(value: object) -> object:
    try:
        orjson.dumps(value, default=str)
    except TypeError as exc:
        return f"(cannot be shown here: {exc})"
    return value
