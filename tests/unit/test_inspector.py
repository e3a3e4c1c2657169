"""The event inspector without sockets: streams, filters, and nothing built while unwatched."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from divolte.dedup import DuplicateMemory
from divolte.enrich import GeoInfo, UserAgentInfo
from divolte.errors import DivolteError
from divolte.event import Event, RequestInfo
from divolte.http.request import Request
from divolte.http.server import ServerState
from divolte.http.stream import MAX_BUFFER, ResponseStream
from divolte.inspector import Inspector, MappingResult, _describe
from divolte.observe import Happenings
from divolte.pipeline import MappingRoute, Pipeline
from tests.unit.test_metrics_http import Sent


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.buffered = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered


class FakeConnection:
    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.stream: ResponseStream | None = None

    def open_stream(self, head: bytes) -> ResponseStream:
        self.transport.write(head)
        self.stream = ResponseStream(self.transport, self._close)  # type: ignore[arg-type]
        return self.stream

    def _close(self) -> None:
        self.transport.closed = True

    def events(self) -> list[dict[str, object]]:
        return [
            json.loads(chunk[len(b"data: ") :])
            for chunk in self.transport.written
            if chunk.startswith(b"data: ")
        ]


def watch(inspector: Inspector, query: str = "") -> FakeConnection:
    connection = FakeConnection()
    request = Request("GET", "/inspector/events", query, [], "127.0.0.1", True, Sent())
    request.connection = connection
    state = ServerState()
    inspector.register(state)
    state.dispatch(request)
    return connection


def event(party: str = "0:p", event_type: str = "pageView") -> Event:
    info = RequestInfo("192.0.2.1", [(b"User-Agent", b"Mozilla/5.0")], {"t": [event_type]})
    return Event(
        source_kind="browser",
        source_name="browser",
        party_id=party,
        session_id="0:s",
        event_id="0:e",
        new_party=True,
        first_in_session=True,
        client_timestamp=1,
        timestamp=1_700_000_000_123,
        request=info,
        event_type=event_type,
        location="http://example.com/",
    )


class Enrichment:
    geo_enabled = True

    def user_agent(self, event: Event) -> UserAgentInfo | None:
        return UserAgentInfo(
            "Chrome", "Chrome", "Google", "Browser", "120", "Personal computer", "Linux", "", ""
        )

    def geo(self, address: str) -> GeoInfo | None:
        return GeoInfo(country_code="NL", city_name="Amsterdam")


def test_not_watching_until_a_page_streams_and_again_when_it_leaves() -> None:
    inspector = Inspector()
    assert not inspector.watching
    connection = watch(inspector)
    assert inspector.watching
    head = connection.transport.written[0]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: text/event-stream" in head
    assert head.endswith(b"\r\n\r\n")  # the head is complete; the body follows
    assert connection.transport.written[1].startswith(b"event: hello\ndata: ")
    assert connection.stream is not None
    connection.stream.lost()  # the browser went away
    assert not inspector.watching


def test_each_event_shows_request_flags_enrichment_and_records() -> None:
    inspector = Inspector(enrichment=Enrichment())
    connection = watch(inspector)
    record = {"partyId": "0:p", "eventType": "pageView"}
    inspector.publish(event(), [("default", record), ("broken", DivolteError("no field x"))])
    (shown,) = connection.events()
    assert shown["party"] == "0:p"
    assert shown["type"] == "pageView"
    assert shown["received"] == _describe.describe(event(), [], None)["received"]
    assert shown["flags"] == {
        "corrupt": False,
        "duplicate": False,
        "new_party": True,
        "first_in_session": True,
        "robot": False,
    }
    assert shown["request"] == {
        "remote_host": "192.0.2.1",
        "query": {"t": "pageView"},
        "headers": [["User-Agent", "Mozilla/5.0"]],
    }
    assert shown["user_agent"]["name"] == "Chrome"  # type: ignore[index]
    assert shown["user_agent"]["string"] == "Mozilla/5.0"  # type: ignore[index]
    assert shown["geo"] == {"country_code": "NL", "city_name": "Amsterdam"}
    assert shown["records"] == [
        {"mapping": "default", "record": record},
        {"mapping": "broken", "error": "no field x"},
    ]


def test_filters_by_party_and_event_type() -> None:
    inspector = Inspector()
    by_party = watch(inspector, "party=0%3Awanted")
    by_type = watch(inspector, "type=click")
    everything = watch(inspector)
    inspector.publish(event("0:wanted", "pageView"), [])
    inspector.publish(event("0:other", "click"), [])
    inspector.publish(event("0:other", "pageView"), [])
    assert [e["party"] for e in by_party.events()] == ["0:wanted"]
    assert [e["type"] for e in by_type.events()] == ["click"]
    assert len(everything.events()) == 3


def test_a_slow_reader_loses_events_instead_of_growing_a_buffer() -> None:
    inspector = Inspector()
    connection = watch(inspector)
    connection.transport.buffered = MAX_BUFFER + 1
    inspector.publish(event(), [])
    assert connection.events() == []
    connection.transport.buffered = 0
    inspector.publish(event(), [])
    assert len(connection.events()) == 1


def test_close_ends_every_stream() -> None:
    inspector = Inspector()
    connection = watch(inspector)
    inspector.close()
    assert connection.transport.closed
    assert not inspector.watching
    assert connection.stream is not None
    assert connection.stream.write(b"data: late\n\n") is False


def test_the_page_is_served() -> None:
    inspector = Inspector("/debug/events-live/")
    state = ServerState()
    inspector.register(state)
    sent = Sent()
    state.dispatch(Request("GET", "/debug/events-live", "", [], "127.0.0.1", True, sent))
    assert sent.status == 200
    assert b"<title>Divolte event inspector</title>" in sent.body
    assert "/debug/events-live/events" in state.routes


def test_without_a_streaming_connection_the_stream_is_refused() -> None:
    inspector = Inspector()
    state = ServerState()
    inspector.register(state)
    sent = Sent()
    state.dispatch(Request("GET", "/inspector/events", "", [], "127.0.0.1", True, sent))
    assert sent.status == 501
    assert not inspector.watching


def _nested(depth: int) -> dict[str, object]:
    record: dict[str, object] = {"y": None}
    for _ in range(depth - 1):
        record = {"y": record}
    return record


def test_what_cannot_be_serialised_is_shown_as_a_placeholder(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inspector = Inspector()
    connection = watch(inspector)
    fine = {"partyId": "0:p"}
    for _ in range(2):
        inspector.publish(
            event(),
            [("deep", _nested(300)), ("big", {"n": 2**70}), ("fine", fine)],
        )
    first, second = connection.events()
    assert first == second
    records: list[dict[str, Any]] = first["records"]  # type: ignore[assignment]
    deep, big, shown = records
    assert deep["mapping"] == "deep" and "cannot be shown here" in deep["record"]
    assert big["mapping"] == "big" and "cannot be shown here" in big["record"]
    assert shown == {"mapping": "fine", "record": fine}
    assert first["party"] == "0:p" and first["type"] == "pageView"
    warnings = [r for r in caplog.records if r.name == "divolte.inspector"]
    assert len(warnings) == 1  # logged once


def test_records_within_orjson_limits_are_shown_whole() -> None:
    inspector = Inspector()
    connection = watch(inspector)
    inspector.publish(event(), [("deep", _nested(200))])
    (shown,) = connection.events()
    assert shown["records"] == [{"mapping": "deep", "record": _nested(200)}]


class _BrokenInspector(Inspector):
    def publish(self, event: Event, results: Sequence[MappingResult]) -> None:
        raise TypeError("Recursion limit reached")


class _Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    def enqueue(self, data: bytes, meta: object) -> None:
        self.received.append(data)


def test_an_inspector_failure_never_affects_the_event(caplog: pytest.LogCaptureFixture) -> None:
    inspector = _BrokenInspector()
    watch(inspector)
    sink = _Sink()
    route = MappingRoute(
        "default",
        lambda e: {"party": e.party_id},
        lambda r: b"encoded",
        [sink],  # type: ignore[list-item]
    )
    pipeline = Pipeline(DuplicateMemory(16), {"browser": [route]}, Happenings(), inspector)
    pipeline(event())  # does not raise
    assert sink.received == [b"encoded"]
    assert any("inspector" in r.getMessage() for r in caplog.records)
